//! `tcp-keepalive defaults`: the OS's keepalive defaults, the worst-case
//! detection time they imply, and how to change them.
//!
//! On Linux the values come from the sysctls `net.ipv4.tcp_keepalive_time`,
//! `_intvl` and `_probes` (per network namespace), and are checked against what
//! a fresh socket reports through the library. Elsewhere they are what a fresh
//! loopback socket reports, where the OS can report them.

use std::net::TcpListener;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;
use tcp_keepalive::{Keepalive, KeepaliveExt};

use crate::output::{human, os_name, secs, Event, Exit, Failure, KeepaliveFields, Outcome, Output};

/// The events of `defaults`: one.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum DefaultsEvent {
    /// The defaults, where they were read, and how to change them.
    Defaults {
        os: &'static str,
        /// `sysctl` (Linux: /proc/sys/net/ipv4) or `socket` (what a fresh socket reports).
        source: &'static str,
        /// Why the sysctls could not be read (Linux; the socket's values are used then).
        sysctl_error: Option<String>,
        /// The defaults (no OS has a default user timeout: null).
        #[serde(flatten)]
        fields: KeepaliveFields,
        /// idle + interval × retries: the worst case from the peer's last sign of
        /// life until a dead idle connection is dropped, once keepalive is on.
        detection_bound_s: Option<f64>,
        /// Linux: the sysctls read, by name (empty when they could not be).
        sysctls: Vec<Sysctl>,
        /// What a fresh socket reports (null when it cannot be read here).
        socket: Option<SocketDefaults>,
        /// Commands and code that change the defaults.
        change: Vec<String>,
    },
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Sysctl {
    name: &'static str,
    value: u64,
    meaning: &'static str,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SocketDefaults {
    keepalive_on: bool,
    #[serde(flatten)]
    fields: KeepaliveFields,
}

/// Runs `defaults`.
pub fn run(out: &Output) -> Outcome {
    let socket = socket_defaults();
    let (sysctls, sysctl_error) = match sysctls() {
        Ok(sysctls) => (sysctls, None),
        Err(why) => (Vec::new(), Some(why)),
    };
    let (source, config) = match (sysctls.as_slice(), &socket) {
        ([idle, interval, retries], _) => {
            let config = Keepalive::new()
                .with_idle(Duration::from_secs(idle.value))
                .with_interval(Duration::from_secs(interval.value))
                .with_retries(u32::try_from(retries.value).unwrap_or(u32::MAX));
            ("sysctl", config)
        }
        (_, Some((_, config))) => ("socket", *config),
        (_, None) => {
            let why = sysctl_error.map_or(String::new(), |e| format!(" ({e})"));
            return Err(Failure::new(
                Exit::Unsupported,
                format!("cannot read the keepalive defaults on {}{why}: a fresh socket reports none either", os_name()),
            ));
        }
    };
    out.emit(&DefaultsEvent::Defaults {
        os: os_name(),
        source,
        sysctl_error,
        fields: KeepaliveFields::from(&config),
        detection_bound_s: config.idle_detection_bound().map(secs),
        sysctls,
        socket: socket
            .map(|(on, c)| SocketDefaults { keepalive_on: on, fields: KeepaliveFields::from(&c) }),
        change: how_to_change(),
    })?;
    Ok(Exit::Success)
}

impl Event for DefaultsEvent {
    fn text(&self) -> String {
        let DefaultsEvent::Defaults {
            os,
            sysctl_error,
            fields,
            detection_bound_s,
            sysctls,
            socket,
            change,
            ..
        } = self;
        let from = match (sysctls.is_empty(), sysctl_error) {
            (false, _) => "from /proc/sys/net/ipv4".to_string(),
            (true, Some(why)) => {
                format!("as a fresh socket reports them; the sysctls could not be read: {why}")
            }
            (true, None) => "as a fresh socket reports them".to_string(),
        };
        let KeepaliveFields { idle_s, interval_s, retries, .. } = fields;
        let mut lines = vec![format!("Keepalive defaults on {os} ({from}):")];
        let show = |s: &Option<f64>| {
            s.map_or("unknown".to_string(), |s| human(Duration::from_secs_f64(s)))
        };
        for s in sysctls {
            lines.push(format!("  {:<30} = {:<6} {}", s.name, s.value, s.meaning));
        }
        if sysctls.is_empty() {
            lines.push(format!("  idle time before the first probe: {}", show(idle_s)));
            lines.push(format!("  time between probes:             {}", show(interval_s)));
            let retries = retries.map_or("unknown".into(), |n| n.to_string());
            lines.push(format!("  unanswered probes:               {retries}"));
        } else if let Some(socket) = socket {
            let agrees = socket.fields == *fields;
            let same = if agrees { "the same values" } else { "different values (see --json)" };
            lines.push(format!("  a fresh socket reports {same}"));
        }
        match (detection_bound_s, idle_s, interval_s, retries) {
            (Some(_), Some(_), Some(_), Some(n)) => lines.push(format!(
                "Worst-case detection of a dead peer: {} ({} + {n} × {}), once keepalive is on.",
                show(detection_bound_s),
                show(idle_s),
                show(interval_s)
            )),
            _ => lines.push("Worst-case detection of a dead peer: unknown on this OS.".into()),
        }
        lines.push(
            "Keepalive is off on every socket until the program turns it on (SO_KEEPALIVE).".into(),
        );
        lines.push(String::new());
        lines.push("How to change them:".into());
        lines.extend(change.iter().map(|c| format!("  {c}")));
        lines.join("\n")
    }
}

/// SO_KEEPALIVE and the effective values of a fresh socket, if this OS reports them.
fn socket_defaults() -> Option<(bool, Keepalive)> {
    let socket = TcpListener::bind("127.0.0.1:0").ok()?;
    Some((socket.keepalive().ok()?, socket.keepalive_config().ok()?))
}

/// The sysctls, or why they cannot be read.
#[cfg(target_os = "linux")]
fn sysctls() -> Result<Vec<Sysctl>, String> {
    const SYSCTLS: [(&str, &str); 3] = [
        ("net.ipv4.tcp_keepalive_time", "seconds idle before the first probe"),
        ("net.ipv4.tcp_keepalive_intvl", "seconds between probes"),
        ("net.ipv4.tcp_keepalive_probes", "unanswered probes before the peer is declared dead"),
    ];
    SYSCTLS
        .iter()
        .map(|&(name, meaning)| {
            let path = format!("/proc/sys/{}", name.replace('.', "/"));
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("reading {path}: {e}"))?;
            let value =
                text.trim().parse().map_err(|_| format!("{path} holds {text:?}, not a number"))?;
            Ok(Sysctl { name, value, meaning })
        })
        .collect()
}

/// Elsewhere there are no sysctls to read here: the socket's values are used.
#[cfg(not(target_os = "linux"))]
fn sysctls() -> Result<Vec<Sysctl>, String> {
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
