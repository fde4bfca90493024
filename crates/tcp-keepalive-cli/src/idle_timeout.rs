//! `tcp-keepalive idle-timeout HOST:PORT`: how long the path to a server (a
//! NAT, a stateful firewall, a load balancer) keeps an idle TCP connection,
//! found with keepalive probes only. No application byte is ever sent.
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
//!   unit tests here) and measured end to end against a real conntrack
//!   middlebox in the tests. With no timeout up to `--max`, it takes `--max`.
//! - It assumes a timeout that depends only on idle time, and no packet loss:
//!   a lost probe or ACK looks like a forgotten flow and makes the result too
//!   low (rerun it on a lossy path). Ages are measured at the client; a
//!   refreshed flow's age at the middlebox is larger by up to one round trip.
//!   Answered probes above a forgotten one are reported as anomalies.
//! - A server that closes idle connections itself (FIN or RST) is measured
//!   the same way: the result is then the server's own idle timeout.

use std::time::Duration;

use serde::Serialize;

use crate::cli::IdleTimeoutArgs;
use crate::output::{human, secs, Exit, Failure, Outcome, Output};

/// Stop when the bracket is this narrow: the midpoint is then within ±0.75 s.
const RESOLUTION: f64 = 1.5;
/// Connections kept in reserve for phase 2 when sizing the grid.
const RESERVE: usize = 4;
/// The longest `--max`: `TCP_KEEPIDLE`'s limit (32767 s) is the parking value.
const MAX_MAX: Duration = Duration::from_secs(9 * 3600);

/// What the search found.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Finding {
    /// The largest idle age a probe was answered at (0 when none was).
    pub lo: f64,
    /// The smallest idle age at which the path had forgotten a connection;
    /// `None` when every probe up to `--max` was answered.
    pub hi: Option<f64>,
    /// A connection was closed by the peer (FIN or RST) rather than forgotten.
    pub closed_by_peer: bool,
    /// Answers that contradict the bracket (packet loss, or a path that is
    /// not a simple idle timeout).
    pub anomalies: usize,
}

/// A planner's decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Open one more connection; its id is the number opened so far.
    Open,
    /// Send one keepalive probe on this connection now.
    Fire(usize),
    /// Close this connection unused.
    Close(usize),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Slot {
    /// Parked; `Some(age)` for a phase-1 connection not yet sampled.
    Idle(Option<f64>),
    /// A probe is out, sent at this idle age.
    InFlight(f64),
    Gone,
}

/// The search, as pure decisions: the caller owns the connections, reports
/// readings and outcomes, and carries out the [`Action`]s.
#[derive(Debug)]
pub(crate) struct Planner {
    slots: Vec<Slot>,
    grid: Vec<f64>,
    budget: usize,
    finding: Finding,
    gave_up: bool,
}

impl Planner {
    /// A search up to `max` seconds with at most `budget` connections.
    pub(crate) fn new(max: f64, budget: usize) -> Result<Planner, String> {
        let grid = [(10, 1.2), (5, 1.3), (2, 1.5), (1, 2.0), (1, 3.0)]
            .iter()
            .map(|&(linear, ratio)| grid(max, linear, ratio))
            .find(|g| g.len() + RESERVE <= budget)
            .ok_or_else(|| format!("{budget} connections are too few to search up to {max}s"))?;
        Ok(Planner {
            slots: grid.iter().map(|&age| Slot::Idle(Some(age))).collect(),
            grid,
            budget,
            finding: Finding { lo: 0.0, hi: None, closed_by_peer: false, anomalies: 0 },
            gave_up: false,
        })
    }

    /// The phase-1 ages; the caller opens this many connections first.
    pub(crate) fn grid(&self) -> &[f64] {
        &self.grid
    }

    /// Connections opened so far (ids are `0..opened`).
    pub(crate) fn opened(&self) -> usize {
        self.slots.len()
    }

    /// The bracket so far.
    pub(crate) fn finding(&self) -> &Finding {
        &self.finding
    }

    /// The probe on `id` was answered (`true`) or not.
    pub(crate) fn outcome(&mut self, id: usize, answered: bool) {
        let Slot::InFlight(age) = self.slots[id] else {
            return;
        };
        let f = &mut self.finding;
        if answered {
            self.slots[id] = Slot::Idle(None);
            if f.hi.is_some_and(|hi| age >= hi) {
                f.anomalies += 1;
            } else {
                f.lo = f.lo.max(age);
            }
        } else {
            self.slots[id] = Slot::Gone;
            if age <= f.lo {
                f.anomalies += 1;
            } else {
                f.hi = Some(f.hi.map_or(age, |hi| hi.min(age)));
            }
        }
    }

    /// Connection `id` was closed by the peer while idle for at most `age`.
    pub(crate) fn closed(&mut self, id: usize, age: f64) {
        let was_in_flight = matches!(self.slots[id], Slot::InFlight(_));
        if was_in_flight {
            self.outcome(id, false);
        } else {
            self.slots[id] = Slot::Gone;
            let f = &mut self.finding;
            if age > f.lo {
                f.hi = Some(f.hi.map_or(age, |hi| hi.min(age)));
            }
        }
        self.finding.closed_by_peer = true;
    }

    /// Whether the search is over.
    pub(crate) fn done(&self) -> bool {
        let in_flight = self.slots.iter().any(|s| matches!(s, Slot::InFlight(_)));
        if in_flight {
            return false;
        }
        match self.finding.hi {
            Some(hi) => self.gave_up || hi - self.finding.lo <= RESOLUTION,
            // Phase 1 answered up to the last grid age: nothing forgot us.
            None => self.gave_up || !self.slots.iter().any(|s| matches!(s, Slot::Idle(Some(_)))),
        }
    }

    /// What to do now, given each connection's reading (seconds since it
    /// last heard from the server; `None` for closed ones).
    pub(crate) fn step(&mut self, readings: &[Option<f64>]) -> Vec<Action> {
        let mut actions = Vec::new();
        if self.done() {
            return actions;
        }
        let reading = |id: usize| readings.get(id).copied().flatten();
        let Some(hi) = self.finding.hi else {
            // Phase 1: sample each grid connection when it reaches its age.
            for id in 0..self.slots.len() {
                if let (Slot::Idle(Some(age)), Some(r)) = (self.slots[id], reading(id)) {
                    if r >= age {
                        self.slots[id] = Slot::InFlight(r);
                        actions.push(Action::Fire(id));
                    }
                }
            }
            return actions;
        };
        // Phase 2. Connections idle past the top of the bracket are forgotten.
        let mut idle = Vec::new();
        for id in 0..self.slots.len() {
            match (self.slots[id], reading(id)) {
                (Slot::Idle(_), Some(r)) if r >= hi => {
                    self.slots[id] = Slot::Gone;
                    actions.push(Action::Close(id));
                }
                (Slot::Idle(_), Some(r)) => {
                    self.slots[id] = Slot::Idle(None);
                    idle.push((id, r));
                }
                (Slot::Idle(_), None) => self.slots[id] = Slot::Gone,
                _ => {}
            }
        }
        if self.slots.iter().any(|s| matches!(s, Slot::InFlight(_))) {
            return actions; // one probe at a time: each one narrows the next
        }
        let lo = self.finding.lo;
        let width = hi - lo;
        let mid = (lo + hi) / 2.0;
        let top = hi - width / 4.0;
        let nearest = |range: &dyn Fn(f64) -> bool| {
            idle.iter()
                .filter(|&&(_, r)| range(r))
                .min_by(|a, b| (a.1 - mid).abs().total_cmp(&(b.1 - mid).abs()))
                .copied()
        };
        // Best: a reading that reached the middle (and is not past the middle half).
        let mut pick = nearest(&|r| r >= mid && r <= top);
        if pick.is_none() {
            // How long until the closest reading below the middle reaches it.
            let wait = idle
                .iter()
                .filter(|&&(_, r)| r < mid)
                .map(|&(_, r)| mid - r)
                .min_by(f64::total_cmp);
            match wait {
                Some(wait) if wait <= width.max(2.0) => {} // it is worth waiting for
                _ => pick = nearest(&|r| r > lo && r < hi),
            }
            if pick.is_none() && wait.is_none() {
                if self.slots.len() < self.budget {
                    self.slots.push(Slot::Idle(None));
                    actions.push(Action::Open);
                } else {
                    self.gave_up = true;
                }
                return actions;
            }
        }
        if let Some((id, r)) = pick {
            self.slots[id] = Slot::InFlight(r);
            actions.push(Action::Fire(id));
        }
        actions
    }
}

/// 1, 2, …, `linear`, then ×`ratio` (rounded up to whole seconds), then `max`.
fn grid(max: f64, linear: u32, ratio: f64) -> Vec<f64> {
    let mut ages: Vec<f64> = (1..=linear).map(f64::from).take_while(|&a| a < max).collect();
    let mut next = f64::from(linear);
    loop {
        next = (next * ratio).ceil();
        if next >= max {
            break;
        }
        ages.push(next);
    }
    ages.push(max);
    ages
}

/// The settings to recommend for a path that forgets flows after more than
/// `lo` seconds: the first probe and one retry both arrive before that.
fn recommend(lo: f64) -> (u64, u64) {
    let idle = ((lo * 0.8).floor() as u64).max(1);
    let interval = ((lo * 0.1).floor() as u64).max(1);
    (idle, interval)
}

#[derive(Serialize)]
struct Start {
    event: &'static str,
    peer: String,
    max_s: f64,
    /// Ages (s) of the coarse search, one connection each.
    grid_s: Vec<f64>,
    max_connections: usize,
}

#[derive(Serialize)]
struct ProbeOutcome {
    event: &'static str,
    connection: usize,
    elapsed_s: f64,
    /// The idle age the probe was sent at.
    idle_s: f64,
    answered: bool,
    /// The bracket after this probe: the timeout is above `lo_s`, at most `hi_s`.
    lo_s: f64,
    hi_s: Option<f64>,
}

#[derive(Serialize)]
struct Closed {
    event: &'static str,
    connection: usize,
    elapsed_s: f64,
    /// The connection was idle for at most this long when the peer closed it.
    idle_s: f64,
    state: &'static str,
}

#[derive(Serialize)]
struct Report {
    event: &'static str,
    /// Whether a timeout was found below `--max`.
    found: bool,
    /// The estimate, `(answered_s + forgotten_s) / 2`.
    idle_timeout_s: Option<f64>,
    /// Half the bracket: the estimate's uncertainty.
    plus_minus_s: Option<f64>,
    /// The largest idle age a probe was answered at.
    answered_s: f64,
    /// The smallest idle age at which the connection was forgotten.
    forgotten_s: Option<f64>,
    /// Suggested keepalive settings: both the first probe and one retry
    /// arrive before the timeout.
    recommended_idle_s: u64,
    recommended_interval_s: u64,
    closed_by_peer: bool,
    anomalies: usize,
    elapsed_s: f64,
    connections: usize,
    probes: usize,
}

/// Runs `idle-timeout`.
pub fn run(args: &IdleTimeoutArgs, out: &Output) -> Outcome {
    if args.max < Duration::from_secs(2) || args.max > MAX_MAX {
        return Err(Failure::new(
            Exit::BadInput,
            format!(
                "--max {} is outside 2s..=9h (the longest idle age a parked connection can reach)",
                humantime::format_duration(args.max)
            ),
        ));
    }
    if args.connections < 16 {
        return Err(Failure::new(
            Exit::BadInput,
            format!("--connections {} is below the minimum of 16", args.connections),
        ));
    }
    let planner = Planner::new(args.max.as_secs_f64(), args.connections).map_err(|e| {
        Failure::new(Exit::BadInput, format!("{e}; raise --connections or lower --max"))
    })?;
    let addrs = crate::target::resolve(&args.target)?;
    driver::run(planner, &addrs, args, out)
}

fn report(planner: &Planner, elapsed: Duration, probes: usize, out: &Output) -> Outcome {
    let f = planner.finding();
    let (idle, interval) = recommend(f.lo);
    let report = Report {
        event: "result",
        found: f.hi.is_some(),
        idle_timeout_s: f.hi.map(|hi| round3((f.lo + hi) / 2.0)),
        plus_minus_s: f.hi.map(|hi| round3((hi - f.lo) / 2.0)),
        answered_s: round3(f.lo),
        forgotten_s: f.hi.map(round3),
        recommended_idle_s: idle,
        recommended_interval_s: interval,
        closed_by_peer: f.closed_by_peer,
        anomalies: f.anomalies,
        elapsed_s: secs(elapsed),
        connections: planner.opened(),
        probes,
    };
    out.event(&report, || {
        let mut lines = Vec::new();
        match f.hi {
            Some(hi) => {
                let estimate = (f.lo + hi) / 2.0;
                lines.push(format!(
                    "Idle timeout: {estimate:.1}s ± {:.1}s (a probe after {:.1}s idle was answered, one after {hi:.1}s was not).",
                    (hi - f.lo) / 2.0,
                    f.lo
                ));
                if f.closed_by_peer {
                    lines.push("The peer itself closed idle connections: this may be the server's own idle timeout.".into());
                }
                if f.lo < 2.0 {
                    lines.push("The path forgets connections within 2s: keepalive (1s at the least) cannot keep them.".into());
                } else {
                    lines.push(format!(
                        "Recommended: keepalive idle {idle}s, interval {interval}s (so the first probe and one retry arrive in time), e.g.\n  tcp-keepalive watch HOST:PORT --idle {idle}s --interval {interval}s"
                    ));
                }
                lines.push(format!(
                    "Measured in {} ({:.1} × the timeout) with {} connections and {probes} probes.",
                    human(elapsed),
                    elapsed.as_secs_f64() / estimate.max(0.001),
                    planner.opened()
                ));
            }
            None => lines.push(format!(
                "No idle timeout up to {}: the path kept connections idle that long (measured with {} connections).",
                human(Duration::from_secs_f64(f.lo)),
                planner.opened()
            )),
        }
        if f.anomalies > 0 {
            lines.push(format!(
                "Warning: {} answers contradicted the others (packet loss?); the result may be off.",
                f.anomalies
            ));
        }
        lines.join("\n")
    });
    Ok(if f.hi.is_some() { Exit::Success } else { Exit::NoTimeout })
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The part that touches sockets: Linux only (it needs `TCP_INFO`).
#[cfg(target_os = "linux")]
mod driver {
    use std::net::{SocketAddr, TcpStream};
    use std::time::{Duration, Instant};

    use tcp_keepalive::{Keepalive, KeepaliveExt};

    use super::*;
    use crate::tcp_info;

    const TICK: Duration = Duration::from_millis(20);
    /// Parked: the kernel sends nothing before this much idle time.
    const PARK: Duration = Duration::from_secs(32_767);

    struct Conn {
        stream: TcpStream,
        /// The reading at the last sample, and when.
        last: Option<(Duration, Instant)>,
        /// When the in-flight probe was sent, its reading then, and the wait for its answer.
        fired: Option<(Instant, Duration, Duration)>,
    }

    fn open(addrs: &[SocketAddr], args: &IdleTimeoutArgs) -> Result<Conn, Failure> {
        let stream = crate::target::connect(addrs, args.connect_timeout)?;
        // No retransmitted probe before the answer wait is over; never
        // declared dead by the kernel while the command decides.
        let parked =
            Keepalive::new().with_idle(PARK).with_interval(Duration::from_secs(4)).with_retries(10);
        stream
            .set_keepalive_config(&parked)
            .map_err(|e| Failure::io("cannot park a connection (TCP_KEEPIDLE)", e))?;
        Ok(Conn { stream, last: None, fired: None })
    }

    pub(super) fn run(
        mut planner: Planner,
        addrs: &[SocketAddr],
        args: &IdleTimeoutArgs,
        out: &Output,
    ) -> Outcome {
        let start = Instant::now();
        let mut conns: Vec<Option<Conn>> = Vec::new();
        for _ in planner.grid() {
            conns.push(Some(open(addrs, args)?));
        }
        let peer = conns[0]
            .as_ref()
            .and_then(|c| c.stream.peer_addr().ok())
            .map_or(args.target.clone(), |a| a.to_string());
        out.event(
            &Start {
                event: "start",
                peer: peer.clone(),
                max_s: secs(args.max),
                grid_s: planner.grid().to_vec(),
                max_connections: args.connections,
            },
            || {
                format!(
                    "Measuring the idle timeout of the path to {peer}, up to {}, with keepalive probes only.\n\
                     {} connections hold still; each is probed once it has been idle {}…{}.",
                    human(args.max),
                    planner.grid().len(),
                    human(Duration::from_secs_f64(planner.grid()[0])),
                    human(Duration::from_secs_f64(*planner.grid().last().unwrap_or(&0.0))),
                )
            },
        );
        let mut probes = 0;
        while !planner.done() {
            std::thread::sleep(TICK);
            let now = Instant::now();
            let mut readings = vec![None; conns.len()];
            for (id, slot) in conns.iter_mut().enumerate() {
                let Some(conn) = slot else { continue };
                let info = match tcp_info::read(&conn.stream) {
                    Ok(info) => info,
                    Err(e) => return Err(Failure::io("cannot read TCP_INFO", e)),
                };
                let reading = info.idle();
                if let Some((fired_at, age, wait)) = conn.fired {
                    let since_fire = now - fired_at;
                    // An ACK newer than the probe: the path still knew the flow.
                    let answered = info.established() && info.last_ack_recv < since_fire + age / 2;
                    if answered || !info.established() || since_fire > wait {
                        planner.outcome(id, answered);
                        probes += 1;
                        let f = planner.finding();
                        out.event(
                            &ProbeOutcome {
                                event: "probe",
                                connection: id,
                                elapsed_s: secs(now - start),
                                idle_s: secs(age),
                                answered,
                                lo_s: round3(f.lo),
                                hi_s: f.hi.map(round3),
                            },
                            || {
                                format!(
                                    "[{}] probe after {} idle: {}",
                                    human(now - start),
                                    human(age),
                                    if answered { "answered" } else { "no answer: forgotten" }
                                )
                            },
                        );
                        conn.fired = None;
                        if !answered {
                            *slot = None;
                            continue;
                        }
                        conn.stream
                            .set_keepalive_config(&Keepalive::new().with_idle(PARK))
                            .map_err(|e| Failure::io("cannot park a connection", e))?;
                    }
                } else if !info.established() {
                    let age = conn.last.map_or(reading, |(r, at)| r + (now - at));
                    planner.closed(id, age.as_secs_f64());
                    out.event(
                        &Closed {
                            event: "closed",
                            connection: id,
                            elapsed_s: secs(now - start),
                            idle_s: secs(age),
                            state: info.state,
                        },
                        || {
                            format!(
                                "[{}] the peer closed a connection idle for {} ({})",
                                human(now - start),
                                human(age),
                                info.state
                            )
                        },
                    );
                    *slot = None;
                    continue;
                }
                if conn.fired.is_none() {
                    conn.last = Some((reading, now));
                    readings[id] = Some(reading.as_secs_f64());
                }
            }
            for action in planner.step(&readings) {
                match action {
                    Action::Fire(id) => {
                        let Some(conn) = conns[id].as_mut() else {
                            continue;
                        };
                        let age = conn.last.map_or(Duration::ZERO, |(r, _)| r);
                        let rtt = tcp_info::read(&conn.stream).map_or(Duration::ZERO, |i| i.rtt);
                        let wait = (rtt * 4 + Duration::from_millis(200))
                            .clamp(Duration::from_millis(500), Duration::from_secs(3));
                        // Idle for longer than 1 s already: the kernel probes right away.
                        conn.stream
                            .set_keepalive_config(
                                &Keepalive::new().with_idle(Duration::from_secs(1)),
                            )
                            .map_err(|e| Failure::io("cannot send a keepalive probe", e))?;
                        conn.fired = Some((Instant::now(), age, wait));
                    }
                    Action::Close(id) => conns[id] = None,
                    Action::Open => conns.push(Some(open(addrs, args)?)),
                }
            }
            let f = planner.finding();
            out.progress(|| match f.hi {
                Some(hi) => format!(
                    "idle timeout between {:.1}s and {hi:.1}s; {} connections open",
                    f.lo,
                    conns.iter().flatten().count()
                ),
                None => format!(
                    "idle timeout above {:.1}s so far; {} connections open",
                    f.lo,
                    conns.iter().flatten().count()
                ),
            });
        }
        out.progress_done();
        drop(conns);
        report(&planner, start.elapsed(), probes, out)
    }
}

#[cfg(not(target_os = "linux"))]
mod driver {
    use super::*;

    pub(super) fn run(
        _planner: Planner,
        _addrs: &[std::net::SocketAddr],
        _args: &IdleTimeoutArgs,
        _out: &Output,
    ) -> Outcome {
        Err(Failure::new(
            Exit::Error,
            "idle-timeout is Linux only: it needs TCP_INFO to see whether a probe was answered",
        ))
    }
}

#[cfg(test)]
mod tests {
    //! The search against an ideal middlebox that forgets a flow idle for
    //! more than `timeout` seconds: checks the precision, wall time and
    //! connection count claimed in the module docs. The end-to-end tests
    //! run it against a real conntrack middlebox.
    use super::*;

    struct Run {
        estimate: f64,
        half_width: f64,
        elapsed: f64,
        connections: usize,
    }

    /// A connection to the ideal middlebox.
    struct SimConn {
        /// When it last heard from the server.
        heard: f64,
        /// The probe in flight: when it was sent, and at which idle age.
        probe: Option<(f64, f64)>,
        open: bool,
    }

    impl SimConn {
        fn new(now: f64) -> SimConn {
            SimConn { heard: now, probe: None, open: true }
        }
    }

    fn simulate(timeout: f64, max: f64) -> Run {
        const TICK: f64 = 0.05;
        const WAIT: f64 = 0.5;
        let mut planner = Planner::new(max, 64).unwrap();
        let mut conns: Vec<SimConn> = planner.grid().iter().map(|_| SimConn::new(0.0)).collect();
        let mut now = 0.0;
        while !planner.done() {
            now += TICK;
            assert!(now < 3.0 * max + 10.0, "no end for timeout {timeout}");
            for (id, conn) in conns.iter_mut().enumerate() {
                if let Some((fired, age)) = conn.probe {
                    if age <= timeout {
                        conn.heard = fired;
                        conn.probe = None;
                        planner.outcome(id, true);
                    } else if now - fired > WAIT {
                        conn.probe = None;
                        conn.open = false;
                        planner.outcome(id, false);
                    }
                }
            }
            let readings: Vec<Option<f64>> = conns
                .iter()
                .map(|c| (c.open && c.probe.is_none()).then_some(now - c.heard))
                .collect();
            for action in planner.step(&readings) {
                match action {
                    Action::Fire(id) => conns[id].probe = Some((now, now - conns[id].heard)),
                    Action::Close(id) => conns[id].open = false,
                    Action::Open => conns.push(SimConn::new(now)),
                }
            }
        }
        let f = planner.finding();
        let hi = f.hi.unwrap_or(f64::INFINITY);
        Run {
            estimate: (f.lo + hi) / 2.0,
            half_width: (hi - f.lo) / 2.0,
            elapsed: now,
            connections: planner.opened(),
        }
    }

    #[test]
    fn finds_the_timeout_within_a_second_in_at_most_2_2_times_it() {
        let max = 600.0;
        // Typical values, and the worst cases: just above each grid age.
        let mut timeouts: Vec<f64> = vec![1.5, 2.5, 4.0, 7.3, 30.0, 60.0, 240.0, 350.0, 599.0];
        timeouts.extend(Planner::new(max, 64).unwrap().grid().iter().map(|g| g + 0.01));
        timeouts.pop(); // just above max: nothing to find
        let mut worst: f64 = 0.0;
        for timeout in timeouts {
            let run = simulate(timeout, max);
            assert!(
                (run.estimate - timeout).abs() <= 1.0 && run.half_width <= 0.75,
                "timeout {timeout}: estimate {} ± {}",
                run.estimate,
                run.half_width
            );
            assert!(run.elapsed <= 2.2 * timeout + 2.0, "timeout {timeout}: took {}s", run.elapsed);
            assert!(run.connections <= 64, "timeout {timeout}: {} connections", run.connections);
            eprintln!(
                "timeout {timeout:7.2}: {:7.2} ± {:.2} in {:6.1}s = {:.2} T, {} connections",
                run.estimate,
                run.half_width,
                run.elapsed,
                run.elapsed / timeout,
                run.connections
            );
            worst = worst.max(run.elapsed / timeout);
        }
        eprintln!("worst wall time: {worst:.2} × the timeout");
    }

    #[test]
    fn reports_no_timeout_when_every_probe_up_to_max_is_answered() {
        let run = simulate(1000.0, 30.0);
        assert!(run.estimate.is_infinite());
        assert!(run.elapsed < 31.0, "{}", run.elapsed);
    }

    #[test]
    fn grid_fits_the_connection_budget() {
        let default = Planner::new(600.0, 64).unwrap();
        assert_eq!(default.grid().len(), 32);
        assert_eq!(&default.grid()[..12], &[1., 2., 3., 4., 5., 6., 7., 8., 9., 10., 12., 15.]);
        assert!(Planner::new(32_400.0, 64).unwrap().grid().len() <= 60);
        assert!(Planner::new(600.0, 16).unwrap().grid().len() <= 12);
        assert!(Planner::new(32_400.0, 5).is_err());
    }

    #[test]
    fn recommendations_leave_room_for_one_lost_probe() {
        for lo in [2.0, 4.6, 60.0, 349.0] {
            let (idle, interval) = recommend(lo);
            assert!(((idle + interval) as f64) <= lo, "{lo}: {idle} + {interval}");
        }
    }
}
