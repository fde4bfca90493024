//! What `inspect` reports: one event per connection and a summary, as JSON
//! and text, and the summary in the Prometheus text exposition format.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use schemars::JsonSchema;
use serde::Serialize;

use crate::output::{human_s, Event};
use crate::tcp_info::TcpState;

/// The events of `inspect`.
#[derive(Serialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum InspectEvent {
    /// One TCP connection.
    Connection(Connection),
    /// A `--pid` whose connections could not be listed (exit code 7).
    Unreadable { pid: u32, problem: String },
    /// The last line: counts over the listed connections.
    Summary(Summary),
}

/// One connection and the keepalive settings in effect on it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Connection {
    /// The owning process; null when it cannot be seen (another user's, without privilege).
    pub pid: Option<u32>,
    pub command: Option<String>,
    /// The socket's owner uid (sock_diag).
    pub uid: u32,
    pub local: String,
    pub remote: String,
    pub state: TcpState,
    /// SO_KEEPALIVE; null when it cannot be told (not exact, and data in flight).
    pub keepalive: Option<bool>,
    pub idle_s: Option<f64>,
    pub interval_s: Option<f64>,
    pub retries: Option<u32>,
    /// TCP_USER_TIMEOUT; null when unset (or not exact: unknown).
    pub user_timeout_s: Option<f64>,
    /// Worst case from the peer's last answer until a dead peer is noticed
    /// (with keepalive off: the user timeout, which needs data being sent);
    /// null: never (or, with keepalive null, unknown).
    pub detection_bound_s: Option<f64>,
    /// true: read from the socket itself; false: inferred from sock_diag, the
    /// values are the OS defaults ("probably"), and `problem` says why.
    pub exact: bool,
    /// Keepalive probes sent and unanswered now (tcp_info).
    pub probes_unanswered: Option<u8>,
    /// Since data was last received (tcp_info).
    pub last_data_recv_s: Option<f64>,
    /// What could not be read for this connection, or null.
    pub problem: Option<String>,
    /// With --max-detection: whether this connection would notice a dead peer
    /// later than that, never, or cannot be told; null without it.
    pub too_slow: Option<bool>,
    /// With --path-timeout: true when keepalive is on and the first probe
    /// leaves before the path forgets the flow, false otherwise (exit code
    /// 9); null when the values are not known exactly, for a listening
    /// socket, and without --path-timeout.
    pub survives_path: Option<bool>,
}

/// Counts over the listed connections.
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
pub struct Summary {
    pub connections: usize,
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
    /// With --path-timeout: connections that path would drop (exit code 9).
    pub dropped_by_path: Option<usize>,
    pub exit_code: u8,
}

impl Connection {
    /// `on`, `off`, `probably on`, `unknown`.
    fn keepalive_text(&self) -> String {
        let value = match self.keepalive {
            Some(true) => "on",
            Some(false) => "off",
            None => return "unknown (data in flight hides the keepalive timer)".into(),
        };
        let probably = if self.exact { "" } else { "probably " };
        let mut text = format!("keepalive {probably}{value}");
        if self.keepalive == Some(true) {
            let d = |s: Option<f64>| s.map_or("?".into(), human_s);
            let retries = self.retries.map_or("?".into(), |n| n.to_string());
            let _ = write!(
                text,
                " (idle {}, interval {}, {retries} retries",
                d(self.idle_s),
                d(self.interval_s)
            );
            if let Some(user_timeout) = self.user_timeout_s {
                let _ = write!(text, ", user timeout {}", human_s(user_timeout));
            }
            text.push(')');
        } else if let Some(user_timeout) = self.user_timeout_s {
            let _ = write!(text, ", user timeout {}", human_s(user_timeout));
        }
        text
    }

    fn detection_text(&self) -> String {
        match (self.keepalive, self.detection_bound_s) {
            (None, _) => "detection unknown".into(),
            (Some(false), Some(bound)) => {
                format!("dead peer noticed within {} of sending", human_s(bound))
            }
            (_, Some(bound)) => format!("dead peer noticed within {}", human_s(bound)),
            (_, None) => "a dead peer is NEVER noticed".into(),
        }
    }
}

impl Event for InspectEvent {
    fn text(&self) -> String {
        match self {
            InspectEvent::Connection(c) => {
                let owner = match (&c.command, c.pid) {
                    (Some(command), Some(pid)) => format!("{command}[{pid}]"),
                    _ => format!("?[uid {}]", c.uid),
                };
                let mut line = format!(
                    "{owner} {} -> {} {}: {}; {}",
                    c.local,
                    c.remote,
                    c.state,
                    c.keepalive_text(),
                    c.detection_text()
                );
                if let (Some(probes), Some(last)) = (c.probes_unanswered, c.last_data_recv_s) {
                    let _ = write!(
                        line,
                        "; {probes} probes unanswered, last data {} ago",
                        human_s(last)
                    );
                }
                if c.too_slow == Some(true) {
                    line.push_str("; SLOWER than --max-detection");
                }
                if c.survives_path == Some(false) {
                    line.push_str("; DROPPED by the path (--path-timeout)");
                }
                if let Some(problem) = &c.problem {
                    let _ = write!(
                        line,
                        " [{}: {problem}]",
                        if c.exact { "problem" } else { "inferred" }
                    );
                }
                line
            }
            InspectEvent::Unreadable { pid, problem } => format!("pid {pid}: {problem}"),
            InspectEvent::Summary(s) => {
                let mut text = format!(
                    "{} connections: keepalive on {}, off {}, unknown {}; {} would never notice a dead peer; {} exact, {} inferred",
                    s.connections, s.keepalive_on, s.keepalive_off, s.keepalive_unknown, s.never_notice, s.exact, s.inferred
                );
                if let (Some(max), Some(slow)) = (s.max_detection_s, s.too_slow) {
                    let _ = write!(text, "; {slow} slower than --max-detection {}", human_s(max));
                }
                if let (Some(path), Some(dropped)) = (s.path_timeout_s, s.dropped_by_path) {
                    let name = s.path_name.as_ref().map_or(String::new(), |n| format!(" ({n})"));
                    let _ = write!(
                        text,
                        "; {dropped} dropped by a path forgetting flows idle {}{name}",
                        human_s(path)
                    );
                }
                if s.problems > 0 {
                    let _ = write!(text, "; {} problems", s.problems);
                }
                text
            }
        }
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

/// The summary in the Prometheus text exposition format (version 0.0.4).
pub fn prometheus(connections: &[Connection], summary: &Summary) -> String {
    let mut by_keepalive: BTreeMap<(String, &str), usize> = BTreeMap::new();
    let mut by_bound: BTreeMap<(String, &str), usize> = BTreeMap::new();
    for c in connections {
        let command = c.command.clone().unwrap_or_else(|| "unknown".into());
        let keepalive = match c.keepalive {
            Some(true) => "on",
            Some(false) => "off",
            None => "unknown",
        };
        *by_keepalive.entry((command.clone(), keepalive)).or_default() += 1;
        *by_bound.entry((command, bucket(c))).or_default() += 1;
    }
    let mut text = String::new();
    let mut family =
        |name: &str, help: &str, label: &str, counts: &BTreeMap<(String, &str), usize>| {
            let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} gauge");
            for ((command, value), count) in counts {
                let _ = writeln!(
                    text,
                    "{name}{{command=\"{}\",{label}=\"{value}\"}} {count}",
                    escape(command)
                );
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
    if let (Some(path), Some(dropped)) = (summary.path_timeout_s, summary.dropped_by_path) {
        let _ = writeln!(
            text,
            "# HELP tcp_keepalive_inspect_path_timeout_seconds The --path-timeout the connections were checked against.\n\
             # TYPE tcp_keepalive_inspect_path_timeout_seconds gauge\n\
             tcp_keepalive_inspect_path_timeout_seconds {path}\n\
             # HELP tcp_keepalive_inspect_dropped_by_path Connections a path forgetting flows idle for --path-timeout would drop (keepalive off, or its first probe too late).\n\
             # TYPE tcp_keepalive_inspect_dropped_by_path gauge\n\
             tcp_keepalive_inspect_dropped_by_path {dropped}"
        );
    }
    text
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
