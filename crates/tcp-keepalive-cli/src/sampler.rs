//! What `demo` and `watch` share: reading a connection that keepalive
//! watches, with a short timeout so that between reads the kernel's view
//! (`TCP_INFO`) can be sampled, and noticing probes and answers in it.

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::Serialize;
use tcp_keepalive::Keepalive;

use crate::output::{human, human_s, plural, secs, Failure};
use crate::tcp_info::{self, TcpInfo, TcpState};

/// The keepalive state of a connection at one moment, as events carry it.
#[derive(Clone, Copy, Debug, Serialize, JsonSchema)]
pub struct Sample {
    /// Seconds since the command started watching.
    pub elapsed_s: f64,
    /// Probes out and unanswered (`tcpi_probes`).
    pub unanswered: u8,
    /// Seconds since the peer last answered (an ACK).
    pub last_ack_recv_s: f64,
    pub state: TcpState,
}

impl Sample {
    /// The sample of `info`, taken `elapsed` after the start.
    pub fn new(elapsed: Duration, info: &TcpInfo) -> Sample {
        Sample {
            elapsed_s: secs(elapsed),
            unanswered: info.probes,
            last_ack_recv_s: secs(info.last_ack_recv),
            state: info.state,
        }
    }

    /// `probe 2 sent, unanswered (last answer 3.1s ago)`
    pub fn probe_text(&self) -> String {
        format!(
            "probe {} sent, unanswered (last answer {} ago)",
            self.unanswered,
            human_s(self.last_ack_recv_s)
        )
    }
}

/// `[4.06s] `: the time stamp at the start of event lines.
pub fn stamp(elapsed_s: f64) -> String {
    format!("[{}] ", human_s(elapsed_s))
}

/// What one round of [`Sampler::next`] saw.
pub enum Seen {
    /// Nothing new; the sample, where `TCP_INFO` can be read.
    Quiet(Option<TcpInfo>),
    /// A probe went out unanswered.
    Probe(Sample),
    /// The peer answered probes.
    Answered(Sample),
    /// The peer sent this many bytes (discarded).
    Data(usize),
    /// The peer closed the connection (FIN).
    Closed,
    /// The peer reset the connection.
    Reset(io::Error),
    /// Keepalive (or the user timeout) declared the peer dead.
    Dead(io::Error),
}

/// Reads a connection round by round and tells what changed.
pub struct Sampler<'a> {
    stream: &'a TcpStream,
    start: Instant,
    probes: u8,
    last_ack_at: Option<Instant>,
    buf: [u8; 4096],
}

impl<'a> Sampler<'a> {
    /// Reads `stream` in rounds of `tick`; times count from `start`.
    pub fn new(stream: &'a TcpStream, tick: Duration, start: Instant) -> Result<Self, Failure> {
        stream
            .set_read_timeout(Some(tick))
            .map_err(|e| Failure::io("cannot set a read timeout", e))?;
        Ok(Sampler { stream, start, probes: 0, last_ack_at: None, buf: [0; 4096] })
    }

    /// Time since `start`.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Time from the last answer seen to now, where `TCP_INFO` tells it.
    pub fn since_last_ack(&self) -> Option<f64> {
        self.last_ack_at.map(|at| secs(at.elapsed()))
    }

    /// One round: a read that waits at most the tick, then a sample.
    pub fn next(&mut self) -> Result<Seen, Failure> {
        let mut stream = self.stream;
        let read = stream.read(&mut self.buf);
        let now = Instant::now();
        let info = tcp_info::read(self.stream).ok();
        let change = info.as_ref().and_then(|info| self.sample(info, now));
        match read {
            Ok(0) => Ok(Seen::Closed),
            Ok(n) => Ok(Seen::Data(n)),
            Err(e) if is_tick(&e) => Ok(change.unwrap_or(Seen::Quiet(info))),
            Err(e) if is_keepalive_death(&e) => Ok(Seen::Dead(e)),
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => Ok(Seen::Reset(e)),
            Err(e) => Err(Failure::io("reading from the connection", e)),
        }
    }

    /// Compares a sample with the previous one.
    fn sample(&mut self, info: &TcpInfo, now: Instant) -> Option<Seen> {
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
        let sample = Sample::new(now - self.start, info);
        if info.probes > before {
            Some(Seen::Probe(sample))
        } else if answered && info.established() {
            Some(Seen::Answered(sample))
        } else {
            None
        }
    }
}

/// The read timeout expired (or a signal interrupted the read): keep going.
fn is_tick(e: &io::Error) -> bool {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => true,
        // Windows reports an expired read timeout as WSAETIMEDOUT.
        io::ErrorKind::TimedOut => cfg!(windows),
        _ => false,
    }
}

/// The error a read gets once keepalive (or the user timeout) gave up.
fn is_keepalive_death(e: &io::Error) -> bool {
    if cfg!(windows) {
        // WSAENETRESET: "connection broken due to keep-alive activity".
        e.raw_os_error() == Some(10052)
    } else {
        e.kind() == io::ErrorKind::TimedOut
    }
}

/// "idle 10s, interval 5s, 3 retries" (and the user timeout when set).
pub fn describe(config: &Keepalive) -> String {
    let show = |d: Option<Duration>| d.map_or("OS default".into(), human);
    let mut text = format!(
        "idle {}, interval {}, {}",
        show(config.idle()),
        show(config.interval()),
        config.retries().map_or("OS default retries".into(), |n| plural(n, "retry", "retries"))
    );
    if let Some(user_timeout) = config.user_timeout() {
        text.push_str(&format!(", user timeout {}", human(user_timeout)));
    }
    text
}
