//! What `demo` reports: its events, as JSON and as text.

use schemars::JsonSchema;
use serde::Serialize;

use crate::output::{human_s, Event, KeepaliveFields};
use crate::sampler::{stamp, Sample};

/// The events of `demo`.
#[derive(Serialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum DemoEvent {
    /// The two connections are open and their peer is silenced.
    DemoStart {
        /// `bpf`, or `bpf-in-user-namespace` when the demo had to enter one.
        silenced_by: String,
        /// The keepalive connection's settings as text.
        settings: String,
        #[serde(flatten)]
        fields: KeepaliveFields,
        bound_s: f64,
    },
    /// A probe went out on the keepalive connection, unanswered.
    Probe(Sample),
    /// Keepalive declared the peer dead: the blocked read failed.
    Dead { elapsed_s: f64, error: String },
    /// The third connection, with the same keepalive and never read:
    /// `liveness()` reports its peer dead, with no read made.
    Checked {
        elapsed_s: f64,
        /// `dead`, or `peer_closed` / `open` if the kernel said otherwise.
        liveness: String,
        /// The reason for `dead`, as Rust's `io::ErrorKind` (`TimedOut`).
        error_kind: Option<String>,
        /// Reads made on this connection: always 0.
        reads: u32,
    },
    /// The connection without keepalive, after that.
    Control {
        #[serde(flatten)]
        sample: Sample,
        /// A read would wait forever: the connection does not know its peer is gone.
        hanging: bool,
    },
    /// The detection time against the configured bound.
    Result {
        /// From the peer's last answer (the handshake) to the failed read.
        detection_s: f64,
        /// The configured worst case for an idle connection, `Keepalive::idle_detection_bound`.
        bound_s: f64,
        /// detection - bound: timer and scheduling slack when positive.
        over_bound_s: f64,
        control_still_hanging: bool,
    },
}

impl Event for DemoEvent {
    fn text(&self) -> String {
        match self {
            DemoEvent::DemoStart { silenced_by, settings, bound_s, .. } => format!(
                "Three loopback connections; then their peer goes silent, like a host that lost power.\n  \
                 keepalive: {settings}, so a dead peer is detected within {}\n  \
                 checked:   the same keepalive, never read: only liveness() is asked\n  \
                 control:   keepalive off\n\
                 Peer silenced ({}). Nothing answers any more; the clients just wait in read().",
                human_s(*bound_s),
                match silenced_by.as_str() {
                    "bpf" => "a BPF drop-all filter on its sockets",
                    _ => "a BPF drop-all filter, inside an unprivileged user+network namespace",
                }
            ),
            DemoEvent::Probe(s) => format!("{}keepalive: {}", stamp(s.elapsed_s), s.probe_text()),
            DemoEvent::Dead { elapsed_s, error } => format!(
                "{}keepalive: the peer was declared dead; read() failed: {error}",
                stamp(*elapsed_s)
            ),
            DemoEvent::Checked { elapsed_s, liveness, error_kind, reads } => format!(
                "{}checked:   liveness() says {liveness}{}, with {reads} reads made",
                stamp(*elapsed_s),
                error_kind.as_ref().map_or(String::new(), |kind| format!(" ({kind})")),
            ),
            DemoEvent::Control { sample, hanging } => format!(
                "{}control:   still {}, last answer {} ago, no probe sent; {}",
                stamp(sample.elapsed_s),
                sample.state,
                human_s(sample.last_ack_recv_s),
                match hanging {
                    true => "its read() would wait forever",
                    false => "but it is no longer waiting",
                }
            ),
            DemoEvent::Result { detection_s, bound_s, over_bound_s, .. } => {
                let slack = match *over_bound_s > 0.0 {
                    true => format!(
                        "; the {} past it is timer and scheduling slack",
                        human_s(*over_bound_s)
                    ),
                    false => String::new(),
                };
                format!(
                    "Result: keepalive detected the dead peer after {} (bound {}{slack}).\n\
                     Without keepalive, the control connection would wait forever.",
                    human_s(*detection_s),
                    human_s(*bound_s),
                )
            }
        }
    }
}
