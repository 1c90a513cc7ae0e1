//! One module per `bindery` command, each a clap `Args` struct with an
//! `exec` method.

mod build;
mod componentize;
mod compose;
mod inspect;
mod new;
mod serve;
mod up;

pub use build::BuildCommand;
pub use componentize::ComponentizeCommand;
pub use compose::ComposeCommand;
pub use inspect::InspectCommand;
pub use new::NewCommand;
pub use serve::ServeCommand;
pub use up::UpCommand;
