//! Time per `setsockopt(SO_KEEPALIVE, 1)` through glibc's `setsockopt`, glibc's
//! `syscall()`, an inline `syscall` instruction and rustix: the thread's CPU time
//! (user + kernel) over batches of calls, in rounds with the order rotated, each
//! figure the median over rounds. This VM exposes no hardware counters to perf
//! (`perf stat -e cycles` is "not supported"), so time is the only cycle-like
//! measure. Run by scripts/bench; alone:
//!   cargo bench --manifest-path benches/instructions/Cargo.toml --bench floor_time [-- ROUNDS CALLS]

use std::hint::black_box;
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

use instruction_bench::{glibc_setsockopt, glibc_syscall};

fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a live, writable timespec; CLOCK_THREAD_CPUTIME_ID is
    // always available on Linux, so the call only writes `ts`.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

type Variant = (&'static str, fn(RawFd, &TcpStream) -> bool);

fn variants() -> Vec<Variant> {
    let mut v: Vec<Variant> = vec![
        ("glibc setsockopt", |fd, _| glibc_setsockopt(black_box(fd)) == 0),
        ("glibc syscall()", |fd, _| glibc_syscall(black_box(fd)) == 0),
    ];
    #[cfg(target_arch = "x86_64")]
    v.push(("inline syscall", |fd, _| instruction_bench::inline_syscall(black_box(fd)) == 0));
    v.push(("rustix", |_, s| {
        rustix::net::sockopt::set_socket_keepalive(black_box(s), true).is_ok()
    }));
    v
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

fn main() {
    // `cargo bench` passes `--bench`; the numbers are the only other arguments.
    let nums: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let rounds = nums.first().copied().unwrap_or(21);
    let calls = nums.get(1).copied().unwrap_or(100_000);

    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let stream = TcpStream::connect(listener.local_addr().unwrap()).expect("connect");
    let _accepted = listener.accept().expect("accept");
    let fd = stream.as_raw_fd();

    let variants = variants();
    let mut ns: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    for round in 0..rounds {
        let mut this_round = vec![0.0; variants.len()];
        for k in 0..variants.len() {
            let i = (k + round) % variants.len();
            let (name, call) = variants[i];
            let began = thread_cpu_time();
            for _ in 0..calls {
                assert!(call(fd, &stream), "{name} failed");
            }
            this_round[i] = (thread_cpu_time() - began).as_nanos() as f64 / calls as f64;
        }
        for i in 0..variants.len() {
            ns[i].push(this_round[i]);
            ratios[i].push(this_round[i] / this_round[0]);
        }
    }
    // The rate at which this machine runs the crate's own code, without system calls:
    // Keepalive::check() (its instructions are counted by benches/instructions.rs).
    let config = tcp_keepalive::Keepalive::new()
        .with_idle(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10))
        .with_retries(5);
    let mut check_ns = Vec::new();
    for _ in 0..rounds {
        let began = thread_cpu_time();
        for _ in 0..calls {
            assert!(black_box(&config).check().is_ok());
        }
        check_ns.push((thread_cpu_time() - began).as_nanos() as f64 / calls as f64);
    }

    println!("setsockopt(SO_KEEPALIVE): thread CPU time per call; {rounds} rounds of {calls} calls, order rotated");
    for (i, (name, _)) in variants.iter().enumerate() {
        let (lo, hi) = (
            ratios[i].iter().copied().fold(f64::INFINITY, f64::min),
            ratios[i].iter().copied().fold(0.0, f64::max),
        );
        println!(
            "{name:17} {:7.1} ns  {:.3}x glibc setsockopt (median of per-round ratios; range {lo:.3}-{hi:.3})",
            median(ns[i].clone()),
            median(ratios[i].clone()),
        );
    }
    println!(
        "Keepalive::check() {:7.1} ns  (no system call; median of {rounds} rounds)",
        median(check_ns)
    );
}
