//! `tcp-keepalive exporter`: serves `GET /metrics` for Prometheus, computed
//! afresh on each scrape by `inspect`'s engine (every network namespace by
//! default), as counts that grow with the number of processes, containers
//! and namespaces, never with the number of connections.
//!
//! - [`server`]: HTTP (tiny_http), routing, the scrape timeout, SIGTERM.
//!
//! Linux only; elsewhere [`run`] says so (exit code 5).

#[cfg(target_os = "linux")]
mod server;

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;
use schemars::JsonSchema;
use serde::Serialize;

use crate::args::{duration, Typed};
use crate::output::Event;
use crate::path_timeout::{path_timeout, PathTimeout};

/// The default `--listen`: loopback only, so nothing is exposed until asked.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9878";

/// `exporter` arguments.
#[derive(Debug, Args)]
pub struct ExporterArgs {
    /// Where to serve /metrics. The default is loopback only; use
    /// 0.0.0.0:9878 (or a host address) for a remote Prometheus.
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,

    /// Give up a scrape after this long: it then reports only the
    /// exporter's own metrics, with tcp_keepalive_scrape_success 0. A
    /// shorter X-Prometheus-Scrape-Timeout-Seconds from Prometheus wins.
    #[arg(long, value_name = "DURATION", default_value = "8s", value_parser = duration, allow_hyphen_values = true)]
    pub scrape_timeout: Typed<Duration>,

    /// Only this network namespace's connections, labelled by command only.
    /// By default every namespace on the host is read, as `inspect
    /// --all-namespaces` does, and each series is labelled with its
    /// namespace and container, pod or systemd unit; entering the others
    /// needs CAP_SYS_ADMIN (without it they are skipped, and counted in
    /// tcp_keepalive_scrape_skipped_namespaces).
    #[arg(long)]
    pub own_namespace: bool,

    /// A path (NAT, firewall, load balancer) that forgets flows idle this
    /// long: a duration or a known middlebox's name, as `inspect
    /// --path-timeout` takes (its --help lists them). Each scrape then
    /// counts, per owner, the connections that path would drop
    /// (tcp_keepalive_dropped_by_path_connections), and reports the timeout
    /// (tcp_keepalive_path_timeout_seconds).
    #[arg(long, value_name = "DURATION|NAME", value_parser = path_timeout, allow_hyphen_values = true)]
    pub path_timeout: Option<PathTimeout>,
}

/// The events of `exporter`.
#[derive(Serialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ExporterEvent {
    /// Serving: the address bound (useful with port 0) and the metrics URL.
    Listening { address: String, url: String },
    /// A scrape that could not inspect the connections (it still answered,
    /// with the exporter's own metrics).
    ScrapeFailed { message: String },
    /// SIGTERM, SIGINT or SIGHUP: the requests in progress were answered,
    /// then it stopped (exit code 0).
    Stopped { signal: String, scrapes: u64 },
}

impl Event for ExporterEvent {
    fn text(&self) -> String {
        match self {
            ExporterEvent::Listening { url, .. } => format!("serving metrics at {url}"),
            ExporterEvent::ScrapeFailed { message } => format!("scrape failed: {message}"),
            ExporterEvent::Stopped { signal, scrapes } => {
                format!("stopped by {signal} after {scrapes} scrapes")
            }
        }
    }
}

#[cfg(target_os = "linux")]
pub use server::run;

/// Elsewhere: the exporter needs inspect, which needs Linux.
#[cfg(not(target_os = "linux"))]
pub fn run(_args: &ExporterArgs, _out: &crate::output::Output) -> crate::output::Outcome {
    Err(crate::output::Failure::linux_only(
        "exporter",
        "it serves what inspect reads, with sock_diag and pidfd_getfd",
    ))
}
