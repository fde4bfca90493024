//! `tcp-keepalive man [COMMAND]`: the man page (roff), generated from the same
//! clap definitions as `--help` (clap_mangen). The main page lists the
//! subcommands as `tcp-keepalive-<command>(1)`; `man COMMAND` prints that page.

use clap::Args;
use schemars::JsonSchema;
use serde::Serialize;

use crate::output::{Event, Exit, Failure, Outcome, Output};

/// The events of `man`: one.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ManEvent {
    /// The page, in roff.
    Man { roff: String },
}

impl Event for ManEvent {
    fn text(&self) -> String {
        let ManEvent::Man { roff } = self;
        roff.trim_end_matches('\n').to_owned()
    }
}

/// `man` arguments.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Print this subcommand's page (tcp-keepalive-COMMAND(1)) instead of the main one.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// The roff source of `cli`'s page for `command` (None: the main page).
pub fn page(mut cli: clap::Command, command: Option<&str>) -> Result<String, Failure> {
    // Named before building, which adds `help`.
    let known: Vec<String> = cli.get_subcommands().map(|sub| sub.get_name().to_owned()).collect();
    // Building propagates the global options and names subcommands "tcp-keepalive-<command>".
    cli.build();
    let cmd = match command {
        None => cli,
        Some(name) => cli.find_subcommand(name).cloned().ok_or_else(|| {
            Failure::new(
                Exit::BadInput,
                format!("no subcommand {name:?}; the subcommands are {}", known.join(", ")),
            )
        })?,
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(cmd)
        // Subcommands have no version of their own: name the program's on every page.
        .source(concat!("tcp-keepalive ", env!("CARGO_PKG_VERSION")))
        .render(&mut roff)
        .map_err(|e| Failure::io("cannot render the man page", e))?;
    Ok(String::from_utf8_lossy(&roff).into_owned())
}

/// Prints `cli`'s page (with `--json`, as one `man` event).
pub fn run(args: &ManArgs, cli: clap::Command, out: &Output) -> Outcome {
    let roff = page(cli, args.command.as_deref())?;
    out.emit(&ManEvent::Man { roff })?;
    Ok(Exit::Success)
}
