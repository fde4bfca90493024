//! Argument parsing (clap derive), and what `--help` shows; each subcommand's
//! logic lives in its own module and receives the parsed arguments.

use clap::{Parser, Subcommand};

use crate::output::{events_help, Exit};

/// Shown at the end of `--help`: durations, every exit code and `--json`.
fn after_help() -> String {
    help_end(&Exit::help())
}

/// Shown at the end of a subcommand's `-h`: durations, the exit codes that
/// apply to it (its name as typed) and `--json`.
fn subcommand_help(name: &str) -> String {
    help_end(&Exit::help_for(name))
}

/// A subcommand's `--help` end: its JSON events, then [`subcommand_help`].
fn subcommand_long_help<E: schemars::JsonSchema>(name: &str) -> String {
    format!("{}\n{}", events_help::<E>(), subcommand_help(name))
}

/// Durations, `--json`, then `exit_codes`.
fn help_end(exit_codes: &str) -> String {
    format!(
        "Durations are written like 30s, 1m30s, 500ms or 2h.\n\n\
         --json prints one JSON object per line on stdout, one per event, each with an\n\
         \"event\" field naming it (see `tcp-keepalive <COMMAND> --help`). Durations in\n\
         JSON are seconds (numbers), in fields ending in _s. Errors are printed on\n\
         stderr and, with --json anywhere on the command line, also as one\n\
         {{\"event\":\"error\",...}} line on stdout.\n\n{exit_codes}"
    )
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
    #[command(after_help = subcommand_help("demo"), after_long_help = subcommand_long_help::<crate::demo::DemoEvent>("demo"))]
    Demo,

    /// Connect, apply keepalive settings, send nothing, and show the
    /// connection's keepalive state live until the peer is declared dead.
    ///
    /// Exits with code 3 when keepalive declares the peer dead, 4 when the
    /// peer closes or resets the connection. Runs until then (Ctrl-C stops it).
    #[command(after_help = subcommand_help("watch"), after_long_help = subcommand_long_help::<crate::watch::WatchEvent>("watch"))]
    Watch(crate::watch::WatchArgs),

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
    #[command(name = "idle-timeout", after_help = subcommand_help("idle-timeout"), after_long_help = subcommand_long_help::<crate::idle_timeout::IdleTimeoutEvent>("idle-timeout"))]
    IdleTimeout(crate::idle_timeout::IdleTimeoutArgs),

    /// Show the OS's keepalive defaults, where they were read, the worst-case
    /// detection time they imply, and how to change them.
    #[command(after_help = subcommand_help("defaults"), after_long_help = subcommand_long_help::<crate::defaults::DefaultsEvent>("defaults"))]
    Defaults,

    /// List this network namespace's TCP connections (with
    /// --all-namespaces, every namespace's) with the keepalive settings in
    /// effect on each, and how long each would take to notice a dead peer
    /// (Linux).
    ///
    /// Owners are found through /proc/*/fd. Settings are read exactly from a
    /// duplicate of the owner's socket (pidfd_getfd; closed at once, never
    /// changed). Without the permission for that (ptrace access to the
    /// owner, kernel 5.6+), they are inferred from sock_diag: a pending
    /// keepalive timer means on, and the time it has left gives the idle
    /// time; the interval and count are assumed to be the OS defaults, and
    /// the line says so (`exact: false`, `assumed`) and why. Listeners and
    /// TIME_WAIT sockets (--state all) are labelled as such and left out of
    /// the verdicts and the exit code. Exit code 10 with --path-timeout when
    /// the path would drop a connection; else 8 with --max-detection when a
    /// connection is surely slower than that or never notices; else 7 when
    /// something could not be read exactly.
    ///
    /// In `connection` events, `keepalive` null means it cannot be told (not
    /// exact, and data in flight hides the timer); `detection_bound_s` is the
    /// idle figure (a write while the peer is silent hands the connection to
    /// the user timeout or the retransmission limit), null means never (or
    /// unknown, with `keepalive` null); `pid` and `command`
    /// are null when the owner is hidden; `too_slow` is null without
    /// --max-detection, for listeners and TIME_WAIT, and when it depends on
    /// assumed values; `survives_path` without --path-timeout, for listeners
    /// and TIME_WAIT, and when the values are not read exactly; `netns_inode`
    /// and `netns_name` without --all-namespaces; `container` when the
    /// owner's cgroup path names no container, pod or systemd unit.
    #[command(after_help = subcommand_help("inspect"), after_long_help = subcommand_long_help::<crate::inspect::InspectEvent>("inspect"))]
    Inspect(crate::inspect::InspectArgs),

    /// Give the live TCP connections of a running process keepalive
    /// settings, without restarting it (Linux 5.6+).
    ///
    /// Each matching established connection of the process (--port,
    /// --remote) is taken with pidfd_getfd, gets keepalive on and the values
    /// through the library (the same checks and errors as a program calling
    /// it), is read back, and the duplicate is closed at once; each line
    /// shows the settings before -> after. Listeners are left alone unless
    /// --listeners is given (on Linux the connections they accept from then
    /// on inherit the values). It never shuts a socket down or touches
    /// anything but those TCP sockets. Bad values exit 2 before any process
    /// is touched; a process that exits or a socket that closes meanwhile is
    /// told on its own line (exit code 7) while the others are still
    /// configured; no ptrace access to the process (root or CAP_SYS_PTRACE,
    /// or its own user where kernel.yama.ptrace_scope allows) is exit code 9.
    #[command(after_help = subcommand_help("apply"), after_long_help = subcommand_long_help::<crate::apply::ApplyEvent>("apply"))]
    Apply(crate::apply::ApplyArgs),

    /// Serve GET /metrics for Prometheus: this host's connections as counts
    /// by owner (command, namespace, container), keepalive on or off, and how
    /// long they would take to notice a dead peer (Linux).
    ///
    /// Each scrape reads the connections of every network namespace afresh,
    /// as `inspect --all-namespaces` does: run it as root, or with
    /// CAP_SYS_PTRACE (to read every process's sockets exactly) and
    /// CAP_SYS_ADMIN (to enter the other namespaces). No series is per
    /// connection: their number grows with the programs, containers and
    /// namespaces, not with their connections. Default address:
    /// 127.0.0.1:9878 (loopback only). Other paths get 404, other methods
    /// than GET and HEAD get 405. SIGTERM, SIGINT or SIGHUP answer the
    /// scrapes in progress, then end it with code 0.
    #[command(after_help = subcommand_help("exporter"), after_long_help = subcommand_long_help::<crate::exporter::ExporterEvent>("exporter"))]
    Exporter(crate::exporter::ExporterArgs),

    /// Print the completion script for a shell (bash, zsh, fish, powershell, elvish).
    ///
    /// For example: tcp-keepalive completions bash > ~/.local/share/bash-completion/completions/tcp-keepalive
    #[command(after_help = subcommand_help("completions"), after_long_help = subcommand_long_help::<crate::completions::CompletionsEvent>("completions"))]
    Completions(crate::completions::CompletionsArgs),

    /// Print the man page (roff), or a subcommand's page.
    ///
    /// For example: tcp-keepalive man > ~/.local/share/man/man1/tcp-keepalive.1
    #[command(after_help = subcommand_help("man"), after_long_help = subcommand_long_help::<crate::man::ManEvent>("man"))]
    Man(crate::man::ManArgs),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
