//! `bindery`: build, compose, inspect and serve apps whose triggers select
//! binders. Each command lives in its own file under `commands/`.

mod build_steps;
mod cache;
mod commands;
mod progress;
mod scaffold;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use commands::{
    BuildCommand, ComponentizeCommand, ComposeCommand, InspectCommand, NewCommand, ServeCommand,
    UpCommand,
};

/// Bind application protocols to WebAssembly components, on the guest side.
#[derive(Parser)]
#[command(name = "bindery", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Build(BuildCommand),
    Compose(ComposeCommand),
    Serve(ServeCommand),
    Up(UpCommand),
    Componentize(ComponentizeCommand),
    New(NewCommand),
    Inspect(InspectCommand),
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Build(command) => command.exec(),
        Command::Compose(command) => command.exec(),
        Command::Serve(command) => command.exec(),
        Command::Up(command) => command.exec(),
        Command::Componentize(command) => command.exec(),
        Command::New(command) => command.exec(),
        Command::Inspect(command) => command.exec(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
