//! What the command prints: events as text lines or JSON lines, a progress
//! display while waiting, and how the run ends (errors, Ctrl-C, a closed
//! stdout).
//!
//! Each subcommand has one enum of events (`#[serde(tag = "event")]`) that
//! implements [`Event`]: the JSON line is the serialized event, the text line
//! is [`Event::text`]. Commands only [`Output::emit`] events. The progress
//! display (a spinner on stderr) is shown only when stdout is a terminal and
//! `--json` is off; text lines are printed above it.

mod exit;
mod format;
mod schema;
mod settings;

use std::borrow::Borrow;
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use schemars::JsonSchema;
use serde::Serialize;

pub use exit::{Exit, Failure, Outcome};
pub use format::{human, human_s, os_name, plural, round_ms, secs, secs_text};
pub use schema::events_help;
pub use settings::KeepaliveFields;

/// An event a subcommand reports: one JSON line, or its text.
pub trait Event: Serialize + JsonSchema {
    /// The text for people (one or more lines); empty to print nothing.
    fn text(&self) -> String;
}

/// The last event of a run that did not end normally; every subcommand has them.
#[derive(Serialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum FailureEvent {
    /// The run failed; the message is also printed on stderr.
    Error { message: String, exit_code: u8 },
    /// Ctrl-C, SIGTERM or SIGHUP stopped the run.
    Interrupted { message: String, exit_code: u8 },
}

/// Where events go.
#[derive(Clone)]
pub struct Output {
    json: bool,
    progress: Option<ProgressBar>,
}

impl Output {
    /// JSON lines or text; a progress display only for text on a terminal.
    pub fn new(json: bool) -> Output {
        let progress = (!json && io::stdout().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar
        });
        Output { json, progress }
    }

    /// Prints one event. A closed stdout ends the run quietly
    /// ([`Failure::stdout_closed`]); any other write error is a failure.
    pub fn emit<E: Event>(&self, event: &E) -> Result<(), Failure> {
        self.emit_all::<E, _>([event])
    }

    /// Prints `events` as [`Output::emit`] would, buffered: a long listing
    /// costs a write per 64 KiB, not one per line. Everything printed is
    /// flushed before it returns, an error included.
    pub fn emit_all<E: Event, B: Borrow<E>>(
        &self,
        events: impl IntoIterator<Item = B>,
    ) -> Result<(), Failure> {
        let print = || {
            let mut stdout = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
            let mut printed = Ok(());
            for event in events {
                let line = match self.line(event.borrow()) {
                    Ok(line) if line.is_empty() => continue,
                    Ok(line) => line,
                    Err(failure) => {
                        printed = Err(failure);
                        break;
                    }
                };
                if let Err(e) = writeln!(stdout, "{line}") {
                    return Err(write_failure(&e));
                }
            }
            stdout.flush().map_err(|e| write_failure(&e))?;
            printed
        };
        match &self.progress {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }

    /// `event` as one JSON line or its text (perhaps empty: nothing to print).
    fn line<E: Event>(&self, event: &E) -> Result<String, Failure> {
        match self.json {
            true => serde_json::to_string(event)
                .map_err(|e| Failure::new(Exit::Error, format!("cannot encode an event: {e}"))),
            false => Ok(event.text()),
        }
    }

    /// Ends the run when nobody reads stdout any more; loops that wait call it
    /// each round, since they may print nothing for a long time.
    pub fn check_stdout(&self) -> Result<(), Failure> {
        match stdout_closed() {
            true => Err(Failure::stdout_closed()),
            false => Ok(()),
        }
    }

    /// Shows `message` on the progress display while waiting; nothing when it is off.
    pub fn progress(&self, message: impl FnOnce() -> String) {
        if let Some(bar) = &self.progress {
            if bar.is_finished() {
                bar.reset();
            }
            bar.set_message(message());
            bar.tick();
        }
    }

    /// Removes the progress display.
    pub fn progress_done(&self) {
        if let Some(bar) = &self.progress {
            bar.finish_and_clear();
        }
    }

    /// From now on Ctrl-C (and SIGTERM, SIGHUP) ends the run: the progress line goes, an
    /// `interrupted` event is the last line, and the exit code is 130. It
    /// starts a thread, so the demo calls it only after entering its namespace.
    pub fn exit_on_ctrl_c(&self) {
        let out = self.clone();
        let installed = ctrlc::set_handler(move || {
            let failure =
                Failure::new(Exit::Interrupted, "interrupted (Ctrl-C, SIGTERM or SIGHUP)");
            let exit = out.end(Err(failure));
            std::process::exit(i32::from(exit as u8));
        });
        // Without a handler, Ctrl-C still stops the run (the default action).
        let _ = installed;
    }

    /// Ends the run: reports a failure (stderr, and a JSON event with
    /// `--json`) and returns the exit code.
    pub fn end(&self, outcome: Outcome) -> Exit {
        self.progress_done();
        let failure = match outcome {
            Ok(exit) => return exit,
            Err(failure) if failure.message.is_empty() => return failure.exit,
            Err(failure) => failure,
        };
        self.emit_failure(&failure);
        eprintln!("tcp-keepalive: {}", failure.message);
        failure.exit
    }

    /// With `--json`, the `error` or `interrupted` event for `failure`.
    pub fn emit_failure(&self, failure: &Failure) {
        if !self.json {
            return;
        }
        let (message, exit_code) = (failure.message.clone(), failure.exit as u8);
        let event = match failure.exit {
            Exit::Interrupted => FailureEvent::Interrupted { message, exit_code },
            _ => FailureEvent::Error { message, exit_code },
        };
        // The message is on stderr as well; a broken stdout cannot take more.
        let _ = self.emit(&event);
    }

    /// [`Output::end`] as the process's exit code.
    pub fn exit(&self, outcome: Outcome) -> ExitCode {
        self.end(outcome).into()
    }
}

impl Event for FailureEvent {
    /// Endings go to stderr ([`Output::end`]), never to stdout as text.
    fn text(&self) -> String {
        String::new()
    }
}

/// A closed stdout ends the run quietly; any other write error is a failure.
fn write_failure(e: &io::Error) -> Failure {
    match e.kind() {
        io::ErrorKind::BrokenPipe => Failure::stdout_closed(),
        _ => Failure::new(Exit::Error, format!("cannot write to stdout: {e}")),
    }
}

/// Whether stdout is a pipe or socket whose reader has gone (`POLLERR`/`POLLHUP`).
#[cfg(target_os = "linux")]
fn stdout_closed() -> bool {
    let mut poll = libc::pollfd { fd: libc::STDOUT_FILENO, events: 0, revents: 0 };
    // SAFETY: one pollfd that lives for the call; a zero timeout never blocks.
    let ready = unsafe { libc::poll(&raw mut poll, 1, 0) };
    ready == 1 && poll.revents & (libc::POLLERR | libc::POLLHUP) != 0
}

/// Elsewhere a closed stdout is noticed at the next write.
#[cfg(not(target_os = "linux"))]
fn stdout_closed() -> bool {
    false
}
