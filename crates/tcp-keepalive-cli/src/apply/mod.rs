//! `tcp-keepalive apply`: give the live TCP connections of running
//! processes keepalive settings, without restarting them (Linux).
//!
//! The sockets are listed and matched like `inspect` lists them
//! ([`crate::inspect::listing`], in the process's own network namespace, or
//! in every one with `--all-namespaces`); each matching socket is duplicated
//! from its owner (`pidfd_getfd`), configured through the library
//! (`SocketRef::set_keepalive_config`: the same validation and errors), read
//! back, and the duplicate closed at once. A `setsockopt` on the duplicate
//! changes the one socket both descriptors refer to.
//!
//! It never shuts a socket down, never touches a non-TCP socket (only the
//! inodes sock_diag lists as TCP are duplicated) and leaves listeners alone
//! unless `--listeners` is given.

mod events;
#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
mod remote;

use std::time::Duration;

use clap::Args;

pub use events::ApplyEvent;

use crate::args::{count, duration, pid, port, KeepaliveFlags, Typed};

/// `apply` arguments.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The process whose connections to configure (repeatable).
    #[arg(long = "pid", value_name = "PID", value_parser = pid, required_unless_present = "all_namespaces")]
    pub pids: Vec<u32>,

    /// Only connections with this local or remote port.
    #[arg(long, value_name = "PORT", value_parser = port)]
    pub port: Option<u16>,

    /// Only connections to this peer: an address or host name, with or
    /// without a port (`db.internal:5432`, `10.0.0.7`, `[::1]:80`).
    #[arg(long, value_name = "HOST[:PORT]")]
    pub remote: Option<String>,

    /// Idle time before the first probe.
    #[arg(long, value_name = "DURATION", value_parser = duration, allow_hyphen_values = true)]
    pub idle: Typed<Duration>,

    /// Time between unanswered probes.
    #[arg(long, value_name = "DURATION", value_parser = duration, allow_hyphen_values = true)]
    pub interval: Typed<Duration>,

    /// Unanswered probes before the peer is declared dead.
    #[arg(long, value_name = "N", value_parser = count::<u32>, allow_negative_numbers = true)]
    pub retries: u32,

    /// TCP_USER_TIMEOUT: how long sent data may stay unacknowledged.
    #[arg(long, value_name = "DURATION", value_parser = duration, allow_hyphen_values = true)]
    pub user_timeout: Option<Typed<Duration>>,

    /// Configure listening sockets too (connections they accept from then on
    /// inherit the values); without it listeners are left alone.
    #[arg(long)]
    pub listeners: bool,

    /// Change nothing: print what would change.
    #[arg(long)]
    pub dry_run: bool,

    /// Match the connections of every process in every network namespace
    /// (like `inspect --all-namespaces`); with --pid, only those processes.
    #[arg(long)]
    pub all_namespaces: bool,
}

impl ApplyArgs {
    /// The keepalive flags, for checking and for messages.
    pub fn flags(&self) -> KeepaliveFlags<'_> {
        KeepaliveFlags {
            idle: &self.idle,
            interval: &self.interval,
            retries: self.retries,
            user_timeout: self.user_timeout.as_ref(),
        }
    }
}

#[cfg(target_os = "linux")]
pub use linux::run;

/// Elsewhere: no way to reach another process's socket.
#[cfg(not(target_os = "linux"))]
pub fn run(args: &ApplyArgs, _out: &crate::output::Output) -> crate::output::Outcome {
    // Bad values are still bad input first, as on Linux.
    let _checked = args.flags().checked()?;
    Err(crate::output::Failure::linux_only(
        "apply",
        "it takes other processes' sockets with pidfd_getfd, which only Linux (5.6+) has",
    ))
}
