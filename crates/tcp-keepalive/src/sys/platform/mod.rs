//! Platform facts as data: which option each setting maps to, its unit and its
//! limits. Exactly one file below is compiled, chosen here and nowhere else.
//!
//! Options are named by the OS's real numbers, not by "whatever constant libc
//! happens to export": that heuristic picks a wrong option on NetBSD and illumos.
//!
//! On Unix-like systems each table also gives the socket level's numbers
//! (`SOL_SOCKET`, `SO_KEEPALIVE`, `ENOPROTOOPT`), so that the crate needs no
//! dependency there. `same_as_libc!` checks them all against the libc crate
//! whenever the tests are compiled for a target, which `scripts/check-targets`
//! does for each OS. Unix systems without a table of their own take those three
//! numbers from libc (`other.rs`).

/// TCP's protocol number, which is also its socket option level, on every OS.
pub(crate) const IPPROTO_TCP: i32 = 6;

/// Fails the test build for this target if a number differs from the libc crate's.
#[cfg(any(unix, target_os = "wasi"))]
macro_rules! same_as_libc {
    ($($name:ident),+ $(,)?) => {
        #[cfg(test)]
        const _: () = {
            $(assert!($name == libc::$name, concat!(stringify!($name), " differs from the libc crate's"));)+
        };
    };
}

#[cfg(any(unix, target_os = "wasi"))]
same_as_libc!(IPPROTO_TCP);

#[cfg_attr(
    any(target_os = "linux", target_os = "android", target_os = "fuchsia"),
    path = "linux.rs"
)]
#[cfg_attr(target_vendor = "apple", path = "apple.rs")]
#[cfg_attr(target_os = "freebsd", path = "freebsd.rs")]
#[cfg_attr(target_os = "netbsd", path = "netbsd.rs")]
#[cfg_attr(target_os = "openbsd", path = "openbsd.rs")]
#[cfg_attr(target_os = "dragonfly", path = "dragonfly.rs")]
#[cfg_attr(target_os = "illumos", path = "illumos.rs")]
#[cfg_attr(target_os = "solaris", path = "solaris.rs")]
#[cfg_attr(target_os = "haiku", path = "haiku.rs")]
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
        target_os = "openbsd",
        target_os = "dragonfly",
        target_os = "illumos",
        target_os = "solaris",
        target_os = "haiku",
        windows,
        target_os = "wasi",
    )),
    path = "other.rs"
)]
mod os;

pub(crate) mod poll_4_4bsd;

pub(crate) use os::*;

/// Every OS's table, compiled on any host for the unit tests. The host's own
/// file is then compiled twice, on purpose.
#[cfg(test)]
#[allow(clippy::duplicate_mod)]
pub(crate) mod every_os;
