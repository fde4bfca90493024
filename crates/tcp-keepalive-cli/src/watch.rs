//! `tcp-keepalive watch HOST:PORT`: connect, apply keepalive settings, send
//! nothing, and show the connection's keepalive state live until the peer is
//! declared dead (exit code 3) or closes the connection (exit code 4).
//!
//! The connection is read with a short timeout so that, between reads, the
//! kernel's view (`TCP_INFO` on Linux) can be sampled: probes out unanswered,
//! time since the last ACK. Anything the peer sends is read and discarded.

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde::Serialize;
use tcp_keepalive::{Keepalive, KeepaliveExt};

use crate::cli::WatchArgs;
use crate::output::{human, secs, Exit, Failure, Outcome, Output};
use crate::target;
use crate::tcp_info::{self, TcpInfo};

/// How often the connection is sampled.
const TICK: Duration = Duration::from_millis(100);

#[derive(Serialize)]
struct Connected {
    event: &'static str,
    peer: String,
    local: String,
    idle_s: Option<f64>,
    interval_s: Option<f64>,
    retries: Option<u32>,
    user_timeout_s: Option<f64>,
    /// Worst case from the peer's last answer to "declared dead".
    bound_s: Option<f64>,
}

/// `probe` (an unanswered probe went out) and `alive` (the peer answered).
#[derive(Serialize)]
pub(crate) struct ProbeEvent {
    pub event: &'static str,
    /// Which connection (demo only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection: Option<&'static str>,
    pub elapsed_s: f64,
    /// Probes out and unanswered (`tcpi_probes`).
    pub unanswered: u8,
    /// Time since the peer last answered.
    pub last_ack_recv_s: f64,
    pub state: &'static str,
}

#[derive(Serialize)]
struct Data {
    event: &'static str,
    elapsed_s: f64,
    bytes: usize,
}

#[derive(Serialize)]
struct Ended {
    event: &'static str,
    elapsed_s: f64,
    /// From the peer's last answer (ACK) to the end, when known (Linux).
    since_last_ack_s: Option<f64>,
    bound_s: Option<f64>,
    error: String,
}

/// Follows a connection's `TCP_INFO` and says when something changed.
pub(crate) struct Tracker {
    probes: u8,
    last_ack_at: Option<Instant>,
}

/// What changed between two samples.
pub(crate) enum Change {
    /// More probes are out unanswered.
    Probe,
    /// The peer answered after `probes` unanswered probes (or refreshed the
    /// connection some other way).
    Answered,
}

impl Tracker {
    pub(crate) fn new() -> Tracker {
        Tracker { probes: 0, last_ack_at: None }
    }

    /// Takes a sample taken at `now`.
    pub(crate) fn sample(&mut self, info: &TcpInfo, now: Instant) -> Option<Change> {
        let ack_at = now.checked_sub(info.last_ack_recv);
        let answered = match (self.last_ack_at, ack_at) {
            // last_ack_recv counts whole milliseconds of jiffies: allow for jitter.
            (Some(before), Some(at)) => at > before + Duration::from_millis(50),
            _ => false,
        };
        if ack_at.is_some() && (self.last_ack_at.is_none() || answered) {
            self.last_ack_at = ack_at;
        }
        let before = std::mem::replace(&mut self.probes, info.probes);
        if info.probes > before {
            Some(Change::Probe)
        } else if answered && info.established() {
            Some(Change::Answered)
        } else {
            None
        }
    }

    /// Time from the last ACK seen to `now`.
    pub(crate) fn since_last_ack(&self, now: Instant) -> Option<Duration> {
        self.last_ack_at.map(|at| now.saturating_duration_since(at))
    }
}

/// Runs `watch`.
pub fn run(args: &WatchArgs, out: &Output) -> Outcome {
    let mut config = Keepalive::new()
        .with_idle(args.idle)
        .with_interval(args.interval)
        .with_retries(args.retries);
    if let Some(user_timeout) = args.user_timeout {
        config = config.with_user_timeout(user_timeout);
    }
    // Refuse bad settings before touching the network.
    config.check().map_err(|e| Failure::io("invalid keepalive settings", e))?;
    let addrs = target::resolve(&args.target)?;
    let stream = target::connect(&addrs, args.connect_timeout)?;
    stream
        .set_keepalive_config(&config)
        .map_err(|e| Failure::io("cannot apply the keepalive settings", e))?;
    // What is in effect, after rounding (where the OS reports it).
    let effective = match stream.keepalive_config() {
        Ok(read) if read.idle().is_some() => read,
        _ => config,
    };
    let bound = effective.detection_bound();
    let peer = stream.peer_addr().map_or("?".into(), |a| a.to_string());
    let local = stream.local_addr().map_or("?".into(), |a| a.to_string());
    let connected = Connected {
        event: "connected",
        peer: peer.clone(),
        local: local.clone(),
        idle_s: effective.idle().map(secs),
        interval_s: effective.interval().map(secs),
        retries: effective.retries(),
        user_timeout_s: effective.user_timeout().map(secs),
        bound_s: bound.map(secs),
    };
    out.event(&connected, || {
        format!(
            "Connected to {peer} from {local}.\nKeepalive: {}; a dead peer is declared within {} of its last answer.\nSending nothing; watching (Ctrl-C to stop).",
            describe(&effective),
            bound.map_or("an unknown time".into(), human),
        )
    });
    watch(&stream, bound, out)
}

/// "idle 10s, interval 5s, 3 retries" (and the user timeout when set).
pub(crate) fn describe(config: &Keepalive) -> String {
    let show = |d: Option<Duration>| d.map_or("OS default".into(), human);
    let mut text = format!(
        "idle {}, interval {}, {} retries",
        show(config.idle()),
        show(config.interval()),
        config.retries().map_or("OS default".into(), |n| n.to_string())
    );
    if let Some(user_timeout) = config.user_timeout() {
        text.push_str(&format!(", user timeout {}", human(user_timeout)));
    }
    text
}

fn watch(mut stream: &TcpStream, bound: Option<Duration>, out: &Output) -> Outcome {
    stream.set_read_timeout(Some(TICK)).map_err(|e| Failure::io("cannot set a read timeout", e))?;
    let start = Instant::now();
    let mut tracker = Tracker::new();
    let mut buf = [0u8; 4096];
    loop {
        let read = stream.read(&mut buf);
        let now = Instant::now();
        let elapsed = now - start;
        let info = tcp_info::read(&stream).ok();
        if let Some(info) = &info {
            let change = tracker.sample(info, now);
            let event = |name| ProbeEvent {
                event: name,
                connection: None,
                elapsed_s: secs(elapsed),
                unanswered: info.probes,
                last_ack_recv_s: secs(info.last_ack_recv),
                state: info.state,
            };
            match change {
                Some(Change::Probe) => out.event(&event("probe"), || {
                    format!(
                        "[{}] probe {} sent, unanswered so far (last answer {} ago)",
                        human(elapsed),
                        info.probes,
                        human(info.last_ack_recv)
                    )
                }),
                Some(Change::Answered) => out.event(&event("alive"), || {
                    format!("[{}] the peer answered: alive", human(elapsed))
                }),
                None => {}
            }
            out.progress(|| {
                format!(
                    "idle {}, {} probe(s) unanswered, last answer {} ago",
                    human(info.idle()),
                    info.probes,
                    human(info.last_ack_recv)
                )
            });
        } else {
            out.progress(|| format!("watching for {}", human(elapsed)));
        }
        let ended = |name, error: &dyn std::fmt::Display| Ended {
            event: name,
            elapsed_s: secs(elapsed),
            since_last_ack_s: tracker.since_last_ack(now).map(secs),
            bound_s: bound.map(secs),
            error: error.to_string(),
        };
        match read {
            Ok(0) => {
                out.progress_done();
                let event = ended("closed", &"the peer closed the connection");
                out.event(&event, || {
                    format!("[{}] the peer closed the connection (FIN)", human(elapsed))
                });
                return Ok(Exit::PeerClosed);
            }
            Ok(n) => out.event(&Data { event: "data", elapsed_s: secs(elapsed), bytes: n }, || {
                format!("[{}] the peer sent {n} bytes (discarded)", human(elapsed))
            }),
            Err(e) if is_tick(&e) => {}
            Err(e) if is_keepalive_death(&e) => {
                out.progress_done();
                let event = ended("dead", &e);
                out.event(&event, || {
                    let since = tracker
                        .since_last_ack(now)
                        .map_or(String::new(), |d| format!(", {} after its last answer", human(d)));
                    let bound = bound.map_or(String::new(), |b| format!(" (bound {})", human(b)));
                    format!("[{}] the peer was declared dead: {e}{since}{bound}", human(elapsed))
                });
                return Ok(Exit::PeerDead);
            }
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                out.progress_done();
                let event = ended("closed", &e);
                out.event(&event, || {
                    format!("[{}] the peer reset the connection: {e}", human(elapsed))
                });
                return Ok(Exit::PeerClosed);
            }
            Err(e) => return Err(Failure::io("reading from the connection", e)),
        }
    }
}

/// The read timeout expired (or a signal interrupted the read): keep going.
pub(crate) fn is_tick(e: &io::Error) -> bool {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => true,
        // Windows reports an expired read timeout as WSAETIMEDOUT.
        io::ErrorKind::TimedOut => cfg!(windows),
        _ => false,
    }
}

/// The error a read gets once keepalive (or the user timeout) gave up.
pub(crate) fn is_keepalive_death(e: &io::Error) -> bool {
    if cfg!(windows) {
        // WSAENETRESET: "connection broken due to keep-alive activity".
        e.raw_os_error() == Some(10052)
    } else {
        e.kind() == io::ErrorKind::TimedOut
    }
}
