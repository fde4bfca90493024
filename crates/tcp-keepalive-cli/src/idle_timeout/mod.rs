//! `tcp-keepalive idle-timeout HOST:PORT`: how long the path to a server (a
//! NAT, a stateful firewall, a load balancer) keeps an idle TCP connection,
//! found with keepalive probes only. No application byte is ever sent.
//!
//! Here: the method and the argument checks; `planner` (the search as pure
//! decisions), `driver` (the sockets, Linux only), `report` (the events).
//!
//! # The method
//!
//! A middlebox forgets a flow once it has seen no packet of it for its idle
//! timeout `T`. After that, packets of the flow are dropped (or answered
//! with a reset), so a keepalive probe sent at idle age `a` tells:
//!
//! - answered: `T > a`, and the probe and its ACK refreshed the flow, so
//!   the connection is fresh again (age 0) and can sample another age later;
//! - not answered within a short wait `W` (a few round trips, at least
//!   0.5 s, read from `TCP_INFO`; there is no need to wait for `ETIMEDOUT`):
//!   `T <= a`, and the connection is dead for good (its flow is forgotten and
//!   no later packet can bring it back), so it is closed.
//!
//! Each connection is a stopwatch: its reading is the time since it last
//! heard from the server (`TCP_INFO`: `tcpi_last_ack_recv`, `tcpi_last_data_recv`).
//! Connections are kept *parked* (`TCP_KEEPIDLE` at its maximum, so the kernel
//! sends nothing); to sample the current reading the command sets
//! `TCP_KEEPIDLE` to 1 s, which makes the kernel send a probe at once because
//! the connection has been idle longer than that, and parks it again once
//! answered. Sampling at the moment the command chooses, instead of arming
//! `TCP_KEEPIDLE` with the age in advance, keeps the kernel's timer slack
//! (several seconds for timers of minutes) out of the measurement: the age
//! recorded is the reading when the probe left.
//!
//! 1. **Coarse search.** At the start, one connection per age of a grid is
//!    opened: 1, 2, …, 10 s, then ×1.2 per step (12, 15, 18, 22, …) up to
//!    `--max`. Each is sampled when its reading reaches its age. The first
//!    age not answered, `H`, ends this phase with `T` in `(L, H]`, where `L`
//!    is the largest answered age; `H <= 1.2 T + 1 s`.
//! 2. **Refinement**, a binary search on the bracket `(lo, hi]`. The
//!    connections answered in phase 1 became fresh at their grid ages, so at
//!    time `H` their readings are `H - 1`, `H - 2`, …, `H - 12`, … — spread
//!    over the bracket and below it, and growing by one second per second.
//!    Whenever an idle connection's reading reaches the middle of the
//!    bracket, it is sampled, halving the bracket; connections whose reading
//!    passed the top of the bracket are closed unused (the path forgot them).
//!    When no reading can reach the middle soon, one that is still inside
//!    the bracket is sampled instead; when no connection can reach it at all,
//!    a new one is opened (within `--connections`).
//! 3. It stops when `hi - lo <= 1.5 s` and reports `(lo + hi) / 2 ± 0.75 s`.
//!
//! # Cost, and where the bounds hold
//!
//! - Connections: the grid (32 for the default `--max 10m`, at most
//!   `--connections - 4`) plus those opened in phase 2, never more than
//!   `--connections` (64) in total.
//! - Wall time: phase 1 ends by `1.2 T + 1 s + W`. The refinement normally
//!   uses the phase-1 connections and ends soon after (1.2–1.5 T in
//!   simulation); if it must open a new connection, that one needs `T` more,
//!   so the worst case is about `2.2 T + 2 s`. This is checked by simulating
//!   the search against an ideal middlebox for T from 1.5 s to 10 min (the
//!   unit tests of `planner`) and measured end to end against a real conntrack
//!   middlebox in the tests. With no timeout up to `--max`, it takes `--max`.
//! - It assumes a timeout that depends only on idle time, and no packet loss:
//!   a lost probe or ACK looks like a forgotten flow and makes the result too
//!   low (rerun it on a lossy path). Ages are measured at the client; a
//!   refreshed flow's age at the middlebox is larger by up to one round trip.
//!   Answered probes above a forgotten one are reported as anomalies.
//! - A server that closes idle connections itself (FIN, or a RST that is not
//!   the answer to a probe) is measured the same way, with one difference:
//!   a probe does not reset a server application's idle timer, so such a
//!   close bounds the timeout by the time since the connection's last data
//!   (or its start: `tcpi_last_data_recv`), not since the last probe's ACK.
//!   The result is then the server's own idle timeout.

mod driver;
mod plan;
mod planner;
mod report;

use std::time::Duration;

use clap::Args;

pub use report::IdleTimeoutEvent;

use crate::args::{count, duration, Typed};
use crate::output::{Failure, Outcome, Output};
use crate::target::Target;
use planner::Planner;

/// The longest `--max`: `TCP_KEEPIDLE`'s limit (32767 s) is the parking value.
const MAX_MAX: Duration = Duration::from_secs(9 * 3600);

/// `idle-timeout` arguments.
#[derive(Debug, Args)]
pub struct IdleTimeoutArgs {
    /// The server: HOST:PORT. Any TCP server that accepts connections will do;
    /// nothing is ever sent to it.
    #[arg(value_name = "HOST:PORT")]
    pub target: String,

    /// The longest idle timeout to look for (at least 2s, at most 9h).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = duration, allow_hyphen_values = true)]
    pub max: Typed<Duration>,

    /// The most connections to open, in total (at least 16).
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = count::<usize>, allow_negative_numbers = true)]
    pub connections: usize,

    /// The dead-peer detection time the plan is made for (default: twice
    /// the lower end of the measured timeout). The plan is
    /// `Keepalive::for_path(lower end, this)`.
    #[arg(long, value_name = "DURATION", value_parser = duration, allow_hyphen_values = true)]
    pub detect_within: Option<Typed<Duration>>,

    /// Give up connecting after this long.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = duration, allow_hyphen_values = true)]
    pub connect_timeout: Typed<Duration>,
}

/// Runs `idle-timeout`.
pub fn run(args: &IdleTimeoutArgs, out: &Output) -> Outcome {
    let max = &args.max;
    if max.value < Duration::from_secs(2) || max.value > MAX_MAX {
        return Err(Failure::bad_input(format!(
            "--max {max} is outside 2s to 9h (the longest idle age a parked connection can reach)"
        )));
    }
    if args.connections < 16 {
        return Err(Failure::bad_input(format!(
            "--connections {} is below the minimum of 16",
            args.connections
        )));
    }
    if let Some(detect) = &args.detect_within {
        // Checked before measuring: no path timeout makes a too short one possible.
        tcp_keepalive::Keepalive::for_path(Duration::MAX, detect.value)
            .map_err(|e| Failure::bad_input(format!("--detect-within {detect}: {e}")))
            .map(drop)?;
    }
    let planner = Planner::new(max.value.as_secs_f64(), args.connections)
        .map_err(|e| Failure::bad_input(format!("{e}; raise --connections or lower --max")))?;
    let target = Target::new(&args.target, &args.connect_timeout)?;
    driver::run(planner, &target, args, out)
}
