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
//! numbers from libc (`other.rs`); targets whose std has no socket options at
//! all answer `Unsupported` everywhere (`none.rs`).

/// TCP's protocol number, which is also its socket option level, on every OS.
pub(crate) const IPPROTO_TCP: i32 = 6;

/// Fails the test build for this target if a number differs from the libc crate's.
/// (Where sockets are file descriptors: the targets of the `unix.rs` backend.)
#[cfg(any(unix, all(target_os = "wasi", not(target_env = "p1"))))]
macro_rules! same_as_libc {
    ($($name:ident),+ $(,)?) => {
        #[cfg(test)]
        const _: () = {
            $(assert!($name == libc::$name, concat!(stringify!($name), " differs from the libc crate's"));)+
        };
    };
}

#[cfg(any(unix, all(target_os = "wasi", not(target_env = "p1"))))]
same_as_libc!(IPPROTO_TCP);

/// The one list of OSes with a table of their own, and of the targets that
/// check and run them. Adding an OS starts here (docs/platforms.md, "Adding an
/// OS"); everything below, `every_os.rs`, the table tests' OS list,
/// `scripts/check-targets` and `scripts/run-targets` follow from it, and a unit
/// test holds the crate's `Cargo.toml` to it.
///
/// Each row: the module, its file, the cfg that picks it, then targets by kind:
/// `check` (rustup's prebuilt std) and `check_build_std` (nightly -Zbuild-std)
/// for `scripts/check-targets`; `run` and `run_build_std` for
/// `scripts/run-targets`, on this machine. `other` is every Unix without a
/// row; `none` every other target std builds for, whose std has no socket
/// options (its `set_keepalive` answers `Unsupported`).
///
/// Keep each kind's list on one line: the scripts read it from this file.
macro_rules! with_os_tables {
    ($callback:ident) => {
        $callback! {
            other "other.rs" =>
                check_build_std ["x86_64-unknown-redox", "i686-unknown-hurd-gnu", "aarch64-unknown-nto-qnx710"];
            none "none.rs" =>
                check ["wasm32-wasip1", "x86_64-unknown-uefi", "wasm32-unknown-unknown"]
                check_build_std ["x86_64-fortanix-unknown-sgx", "aarch64-kmc-solid_asp3", "riscv32imac-unknown-xous-elf", "x86_64-unknown-hermit"];
            apple "apple.rs": target_vendor = "apple" =>
                check ["x86_64-apple-darwin", "aarch64-apple-darwin", "aarch64-apple-ios"];
            cygwin "cygwin.rs": target_os = "cygwin" =>
                check_build_std ["x86_64-pc-cygwin"];
            dragonfly "dragonfly.rs": target_os = "dragonfly" =>
                check_build_std ["x86_64-unknown-dragonfly"];
            freebsd "freebsd.rs": target_os = "freebsd" =>
                check ["x86_64-unknown-freebsd"];
            haiku "haiku.rs": target_os = "haiku" =>
                check_build_std ["x86_64-unknown-haiku"];
            illumos "illumos.rs": target_os = "illumos" =>
                check ["x86_64-unknown-illumos"];
            linux "linux.rs": any(target_os = "linux", target_os = "android", target_os = "fuchsia") =>
                check ["aarch64-linux-android", "armv7-linux-androideabi", "x86_64-unknown-linux-musl", "x86_64-unknown-fuchsia"]
                check_build_std ["sparc64-unknown-linux-gnu", "mipsel-unknown-linux-musl"]
                run ["s390x-unknown-linux-gnu"]
                run_build_std ["mips-unknown-linux-gnu", "mips64-unknown-linux-gnuabi64", "sparc64-unknown-linux-gnu"];
            netbsd "netbsd.rs": target_os = "netbsd" =>
                check ["x86_64-unknown-netbsd"];
            openbsd "openbsd.rs": target_os = "openbsd" =>
                check_build_std ["x86_64-unknown-openbsd"];
            solaris "solaris.rs": target_os = "solaris" =>
                check_build_std ["x86_64-pc-solaris"];
            wasi "wasi.rs": all(target_os = "wasi", not(target_env = "p1")) =>
                check ["wasm32-wasip2"]
                run ["wasm32-wasip2"];
            windows "windows.rs": windows =>
                check ["x86_64-pc-windows-msvc", "aarch64-pc-windows-msvc", "x86_64-pc-windows-gnu"]
                run ["x86_64-pc-windows-gnu"];
        }
    };
}

/// Picks this target's file: its row's, else `other.rs` on Unix, else `none.rs`.
macro_rules! select_this_os {
    (
        other $other:literal => $($okind:ident [$($otarget:literal),*])*;
        none $none:literal => $($nkind:ident [$($ntarget:literal),*])*;
        $($name:ident $file:literal: $cfg:meta => $($kind:ident [$($target:literal),*])*;)*
    ) => {
        $(#[cfg_attr($cfg, path = $file)])*
        #[cfg_attr(all(unix, not(any($($cfg),*))), path = $other)]
        #[cfg_attr(not(any(unix, $($cfg),*)), path = $none)]
        mod os;

        /// Every row's cfg, as written, for the test that holds Cargo.toml to them.
        #[cfg(test)]
        pub(crate) const TABLE_CFGS: [&str; [$(stringify!($name)),*].len()] =
            [$(stringify!($cfg)),*];
    };
}

with_os_tables!(select_this_os);

pub(crate) mod poll_4_4bsd;

pub(crate) use os::*;

/// Every OS's table, compiled on any host for the unit tests. The host's own
/// file is then compiled twice, on purpose.
#[cfg(test)]
#[allow(clippy::duplicate_mod)]
pub(crate) mod every_os;
