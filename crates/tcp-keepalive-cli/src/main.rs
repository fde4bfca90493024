//! The `tcp-keepalive` command: see keepalive detect a dead peer, watch a
//! connection's keepalive state, find a network path's idle timeout, and show
//! the OS defaults.
//!
//! ```text
//! tcp-keepalive demo                      # loopback, no setup, ~4 s
//! tcp-keepalive watch HOST:PORT [--idle 10s --interval 5s --retries 3 --user-timeout 30s | --path-timeout aws-nat-gateway]
//! tcp-keepalive idle-timeout HOST:PORT [--max 10m --connections 64 --detect-within 1m]
//! tcp-keepalive defaults
//! tcp-keepalive inspect [--pid PID --port PORT --state all --max-detection 5m --path-timeout 350s --prometheus --all-namespaces]
//! tcp-keepalive apply --pid PID --idle 30s --interval 5s --retries 3 [--port P --remote HOST[:PORT] --listeners --dry-run --all-namespaces]
//! tcp-keepalive exporter [--listen 127.0.0.1:9878 --scrape-timeout 8s --own-namespace]
//! tcp-keepalive completions bash|zsh|fish|powershell|elvish
//! tcp-keepalive man [COMMAND]
//! ```
//!
//! Where a change goes: `cli` (arguments and `--help`), one module per
//! subcommand (`demo`, `watch`, `idle_timeout`, `defaults`, `inspect`, `apply`,
//! `exporter`), each with one enum of its events; `sampler` (what `demo` and
//! `watch` share: sampling a connection), `output`
//! (printing events, exit codes, errors, Ctrl-C), `target` (HOST:PORT),
//! `tcp_info` (the kernel's view of a connection).
//!
//! # Output
//!
//! Text by default, with a progress display on stderr while waiting when
//! stdout is a terminal. With `--json`, one JSON object per line on stdout,
//! one per event; each subcommand's `--help` lists its events and their
//! fields, rendered from the event types. Errors and Ctrl-C end with an
//! `error` or `interrupted` event. A closed stdout ends the run quietly.
//!
//! # Exit codes
//!
//! See [`output::Exit`], which `--help` renders too.

#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
mod apply;
mod args;
mod cli;
mod completions;
mod defaults;
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
mod exporter;
// Linux only: elsewhere their `run` is a stub that fails with exit code 5
// (`Failure::linux_only`), while their events still define `--help`.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
mod demo;
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
mod idle_timeout;
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
mod inspect;
mod man;
#[cfg(target_os = "linux")]
mod metrics;
mod output;
mod path_timeout;
mod sampler;
mod target;
mod tcp_info;
mod watch;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};

use crate::cli::{Cli, Command};
use crate::output::{Exit, Failure, Output};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return argument_error(err),
    };
    let out = Output::new(cli.json);
    // The demo may have to enter a user namespace first, which needs a
    // single thread: it installs the (threaded) Ctrl-C handler itself. The
    // exporter ends on SIGTERM and SIGINT by itself, with code 0.
    if !matches!(cli.command, Command::Demo | Command::Exporter(_)) {
        out.exit_on_ctrl_c();
    }
    let outcome = match &cli.command {
        Command::Demo => demo::run(&out),
        Command::Watch(args) => watch::run(args, &out),
        Command::IdleTimeout(args) => idle_timeout::run(args, &out),
        Command::Defaults => defaults::run(&out),
        Command::Inspect(args) => inspect::run(args, &out),
        Command::Apply(args) => apply::run(args, &out),
        Command::Exporter(args) => exporter::run(args, &out),
        Command::Completions(args) => completions::run(args, Cli::command(), &out),
        Command::Man(args) => man::run(args, Cli::command(), &out),
    };
    out.exit(outcome)
}

/// clap could not parse the arguments: its message on stderr, and with
/// `--json` anywhere on the command line one `error` event on stdout.
fn argument_error(err: clap::Error) -> ExitCode {
    if matches!(err.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = err.print();
        return ExitCode::SUCCESS;
    }
    let _ = err.print();
    let json = std::env::args_os().skip(1).any(|arg| arg == "--json");
    if json {
        let message = match err.kind() {
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                "no subcommand; see tcp-keepalive --help".to_string()
            }
            // clap's message up to its usage line and tips, on one line.
            _ => err.render().to_string().split("\n\n").next().unwrap_or_default().to_string(),
        };
        let message = message.trim().trim_start_matches("error: ");
        let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
        let failure = Failure::new(Exit::BadInput, message);
        // The message is on stderr already (with clap's tips): only the event here.
        Output::new(true).emit_failure(&failure);
    }
    Exit::BadInput.into()
}
