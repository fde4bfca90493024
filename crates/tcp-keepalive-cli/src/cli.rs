//! Argument parsing (clap derive), and what `--help` shows; each subcommand's
//! logic lives in its own module and receives the parsed arguments.

use std::fmt;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use tcp_keepalive::Middlebox;

use crate::output::{events_help, Exit};

/// Shown at the end of `--help`: durations, exit codes and `--json`.
fn after_help() -> String {
    format!(
        "Durations are written like 30s, 1m30s, 500ms or 2h.\n\n{}\n\
         --json prints one JSON object per line on stdout, one per event, each with an\n\
         \"event\" field naming it (see `tcp-keepalive <COMMAND> --help`). Durations in\n\
         JSON are seconds (numbers), in fields ending in _s. Errors are printed on\n\
         stderr and, with --json anywhere on the command line, also as one\n\
         {{\"event\":\"error\",...}} line on stdout.",
        Exit::help()
    )
}

/// A subcommand's `--help` end: its JSON events, then [`after_help`].
fn events_and_after_help<E: schemars::JsonSchema>() -> String {
    format!("{}\n{}", events_help::<E>(), after_help())
}

/// See dead-peer detection happen, and find how long a network path lets a
/// TCP connection sit idle.
#[derive(Debug, Parser)]
#[command(name = "tcp-keepalive", version, after_help = after_help())]
pub struct Cli {
    /// Print one JSON object per line (events and results) instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show keepalive detecting a dead peer on loopback, in a few seconds.
    ///
    /// Opens two loopback connections, one with keepalive (idle 1s, interval
    /// 1s, 3 retries) and one without, then makes the peer of both go silent
    /// (a BPF drop-all filter on the peer's socket; without CAP_NET_ADMIN the
    /// demo enters an unprivileged user+network namespace first). Shows each
    /// unanswered probe live (TCP_INFO), then the detection time against the
    /// configured bound, while the connection without keepalive still hangs.
    #[command(after_help = after_help(), after_long_help = events_and_after_help::<crate::demo::DemoEvent>())]
    Demo,

    /// Connect, apply keepalive settings, send nothing, and show the
    /// connection's keepalive state live until the peer is declared dead.
    ///
    /// Exits with code 3 when keepalive declares the peer dead, 4 when the
    /// peer closes or resets the connection. Runs until then (Ctrl-C stops it).
    #[command(after_help = after_help(), after_long_help = events_and_after_help::<crate::watch::WatchEvent>())]
    Watch(WatchArgs),

    /// Find the idle timeout of a NAT, firewall or load balancer on the path
    /// to HOST:PORT, with keepalive probes only.
    ///
    /// Holds connections idle for different lengths of time and checks, with
    /// one keepalive probe each, which ones the path forgot. It never sends
    /// application bytes, so it is safe against any TCP server. Reports the
    /// timeout within about ±1s, and ends with the keepalive plan for it:
    /// `Keepalive::for_path` with the lower end of the measured interval (so
    /// no advice reaches it), as `watch` flags and as one line of Rust.
    /// Takes about 1.2 to 2.2 times the timeout. A server that closes idle
    /// connections itself is reported the same way (its own idle timeout,
    /// counted from the connection's last data).
    #[command(name = "idle-timeout", after_help = after_help(), after_long_help = events_and_after_help::<crate::idle_timeout::IdleTimeoutEvent>())]
    IdleTimeout(IdleTimeoutArgs),

    /// Show the OS's keepalive defaults, where they were read, the worst-case
    /// detection time they imply, and how to change them.
    #[command(after_help = after_help(), after_long_help = events_and_after_help::<crate::defaults::DefaultsEvent>())]
    Defaults,

    /// List this network namespace's TCP connections with the keepalive
    /// settings in effect on each, and how long each would take to notice a
    /// dead peer (Linux).
    ///
    /// Owners are found through /proc/*/fd. Settings are read exactly from a
    /// duplicate of the owner's socket (pidfd_getfd; closed at once, never
    /// changed). Without the permission for that (ptrace access to the
    /// owner, kernel 5.6+), they are inferred from sock_diag: a pending
    /// keepalive timer means on, with the OS defaults as "probably", and the
    /// line says `exact: false` and why. Exit code 9 with --path-timeout
    /// when the path would drop a connection; else 8 with --max-detection
    /// when a connection is slower than that or never notices; else 7 when
    /// something could not be read exactly.
    ///
    /// In `connection` events, `keepalive` null means it cannot be told (not
    /// exact, and data in flight hides the timer); `detection_bound_s` null
    /// means never (or unknown, with `keepalive` null); `pid` and `command`
    /// are null when the owner is hidden; `too_slow` is null without
    /// --max-detection, `survives_path` without --path-timeout.
    #[command(after_help = after_help(), after_long_help = events_and_after_help::<crate::inspect::InspectEvent>())]
    Inspect(InspectArgs),

    /// Print the completion script for a shell (bash, zsh, fish, powershell, elvish).
    ///
    /// For example: tcp-keepalive completions bash > ~/.local/share/bash-completion/completions/tcp-keepalive
    #[command(after_help = after_help(), after_long_help = events_and_after_help::<crate::completions::CompletionsEvent>())]
    Completions(crate::completions::CompletionsArgs),

    /// Print the man page (roff), or a subcommand's page.
    ///
    /// For example: tcp-keepalive man > ~/.local/share/man/man1/tcp-keepalive.1
    #[command(after_help = after_help(), after_long_help = events_and_after_help::<crate::man::ManEvent>())]
    Man(crate::man::ManArgs),
}

/// `inspect` arguments.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Only connections of this process (repeatable).
    #[arg(long = "pid", value_name = "PID")]
    pub pids: Vec<u32>,

    /// Only connections with this local or remote port.
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,

    /// Which connections: `established` (default) or `all` (listening and closing ones too).
    #[arg(long, value_enum, default_value_t = StateFilter::Established)]
    pub state: StateFilter,

    /// Exit with code 8 when a listed connection would take longer than this
    /// to notice a dead peer, or never would.
    #[arg(long, value_name = "DURATION", value_parser = duration, allow_hyphen_values = true)]
    pub max_detection: Option<Typed<Duration>>,

    /// A path (NAT, firewall, load balancer) that forgets flows idle this
    /// long: a duration, or a known middlebox's name (see below). Each
    /// connection then says whether it survives that path (keepalive on, and
    /// its first probe leaves in time); exit code 9 when one would be dropped.
    #[arg(long, value_name = "DURATION|NAME", value_parser = path_timeout, allow_hyphen_values = true, long_help = path_timeout_help())]
    pub path_timeout: Option<PathTimeout>,

    /// Print only a summary in the Prometheus text format (for
    /// node_exporter's textfile collector) instead of one line per connection.
    #[arg(long, conflicts_with = "json")]
    pub prometheus: bool,
}

/// `inspect --state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StateFilter {
    /// ESTABLISHED connections only.
    Established,
    /// Every TCP socket, listening ones included.
    All,
}

/// `watch` arguments.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The server: HOST:PORT, e.g. `example.com:443`, `192.0.2.7:22` or `[::1]:8080`.
    #[arg(value_name = "HOST:PORT")]
    pub target: String,

    /// Idle time before the first probe.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = duration, allow_hyphen_values = true)]
    pub idle: Typed<Duration>,

    /// Time between unanswered probes.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = duration, allow_hyphen_values = true)]
    pub interval: Typed<Duration>,

    /// Unanswered probes before the peer is declared dead.
    #[arg(long, value_name = "N", default_value_t = 3, allow_negative_numbers = true)]
    pub retries: u32,

    /// TCP_USER_TIMEOUT (Linux): replaces --retries for deciding when to give up.
    #[arg(long, value_name = "DURATION", value_parser = duration, allow_hyphen_values = true)]
    pub user_timeout: Option<Typed<Duration>>,

    /// Instead of --idle, --interval and --retries: the settings
    /// `Keepalive::for_path` plans for a path that forgets flows idle this
    /// long (a duration, or a known middlebox's name as in `inspect
    /// --path-timeout`). Exit code 2 when no settings can keep such a path.
    #[arg(long, value_name = "DURATION|NAME", value_parser = path_timeout, allow_hyphen_values = true, conflicts_with_all = ["idle", "interval", "retries"])]
    pub path_timeout: Option<PathTimeout>,

    /// With --path-timeout: the dead-peer detection time to plan for
    /// (default: twice the path timeout).
    #[arg(long, value_name = "DURATION", value_parser = duration, allow_hyphen_values = true, requires = "path_timeout")]
    pub detect_within: Option<Typed<Duration>>,

    /// Give up connecting after this long.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = duration, allow_hyphen_values = true)]
    pub connect_timeout: Typed<Duration>,
}

/// `idle-timeout` arguments.
#[derive(Debug, Args)]
pub struct IdleTimeoutArgs {
    /// The server: HOST:PORT. Any TCP server that accepts connections will do;
    /// nothing is ever sent to it.
    #[arg(value_name = "HOST:PORT")]
    pub target: String,

    /// The longest idle timeout to look for (at least 2s, at most 9h).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = duration, allow_hyphen_values = true)]
    pub max: Typed<Duration>,

    /// The most connections to open, in total (at least 16).
    #[arg(long, value_name = "N", default_value_t = 64, allow_negative_numbers = true)]
    pub connections: usize,

    /// The dead-peer detection time the plan is made for (default: twice
    /// the lower end of the measured timeout). The plan is
    /// `Keepalive::for_path(lower end, this)`.
    #[arg(long, value_name = "DURATION", value_parser = duration, allow_hyphen_values = true)]
    pub detect_within: Option<Typed<Duration>>,

    /// Give up connecting after this long.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = duration, allow_hyphen_values = true)]
    pub connect_timeout: Typed<Duration>,
}

/// A path's idle timeout, as typed: a duration, or a known middlebox's name
/// (the library's [`Middlebox`] table).
#[derive(Clone, Debug, PartialEq)]
pub struct PathTimeout {
    /// The timeout.
    pub value: Duration,
    /// As typed.
    pub text: String,
    /// The middlebox it names, if it is a name.
    pub middlebox: Option<&'static Middlebox>,
}

impl fmt::Display for PathTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.middlebox {
            Some(m) => write!(f, "{} ({})", m.name, crate::output::human(m.idle_timeout)),
            None => f.write_str(&self.text),
        }
    }
}

/// The names `--path-timeout` accepts, with their timeouts, one per line.
fn middlebox_names() -> String {
    let rows = Middlebox::ALL.iter().map(|m| {
        format!("  {:<20} {:>10}  {}", m.name, crate::output::human(m.idle_timeout), m.description)
    });
    rows.collect::<Vec<_>>().join("\n")
}

fn path_timeout_help() -> String {
    format!(
        "A path (NAT, firewall, load balancer) that forgets flows idle this long: a duration, \
         or one of these names (each vendor's default; the sources are in the library's \
         `paths` docs):\n{}\n\n\
         Each connection then gets `survives_path`: true when keepalive is on and its first \
         probe leaves before the path forgets the flow (the idle time as the OS runs it, \
         fired as late as the OS keepalive timer may), false otherwise; null when the values \
         are not known exactly, and for listening sockets. Exit code 9 when a listed \
         connection would be dropped.",
        middlebox_names()
    )
}

/// Parses a path timeout: a middlebox's name, or a duration above zero.
pub fn path_timeout(text: &str) -> Result<PathTimeout, String> {
    if let Some(middlebox) = Middlebox::named(text) {
        let value = middlebox.idle_timeout;
        return Ok(PathTimeout { value, text: text.to_string(), middlebox: Some(middlebox) });
    }
    if !text.trim_start().starts_with(|c: char| c.is_ascii_digit() || c == '-') {
        return Err(format!(
            "{text:?} is neither a duration nor a known middlebox; give a duration like 350s or 20m, or one of:\n{}",
            middlebox_names()
        ));
    }
    let Typed { value, text } = duration(text)?;
    if value.is_zero() {
        return Err(format!("{text:?}: a path that forgets flows at once cannot be kept alive; give a duration above zero"));
    }
    Ok(PathTimeout { value, text, middlebox: None })
}

/// A parsed value with the text the user typed for it, so that messages
/// echo what was typed (`0s`, not `0ns`).
#[derive(Clone, Debug, PartialEq)]
pub struct Typed<T> {
    /// The value.
    pub value: T,
    /// As typed.
    pub text: String,
}

impl<T> fmt::Display for Typed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Parses a human duration (humantime): `30s`, `1m30s`, `500ms`, `2h`.
///
/// Zero is accepted here on purpose: whether a value is allowed for a
/// keepalive setting is the library's decision (it names the OS limit).
fn duration(text: &str) -> Result<Typed<Duration>, String> {
    if text.trim_start().starts_with('-') {
        return Err(format!("{text:?} is negative; durations are positive, like 30s or 500ms"));
    }
    let value = humantime::parse_duration(text).map_err(|e| {
        format!("{text:?} is not a duration ({e}); write durations like 30s, 1m30s or 500ms")
    })?;
    Ok(Typed { value, text: text.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_parse_like_the_docs_say() {
        assert_eq!(duration("1m30s").unwrap().value, Duration::from_secs(90));
        assert_eq!(duration("500ms").unwrap().value, Duration::from_millis(500));
        assert_eq!(duration("0s").unwrap().text, "0s");
        let err = duration("abc").unwrap_err();
        assert!(err.contains("\"abc\" is not a duration"), "{err}");
        assert!(duration("-1s").unwrap_err().contains("negative"));
    }

    #[test]
    fn path_timeouts_are_durations_or_known_names() {
        let named = path_timeout("aws-nat-gateway").unwrap();
        assert_eq!(named.value, Duration::from_secs(350));
        assert_eq!(named.to_string(), "aws-nat-gateway (5 min 50 s)");
        assert_eq!(path_timeout("90s").unwrap().value, Duration::from_secs(90));
        let unknown = path_timeout("aws-nat").unwrap_err();
        assert!(
            unknown.contains("\"aws-nat\" is neither") && unknown.contains("aws-nat-gateway"),
            "{unknown}"
        );
        assert!(path_timeout("0s").unwrap_err().contains("above zero"));
        assert!(path_timeout("-5s").unwrap_err().contains("negative"));
    }
}
