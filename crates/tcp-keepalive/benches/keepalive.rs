//! Criterion: keepalive calls on a connected loopback stream, every contender
//! next to raw libc `setsockopt` / `getsockopt` in the same run.
//!
//! Groups: `set_keepalive` (enable), `keepalive` (read the flag), `full_config`
//! (enable + idle + interval + count). `scripts/bench` runs this several times,
//! rotating the order of the contenders (`KEEPALIVE_BENCH_ROTATE`) so that
//! drift on a shared machine hits all of them, and turns the estimates into
//! ratios to raw libc.
//!
//! Run alone: `cargo bench -p tcp-keepalive --bench keepalive`.

#[cfg(target_os = "linux")]
#[allow(dead_code)] // each bench uses part of the shared contenders
mod common;

#[cfg(target_os = "linux")]
mod linux {
    use std::hint::black_box;
    use std::io;
    use std::net::TcpStream;

    use criterion::measurement::{Measurement, ValueFormatter};
    use criterion::{BenchmarkGroup, Criterion, Throughput};

    use crate::common::clock::Clock;
    use crate::common::{
        self, nix_crate, raw_libc, rustix_crate, socket2_crate, this_crate, IMPLS,
    };

    /// Criterion measurement over [`Clock`]: thread CPU time unless
    /// `KEEPALIVE_BENCH_CLOCK=wall`. Values are nanoseconds.
    pub struct ClockMeasurement(Clock);

    impl ClockMeasurement {
        pub fn from_env() -> Self {
            let clock = Clock::from_env();
            eprintln!("keepalive benches: measuring {}", clock.name());
            ClockMeasurement(clock)
        }
    }

    impl Measurement for ClockMeasurement {
        type Intermediate = std::time::Duration;
        type Value = std::time::Duration;

        fn start(&self) -> Self::Intermediate {
            self.0.now()
        }
        fn end(&self, start: Self::Intermediate) -> Self::Value {
            self.0.now().saturating_sub(start)
        }
        fn add(&self, a: &Self::Value, b: &Self::Value) -> Self::Value {
            *a + *b
        }
        fn zero(&self) -> Self::Value {
            std::time::Duration::ZERO
        }
        fn to_f64(&self, value: &Self::Value) -> f64 {
            value.as_nanos() as f64
        }
        fn formatter(&self) -> &dyn ValueFormatter {
            &Nanoseconds
        }
    }

    /// Every figure here is tens to thousands of nanoseconds: always shown in ns.
    struct Nanoseconds;

    impl ValueFormatter for Nanoseconds {
        fn scale_values(&self, _typical: f64, _values: &mut [f64]) -> &'static str {
            "ns"
        }
        fn scale_throughputs(
            &self,
            _: f64,
            throughput: &Throughput,
            values: &mut [f64],
        ) -> &'static str {
            let per_iter = match throughput {
                Throughput::Elements(n)
                | Throughput::Bytes(n)
                | Throughput::BytesDecimal(n)
                | Throughput::Bits(n) => *n as f64,
            };
            for v in values {
                *v = per_iter * 1e9 / *v;
            }
            "per s"
        }
        fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
            "ns"
        }
    }

    fn bench<T>(
        group: &mut BenchmarkGroup<'_, ClockMeasurement>,
        name: &str,
        stream: &TcpStream,
        op: impl Fn(&TcpStream) -> io::Result<T>,
    ) {
        group.bench_function(name, |b| {
            b.iter(|| op(black_box(stream)).expect("keepalive call failed"))
        });
    }

    /// The contenders in this run's order: rotated by `KEEPALIVE_BENCH_ROTATE`.
    fn order() -> Vec<&'static str> {
        let rotate = std::env::var("KEEPALIVE_BENCH_ROTATE")
            .ok()
            .and_then(|r| r.parse::<usize>().ok())
            .unwrap_or(0);
        let mut order = IMPLS.to_vec();
        order.rotate_left(rotate % IMPLS.len());
        order
    }

    pub fn set_keepalive(c: &mut Criterion<ClockMeasurement>) {
        let pair = common::connected().expect("loopback connection");
        let s = &pair.stream;
        let mut g = c.benchmark_group("set_keepalive");
        for name in order() {
            match name {
                "raw_libc" => bench(&mut g, name, s, raw_libc::set_keepalive),
                "tcp_keepalive" => bench(&mut g, name, s, this_crate::set_keepalive),
                "socket2" => bench(&mut g, name, s, socket2_crate::set_keepalive),
                "nix" => bench(&mut g, name, s, nix_crate::set_keepalive),
                "rustix" => bench(&mut g, name, s, rustix_crate::set_keepalive),
                _ => unreachable!("contender {name} has no bench"),
            }
        }
        g.finish();
    }

    pub fn keepalive(c: &mut Criterion<ClockMeasurement>) {
        let pair = common::connected().expect("loopback connection");
        let s = &pair.stream;
        raw_libc::set_keepalive(s).expect("enable keepalive");
        let mut g = c.benchmark_group("keepalive");
        for name in order() {
            match name {
                "raw_libc" => bench(&mut g, name, s, raw_libc::keepalive),
                "tcp_keepalive" => bench(&mut g, name, s, this_crate::keepalive),
                "socket2" => bench(&mut g, name, s, socket2_crate::keepalive),
                "nix" => bench(&mut g, name, s, nix_crate::keepalive),
                "rustix" => bench(&mut g, name, s, rustix_crate::keepalive),
                _ => unreachable!("contender {name} has no bench"),
            }
        }
        g.finish();
    }

    pub fn full_config(c: &mut Criterion<ClockMeasurement>) {
        let pair = common::connected().expect("loopback connection");
        let s = &pair.stream;
        // Built once, as a program would; applying it is what is measured.
        let ours = common::config();
        let theirs = common::socket2_config();
        let mut g = c.benchmark_group("full_config");
        for name in order() {
            match name {
                "raw_libc" => bench(&mut g, name, s, common::raw_full_config),
                "tcp_keepalive" => {
                    bench(&mut g, name, s, |s| this_crate::full_config(s, black_box(&ours)))
                }
                "socket2" => {
                    bench(&mut g, name, s, |s| socket2_crate::full_config(s, black_box(&theirs)))
                }
                "nix" => bench(&mut g, name, s, nix_crate::full_config),
                "rustix" => bench(&mut g, name, s, rustix_crate::full_config),
                _ => unreachable!("contender {name} has no bench"),
            }
        }
        g.finish();
    }

    criterion::criterion_group! {
        name = benches;
        config = Criterion::default().with_measurement(ClockMeasurement::from_env());
        targets = set_keepalive, keepalive, full_config
    }
}

#[cfg(target_os = "linux")]
criterion::criterion_main!(linux::benches);

#[cfg(not(target_os = "linux"))]
fn main() {}
