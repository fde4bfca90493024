//! The `tcp-keepalive` command: see keepalive detect a dead peer, watch a
//! connection's keepalive state, find a network path's idle timeout, and show
//! the OS defaults.
//!
//! ```text
//! tcp-keepalive demo                      # loopback, no setup, ~4 s
//! tcp-keepalive watch HOST:PORT [--idle 10s --interval 5s --retries 3 --user-timeout 30s]
//! tcp-keepalive idle-timeout HOST:PORT [--max 10m --connections 64]
//! tcp-keepalive defaults
//! tcp-keepalive completions bash|zsh|fish|powershell|elvish
//! tcp-keepalive man [COMMAND]
//! ```
//!
//! # Output
//!
//! Text by default, with a progress display on stderr while waiting when
//! stdout is a terminal. With `--json`, one JSON object per line on stdout,
//! one per event or result; each has an `"event"` field:
//!
//! | command | events |
//! | --- | --- |
//! | `demo` | `demo_start`, `probe` (a probe went out unanswered), `dead`, `control` (the connection without keepalive), `result` (`detection_s`, `bound_s`, `over_bound_s`) |
//! | `watch` | `connected` (settings in effect, `bound_s`), `probe`, `alive` (the peer answered), `data`, `dead`, `closed` |
//! | `idle-timeout` | `start` (the grid of ages), `probe` (`idle_s`, `answered`, bracket `lo_s`/`hi_s`), `closed`, `result` (`idle_timeout_s`, `plus_minus_s`, `recommended_idle_s`, …) |
//! | `defaults` | `defaults` (`idle_s`, `interval_s`, `retries`, `detection_bound_s`, `sysctls`, `socket`, `change`) |
//! | `completions` | `completions` (`shell`, `script`) |
//! | `man` | `man` (`roff`) |
//! | any | `error` (`message`, `exit_code`), also printed on stderr |
//!
//! Durations are seconds (numbers) in fields ending in `_s`.
//!
//! # Exit codes
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | success |
//! | 1 | a system or network error |
//! | 2 | bad input: arguments, durations, addresses, unresolvable hosts, settings outside the OS limits |
//! | 3 | `watch`: keepalive declared the peer dead |
//! | 4 | `watch`: the peer closed or reset the connection |
//! | 5 | `demo`: the peer cannot be silenced here (the message says what is missing) |
//! | 6 | `idle-timeout`: no idle timeout up to `--max` |

mod cli;
mod completions;
mod defaults;
#[cfg(target_os = "linux")]
mod demo;
// Elsewhere than Linux the search exists (and is unit-tested) but has no driver.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
mod idle_timeout;
mod man;
mod output;
mod target;
mod tcp_info;
mod watch;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::output::Output;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Output::new(cli.json);
    let outcome = match &cli.command {
        Command::Demo => demo(&out),
        Command::Watch(args) => watch::run(args, &out),
        Command::IdleTimeout(args) => idle_timeout::run(args, &out),
        Command::Defaults => defaults::run(&out),
        Command::Completions(args) => completions::run(args, &out),
        Command::Man(args) => man::run(args, &out),
    };
    out.progress_done();
    match outcome {
        Ok(exit) => exit.into(),
        Err(failure) => {
            out.failure(&failure);
            failure.exit.into()
        }
    }
}

#[cfg(target_os = "linux")]
fn demo(out: &Output) -> output::Outcome {
    demo::run(out)
}

#[cfg(not(target_os = "linux"))]
fn demo(_out: &Output) -> output::Outcome {
    Err(output::Failure::new(
        output::Exit::Error,
        "the demo is Linux only: it silences the peer with a BPF socket filter and reads TCP_INFO",
    ))
}
