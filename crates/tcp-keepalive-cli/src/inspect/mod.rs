//! `tcp-keepalive inspect`: this network namespace's TCP connections, each
//! with its owner, the keepalive settings in effect, and how long it would
//! take to notice a dead peer.
//!
//! - [`sockets`]: the connections (sock_diag), with the pending timer and `tcp_info`.
//! - [`owners`]: socket inode -> pid, descriptor and command (`/proc/*/fd`).
//! - [`read`]: the exact settings, from a duplicate of the owner's socket
//!   (`pidfd_getfd`), read only and closed at once.
//! - [`report`]: the events, their text, and the Prometheus summary.
//!
//! Where the socket cannot be duplicated (another user's process without
//! privilege, a kernel before 5.6, the socket or process gone meanwhile),
//! the line is inferred from sock_diag instead and labelled so: a pending
//! keepalive timer means keepalive is on, and the values are then probably
//! the OS defaults. Nothing aborts the listing; the exit code tells (7, or 8
//! with `--max-detection`).
//!
//! Linux only; elsewhere [`run`] says so (exit code 5).

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
mod owners;
#[cfg(target_os = "linux")]
mod read;
mod report;
#[cfg(target_os = "linux")]
mod sockets;

pub use report::{Connection, InspectEvent, Summary};

#[cfg(target_os = "linux")]
pub use linux::{collect, Inspection};

#[cfg(target_os = "linux")]
pub use linux::run;

/// Elsewhere: inspect needs Linux.
#[cfg(not(target_os = "linux"))]
pub fn run(
    _args: &crate::cli::InspectArgs,
    _out: &crate::output::Output,
) -> crate::output::Outcome {
    Err(crate::output::Failure::linux_only(
        "inspect",
        "it lists connections with sock_diag and reads other processes' sockets with pidfd_getfd",
    ))
}
