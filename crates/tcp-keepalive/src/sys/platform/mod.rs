//! Platform facts as data: which option each setting maps to, its unit and its
//! limits. Exactly one file below is compiled, chosen here and nowhere else.
//!
//! Options are named by the OS's real numbers, not by "whatever constant libc
//! happens to export": that heuristic picks a wrong option on NetBSD and illumos.

#[cfg_attr(
    any(target_os = "linux", target_os = "android", target_os = "fuchsia"),
    path = "linux.rs"
)]
#[cfg_attr(target_vendor = "apple", path = "apple.rs")]
#[cfg_attr(target_os = "freebsd", path = "freebsd.rs")]
#[cfg_attr(target_os = "netbsd", path = "netbsd.rs")]
#[cfg_attr(target_os = "dragonfly", path = "dragonfly.rs")]
#[cfg_attr(target_os = "illumos", path = "illumos.rs")]
#[cfg_attr(target_os = "solaris", path = "solaris.rs")]
#[cfg_attr(windows, path = "windows.rs")]
#[cfg_attr(target_os = "wasi", path = "wasi.rs")]
#[cfg_attr(
    not(any(
        target_os = "linux",
        target_os = "android",
        target_os = "fuchsia",
        target_vendor = "apple",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "dragonfly",
        target_os = "illumos",
        target_os = "solaris",
        windows,
        target_os = "wasi",
    )),
    path = "bool_only.rs"
)]
mod os;

pub(crate) use os::*;
