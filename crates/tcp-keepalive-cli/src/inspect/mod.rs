//! `tcp-keepalive inspect`: this network namespace's TCP connections, each
//! with its owner, the keepalive settings in effect, and how long it would
//! take to notice a dead peer.
//!
//! - [`sockets`]: the connections (sock_diag), with the pending timer and `tcp_info`.
//! - [`owners`]: socket inode -> pid, descriptor and command (`/proc/*/fd`).
//! - [`read`]: the exact settings, from a duplicate of the owner's socket
//!   (`pidfd_getfd`), read only and closed at once.
//! - [`report`]: the events and their text (`--prometheus`: `crate::metrics`).
//! - `linux`: [`collect`], the engine `exporter` shares, and [`run`].
//! - [`namespaces`]: every network namespace (`--all-namespaces`), entered
//!   from a dedicated thread; [`listing`]: the sockets of a set of them;
//!   [`containers`]: the container, pod or unit of an owner (cgroup path).
//!
//! Where the socket cannot be duplicated (another user's process without
//! privilege, a kernel before 5.6, the socket or process gone meanwhile),
//! the line is inferred from sock_diag instead and labelled so ([`verdict`]):
//! a pending keepalive timer means keepalive is on and tells the idle time;
//! the interval and count are assumed to be the OS defaults, and named so.
//! Listeners and TIME_WAIT sockets are labelled and get no verdict ([`line`]:
//! the text). Nothing aborts the listing; the exit code tells (7, or 8 with
//! `--max-detection`).
//!
//! Linux only; elsewhere [`run`] says so (exit code 5).

pub mod containers;
mod line;
#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub mod listing;
#[cfg(target_os = "linux")]
pub mod namespaces;
#[cfg(target_os = "linux")]
pub mod owners;
#[cfg(target_os = "linux")]
pub mod read;
pub mod report;
#[cfg(target_os = "linux")]
pub mod sockets;
#[cfg(target_os = "linux")]
mod verdict;

use std::time::Duration;

use clap::Args;

pub use report::{Connection, InspectEvent, Summary};

#[cfg(target_os = "linux")]
pub use linux::{collect, Inspection};

use crate::args::{duration, pid, port, Typed};
use crate::path_timeout::{inspect_help, path_timeout, PathTimeout};

/// `inspect` arguments.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Only connections of this process (repeatable).
    #[arg(long = "pid", value_name = "PID", value_parser = pid, allow_negative_numbers = true)]
    pub pids: Vec<u32>,

    /// Only connections with this local or remote port.
    #[arg(long, value_name = "PORT", value_parser = port, allow_negative_numbers = true)]
    pub port: Option<u16>,

    /// Which connections: `established` (default) or `all` (listening and closing ones too).
    #[arg(long, value_enum, default_value_t = StateFilter::Established)]
    pub state: StateFilter,

    /// Exit with code 8 when a listed connection would take longer than this
    /// to notice a dead peer, or never would.
    #[arg(long, value_name = "DURATION", value_parser = duration, allow_hyphen_values = true)]
    pub max_detection: Option<Typed<Duration>>,

    /// A path (NAT, firewall, load balancer) that forgets flows idle this
    /// long: a duration, or a known middlebox's name (see below). Each
    /// connection then says whether it survives that path (keepalive on, and
    /// its first probe leaves in time); exit code 10 when one would be dropped.
    #[arg(long, value_name = "DURATION|NAME", value_parser = path_timeout, allow_hyphen_values = true, long_help = inspect_help())]
    pub path_timeout: Option<PathTimeout>,

    /// Print only counts in the Prometheus text format, the families
    /// `exporter` serves (for node_exporter's textfile collector), instead of
    /// one line per connection.
    #[arg(long, conflicts_with = "json")]
    pub prometheus: bool,

    /// Every network namespace on the host (/proc/*/ns/net and /run/netns),
    /// each connection labelled with its namespace; needs CAP_SYS_ADMIN to
    /// enter the others (without it they are listed as skipped, exit code 7).
    #[arg(long)]
    pub all_namespaces: bool,
}

/// `inspect --state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StateFilter {
    /// ESTABLISHED connections only.
    Established,
    /// Every TCP socket, listening ones included.
    All,
}

#[cfg(target_os = "linux")]
pub use linux::run;

/// Elsewhere: inspect needs Linux.
#[cfg(not(target_os = "linux"))]
pub fn run(_args: &InspectArgs, _out: &crate::output::Output) -> crate::output::Outcome {
    Err(crate::output::Failure::linux_only(
        "inspect",
        "it lists connections with sock_diag and reads other processes' sockets with pidfd_getfd",
    ))
}
