//! `tcp-keepalive defaults`: the OS's keepalive defaults, the worst-case
//! detection time they imply, and how to change them.
//!
//! On Linux the values come from the sysctls `net.ipv4.tcp_keepalive_time`,
//! `_intvl` and `_probes` (per network namespace), and are checked against what
//! a fresh socket reports through the library. Elsewhere they are what a fresh
//! loopback socket reports, where the OS can report them.

use std::net::TcpListener;
use std::time::Duration;

use serde::Serialize;
use tcp_keepalive::{Keepalive, KeepaliveExt};

use crate::output::{human, secs, Exit, Failure, Outcome, Output};

/// The `defaults` JSON event.
#[derive(Debug, Serialize)]
struct Defaults {
    event: &'static str,
    os: &'static str,
    /// `"sysctl"` (Linux) or `"socket"` (read back from a fresh socket).
    source: &'static str,
    idle_s: Option<f64>,
    interval_s: Option<f64>,
    retries: Option<u32>,
    /// idle + interval × retries: the worst case from the peer's last sign of
    /// life until a dead idle connection is dropped, once keepalive is on.
    detection_bound_s: Option<f64>,
    /// Linux: the sysctls read, by name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sysctls: Vec<Sysctl>,
    /// What a fresh socket reports (null when it cannot be read here).
    socket: Option<SocketDefaults>,
    /// Commands and code that change the defaults.
    change: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Sysctl {
    name: &'static str,
    value: u64,
    meaning: &'static str,
}

#[derive(Debug, Serialize)]
struct SocketDefaults {
    keepalive_on: bool,
    idle_s: Option<f64>,
    interval_s: Option<f64>,
    retries: Option<u32>,
}

/// Runs `defaults`.
pub fn run(out: &Output) -> Outcome {
    let socket = socket_defaults();
    let sysctls = sysctls()?;
    let (source, config) = if sysctls.is_empty() {
        let Some((_, config)) = &socket else {
            return Err(Failure::new(
                Exit::Error,
                format!(
                    "cannot read the keepalive defaults on {}: this OS reports no per-socket values",
                    os()
                ),
            ));
        };
        ("socket", *config)
    } else {
        let value = |i: usize| sysctls[i].value;
        let config = Keepalive::new()
            .with_idle(Duration::from_secs(value(0)))
            .with_interval(Duration::from_secs(value(1)))
            .with_retries(u32::try_from(value(2)).unwrap_or(u32::MAX));
        ("sysctl", config)
    };
    let event = Defaults {
        event: "defaults",
        os: os(),
        source,
        idle_s: config.idle().map(secs),
        interval_s: config.interval().map(secs),
        retries: config.retries(),
        detection_bound_s: config.detection_bound().map(secs),
        sysctls,
        socket: socket.map(|(on, c)| SocketDefaults {
            keepalive_on: on,
            idle_s: c.idle().map(secs),
            interval_s: c.interval().map(secs),
            retries: c.retries(),
        }),
        change: how_to_change(),
    };
    out.event(&event, || text(&event, &config));
    Ok(Exit::Success)
}

fn text(event: &Defaults, config: &Keepalive) -> String {
    let mut lines = vec![format!("Keepalive defaults on {} ({}):", event.os, event.source)];
    for s in &event.sysctls {
        lines.push(format!("  {:<30} = {:<6} {}", s.name, s.value, s.meaning));
    }
    if event.sysctls.is_empty() {
        let show = |d: Option<Duration>| d.map_or("unknown".to_string(), human);
        lines.push(format!("  idle time before the first probe: {}", show(config.idle())));
        lines.push(format!("  time between probes:             {}", show(config.interval())));
        lines.push(format!(
            "  unanswered probes:               {}",
            config.retries().map_or("unknown".into(), |n| n.to_string())
        ));
    }
    if let Some(socket) = &event.socket {
        let agrees = socket.idle_s == event.idle_s
            && socket.interval_s == event.interval_s
            && socket.retries == event.retries;
        if !event.sysctls.is_empty() {
            lines.push(format!(
                "  a fresh socket reports {}",
                if agrees { "the same values" } else { "different values (see --json)" }
            ));
        }
    }
    match (config.detection_bound(), config.idle(), config.interval(), config.retries()) {
        (Some(bound), Some(idle), Some(interval), Some(retries)) => lines.push(format!(
            "Worst-case detection of a dead peer: {} ({} + {retries} × {}), once keepalive is on.",
            human(bound),
            human(idle),
            human(interval)
        )),
        _ => lines.push("Worst-case detection of a dead peer: unknown on this OS.".into()),
    }
    lines.push(
        "Keepalive is off on every socket until the program turns it on (SO_KEEPALIVE).".into(),
    );
    lines.push(String::new());
    lines.push("How to change them:".into());
    lines.extend(event.change.iter().map(|c| format!("  {c}")));
    lines.join("\n")
}

/// SO_KEEPALIVE and the effective values of a fresh socket, if this OS reports them.
fn socket_defaults() -> Option<(bool, Keepalive)> {
    let socket = TcpListener::bind("127.0.0.1:0").ok()?;
    Some((socket.keepalive().ok()?, socket.keepalive_config().ok()?))
}

fn os() -> &'static str {
    match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "macOS",
        "freebsd" => "FreeBSD",
        "windows" => "Windows",
        other => other,
    }
}

#[cfg(target_os = "linux")]
fn sysctls() -> Result<Vec<Sysctl>, Failure> {
    const SYSCTLS: [(&str, &str); 3] = [
        ("net.ipv4.tcp_keepalive_time", "seconds idle before the first probe"),
        ("net.ipv4.tcp_keepalive_intvl", "seconds between probes"),
        ("net.ipv4.tcp_keepalive_probes", "unanswered probes before the peer is declared dead"),
    ];
    SYSCTLS
        .iter()
        .map(|&(name, meaning)| {
            let path = format!("/proc/sys/{}", name.replace('.', "/"));
            let text = std::fs::read_to_string(&path)
                .map_err(|e| Failure::io(format!("reading {path}"), e))?;
            let value = text.trim().parse().map_err(|_| {
                Failure::new(Exit::Error, format!("{path} holds {text:?}, not a number"))
            })?;
            Ok(Sysctl { name, value, meaning })
        })
        .collect()
}

#[cfg(not(target_os = "linux"))]
fn sysctls() -> Result<Vec<Sysctl>, Failure> {
    Ok(Vec::new())
}

fn how_to_change() -> Vec<String> {
    let mut how = Vec::new();
    if cfg!(target_os = "linux") {
        how.push("system-wide (root, per network namespace; sockets that set their own values keep them): sysctl -w net.ipv4.tcp_keepalive_time=60 net.ipv4.tcp_keepalive_intvl=10 net.ipv4.tcp_keepalive_probes=5".into());
        how.push("make it permanent: put those settings in /etc/sysctl.d/90-keepalive.conf".into());
    } else if cfg!(any(target_os = "macos", target_os = "freebsd")) {
        how.push("system-wide (root, values in milliseconds): sysctl -w net.inet.tcp.keepidle=60000 net.inet.tcp.keepintvl=10000".into());
    } else if cfg!(windows) {
        how.push("system-wide: registry values KeepAliveTime and KeepAliveInterval (milliseconds) under HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters, then reboot".into());
    }
    how.push("per socket, in Rust with the tcp-keepalive crate: stream.set_keepalive_config(&Keepalive::new().with_idle(Duration::from_secs(60)).with_interval(Duration::from_secs(10)).with_retries(5))".into());
    how.push(
        "try values on a live connection: tcp-keepalive watch HOST:PORT --idle 60s --interval 10s --retries 5"
            .into(),
    );
    how
}
