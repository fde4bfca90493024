//! `tcp-keepalive completions SHELL`: the shell completion script, generated
//! from the same clap definitions as `--help` (clap_complete), so it cannot
//! fall behind the arguments.

use clap::Args;
use clap_complete::Shell;
use schemars::JsonSchema;
use serde::Serialize;

use crate::output::{Event, Exit, Outcome, Output};

/// The events of `completions`: one.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum CompletionsEvent {
    /// The completion script for `shell`.
    Completions { shell: String, script: String },
}

impl Event for CompletionsEvent {
    fn text(&self) -> String {
        let CompletionsEvent::Completions { script, .. } = self;
        script.trim_end_matches('\n').to_owned()
    }
}

/// `completions` arguments.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

/// The completion script for `shell`, completing `cli` (the whole command line).
pub fn script(shell: Shell, mut cli: clap::Command) -> String {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cli, "tcp-keepalive", &mut script);
    String::from_utf8_lossy(&script).into_owned()
}

/// Prints the script for `cli` (with `--json`, as one `completions` event).
pub fn run(args: &CompletionsArgs, cli: clap::Command, out: &Output) -> Outcome {
    let script = script(args.shell, cli);
    out.emit(&CompletionsEvent::Completions { shell: args.shell.to_string(), script })?;
    Ok(Exit::Success)
}
