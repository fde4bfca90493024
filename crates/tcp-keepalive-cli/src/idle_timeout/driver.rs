//! The part of `idle-timeout` that touches sockets: Linux only (it needs
//! `TCP_INFO`); elsewhere [`run`] says so (exit code 5).

#[cfg(target_os = "linux")]
pub use linux::run;

/// Elsewhere: the search needs `TCP_INFO`.
#[cfg(not(target_os = "linux"))]
pub fn run(
    _planner: super::Planner,
    _target: &crate::target::Target,
    _args: &super::IdleTimeoutArgs,
    _out: &crate::output::Output,
) -> crate::output::Outcome {
    Err(crate::output::Failure::linux_only(
        "idle-timeout",
        "it needs TCP_INFO to see whether a probe was answered",
    ))
}

#[cfg(target_os = "linux")]
mod linux {
    use std::net::TcpStream;
    use std::time::{Duration, Instant};

    use tcp_keepalive::{Keepalive, KeepaliveExt};

    use super::super::planner::{Action, Planner};
    use super::super::IdleTimeoutArgs;
    use super::super::IdleTimeoutEvent;
    use crate::output::{plural, round_ms, secs, Exit, Failure, Outcome, Output};
    use crate::target::Target;
    use crate::tcp_info::{self, TcpInfo, TcpState};

    const TICK: Duration = Duration::from_millis(20);
    /// Parked: the kernel sends nothing before this much idle time.
    const PARK: Duration = Duration::from_secs(32_767);

    struct Conn {
        stream: TcpStream,
        opened: Instant,
        /// The reading at the last sample.
        last: Duration,
        /// When the in-flight probe was sent, its reading then, and the wait for its answer.
        fired: Option<(Instant, Duration, Duration)>,
    }

    impl Conn {
        fn open(target: &Target) -> Result<Conn, Failure> {
            let stream = target.connect()?;
            // No retransmitted probe before the answer wait is over; never
            // declared dead by the kernel while the command decides.
            let parked = Keepalive::new()
                .with_idle(PARK)
                .with_interval(Duration::from_secs(4))
                .with_retries(10);
            stream
                .set_keepalive_config(&parked)
                .map_err(|e| Failure::io("cannot park a connection (TCP_KEEPIDLE)", e))?;
            Ok(Conn { stream, opened: Instant::now(), last: Duration::ZERO, fired: None })
        }

        /// Idle as the peer's application counts it: since the last data
        /// received, or since the connection opened.
        fn data_age(&self, info: &TcpInfo, now: Instant) -> Duration {
            info.last_data_recv.min(now - self.opened)
        }

        /// Sends one probe now: the connection has been idle longer than 1 s,
        /// so with `TCP_KEEPIDLE` at 1 s the kernel probes right away.
        fn fire(&mut self) -> Result<(), Failure> {
            let rtt = tcp_info::read(&self.stream).map_or(Duration::ZERO, |i| i.rtt);
            let wait = (rtt * 4 + Duration::from_millis(200))
                .clamp(Duration::from_millis(500), Duration::from_secs(3));
            self.stream
                .set_keepalive_config(&Keepalive::new().with_idle(Duration::from_secs(1)))
                .map_err(|e| Failure::io("cannot send a keepalive probe", e))?;
            self.fired = Some((Instant::now(), self.last, wait));
            Ok(())
        }
    }

    /// What one sample of a connection showed.
    enum Sampled {
        /// Idle, with this reading (time since the last answer).
        Idle(Duration),
        /// The probe in flight is still waiting for its answer.
        Waiting,
        /// The probe sent at this reading was answered or not.
        Probed { age: Duration, answered: bool },
        /// The peer closed the connection once idle (no data) this long.
        Closed { age: Duration, state: TcpState },
    }

    fn sample(conn: &mut Conn, info: &TcpInfo, now: Instant) -> Sampled {
        let Some((fired_at, age, wait)) = conn.fired else {
            if !info.established() {
                return Sampled::Closed { age: conn.data_age(info, now), state: info.state };
            }
            conn.last = info.idle();
            return Sampled::Idle(conn.last);
        };
        let since_fire = now - fired_at;
        // A FIN is the server's application closing, not an answer to the probe.
        if info.state == TcpState::CloseWait {
            return Sampled::Closed { age: conn.data_age(info, now), state: info.state };
        }
        // An ACK newer than the probe: the path still knew the flow.
        let answered = info.established() && info.last_ack_recv < since_fire + age / 2;
        if answered || !info.established() || since_fire > wait {
            conn.fired = None;
            return Sampled::Probed { age, answered };
        }
        Sampled::Waiting
    }

    /// Runs the search until the planner is done.
    pub fn run(
        mut planner: Planner,
        target: &Target,
        args: &IdleTimeoutArgs,
        out: &Output,
    ) -> Outcome {
        let start = Instant::now();
        let mut conns: Vec<Option<Conn>> = Vec::new();
        for _ in planner.grid() {
            conns.push(Some(Conn::open(target)?));
        }
        let peer = conns[0].as_ref().and_then(|c| c.stream.peer_addr().ok());
        let peer_text = peer.map_or(args.target.clone(), |a| a.to_string());
        out.emit(&IdleTimeoutEvent::Start {
            peer: peer_text.clone(),
            max_s: secs(args.max.value),
            grid_s: planner.grid().to_vec(),
            max_connections: args.connections,
        })?;
        let mut probes = 0;
        let mut closed = 0;
        while !planner.done() {
            std::thread::sleep(TICK);
            out.check_stdout()?;
            let now = Instant::now();
            let elapsed_s = secs(now - start);
            let mut readings = vec![None; conns.len()];
            for (id, slot) in conns.iter_mut().enumerate() {
                let Some(conn) = slot else { continue };
                let info = tcp_info::read(&conn.stream)
                    .map_err(|e| Failure::io("cannot read TCP_INFO", e))?;
                match sample(conn, &info, now) {
                    Sampled::Idle(reading) => readings[id] = Some(reading.as_secs_f64()),
                    Sampled::Waiting => {}
                    Sampled::Probed { age, answered } => {
                        planner.outcome(id, answered);
                        probes += 1;
                        let f = planner.finding();
                        let (lo_s, hi_s) = (round_ms(f.lo), f.hi.map(round_ms));
                        let idle_s = secs(age);
                        let connection = id;
                        let event = IdleTimeoutEvent::Probe {
                            connection,
                            elapsed_s,
                            idle_s,
                            answered,
                            lo_s,
                            hi_s,
                        };
                        out.emit(&event)?;
                        if !answered {
                            *slot = None;
                            continue;
                        }
                        let park = Keepalive::new().with_idle(PARK);
                        conn.stream
                            .set_keepalive_config(&park)
                            .map_err(|e| Failure::io("cannot park a connection", e))?;
                    }
                    Sampled::Closed { age, state } => {
                        planner.closed(id, age.as_secs_f64());
                        closed += 1;
                        // Once: a server closing idle connections closes them all alike.
                        if closed == 1 {
                            let idle_s = secs(age);
                            let connection = id;
                            out.emit(&IdleTimeoutEvent::Closed {
                                connection,
                                elapsed_s,
                                idle_s,
                                state,
                            })?;
                        }
                        *slot = None;
                    }
                }
            }
            for action in planner.step(&readings) {
                match action {
                    Action::Fire(id) => {
                        if let Some(conn) = conns[id].as_mut() {
                            conn.fire()?;
                        }
                    }
                    Action::Close(id) => conns[id] = None,
                    Action::Open => conns.push(Some(Conn::open(target)?)),
                }
            }
            let f = planner.finding();
            let open = plural(conns.iter().flatten().count() as u64, "connection", "connections");
            out.progress(|| match f.hi {
                Some(hi) => format!(
                    "idle timeout between {:.1}s and {hi:.1}s; {open} connections open",
                    f.lo
                ),
                None => format!("idle timeout above {:.1}s so far; {open} connections open", f.lo),
            });
        }
        out.progress_done();
        drop(conns);
        let detect_within = args.detect_within.as_ref().map(|d| d.value);
        let elapsed = start.elapsed();
        let result =
            IdleTimeoutEvent::result(&planner, peer_text, elapsed, probes, closed, detect_within);
        out.emit(&result)?;
        Ok(if planner.finding().hi.is_some() { Exit::Success } else { Exit::NoTimeout })
    }
}
