//! `tcp-keepalive watch HOST:PORT`: connect, apply keepalive settings, send
//! nothing, and show the connection's keepalive state live until the peer is
//! declared dead (exit code 3) or closes the connection (exit code 4).
//!
//! The connection is read with a short timeout so that, between reads, the
//! kernel's view (`TCP_INFO` on Linux) can be sampled ([`crate::probe`]).
//! Anything the peer sends is read and discarded.

mod events;

use std::net::TcpStream;
use std::time::{Duration, Instant};

use tcp_keepalive::{Keepalive, KeepaliveExt, Setting};

use events::Ending;
pub use events::WatchEvent;

use crate::cli::{PathTimeout, Typed, WatchArgs};
use crate::output::{human, secs, Exit, Failure, Outcome, Output};
use crate::probe::{describe, Reader, Seen};
use crate::target::Target;

/// How often the connection is sampled.
const TICK: Duration = Duration::from_millis(100);

/// Runs `watch`.
pub fn run(args: &WatchArgs, out: &Output) -> Outcome {
    let mut config = match &args.path_timeout {
        Some(path) => for_path(path, args.detect_within.as_ref())?,
        None => Keepalive::new()
            .with_idle(args.idle.value)
            .with_interval(args.interval.value)
            .with_retries(args.retries),
    };
    if let Some(user_timeout) = &args.user_timeout {
        config = config.with_user_timeout(user_timeout.value);
    }
    let typed = |setting| match setting {
        Setting::Idle => Some(("--idle", args.idle.text.clone())),
        Setting::Interval => Some(("--interval", args.interval.text.clone())),
        Setting::Retries => Some(("--retries", args.retries.to_string())),
        Setting::UserTimeout => {
            args.user_timeout.as_ref().map(|t| ("--user-timeout", t.text.clone()))
        }
        _ => None,
    };
    // Refuse bad settings before touching the network.
    config.check().map_err(|e| Failure::setting("invalid keepalive settings", e, typed))?;
    let target = Target::new(&args.target, &args.connect_timeout)?;
    let stream = target.connect()?;
    stream
        .set_keepalive_config(&config)
        .map_err(|e| Failure::setting("cannot apply the keepalive settings", e, typed))?;
    // What is in effect, after rounding (where the OS reports it).
    let effective = match stream.keepalive_config() {
        Ok(read) if read.idle().is_some() => read,
        _ => config,
    };
    let bound = effective.detection_bound();
    out.emit(&WatchEvent::Connected {
        peer: stream.peer_addr().map_or("?".into(), |a| a.to_string()),
        local: stream.local_addr().map_or("?".into(), |a| a.to_string()),
        settings: describe(&effective),
        idle_s: effective.idle().map(secs),
        interval_s: effective.interval().map(secs),
        retries: effective.retries(),
        user_timeout_s: effective.user_timeout().map(secs),
        bound_s: bound.map(secs),
    })?;
    watch(&stream, bound, out)
}

/// `--path-timeout` (and `--detect-within`, by default twice the path
/// timeout) as `Keepalive::for_path` plans them; its refusal is bad input.
fn for_path(
    path: &PathTimeout,
    detect_within: Option<&Typed<Duration>>,
) -> Result<Keepalive, Failure> {
    let detect = detect_within.map_or(path.value.saturating_mul(2), |d| d.value);
    Keepalive::for_path(path.value, detect).map_err(|e| {
        let detect = detect_within.map_or(String::new(), |d| format!(" --detect-within {d}"));
        Failure::bad_input(format!("--path-timeout {path}{detect}: {e}"))
    })
}

fn watch(stream: &TcpStream, bound: Option<Duration>, out: &Output) -> Outcome {
    let mut reader = Reader::new(stream, TICK, Instant::now())?;
    loop {
        out.check_stdout()?;
        let seen = reader.next()?;
        let elapsed = reader.elapsed();
        let ending = |error: String| Ending {
            elapsed_s: secs(elapsed),
            since_last_ack_s: reader.since_last_ack(),
            bound_s: bound.map(secs),
            error,
        };
        let (event, exit) = match seen {
            Seen::Quiet(Some(info)) => {
                out.progress(|| {
                    format!(
                        "idle {}, {} probe(s) unanswered, last answer {} ago",
                        human(info.idle()),
                        info.probes,
                        human(info.last_ack_recv)
                    )
                });
                continue;
            }
            Seen::Quiet(None) => {
                out.progress(|| format!("watching for {}", human(elapsed)));
                continue;
            }
            Seen::Probe(sample) => (WatchEvent::Probe(sample), None),
            Seen::Answered(sample) => (WatchEvent::Alive(sample), None),
            Seen::Data(bytes) => (WatchEvent::Data { elapsed_s: secs(elapsed), bytes }, None),
            Seen::Closed => (
                WatchEvent::Closed(ending("the peer closed the connection (FIN)".into())),
                Some(Exit::PeerClosed),
            ),
            Seen::Reset(e) => (
                WatchEvent::Closed(ending(format!("the peer reset the connection: {e}"))),
                Some(Exit::PeerClosed),
            ),
            Seen::Dead(e) => (WatchEvent::Dead(ending(e.to_string())), Some(Exit::PeerDead)),
        };
        if exit.is_some() {
            out.progress_done();
        }
        out.emit(&event)?;
        if let Some(exit) = exit {
            return Ok(exit);
        }
    }
}
