//! Argument parsing (clap derive) and nothing else: each subcommand's logic
//! lives in its own module and receives the parsed arguments.

use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// Shown at the end of `--help`: the exit codes and the `--json` format.
const AFTER_HELP: &str = "\
Durations are written like 30s, 1m30s, 500ms or 2h.

Exit codes:
  0  success (demo: the dead peer was detected; idle-timeout: a timeout was found)
  1  a system or network error (connection refused, unreachable, ...)
  2  bad input: arguments, durations, addresses, unresolvable hosts, or settings
     outside the OS limits
  3  watch: the peer was declared dead by keepalive (or the user timeout)
  4  watch: the peer closed or reset the connection
  5  demo: the peer cannot be silenced here (privilege missing); the message says what
  6  idle-timeout: no idle timeout up to --max (the path kept every connection)

--json prints one JSON object per line on stdout, one per event or result, each
with an \"event\" field naming it (see `tcp-keepalive <COMMAND> --help`).
Durations in JSON are seconds (numbers), in fields ending in _s. Errors are
printed on stderr and, with --json, also as {\"event\":\"error\",...} on stdout.";

/// See dead-peer detection happen, and find how long a network path lets a
/// TCP connection sit idle.
#[derive(Debug, Parser)]
#[command(name = "tcp-keepalive", version, after_help = AFTER_HELP)]
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
    ///
    /// JSON events: demo_start, probe, dead, control, result.
    #[command(after_help = AFTER_HELP)]
    Demo,

    /// Connect, apply keepalive settings, send nothing, and show the
    /// connection's keepalive state live until the peer is declared dead.
    ///
    /// Exits with code 3 when keepalive declares the peer dead, 4 when the
    /// peer closes or resets the connection. Runs until then (Ctrl-C stops it).
    ///
    /// JSON events: connected, probe, alive, data, dead, closed.
    #[command(after_help = AFTER_HELP)]
    Watch(WatchArgs),

    /// Find the idle timeout of a NAT, firewall or load balancer on the path
    /// to HOST:PORT, with keepalive probes only.
    ///
    /// Holds connections idle for different lengths of time and checks, with
    /// one keepalive probe each, which ones the path forgot. It never sends
    /// application bytes, so it is safe against any TCP server. Reports the
    /// timeout within about ±1s and recommends keepalive settings below it.
    /// Takes about 1.2 to 2.2 times the timeout. A server that closes idle
    /// connections itself is reported the same way (its own idle timeout).
    ///
    /// JSON events: start, probe, closed, result.
    #[command(name = "idle-timeout", after_help = AFTER_HELP)]
    IdleTimeout(IdleTimeoutArgs),

    /// Show the OS's keepalive defaults, the worst-case detection time they
    /// imply, and how to change them.
    ///
    /// JSON events: defaults.
    #[command(after_help = AFTER_HELP)]
    Defaults,

    /// Print the completion script for a shell (bash, zsh, fish, powershell, elvish).
    ///
    /// For example: tcp-keepalive completions bash > ~/.local/share/bash-completion/completions/tcp-keepalive
    ///
    /// JSON events: completions.
    Completions(crate::completions::CompletionsArgs),

    /// Print the man page (roff), or a subcommand's page.
    ///
    /// For example: tcp-keepalive man > ~/.local/share/man/man1/tcp-keepalive.1
    ///
    /// JSON events: man.
    Man(crate::man::ManArgs),
}

/// `watch` arguments.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The server: HOST:PORT, e.g. `example.com:443`, `192.0.2.7:22` or `[::1]:8080`.
    #[arg(value_name = "HOST:PORT")]
    pub target: String,

    /// Idle time before the first probe.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = duration)]
    pub idle: Duration,

    /// Time between unanswered probes.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = duration)]
    pub interval: Duration,

    /// Unanswered probes before the peer is declared dead.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,

    /// TCP_USER_TIMEOUT (Linux): replaces --retries for deciding when to give up.
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub user_timeout: Option<Duration>,

    /// Give up connecting after this long.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = duration)]
    pub connect_timeout: Duration,
}

/// `idle-timeout` arguments.
#[derive(Debug, Args)]
pub struct IdleTimeoutArgs {
    /// The server: HOST:PORT. Any TCP server that accepts connections will do;
    /// nothing is ever sent to it.
    #[arg(value_name = "HOST:PORT")]
    pub target: String,

    /// The longest idle timeout to look for (at least 2s, at most 9h).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = duration)]
    pub max: Duration,

    /// The most connections to open, in total (at least 16).
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub connections: usize,

    /// Give up connecting after this long.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = duration)]
    pub connect_timeout: Duration,
}

/// Parses a human duration (humantime): `30s`, `1m30s`, `500ms`, `2h`.
///
/// Zero is accepted here on purpose: whether a value is allowed for a
/// keepalive setting is the library's decision (it names the OS limit).
fn duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| {
        format!("{text:?} is not a duration ({e}); write durations like 30s, 1m30s or 500ms")
    })
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
        assert_eq!(duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(duration("500ms"), Ok(Duration::from_millis(500)));
        let err = duration("abc").unwrap_err();
        assert!(err.contains("\"abc\" is not a duration"), "{err}");
    }
}
