//! What `apply` reports: one event per matching socket (changed, or left
//! alone, or not reachable, each on its own line), processes that could not
//! be reached, and a summary.

use schemars::JsonSchema;
use serde::Serialize;
use tcp_keepalive::Keepalive;

use crate::inspect::containers::Container;
use crate::inspect::report::{detection_text, keepalive_text, netns_label};
use crate::output::{plural, secs, Event, KeepaliveFields};
use crate::tcp_info::TcpState;

/// The events of `apply`.
#[derive(Serialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ApplyEvent {
    /// A socket configured (with --dry-run: what would be), with its
    /// settings before and after, as read back from the socket.
    Applied(Box<Applied>),
    /// A listening socket left alone: --listeners was not given.
    ListenerLeftAlone(SocketLabel),
    /// A socket that could not be configured: it closed, its process exited
    /// or may not be reached, or the kernel refused (exit code 7, or 9
    /// without permission); the other sockets still get their settings.
    NotApplied {
        #[serde(flatten)]
        socket: SocketLabel,
        problem: String,
    },
    /// A --pid (or a namespace with --all-namespaces) that could not be
    /// reached at all, and why.
    Unreachable { pid: Option<u32>, problem: String },
    /// The last line: counts, and the exit code.
    Summary(Summary),
}

/// Which socket: its owner, addresses, state and where it lives.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct SocketLabel {
    pub pid: u32,
    pub command: String,
    /// The owner's descriptor number for it.
    pub fd: i32,
    pub local: String,
    pub remote: String,
    pub state: TcpState,
    /// Its network namespace's inode (`readlink /proc/PID/ns/net`).
    pub netns_inode: u64,
    /// The namespace's name under /run/netns, if any.
    pub netns_name: Option<String>,
    /// The owner's container, pod or systemd unit (cgroup path), if any shows.
    pub container: Option<Container>,
}

/// One socket's change.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Applied {
    #[serde(flatten)]
    pub socket: SocketLabel,
    /// true: nothing was changed; `after` is what would be set.
    pub dry_run: bool,
    pub before: Settings,
    pub after: Settings,
}

/// Keepalive settings in effect on a socket.
#[derive(Clone, Copy, Debug, Serialize, JsonSchema)]
pub struct Settings {
    /// SO_KEEPALIVE.
    pub keepalive: bool,
    #[serde(flatten)]
    pub fields: KeepaliveFields,
    /// Worst case until a dead peer of an idle connection is noticed
    /// (`Keepalive::idle_detection_bound`); null: never.
    pub detection_bound_s: Option<f64>,
}

impl Settings {
    pub fn new(keepalive: bool, config: &Keepalive) -> Settings {
        let bound = match keepalive {
            true => config.idle_detection_bound(),
            // TCP_USER_TIMEOUT alone still ends a connection whose data goes unacknowledged.
            false => config.user_timeout(),
        };
        Settings {
            keepalive,
            fields: KeepaliveFields::from(config),
            detection_bound_s: bound.map(secs),
        }
    }

    fn keepalive_text(&self) -> String {
        keepalive_text(Some(self.keepalive), false, &self.fields, &[])
    }
}

/// Counts over the matching sockets.
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
pub struct Summary {
    /// Sockets configured (with --dry-run: that would be).
    pub applied: usize,
    pub listeners_left_alone: usize,
    /// Sockets and processes that could not be configured.
    pub not_applied: usize,
    pub dry_run: bool,
    pub exit_code: u8,
}

impl SocketLabel {
    fn text(&self) -> String {
        let mut labels = vec![netns_label(Some(self.netns_inode), self.netns_name.as_deref())];
        labels.extend(self.container.as_ref().map(Container::label));
        let peer = match self.state {
            TcpState::Listen => String::new(),
            _ => format!(" -> {}", self.remote),
        };
        format!(
            "{}[{}] {{{}}} {}{peer} {}",
            self.command,
            self.pid,
            labels.join(", "),
            self.local,
            self.state
        )
    }
}

impl Event for ApplyEvent {
    fn text(&self) -> String {
        match self {
            ApplyEvent::Applied(applied) => {
                let (before, after) = (&applied.before, &applied.after);
                let verb = if applied.dry_run { "would change" } else { "changed" };
                format!(
                    "{}: {verb}: {} -> {}; {} -> {}",
                    applied.socket.text(),
                    before.keepalive_text(),
                    after.keepalive_text(),
                    detection_text(Some(before.keepalive), before.detection_bound_s, &[]),
                    detection_text(Some(after.keepalive), after.detection_bound_s, &[])
                        .trim_start_matches("dead peer noticed "),
                )
            }
            ApplyEvent::ListenerLeftAlone(socket) => format!(
                "{}: left alone (a listener; --listeners configures it, and the connections it accepts from then on inherit the values)",
                socket.text()
            ),
            ApplyEvent::NotApplied { socket, problem } => {
                format!("{}: NOT changed: {problem}", socket.text())
            }
            ApplyEvent::Unreachable { pid: Some(pid), problem } => format!("pid {pid}: {problem}"),
            ApplyEvent::Unreachable { pid: None, problem } => format!("skipped: {problem}"),
            ApplyEvent::Summary(s) => {
                let done = if s.dry_run { "would be configured" } else { "configured" };
                let mut text = format!("{} {done}", plural(s.applied as u64, "socket", "sockets"));
                if s.listeners_left_alone > 0 {
                    let listeners = plural(s.listeners_left_alone as u64, "listener", "listeners");
                    text.push_str(&format!(", {listeners} left alone"));
                }
                if s.not_applied > 0 {
                    text.push_str(&format!(", {} NOT changed", s.not_applied));
                }
                if s.dry_run {
                    text.push_str(" (dry run: nothing was changed)");
                }
                text
            }
        }
    }
}
