//! Instruction counts of the keepalive calls under valgrind's callgrind (through
//! gungraun), every contender side by side: user-space instructions only; the
//! kernel's side of each system call is not counted (one `syscall` instruction).
//!
//! Each benchmark function makes exactly one call. Everything else is outside
//! the counted region: the connected loopback pair is made (and every call made
//! once, so that nothing is done for the first time) by `fixture()`, which
//! gungraun runs before the function; the pair is leaked, so nothing is closed
//! inside it. gungraun runs each function in its own valgrind process with ASLR
//! off. Run by scripts/bench-instructions, which prints the table and gates CI on
//! baseline.json; see BENCHMARKS.md. Linux only, as that script.

#[path = "../../../crates/tcp-keepalive/benches/common/mod.rs"]
#[allow(dead_code)] // the criterion benches' dispatcher and clock are not used here
mod common;

use std::hint::black_box;
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;

use gungraun::prelude::*;
use tcp_keepalive::{AcceptKeepalive, Keepalive};

use common::{nix_crate, raw_libc, rustix_crate, socket2_crate, this_crate, Connected};

pub struct Fixture {
    pair: Connected,
    ours: Keepalive,
    theirs: socket2::TcpKeepalive,
    /// A listener prepared by `AcceptKeepalive::new` and a stream it accepted.
    accept: AcceptKeepalive,
    /// The same config with the per-stream strategy (other OSes' `new`).
    accept_per_stream: AcceptKeepalive,
    accepted: TcpStream,
    _client: TcpStream,
    _listener: TcpListener,
}

/// A connected loopback pair with the full config applied, every call below
/// already made once on it. Leaked: the process ends after one call.
fn fixture() -> &'static Fixture {
    let pair = common::connected().expect("loopback connection");
    let ours = common::config();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let accept = AcceptKeepalive::new(&listener, &ours).expect("AcceptKeepalive::new");
    let accept_per_stream =
        AcceptKeepalive::per_stream(&listener, &ours).expect("AcceptKeepalive::per_stream");
    let client =
        TcpStream::connect(listener.local_addr().expect("local address")).expect("connect");
    let (accepted, _) = listener.accept().expect("accept");
    let f = Box::leak(Box::new(Fixture {
        pair,
        ours,
        theirs: common::socket2_config(),
        accept,
        accept_per_stream,
        accepted,
        _client: client,
        _listener: listener,
    }));
    warm_up(f);
    let fd = f.pair.stream.as_raw_fd();
    assert_eq!(instruction_bench::glibc_setsockopt(fd), 0, "glibc setsockopt");
    assert_eq!(instruction_bench::glibc_syscall(fd), 0, "glibc syscall()");
    #[cfg(target_arch = "x86_64")]
    assert_eq!(instruction_bench::inline_syscall(fd), 0, "inline syscall");
    // The same socket state for every benchmark, whatever warm_up left.
    common::raw_full_config(&f.pair.stream).expect("raw full config");
    f
}

/// One benchmark function per call; `warm_up` makes every one of these calls once.
macro_rules! calls {
    ($($bench:ident: |$f:ident| $call:expr;)*) => {
        $(
            #[library_benchmark]
            #[bench::call(fixture())]
            fn $bench($f: &'static Fixture) {
                let _ = black_box($call.expect(stringify!($bench)));
            }
        )*

        fn warm_up(f: &Fixture) {
            $({
                let $f = f;
                let _ = $call.expect(concat!("warm-up of ", stringify!($bench)));
            })*
        }

        library_benchmark_group!(name = calls, benchmarks = [$($bench),*]);
    };
}

calls! {
    raw_libc_set_keepalive: |f| raw_libc::set_keepalive(black_box(&f.pair.stream));
    tcp_keepalive_set_keepalive: |f| this_crate::set_keepalive(black_box(&f.pair.stream));
    socket2_set_keepalive: |f| socket2_crate::set_keepalive(black_box(&f.pair.stream));
    nix_set_keepalive: |f| nix_crate::set_keepalive(black_box(&f.pair.stream));
    rustix_set_keepalive: |f| rustix_crate::set_keepalive(black_box(&f.pair.stream));

    raw_libc_keepalive: |f| raw_libc::keepalive(black_box(&f.pair.stream));
    tcp_keepalive_keepalive: |f| this_crate::keepalive(black_box(&f.pair.stream));
    socket2_keepalive: |f| socket2_crate::keepalive(black_box(&f.pair.stream));
    nix_keepalive: |f| nix_crate::keepalive(black_box(&f.pair.stream));
    rustix_keepalive: |f| rustix_crate::keepalive(black_box(&f.pair.stream));

    raw_libc_full_config: |f| common::raw_full_config(black_box(&f.pair.stream));
    tcp_keepalive_full_config: |f| this_crate::full_config(black_box(&f.pair.stream), black_box(&f.ours));
    socket2_full_config: |f| socket2_crate::full_config(black_box(&f.pair.stream), black_box(&f.theirs));
    nix_full_config: |f| nix_crate::full_config(black_box(&f.pair.stream));
    rustix_full_config: |f| rustix_crate::full_config(black_box(&f.pair.stream));

    raw_libc_read_config: |f| raw_libc::read_config(black_box(&f.pair.stream));
    tcp_keepalive_read_config: |f| this_crate::read_config(black_box(&f.pair.stream));
    socket2_read_config: |f| socket2_crate::read_config(black_box(&f.pair.stream));
    nix_read_config: |f| nix_crate::read_config(black_box(&f.pair.stream));
    rustix_read_config: |f| rustix_crate::read_config(black_box(&f.pair.stream));

    // liveness() on a healthy connection: one zero-timeout poll, against the
    // same poll written by hand (scripts/bench-instructions gates it at + 30).
    raw_libc_liveness: |f| raw_libc::liveness(black_box(&f.pair.stream));
    tcp_keepalive_liveness: |f| this_crate::liveness(black_box(&f.pair.stream));

    // AcceptKeepalive::apply on an accepted stream. On Linux accepted sockets inherit
    // the listener's config, so `new` picks that strategy: no system call.
    tcp_keepalive_apply_inherited: |f| f.accept.apply(black_box(&f.accepted));
    // The per-stream strategy (macOS, NetBSD, Windows, ...): `new` checked the config
    // once, `apply` writes it. `AcceptKeepalive::per_stream` exists only in this build
    // (`--cfg tcp_keepalive_bench`, set by scripts/bench-instructions).
    tcp_keepalive_apply_per_stream: |f| f.accept_per_stream.apply(black_box(&f.accepted));

    // No system call: the checking `set_keepalive_config` does first. floor_time.rs
    // times it too, which gives this machine's rate for the crate's own code.
    tcp_keepalive_check: |f| black_box(&f.ours).check();
}

// One setsockopt(SO_KEEPALIVE, 1), three ways to reach the kernel (src/lib.rs).
// Returns the kernel's answer, which fixture() checks is 0.
#[library_benchmark]
#[bench::call(fixture())]
fn floor_glibc_setsockopt(f: &'static Fixture) -> i64 {
    instruction_bench::glibc_setsockopt(black_box(f.pair.stream.as_raw_fd())).into()
}

#[library_benchmark]
#[bench::call(fixture())]
fn floor_glibc_syscall(f: &'static Fixture) -> i64 {
    instruction_bench::glibc_syscall(black_box(f.pair.stream.as_raw_fd()))
}

#[cfg(target_arch = "x86_64")]
#[library_benchmark]
#[bench::call(fixture())]
fn floor_inline_syscall(f: &'static Fixture) -> i64 {
    instruction_bench::inline_syscall(black_box(f.pair.stream.as_raw_fd())) as i64
}

// Nothing at all: what the harness itself adds to every count above.
#[library_benchmark]
#[bench::call(fixture())]
fn floor_empty(f: &'static Fixture) -> i64 {
    black_box(f.pair.stream.as_raw_fd()).into()
}

#[cfg(target_arch = "x86_64")]
library_benchmark_group!(
    name = floor,
    benchmarks = [floor_empty, floor_glibc_setsockopt, floor_glibc_syscall, floor_inline_syscall]
);
#[cfg(not(target_arch = "x86_64"))]
library_benchmark_group!(
    name = floor,
    benchmarks = [floor_empty, floor_glibc_setsockopt, floor_glibc_syscall]
);

gungraun::main!(library_benchmark_groups = calls, floor);
