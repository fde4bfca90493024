//! Accepted connections per second over loopback, three ways side by side:
//!
//! - `none`: accept only, no keepalive;
//! - `per_connection`: the full config applied to each accepted stream;
//! - `inherited`: the full config set once on the listener, inherited by each
//!   accepted stream (Linux copies all of it at accept).
//!
//! Two figures per mode: connections accepted per second (wall clock), and the
//! server thread's CPU time per accepted connection (`CLOCK_THREAD_CPUTIME_ID`).
//! On loopback the client's `connect()` runs the whole handshake, so with one
//! client the wall-clock rate is bound by the client; the server's CPU time per
//! accept is what limits a busy server, and where keepalive set-up shows.
//!
//! A client thread connects with at most `WINDOW` connections not yet accepted
//! (so the backlog never overflows) and closes them with an RST (SO_LINGER 0,
//! so no TIME_WAIT piles up); the server thread accepts, configures, closes.
//! The connections are split into rounds; each round runs the three modes in a
//! rotated order, so that noise from the rest of the machine hits all three.
//!
//! `accept_rate [--connections N] [--rounds R]`: N connections per mode in all
//! (default 20,000 under `cargo bench`, 300 otherwise). The last line printed is
//! the result as JSON, read by `scripts/bench`.

#[cfg(target_os = "linux")]
#[allow(dead_code)] // each bench uses part of the shared contenders
mod common;

#[cfg(target_os = "linux")]
mod linux {
    use std::collections::VecDeque;
    use std::io;
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread;
    use std::time::{Duration, Instant};

    use tcp_keepalive::{Keepalive, KeepaliveExt};

    use crate::common;
    use crate::common::clock::thread_cpu_time;

    /// Connections the client may have made that the server has not accepted.
    const WINDOW: usize = 64;

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Mode {
        None,
        PerConnection,
        Inherited,
    }

    const MODES: [Mode; 3] = [Mode::None, Mode::PerConnection, Mode::Inherited];

    impl Mode {
        fn name(self) -> &'static str {
            match self {
                Mode::None => "none",
                Mode::PerConnection => "per_connection",
                Mode::Inherited => "inherited",
            }
        }
    }

    fn client(addr: SocketAddr, n: usize, accepted: &AtomicUsize) -> io::Result<()> {
        let mut open = VecDeque::with_capacity(WINDOW + 1);
        for i in 0..n {
            while i >= accepted.load(Ordering::Acquire) + WINDOW {
                thread::yield_now();
            }
            let stream = TcpStream::connect(addr)?;
            socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO))?;
            open.push_back(stream);
            // The oldest one is accepted: at least i + 1 - WINDOW are.
            if open.len() > WINDOW {
                open.pop_front();
            }
        }
        Ok(())
    }

    /// Accepts `n` connections in `mode`; returns the time from the first connect
    /// to the last accept, and the server thread's CPU time for them.
    fn round(
        listener: &TcpListener,
        mode: Mode,
        n: usize,
        config: &Keepalive,
    ) -> io::Result<(Duration, Duration)> {
        let addr = listener.local_addr()?;
        let accepted = AtomicUsize::new(0);
        thread::scope(|scope| {
            let start = Instant::now();
            let cpu_start = thread_cpu_time();
            let client = scope.spawn(|| client(addr, n, &accepted));
            let served = || -> io::Result<()> {
                for i in 0..n {
                    let (stream, _) = listener.accept()?;
                    if mode == Mode::PerConnection {
                        stream.set_keepalive_config(config)?;
                    }
                    accepted.store(i + 1, Ordering::Release);
                    drop(stream);
                }
                Ok(())
            };
            let served = served();
            let elapsed = start.elapsed();
            let cpu = thread_cpu_time().saturating_sub(cpu_start);
            if served.is_err() {
                // Let a client waiting on the window go.
                accepted.store(usize::MAX / 2, Ordering::Release);
            }
            client.join().expect("client thread panicked")?;
            served.map(|()| (elapsed, cpu))
        })
    }

    /// What an accepted stream ends up with, checked outside the timed rounds.
    fn check(listener: &TcpListener, mode: Mode, config: &Keepalive) -> io::Result<bool> {
        let _client = TcpStream::connect(listener.local_addr()?)?;
        let (stream, _) = listener.accept()?;
        if mode == Mode::PerConnection {
            stream.set_keepalive_config(config)?;
        }
        let on = KeepaliveExt::keepalive(&stream)?;
        Ok(match mode {
            Mode::None => !on,
            _ => on && stream.keepalive_config()? == *config,
        })
    }

    fn flag(args: &[String], name: &str) -> io::Result<Option<usize>> {
        let Some(i) = args.iter().position(|a| a == name) else {
            return Ok(None);
        };
        let value = args.get(i + 1).map(String::as_str).unwrap_or("");
        value.parse().map(Some).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{name} takes a positive count, got {value:?}: {e}"),
            )
        })
    }

    fn median(values: &mut [f64]) -> f64 {
        values.sort_by(f64::total_cmp);
        let mid = values.len() / 2;
        if values.len() % 2 == 0 {
            (values[mid - 1] + values[mid]) / 2.0
        } else {
            values[mid]
        }
    }

    pub fn main() -> io::Result<()> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let benching = args.iter().any(|a| a == "--bench");
        let connections =
            flag(&args, "--connections")?.unwrap_or(if benching { 20_000 } else { 300 });
        let rounds = flag(&args, "--rounds")?.unwrap_or(if benching { 20 } else { 3 }).max(1);
        let per_round = (connections / rounds).max(1);
        let config = common::config();

        let listeners = [
            TcpListener::bind("127.0.0.1:0")?,
            TcpListener::bind("127.0.0.1:0")?,
            TcpListener::bind("127.0.0.1:0")?,
        ];
        listeners[2].set_keepalive_config(&config)?;

        // Warm-up, not counted.
        for (mode, listener) in MODES.iter().zip(&listeners) {
            round(listener, *mode, per_round.min(500), &config)?;
        }
        let mut rates: [Vec<f64>; 3] = Default::default();
        let mut cpu_ns: [Vec<f64>; 3] = Default::default();
        for r in 0..rounds {
            for k in 0..3 {
                let m = (k + r) % 3;
                let (elapsed, cpu) = round(&listeners[m], MODES[m], per_round, &config)?;
                rates[m].push(per_round as f64 / elapsed.as_secs_f64());
                cpu_ns[m].push(cpu.as_nanos() as f64 / per_round as f64);
            }
        }

        let mut json = Vec::new();
        for (m, mode) in MODES.iter().enumerate() {
            let ok = check(&listeners[m], *mode, &config)?;
            println!(
                "{:>15}: median {:>7.0} accepts/s, server CPU {:>6.0} ns per accept, over {rounds} rounds of {per_round}; accepted stream configured as intended: {ok}",
                mode.name(),
                median(&mut rates[m].clone()),
                median(&mut cpu_ns[m].clone()),
            );
            let list =
                |v: &[f64]| v.iter().map(|r| format!("{r:.1}")).collect::<Vec<_>>().join(",");
            json.push(format!(
                "\"{}\":{{\"rates\":[{}],\"cpu_ns\":[{}],\"configured\":{ok}}}",
                mode.name(),
                list(&rates[m]),
                list(&cpu_ns[m]),
            ));
        }
        println!(
            "JSON {{\"connections_per_mode\":{},\"rounds\":{rounds},{}}}",
            per_round * rounds,
            json.join(",")
        );
        Ok(())
    }
}

#[cfg(target_os = "linux")]
fn main() -> std::io::Result<()> {
    linux::main()
}

#[cfg(not(target_os = "linux"))]
fn main() {}
