//! What `inspect` reports: one event per connection and a summary, as JSON
//! and text; the `--prometheus` text comes from `crate::metrics`.

use std::fmt::Write as _;

use schemars::JsonSchema;
use serde::Serialize;

use crate::output::{human_s, Event, KeepaliveFields};
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
    /// The settings in effect; `user_timeout_s` is null when unset (or,
    /// not exact, unknown).
    #[serde(flatten)]
    pub fields: KeepaliveFields,
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
            let retries = self.fields.retries.map_or("?".into(), |n| n.to_string());
            let _ = write!(
                text,
                " (idle {}, interval {}, {retries} retries",
                d(self.fields.idle_s),
                d(self.fields.interval_s)
            );
            if let Some(user_timeout) = self.fields.user_timeout_s {
                let _ = write!(text, ", user timeout {}", human_s(user_timeout));
            }
            text.push(')');
        } else if let Some(user_timeout) = self.fields.user_timeout_s {
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
                if s.problems > 0 {
                    let _ = write!(text, "; {} problems", s.problems);
                }
                text
            }
        }
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
