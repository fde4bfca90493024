//! What the command prints: human text or JSON lines, a progress display for
//! waits, and the errors with their exit codes.
//!
//! With `--json`, every event is one JSON object on one line of stdout, with
//! an `"event"` field naming it; durations are seconds in fields ending in
//! `_s`. Without `--json`, events are text lines. The progress display (a
//! spinner with a message, on stderr) is shown only when stdout is a terminal
//! and `--json` is off, and then text lines are printed above it.

use std::fmt;
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

/// The documented exit codes (see `--help`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: success.
    Success = 0,
    /// 1: a system or network error.
    Error = 1,
    /// 2: bad input (also what clap uses for argument errors).
    BadInput = 2,
    /// 3: `watch`: keepalive declared the peer dead.
    PeerDead = 3,
    /// 4: `watch`: the peer closed or reset the connection.
    PeerClosed = 4,
    /// 5: `demo`: the peer cannot be silenced here.
    Unavailable = 5,
    /// 6: `idle-timeout`: no timeout found up to `--max`.
    NoTimeout = 6,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// A failure: what to tell the user, and the exit code.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub exit: Exit,
    /// One or more lines for the user.
    pub message: String,
}

impl Failure {
    /// A failure with `exit` and `message`.
    pub fn new(exit: Exit, message: impl Into<String>) -> Failure {
        Failure { exit, message: message.into() }
    }

    /// From an I/O error, with what was being done: `InvalidInput` and
    /// `Unsupported` errors (the library's refusals) are bad input (2), the
    /// rest are errors (1).
    pub fn io(doing: impl fmt::Display, err: io::Error) -> Failure {
        let exit = match err.kind() {
            io::ErrorKind::InvalidInput | io::ErrorKind::Unsupported => Exit::BadInput,
            _ => Exit::Error,
        };
        Failure::new(exit, format!("{doing}: {err}"))
    }
}

/// The result of a subcommand: the exit code on success paths (some of which
/// are not 0, like "peer declared dead"), or a failure.
pub type Outcome = Result<Exit, Failure>;

/// A duration as JSON seconds.
pub fn secs(d: Duration) -> f64 {
    // Milliseconds are enough, and keep the JSON short.
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

/// A duration for people: `4.06s`, `350ms`, `2h 0m 0s` style for long ones.
pub fn human(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1.0 {
        format!("{}ms", d.as_millis())
    } else if s < 120.0 {
        let text = format!("{s:.2}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        format!("{text}s")
    } else {
        humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
    }
}

/// Where events go.
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

    /// Prints one event: `event` as a JSON line with `--json`, else the text
    /// from `text` (skipped when it returns an empty string).
    pub fn event<E: Serialize>(&self, event: &E, text: impl FnOnce() -> String) {
        if self.json {
            match serde_json::to_string(event) {
                Ok(line) => self.write_stdout(&line),
                Err(e) => eprintln!("tcp-keepalive: cannot encode an event as JSON: {e}"),
            }
        } else {
            let text = text();
            if !text.is_empty() {
                self.write_stdout(&text);
            }
        }
    }

    fn write_stdout(&self, text: &str) {
        let print = || {
            let mut stdout = io::stdout().lock();
            // A closed stdout (e.g. `| head`) is not worth a panic.
            let _ = writeln!(stdout, "{text}");
            let _ = stdout.flush();
        };
        match &self.progress {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }

    /// Shows `message` on the progress display (a spinner with elapsed time)
    /// while waiting; nothing when the display is off.
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

    /// Reports a failure: on stderr, and with `--json` also as an `error` event.
    pub fn failure(&self, failure: &Failure) {
        self.progress_done();
        if self.json {
            #[derive(Serialize)]
            struct ErrorEvent<'a> {
                event: &'static str,
                message: &'a str,
                exit_code: u8,
            }
            self.event(
                &ErrorEvent {
                    event: "error",
                    message: &failure.message,
                    exit_code: failure.exit as u8,
                },
                String::new,
            );
        }
        eprintln!("tcp-keepalive: {}", failure.message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_for_people() {
        assert_eq!(human(Duration::from_millis(350)), "350ms");
        assert_eq!(human(Duration::from_millis(4060)), "4.06s");
        assert_eq!(human(Duration::from_secs(3)), "3s");
        assert_eq!(human(Duration::from_secs(7875)), "2 h 11 min");
        assert_eq!(human(Duration::from_secs(2_147_483)), "24 days 20 h");
    }

    #[test]
    fn library_refusals_are_bad_input() {
        let refused = io::Error::new(io::ErrorKind::InvalidInput, "idle 0s");
        assert_eq!(Failure::io("applying", refused).exit, Exit::BadInput);
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(Failure::io("connecting", refused).exit, Exit::Error);
    }
}
