//! What `inspect` reports: one event per connection and a summary, as JSON
//! and text, and the summary in the Prometheus text exposition format.

use std::collections::BTreeMap;
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

/// Detection-bound buckets for Prometheus (upper bounds in seconds); the
/// last finite one is above Linux's default 2 h 11 min 15 s (7875 s).
const BUCKETS: [(f64, &str); 6] = [
    (60.0, "1m"),
    (300.0, "5m"),
    (900.0, "15m"),
    (3600.0, "1h"),
    (7875.0, "2h11m15s"),
    (86_400.0, "1d"),
];

fn bucket(c: &Connection) -> &'static str {
    match (c.keepalive, c.detection_bound_s) {
        (None, _) => "unknown",
        (_, None) => "never",
        (_, Some(bound)) => {
            BUCKETS.iter().find(|(max, _)| bound <= *max).map_or("longer", |(_, name)| name)
        }
    }
}

/// The summary in the Prometheus text exposition format (version 0.0.4);
/// `labelled`: per namespace and container too (--all-namespaces).
pub fn prometheus(connections: &[Connection], summary: &Summary, labelled: bool) -> String {
    let mut by_keepalive: BTreeMap<(String, &str), usize> = BTreeMap::new();
    let mut by_bound: BTreeMap<(String, &str), usize> = BTreeMap::new();
    for c in connections.iter().filter(|c| c.kind == SocketKind::Connection) {
        let labels = match labelled {
            true => series_labels(c),
            false => label("command", c.command.as_deref().unwrap_or("unknown")),
        };
        let keepalive = match c.keepalive {
            Some(true) => "on",
            Some(false) => "off",
            None => "unknown",
        };
        *by_keepalive.entry((labels.clone(), keepalive)).or_default() += 1;
        *by_bound.entry((labels, bucket(c))).or_default() += 1;
    }
    let mut text = String::new();
    let mut family =
        |name: &str, help: &str, label: &str, counts: &BTreeMap<(String, &str), usize>| {
            let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} gauge");
            for ((labels, value), count) in counts {
                let _ = writeln!(text, "{name}{{{labels},{label}=\"{value}\"}} {count}");
            }
        };
    family(
        "tcp_keepalive_connections",
        "TCP connections by owning command and keepalive on, off or unknown.",
        "keepalive",
        &by_keepalive,
    );
    family(
        "tcp_keepalive_connections_by_detection_bound",
        "TCP connections by owning command and the time they would take to notice a dead peer, as a bucket: at most 1m, 5m, 15m, 1h, 2h11m15s, 1d, longer, never, unknown.",
        "bound",
        &by_bound,
    );
    let _ = writeln!(
        text,
        "# HELP tcp_keepalive_inspect_inferred_connections Connections whose settings were inferred, not read exactly.\n\
         # TYPE tcp_keepalive_inspect_inferred_connections gauge\n\
         tcp_keepalive_inspect_inferred_connections {}\n\
         # HELP tcp_keepalive_inspect_problems Connections and processes that could not be read exactly.\n\
         # TYPE tcp_keepalive_inspect_problems gauge\n\
         tcp_keepalive_inspect_problems {}",
        summary.inferred, summary.problems
    );
    text
}

/// `name="value"`, escaped as the exposition format wants it.
fn label(name: &str, value: &str) -> String {
    format!("{name}=\"{}\"", escape(value))
}

/// The labels of one series with --all-namespaces: the command, the
/// namespace, and the container, pod or unit (empty when there is none).
fn series_labels(c: &Connection) -> String {
    let container = c.container.clone().unwrap_or_default();
    let none = String::new();
    [
        label("command", c.command.as_deref().unwrap_or("unknown")),
        label("netns", &c.netns_inode.map_or(none.clone(), |i| i.to_string())),
        label("netns_name", c.netns_name.as_ref().unwrap_or(&none)),
        label("container_runtime", container.runtime.as_ref().unwrap_or(&none)),
        label("container_id", container.id.as_ref().unwrap_or(&none)),
        label("pod_uid", container.pod_uid.as_ref().unwrap_or(&none)),
        label("systemd_unit", container.unit.as_ref().unwrap_or(&none)),
    ]
    .join(",")
}

/// A label value as the exposition format wants it.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
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
