//! Progress of long steps (building, compiling): on a terminal, a spinner
//! with the elapsed time and the step's latest output line; elsewhere, plain
//! lines on stderr that a log keeps.

use std::io::IsTerminal as _;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// One long step in progress.
pub struct Step {
    started: Instant,
    spinner: Option<ProgressBar>,
    /// The output lines a spinner hides, shown if the step fails.
    hidden: Vec<String>,
}

impl Step {
    /// Starts the step, for example `building echo`.
    pub fn start(label: impl Into<String>) -> Self {
        let label = label.into();
        let spinner = std::io::stderr().is_terminal().then(|| {
            let spinner = ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{spinner} {prefix} [{elapsed}] {wide_msg}")
                    .expect("the template is valid"),
            );
            spinner.set_prefix(label.clone());
            spinner.enable_steady_tick(Duration::from_millis(100));
            spinner
        });
        if spinner.is_none() {
            eprintln!("{label}...");
        }
        Self {
            started: Instant::now(),
            spinner,
            hidden: Vec::new(),
        }
    }

    /// A line of the step's output: the spinner's message on a terminal,
    /// else printed as is.
    pub fn line(&mut self, line: &str) {
        match &self.spinner {
            Some(spinner) => {
                spinner.set_message(line.trim().to_owned());
                self.hidden.push(line.to_owned());
            }
            None => eprintln!("{line}"),
        }
    }

    /// Ends the step successfully, printing `<done> in <elapsed time>`.
    pub fn finish(self, done: &str) {
        if let Some(spinner) = &self.spinner {
            spinner.finish_and_clear();
        }
        eprintln!("{done} in {:.2}s", self.started.elapsed().as_secs_f64());
    }

    /// Ends the step as failed, showing the output the spinner hid.
    pub fn fail(self) {
        if let Some(spinner) = &self.spinner {
            spinner.finish_and_clear();
            for line in &self.hidden {
                eprintln!("{line}");
            }
        }
    }
}
