//! What `watch` reports: its events, as JSON and as text.

use schemars::JsonSchema;
use serde::Serialize;

use crate::output::{human_s, Event, KeepaliveFields};
use crate::sampler::{stamp, Sample};

/// The events of `watch`.
#[derive(Serialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum WatchEvent {
    /// Connected; the keepalive settings in effect (null: the OS default, unknown).
    Connected {
        peer: String,
        local: String,
        /// The settings as text, e.g. "idle 10s, interval 5s, 3 retries".
        settings: String,
        #[serde(flatten)]
        fields: KeepaliveFields,
        /// Worst case from the peer's last answer to "declared dead".
        bound_s: Option<f64>,
    },
    /// A keepalive probe went out and is unanswered so far.
    Probe(Sample),
    /// The peer answered: it is alive.
    Alive(Sample),
    /// The peer sent data (read and discarded).
    Data { elapsed_s: f64, bytes: usize },
    /// Keepalive (or the user timeout) declared the peer dead (exit code 3).
    Dead(ConnectionEnd),
    /// The peer closed (FIN) or reset (RST) the connection (exit code 4).
    Closed(ConnectionEnd),
}

/// How the connection ended.
#[derive(Serialize, JsonSchema)]
pub struct ConnectionEnd {
    pub elapsed_s: f64,
    /// From the peer's last answer (ACK) to the end, when known (Linux).
    pub since_last_ack_s: Option<f64>,
    pub bound_s: Option<f64>,
    pub error: String,
}

impl Event for WatchEvent {
    fn text(&self) -> String {
        match self {
            WatchEvent::Connected { peer, local, settings, bound_s, .. } => format!(
                "Connected to {peer} from {local}.\n\
                 Keepalive: {settings}; a dead peer is declared within {} of its last answer.\n\
                 Sending nothing; watching (Ctrl-C to stop).",
                bound_s.map_or("an unknown time".into(), human_s),
            ),
            WatchEvent::Probe(s) => format!("{}{}", stamp(s.elapsed_s), s.probe_text()),
            WatchEvent::Alive(s) => format!("{}the peer answered: alive", stamp(s.elapsed_s)),
            WatchEvent::Data { elapsed_s, bytes } => {
                format!("{}the peer sent {bytes} bytes (discarded)", stamp(*elapsed_s))
            }
            WatchEvent::Dead(end) => {
                let since = end
                    .since_last_ack_s
                    .map_or(String::new(), |s| format!(", {} after its last answer", human_s(s)));
                let bound =
                    end.bound_s.map_or(String::new(), |b| format!(" (bound {})", human_s(b)));
                let error = &end.error;
                format!("{}the peer was declared dead: {error}{since}{bound}", stamp(end.elapsed_s))
            }
            WatchEvent::Closed(end) => format!("{}{}", stamp(end.elapsed_s), end.error),
        }
    }
}
