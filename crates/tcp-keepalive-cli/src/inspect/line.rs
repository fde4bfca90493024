//! The text line of one socket: its owner, what it is, its keepalive settings
//! (with what is assumed said so), and the dead-peer verdict for connections.

use std::fmt::Write as _;

use super::containers::Container;
use super::report::{netns_label, Connection, SocketKind};
use crate::output::{human_s, plural, KeepaliveFields};

impl Connection {
    /// The whole line.
    pub fn line(&self) -> String {
        let mut line = format!("{} {}", self.owner(), self.local);
        match self.kind {
            SocketKind::Listener => {
                let _ = write!(line, " {}: listening, not a connection", self.state);
                if self.keepalive.is_some() {
                    let _ =
                        write!(line, "; accepted connections inherit {}", self.keepalive_text());
                }
            }
            SocketKind::TimeWait => {
                let _ = write!(
                    line,
                    " -> {} {}: closed; the port is held a while for stray packets, no peer to lose",
                    self.remote, self.state
                );
            }
            SocketKind::Connection => {
                let (keepalive, detection) = (self.keepalive_text(), self.detection_text());
                let _ =
                    write!(line, " -> {} {}: {keepalive}; {detection}", self.remote, self.state);
                self.push_probes(&mut line);
                if let Some(due) = self.keepalive_timer_s.filter(|_| !self.exact) {
                    let _ = write!(line, "; keepalive timer due in {}", human_s(due));
                }
                if self.too_slow == Some(true) {
                    line.push_str("; SLOWER than --max-detection");
                }
                if self.survives_path == Some(false) {
                    line.push_str("; DROPPED by the path (--path-timeout)");
                }
            }
        }
        if let Some(problem) = &self.problem {
            let what = if self.exact { "problem" } else { "inferred" };
            let _ = write!(line, " [{what}: {problem}]");
        }
        line
    }

    /// `command[pid]` or `?[uid N]`, with the namespace and container labels.
    fn owner(&self) -> String {
        let owner = match (&self.command, self.pid) {
            (Some(command), Some(pid)) => format!("{command}[{pid}]"),
            _ => format!("?[uid {}]", self.uid),
        };
        let mut labels = Vec::new();
        if self.netns_inode.is_some() || self.netns_name.is_some() {
            labels.push(netns_label(self.netns_inode, self.netns_name.as_deref()));
        }
        labels.extend(self.container.as_ref().map(Container::label));
        match labels.is_empty() {
            true => owner,
            false => format!("{owner} {{{}}}", labels.join(", ")),
        }
    }

    /// The probes out, and which kind they are: a zero window means the peer
    /// is alive and answering, only not reading.
    fn push_probes(&self, line: &mut String) {
        let (Some(probes), Some(last)) = (self.probes_unanswered, self.last_data_recv_s) else {
            return;
        };
        let last = human_s(last);
        let _ = match self.zero_window {
            false if probes == 0 => write!(line, "; last data {last} ago"),
            true => write!(
                line,
                "; the peer stopped reading (zero window): {} out, last data {last} ago",
                plural(probes, "window probe", "window probes")
            ),
            false => write!(
                line,
                "; {} unanswered, last data {last} ago",
                plural(probes, "keepalive probe", "keepalive probes")
            ),
        };
    }

    fn keepalive_text(&self) -> String {
        keepalive_text(self.keepalive, !self.exact, &self.fields, &self.assumed)
    }

    fn detection_text(&self) -> String {
        detection_text(self.keepalive, self.detection_bound_s, &self.assumed)
    }
}

/// `keepalive on (idle 7s, interval 3s, 4 retries)`, `keepalive off`,
/// `keepalive probably on (idle 7s from the kernel's timer; assumed the OS
/// defaults: ...)`, `keepalive unknown (...)`; `assumed` names the fields
/// not seen.
pub fn keepalive_text(
    keepalive: Option<bool>,
    probably: bool,
    fields: &KeepaliveFields,
    assumed: &[&str],
) -> String {
    let value = match keepalive {
        Some(true) => "on",
        Some(false) => "off",
        None => return "keepalive unknown (data in flight hides the keepalive timer)".into(),
    };
    let probably = if probably { "probably " } else { "" };
    let mut text = format!("keepalive {probably}{value}");
    let user_timeout = fields.user_timeout_s.map(|t| format!("user timeout {}", human_s(t)));
    if keepalive == Some(false) {
        if let Some(user_timeout) = user_timeout {
            let _ = write!(text, ", {user_timeout}");
        }
        return text;
    }
    let d = |s: Option<f64>| s.map_or("?".into(), human_s);
    let retries = fields.retries.map_or("? retries".into(), |n| plural(n, "retry", "retries"));
    let values = [
        ("idle_s", format!("idle {}", d(fields.idle_s))),
        ("interval_s", format!("interval {}", d(fields.interval_s))),
        ("retries", retries),
    ];
    let (assumed, known): (Vec<_>, Vec<_>) =
        values.into_iter().partition(|(field, _)| assumed.contains(field));
    let mut seen: Vec<String> = known.into_iter().map(|(_, text)| text).collect();
    seen.extend(user_timeout);
    let mut inside = seen.join(", ");
    if !assumed.is_empty() {
        let assumed: Vec<String> = assumed.into_iter().map(|(_, text)| text).collect();
        if !inside.is_empty() {
            inside.push_str(" from the kernel's timer; ");
        }
        let _ = write!(inside, "assumed the OS defaults: {}", assumed.join(", "));
    }
    let _ = write!(text, " ({inside})");
    text
}

/// `dead peer noticed within 19s`, `a dead peer is NEVER noticed`, ...; with
/// values `assumed`, the bound holds if they do.
pub fn detection_text(keepalive: Option<bool>, bound: Option<f64>, assumed: &[&str]) -> String {
    let hold = if assumed.is_empty() { "" } else { " if the assumed values hold" };
    match (keepalive, bound) {
        (None, _) => "detection unknown".into(),
        (Some(false), Some(bound)) => {
            format!("dead peer noticed within {} of sending", human_s(bound))
        }
        (_, Some(bound)) => format!("dead peer noticed within {}{hold}", human_s(bound)),
        (_, None) => "a dead peer is NEVER noticed".into(),
    }
}
