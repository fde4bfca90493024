//! `tcp-keepalive demo`: keepalive detecting a dead peer, live, on loopback,
//! in about four seconds, beside a connection without keepalive that never
//! notices.
//!
//! Three loopback connections are opened: `keepalive` (idle 1s, interval 1s,
//! 3 retries, so a dead peer is detected within 4s), `checked` (the same
//! keepalive, never read) and `control` (keepalive off). Then the peer of all
//! three goes silent: a BPF filter that drops every
//! packet is attached to the server-side sockets (`keepalive_faults::silence`),
//! which is what a peer that lost power looks like from the client. The
//! demo samples `TCP_INFO` to show each probe going out unanswered, reports
//! when the blocked read fails with `ETIMEDOUT` against the configured
//! bound, then shows `liveness()` reporting the `checked` connection dead
//! (`TimedOut`) with no read ever made on it, and that the control
//! connection is still `ESTABLISHED`.
//!
//! Attaching the filter needs CAP_NET_ADMIN. Without it the demo moves
//! itself into a new unprivileged user + network namespace (`unshare(2)`,
//! then uid/gid maps and loopback up; the same as `unshare -rn`), where it
//! has that capability over its own loopback. If that is not possible
//! either, it exits with code 9 and says what is missing.
//!
//! Linux only; elsewhere [`run`] says so (exit code 5).

mod events;

pub use events::DemoEvent;

#[cfg(target_os = "linux")]
mod linux;

#[cfg(target_os = "linux")]
pub use linux::run;

/// Elsewhere: the demo needs Linux.
#[cfg(not(target_os = "linux"))]
pub fn run(_out: &crate::output::Output) -> crate::output::Outcome {
    Err(crate::output::Failure::linux_only(
        "the demo",
        "it silences the peer with a BPF socket filter and reads TCP_INFO",
    ))
}
