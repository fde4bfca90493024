//! Every OS's table, compiled on any host for the unit tests, which run the
//! shared logic (rounding, limits, listeners, the detection bound) against
//! each. Their numbers are checked against libc only where they are the host's
//! (`os` in mod.rs), so the check is a no-op here.
#![allow(dead_code)]

macro_rules! same_as_libc {
    ($($name:ident),+ $(,)?) => {};
}

#[path = "apple.rs"]
pub(crate) mod apple;
#[path = "dragonfly.rs"]
pub(crate) mod dragonfly;
#[path = "freebsd.rs"]
pub(crate) mod freebsd;
#[path = "haiku.rs"]
pub(crate) mod haiku;
#[path = "illumos.rs"]
pub(crate) mod illumos;
#[path = "linux.rs"]
pub(crate) mod linux;
#[path = "netbsd.rs"]
pub(crate) mod netbsd;
#[path = "openbsd.rs"]
pub(crate) mod openbsd;
#[path = "solaris.rs"]
pub(crate) mod solaris;
#[path = "wasi.rs"]
pub(crate) mod wasi;
#[path = "windows.rs"]
pub(crate) mod windows;

use crate::sys::liveness::LivenessCheck;
use crate::sys::table::Platform;

/// Every table with a file of its own.
pub(crate) const ALL: [&Platform; 11] = [
    &apple::PLATFORM,
    &dragonfly::PLATFORM,
    &freebsd::PLATFORM,
    &haiku::PLATFORM,
    &illumos::PLATFORM,
    &linux::PLATFORM,
    &netbsd::PLATFORM,
    &openbsd::PLATFORM,
    &solaris::PLATFORM,
    &wasi::PLATFORM,
    &windows::PLATFORM,
];

/// Every table's `liveness()` facts, by OS.
pub(crate) const LIVENESS: [(&str, &LivenessCheck); 11] = [
    ("Apple systems", &apple::LIVENESS),
    ("DragonFly BSD", &dragonfly::LIVENESS),
    ("FreeBSD", &freebsd::LIVENESS),
    ("Haiku", &haiku::LIVENESS),
    ("illumos", &illumos::LIVENESS),
    ("Linux", &linux::LIVENESS),
    ("NetBSD", &netbsd::LIVENESS),
    ("OpenBSD", &openbsd::LIVENESS),
    ("Solaris", &solaris::LIVENESS),
    ("WASI", &wasi::LIVENESS),
    ("Windows", &windows::LIVENESS),
];
