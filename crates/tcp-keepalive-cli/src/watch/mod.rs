//! `tcp-keepalive watch HOST:PORT`: connect, apply keepalive settings, send
//! nothing, and show the connection's keepalive state live until the peer is
//! declared dead (exit code 3) or closes the connection (exit code 4).
//!
//! The connection is read with a short timeout so that, between reads, the
//! kernel's view (`TCP_INFO` on Linux) can be sampled ([`crate::sampler`]).
//! Anything the peer sends is read and discarded.

mod events;

use std::net::TcpStream;
use std::time::{Duration, Instant};

use clap::Args;
use tcp_keepalive::KeepaliveExt;

use events::ConnectionEnd;
pub use events::WatchEvent;

use crate::args::{count, duration, KeepaliveFlags, Typed};
use crate::output::{human, plural, secs, Exit, KeepaliveFields, Outcome, Output};
use crate::path_timeout::{self, path_timeout, PathTimeout};
use crate::sampler::{describe, Sampler, Seen};
use crate::target::Target;

/// How often the connection is sampled.
const TICK: Duration = Duration::from_millis(100);

/// `watch` arguments.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The server: HOST:PORT, e.g. `example.com:443`, `192.0.2.7:22` or `[::1]:8080`.
    #[arg(value_name = "HOST:PORT")]
    pub target: String,

    /// Idle time before the first probe.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = duration, allow_hyphen_values = true)]
    pub idle: Typed<Duration>,

    /// Time between unanswered probes.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = duration, allow_hyphen_values = true)]
    pub interval: Typed<Duration>,

    /// Unanswered probes before the peer is declared dead.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = count::<u32>, allow_negative_numbers = true)]
    pub retries: u32,

    /// TCP_USER_TIMEOUT (Linux): replaces --retries for deciding when to give up.
    #[arg(long, value_name = "DURATION", value_parser = duration, allow_hyphen_values = true)]
    pub user_timeout: Option<Typed<Duration>>,

    /// Instead of --idle, --interval and --retries: the settings
    /// `Keepalive::for_path` plans for a path that forgets flows idle this
    /// long (a duration, or a known middlebox's name as in `inspect
    /// --path-timeout`). Exit code 2 when no settings can keep such a path.
    #[arg(long, value_name = "DURATION|NAME", value_parser = path_timeout, allow_hyphen_values = true, conflicts_with_all = ["idle", "interval", "retries"])]
    pub path_timeout: Option<PathTimeout>,

    /// With --path-timeout: the dead-peer detection time to plan for
    /// (default: twice the path timeout).
    #[arg(long, value_name = "DURATION", value_parser = duration, allow_hyphen_values = true, requires = "path_timeout")]
    pub detect_within: Option<Typed<Duration>>,

    /// Give up connecting after this long.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = duration, allow_hyphen_values = true)]
    pub connect_timeout: Typed<Duration>,
}

/// Runs `watch`.
pub fn run(args: &WatchArgs, out: &Output) -> Outcome {
    let flags = KeepaliveFlags {
        idle: &args.idle,
        interval: &args.interval,
        retries: args.retries,
        user_timeout: args.user_timeout.as_ref(),
    };
    // Refuse bad settings before touching the network.
    let config = match &args.path_timeout {
        Some(path) => {
            let mut config = path_timeout::plan(path, args.detect_within.as_ref())?;
            if let Some(user_timeout) = &args.user_timeout {
                config = config.with_user_timeout(user_timeout.value);
            }
            config.check().map_err(|e| flags.failure("invalid keepalive settings", e))?;
            config
        }
        None => flags.checked()?,
    };
    let target = Target::new(&args.target, &args.connect_timeout)?;
    let stream = target.connect()?;
    stream
        .set_keepalive_config(&config)
        .map_err(|e| flags.failure("cannot apply the keepalive settings", e))?;
    // What is in effect, after rounding (where the OS reports it).
    let effective = match stream.keepalive_config() {
        Ok(read) if read.idle().is_some() => read,
        _ => config,
    };
    let bound = effective.idle_detection_bound();
    out.emit(&WatchEvent::Connected {
        peer: stream.peer_addr().map_or("?".into(), |a| a.to_string()),
        local: stream.local_addr().map_or("?".into(), |a| a.to_string()),
        settings: describe(&effective),
        fields: KeepaliveFields::from(&effective),
        bound_s: bound.map(secs),
    })?;
    watch(&stream, bound, out)
}

fn watch(stream: &TcpStream, bound: Option<Duration>, out: &Output) -> Outcome {
    let mut sampler = Sampler::new(stream, TICK, Instant::now())?;
    loop {
        out.check_stdout()?;
        let seen = sampler.next()?;
        let elapsed = sampler.elapsed();
        let end = |error: String| ConnectionEnd {
            elapsed_s: secs(elapsed),
            since_last_ack_s: sampler.since_last_ack(),
            bound_s: bound.map(secs),
            error,
        };
        let (event, exit) = match seen {
            Seen::Quiet(Some(info)) => {
                out.progress(|| {
                    format!(
                        "idle {}, {} unanswered, last answer {} ago",
                        human(info.idle()),
                        plural(info.probes, "probe", "probes"),
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
                WatchEvent::Closed(end("the peer closed the connection (FIN)".into())),
                Some(Exit::PeerClosed),
            ),
            Seen::Reset(e) => (
                WatchEvent::Closed(end(format!("the peer reset the connection: {e}"))),
                Some(Exit::PeerClosed),
            ),
            Seen::Dead(e) => (WatchEvent::Dead(end(e.to_string())), Some(Exit::PeerDead)),
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
