//! What `inspect` reports: one event per connection and a summary, as JSON
//! and text; the `--prometheus` text comes from `crate::metrics`.

use std::fmt::Write as _;

use schemars::JsonSchema;
use serde::Serialize;

use super::containers::Container;
pub use super::line::{detection_text, keepalive_text};
use crate::output::{human_s, plural, Event, KeepaliveFields};
use crate::tcp_info::TcpState;

/// The events of `inspect`.
#[derive(Serialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum InspectEvent {
    /// One TCP connection.
    Connection(Box<Connection>),
    /// A `--pid` whose connections could not be listed (exit code 7).
    Unreadable { pid: u32, problem: String },
    /// --all-namespaces: a network namespace (or, with inode and name null,
    /// the namespaces of processes not visible to us) that could not be
    /// read, and why (exit code 7).
    SkippedNamespace { netns_inode: Option<u64>, netns_name: Option<String>, problem: String },
    /// The last line: counts over the listed connections.
    Summary(Summary),
}

/// What a listed socket is: only connections have a peer that can die.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SocketKind {
    Connection,
    /// Listening: no peer; on Linux accepted connections inherit its keepalive settings.
    Listener,
    /// Closed; the kernel holds the port a while for stray packets.
    TimeWait,
}

impl SocketKind {
    pub fn of(state: TcpState) -> SocketKind {
        match state {
            TcpState::Listen => SocketKind::Listener,
            TcpState::TimeWait => SocketKind::TimeWait,
            _ => SocketKind::Connection,
        }
    }
}

/// One socket and the keepalive settings in effect on it. Listeners and
/// TIME_WAIT sockets (`kind`) get no verdict: `detection_bound_s` and
/// `too_slow` are null, and they count towards no exit code.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Connection {
    pub kind: SocketKind,
    /// The owning process; null when it cannot be seen (another user's, without privilege).
    pub pid: Option<u32>,
    pub command: Option<String>,
    /// The socket's owner uid (sock_diag).
    pub uid: u32,
    pub local: String,
    pub remote: String,
    pub state: TcpState,
    /// SO_KEEPALIVE; null when it cannot be told (not exact, and data in
    /// flight; or TIME_WAIT).
    pub keepalive: Option<bool>,
    /// The settings in effect; `user_timeout_s` is null when unset (or,
    /// not exact, unknown).
    #[serde(flatten)]
    pub fields: KeepaliveFields,
    /// Not exact: the fields whose values are assumed (the OS defaults), not
    /// seen; the idle time is seen in the keepalive timer while no probe is out.
    pub assumed: Vec<&'static str>,
    /// Worst case from the peer's last answer until a dead peer is noticed
    /// (with keepalive off: the user timeout, which needs data being sent),
    /// with the assumed values where there are; null: never (or, with
    /// keepalive null, unknown).
    pub detection_bound_s: Option<f64>,
    /// true: read from the socket itself; false: inferred from sock_diag
    /// ("probably"; see `assumed`), and `problem` says why.
    pub exact: bool,
    /// Probes sent and unanswered now (tcp_info): keepalive probes, or
    /// window probes when `zero_window`.
    pub probes_unanswered: Option<u8>,
    /// The keepalive timer's time left, as sock_diag shows anyone; null
    /// when it is not pending (keepalive off, or another timer hides it).
    pub keepalive_timer_s: Option<f64>,
    /// The peer advertises a zero window: it is alive but not reading, and
    /// the probes out are zero-window probes (sock_diag's probe timer).
    pub zero_window: bool,
    /// Since data was last received (tcp_info).
    pub last_data_recv_s: Option<f64>,
    /// What could not be read for this connection, or null.
    pub problem: Option<String>,
    /// With --max-detection, for connections: whether it would notice a dead
    /// peer later than that, or never; null when that depends on assumed
    /// values or cannot be told (and without --max-detection).
    pub too_slow: Option<bool>,
    /// With --path-timeout, for connections: true when keepalive is on and
    /// the first probe leaves before the path forgets the flow, false
    /// otherwise (exit code 10); null when the values are not known exactly
    /// (and for listeners, TIME_WAIT, and without --path-timeout).
    pub survives_path: Option<bool>,
    /// With --all-namespaces: the network namespace's inode (as in
    /// `readlink /proc/PID/ns/net`); null without it.
    pub netns_inode: Option<u64>,
    /// With --all-namespaces: its name under /run/netns, if any.
    pub netns_name: Option<String>,
    /// The owner's container, pod or systemd unit, from its cgroup path; null
    /// when none shows (or the owner is hidden).
    pub container: Option<Container>,
}

/// Counts over the listed connections; listeners and TIME_WAIT sockets are
/// counted apart, and in nothing else.
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
pub struct Summary {
    pub connections: usize,
    pub listeners: usize,
    pub time_wait: usize,
    pub exact: usize,
    pub inferred: usize,
    pub keepalive_on: usize,
    pub keepalive_off: usize,
    pub keepalive_unknown: usize,
    /// Connections that would never notice a dead peer (keepalive off, no user timeout).
    pub never_notice: usize,
    /// Connections and `--pid`s with a problem (exit code 7).
    pub problems: usize,
    pub max_detection_s: Option<f64>,
    /// With --max-detection: connections slower than it (exit code 8).
    pub too_slow: Option<usize>,
    /// With --path-timeout: its value, and the name it was given by (a known middlebox).
    pub path_timeout_s: Option<f64>,
    pub path_name: Option<String>,
    /// With --path-timeout: connections that path would drop (exit code 10).
    pub dropped_by_path: Option<usize>,
    pub exit_code: u8,
}

impl Event for InspectEvent {
    fn text(&self) -> String {
        match self {
            InspectEvent::Connection(c) => c.line(),
            InspectEvent::Unreadable { pid, problem } => format!("pid {pid}: {problem}"),
            InspectEvent::SkippedNamespace { netns_inode, netns_name, problem } => {
                match (netns_inode, netns_name) {
                    (None, None) => format!("skipped: {problem}"),
                    _ => format!(
                        "skipped {}: {problem}",
                        netns_label(*netns_inode, netns_name.as_deref())
                    ),
                }
            }
            InspectEvent::Summary(s) => {
                let mut text = format!(
                    "{}: keepalive on {}, off {}, unknown {}; {} would never notice a dead peer; {} exact, {} inferred",
                    plural(s.connections as u64, "connection", "connections"), s.keepalive_on, s.keepalive_off, s.keepalive_unknown, s.never_notice, s.exact, s.inferred
                );
                if let (Some(max), Some(slow)) = (s.max_detection_s, s.too_slow) {
                    let _ = write!(text, "; {slow} slower than --max-detection {}", human_s(max));
                }
                if let (Some(path), Some(dropped)) = (s.path_timeout_s, s.dropped_by_path) {
                    let name = s.path_name.as_ref().map_or(String::new(), |n| format!(" ({n})"));
                    let path = human_s(path);
                    let _ = write!(
                        text,
                        "; {dropped} dropped by a path forgetting flows idle {path}{name}"
                    );
                }
                if s.problems > 0 {
                    let _ = write!(text, "; {}", plural(s.problems as u64, "problem", "problems"));
                }
                if s.listeners + s.time_wait > 0 {
                    let _ = write!(
                        text,
                        "; besides, {} and {} (not connections)",
                        plural(s.listeners as u64, "listener", "listeners"),
                        plural(s.time_wait as u64, "TIME_WAIT socket", "TIME_WAIT sockets")
                    );
                }
                text
            }
        }
    }
}

/// `netns INODE (NAME)` with whatever is known.
pub fn netns_label(inode: Option<u64>, name: Option<&str>) -> String {
    match (inode, name) {
        (Some(inode), Some(name)) => format!("netns {inode} ({name})"),
        (Some(inode), None) => format!("netns {inode}"),
        (None, Some(name)) => format!("netns {name}"),
        (None, None) => "netns ?".into(),
    }
}

/// The `--prometheus` output: only the exposition text.
#[derive(Serialize, JsonSchema)]
pub struct Exposition(pub String);

impl Event for Exposition {
    fn text(&self) -> String {
        self.0.trim_end().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_a_zero_limit_reads_as_typed() {
        let summary = Summary {
            connections: 1,
            problems: 1,
            max_detection_s: Some(0.0),
            too_slow: Some(1),
            ..Summary::default()
        };
        let text = InspectEvent::Summary(summary).text();
        assert!(text.starts_with("1 connection:"), "{text}");
        assert!(text.contains("; 1 problem") && !text.contains("problems"), "{text}");
        assert!(text.contains("--max-detection 0s"), "{text}");
    }
}
