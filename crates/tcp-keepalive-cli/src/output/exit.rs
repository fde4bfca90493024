//! The exit codes, written once (`exit_codes!` below) and rendered into
//! `--help` and into [`Exit`]'s docs; and [`Failure`], an error with its code.

use std::fmt;
use std::io;

use tcp_keepalive::{Problem, Setting, SettingError};

/// Defines [`Exit`] and its table from one list of codes and meanings.
macro_rules! exit_codes {
    ($($name:ident = $code:literal: $meaning:literal,)*) => {
        /// The exit codes; `--help` prints the same table.
        ///
        /// | code | meaning |
        /// | --- | --- |
        $(#[doc = concat!("| ", $code, " | ", $meaning, " |")])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Exit {
            $(#[doc = $meaning] $name = $code,)*
        }

        impl Exit {
            /// Every code with its meaning, in order.
            pub const TABLE: &[(Exit, &str)] = &[$((Exit::$name, $meaning),)*];
        }
    };
}

exit_codes! {
    Success = 0: "success (demo: the dead peer was detected; idle-timeout: a timeout was found), or stdout was closed by its reader (`| head`)",
    Error = 1: "a system or network error (connection refused, unreachable, a failed write to stdout, ...)",
    BadInput = 2: "bad input: arguments, durations, addresses, unresolvable hosts, settings outside the OS limits",
    PeerDead = 3: "watch: keepalive (or the user timeout) declared the peer dead",
    PeerClosed = 4: "watch: the peer closed or reset the connection",
    Unsupported = 5: "not possible on this OS: a keepalive setting, a subcommand or a default it lacks",
    NoTimeout = 6: "idle-timeout: no idle timeout up to --max",
    Incomplete = 7: "inspect: some connection or process could not be read exactly (no such pid, it exited, the socket closed, no permission); apply: some socket or process could not be configured (no such pid, it exited, the socket closed); each is shown on its line",
    SlowDetection = 8: "inspect --max-detection: a listed connection would notice a dead peer later than that, or never; before 7",
    NoPrivilege = 9: "demo: no privilege to silence a peer (CAP_NET_ADMIN), and no user namespace to get it in; apply: no permission to reach a process's sockets (ptrace access), shown on its line",
    DroppedByPath = 10: "inspect --path-timeout: a listed connection would be dropped by that path (keepalive off, or its first probe too late); before 8 and 7",
    Interrupted = 130: "interrupted (Ctrl-C, SIGTERM or SIGHUP)",
}

impl Exit {
    /// The whole table as `--help` shows it.
    pub fn help() -> String {
        Exit::lines("Exit codes:", |_| true)
    }

    /// The codes `subcommand` can end with, as its `--help` shows them, and
    /// where the whole table is; every code for a subcommand not in
    /// [`Exit::specific_to`].
    pub fn help_for(subcommand: &str) -> String {
        let Some(specific) = Exit::specific_to(subcommand) else { return Exit::help() };
        let heading = "Exit codes (every code: tcp-keepalive --help):";
        Exit::lines(heading, |exit| Exit::COMMON.contains(&exit) || specific.contains(&exit))
    }

    /// What every subcommand can end with: success, an error, bad input, a signal.
    const COMMON: &[Exit] = &[Exit::Success, Exit::Error, Exit::BadInput, Exit::Interrupted];

    /// The codes only some subcommands end with, by subcommand; `None` for a
    /// subcommand this list lacks (a new one must be added here).
    fn specific_to(subcommand: &str) -> Option<&'static [Exit]> {
        Some(match subcommand {
            "demo" => &[Exit::Unsupported, Exit::NoPrivilege],
            "watch" => &[Exit::PeerDead, Exit::PeerClosed, Exit::Unsupported],
            "idle-timeout" => &[Exit::Unsupported, Exit::NoTimeout],
            "defaults" => &[Exit::Unsupported],
            "inspect" => {
                &[Exit::Unsupported, Exit::Incomplete, Exit::SlowDetection, Exit::DroppedByPath]
            }
            "exporter" => &[Exit::Unsupported],
            "apply" => &[Exit::Unsupported, Exit::Incomplete, Exit::NoPrivilege],
            "completions" | "man" => &[],
            _ => return None,
        })
    }

    /// `heading`, then one line per code that `shown` keeps.
    fn lines(heading: &str, shown: impl Fn(Exit) -> bool) -> String {
        let mut text = format!("{heading}\n");
        for &(exit, meaning) in Exit::TABLE.iter().filter(|(exit, _)| shown(*exit)) {
            text.push_str(&format!("  {:>3}  {meaning}\n", exit as u8));
        }
        text
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> std::process::ExitCode {
        std::process::ExitCode::from(exit as u8)
    }
}

/// A failure: what to tell the user, and the exit code.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub exit: Exit,
    /// One or more lines for the user; empty for a quiet end.
    pub message: String,
}

impl Failure {
    /// A failure with `exit` and `message`.
    pub fn new(exit: Exit, message: impl Into<String>) -> Failure {
        Failure { exit, message: message.into() }
    }

    /// Bad input (exit code 2).
    pub fn bad_input(message: impl Into<String>) -> Failure {
        Failure::new(Exit::BadInput, message)
    }

    /// stdout was closed by its reader: end quietly, like other Unix tools.
    pub fn stdout_closed() -> Failure {
        Failure::new(Exit::Success, "")
    }

    /// What the Linux-only parts say elsewhere: `what` needs `why`.
    #[cfg_attr(target_os = "linux", allow(dead_code))]
    pub fn linux_only(what: &str, why: &str) -> Failure {
        Failure::new(Exit::Unsupported, format!("{what} is Linux only: {why}"))
    }

    /// From an I/O error, with what was being done. The library's refusals
    /// ([`SettingError`]) are bad input, or "not possible here" for a setting
    /// this OS lacks; every other error, `Unsupported` from the kernel
    /// included, is a system error.
    pub fn io(doing: impl fmt::Display, err: io::Error) -> Failure {
        let exit = library_refusal(&err).map_or(Exit::Error, |refused| refusal(refused).0);
        Failure::new(exit, format!("{doing}: {err}"))
    }

    /// Like [`Failure::io`], but a refused setting is told with the option and
    /// the text the user typed for it (`typed`: the flag and its text).
    pub fn setting(
        doing: impl fmt::Display,
        err: io::Error,
        typed: impl Fn(Setting) -> Option<(&'static str, String)>,
    ) -> Failure {
        let Some((detail, (flag, text))) =
            library_refusal(&err).and_then(|d| Some((d, typed(d.setting())?)))
        else {
            return Failure::io(doing, err);
        };
        let option = match detail.option() {
            None => String::new(),
            Some(option) => format!(" ({option} on {})", super::os_name()),
        };
        let (exit, why) = refusal(detail);
        let setting = detail.setting();
        Failure::new(exit, format!("{flag} {text}: {setting} {why}{option}"))
    }
}

/// The library's own refusal inside `err`, made before any system call; not
/// a value the kernel refused ([`Problem::Refused`]), which is a system error.
fn library_refusal(err: &io::Error) -> Option<&SettingError> {
    SettingError::of(err).filter(|detail| *detail.problem() != Problem::Refused)
}

/// The exit code for one of the library's refusals, and why, after the
/// setting's name (`keepalive retries below the minimum of 1`): a value outside the OS limits is bad input; anything else
/// this OS cannot do.
fn refusal(refused: &SettingError) -> (Exit, String) {
    match refused.problem() {
        Problem::TooSmall { min } => (Exit::BadInput, format!("below the minimum of {min}")),
        Problem::TooLarge { max } => (Exit::BadInput, format!("above the maximum of {max}")),
        _ => (Exit::Unsupported, "cannot be set per socket on this OS".into()),
    }
}

/// The result of a subcommand: the exit code on success paths (some of which
/// are not 0, like "peer declared dead"), or a failure.
pub type Outcome = Result<Exit, Failure>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tcp_keepalive::{Keepalive, KeepaliveExt};

    #[test]
    fn only_the_librarys_refusals_are_bad_input() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let refused = listener.set_keepalive_config(&Keepalive::new().with_idle(Duration::ZERO));
        assert_eq!(Failure::io("applying", refused.unwrap_err()).exit, Exit::BadInput);
        let from_kernel = io::Error::from(io::ErrorKind::Unsupported);
        assert_eq!(Failure::io("applying", from_kernel).exit, Exit::Error);
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(Failure::io("connecting", refused).exit, Exit::Error);
    }

    #[test]
    fn the_table_is_in_the_help() {
        let help = Exit::help();
        assert!(help.contains("  130  interrupted"), "{help}");
        assert_eq!(help.lines().count(), Exit::TABLE.len() + 1);
        let watch = Exit::help_for("watch");
        assert!(watch.contains("    3  watch:") && !watch.contains("    7  "), "{watch}");
        assert_eq!(Exit::help_for("a-new-subcommand").lines().count(), Exit::TABLE.len() + 1);
    }
}
