//! One socket's line: what kind of socket it is, its settings (read exactly,
//! or inferred from what sock_diag shows anyone, with what is assumed named),
//! and the dead-peer verdict, which only connections get.

use std::time::Duration;

use tcp_keepalive::Keepalive;

use super::owners::Owner;
use super::read::Exact;
use super::report::{Connection, SocketKind};
use super::sockets::{DiagSocket, PendingTimer};
use crate::output::{plural, secs, KeepaliveFields};
use crate::tcp_info::TcpState;

/// What each connection is checked against: `--max-detection`, `--path-timeout`.
#[derive(Clone, Copy)]
pub struct Limits {
    pub max: Option<Duration>,
    pub path: Option<Duration>,
}

/// The line for `socket`: exact when it was read, else inferred (`why` not:
/// `None` when no process holds it, which is no fault).
pub fn connection(
    socket: &DiagSocket,
    owner: Option<&Owner>,
    read: Result<Exact, Option<String>>,
    defaults: Option<Keepalive>,
    Limits { max, path }: Limits,
) -> Connection {
    let kind = SocketKind::of(socket.state);
    let (keepalive, config, exact, problem, assumed) = match read {
        Ok(e) => (Some(e.keepalive), e.config, true, None, vec![]),
        Err(why) => {
            let (keepalive, config, assumed) = infer(socket, defaults);
            (keepalive, config, false, why.or_else(|| no_owner(socket)), assumed)
        }
    };
    // Exact or not, the dump's tcp_info tells them (none for TIME_WAIT).
    let (probes, last_data) =
        (socket.probes.unwrap_or_default(), socket.last_data_recv.unwrap_or_default());
    let bound = match keepalive {
        _ if kind != SocketKind::Connection => None,
        Some(true) => config.idle_detection_bound(),
        // TCP_USER_TIMEOUT alone still ends a connection whose data goes unacknowledged.
        _ => config.user_timeout(),
    };
    // What is known for sure: the idle time, unless it too is assumed.
    let floor = match assumed.contains(&"idle_s") {
        true => Duration::ZERO,
        false => config.idle().unwrap_or_default(),
    };
    let too_slow = match (max, kind) {
        (Some(max), SocketKind::Connection) => too_slow(keepalive, bound, floor, &assumed, max),
        _ => None,
    };
    // Connections only: sock_diag gives TIME_WAIT sockets no tcp_info.
    let connected = kind == SocketKind::Connection;
    // Listeners and TIME_WAIT have no flow to keep; inferred values are guesses.
    let survives_path = path.filter(|_| exact && connected).and_then(|path| match keepalive {
        Some(true) => config.probes_within(path),
        Some(false) => Some(false),
        None => None,
    });
    Connection {
        kind,
        pid: owner.map(|o| o.pid),
        command: owner.map(|o| o.command.clone()),
        uid: socket.uid,
        local: socket.local.to_string(),
        remote: socket.remote.to_string(),
        state: socket.state,
        keepalive: keepalive.filter(|_| kind != SocketKind::TimeWait),
        fields: KeepaliveFields::from(&config),
        assumed,
        detection_bound_s: bound.map(secs),
        exact,
        probes_unanswered: Some(probes).filter(|_| connected),
        zero_window: socket.timer == PendingTimer::ZeroWindowProbe,
        keepalive_timer_s: match socket.timer {
            PendingTimer::Keepalive(due) if connected => Some(secs(due)),
            _ => None,
        },
        last_data_recv_s: Some(secs(last_data)).filter(|_| connected),
        problem,
        too_slow,
        survives_path,
        netns_inode: None,
        netns_name: None,
        container: None,
    }
}

/// Slower than `max`: `Some(true)` only when certain (never, or slower
/// even at the least the known values allow), `Some(false)` when the values
/// (assumed ones included) fit, `None` when it depends on what is assumed or
/// cannot be told.
fn too_slow(
    keepalive: Option<bool>,
    bound: Option<Duration>,
    floor: Duration,
    assumed: &[&str],
    max: Duration,
) -> Option<bool> {
    keepalive?;
    match bound {
        None => Some(true),
        Some(bound) if bound <= max => Some(false),
        Some(_) if assumed.is_empty() || floor > max => Some(true),
        Some(_) => None,
    }
}

/// What sock_diag tells anyone: in a connected state the socket timer is the
/// keepalive timer, pending exactly when SO_KEEPALIVE is on
/// (net/ipv4/tcp_timer.c); a retransmit or probe timer hides it (only one is
/// reported), and in other states the socket timer means other things.
///
/// When it fires before the connection has been idle long enough,
/// tcp_keepalive_timer re-arms it for `keepalive_time - elapsed`, `elapsed`
/// counted from the last data or ACK received (keepalive_time_elapsed): the
/// time left plus the time since that packet is then the idle time. After a
/// probe it is armed for the interval instead, so once an ACK without data
/// came after the last data (the answer to a probe, maybe) the sum may be the
/// interval: then the idle time too is assumed. The interval and count are
/// nowhere to be seen: assumed to be the OS defaults, and named in
/// `assumed`. The user timeout is unknown.
fn infer(
    socket: &DiagSocket,
    defaults: Option<Keepalive>,
) -> (Option<bool>, Keepalive, Vec<&'static str>) {
    if !matches!(socket.state, TcpState::Established | TcpState::CloseWait) {
        return (None, Keepalive::new(), vec![]);
    }
    let due = match socket.timer {
        PendingTimer::Keepalive(due) => due,
        PendingTimer::None => return (Some(false), Keepalive::new(), vec![]),
        PendingTimer::Retransmit | PendingTimer::ZeroWindowProbe => {
            return (None, Keepalive::new(), vec![])
        }
    };
    let defaults = defaults.unwrap_or_default();
    // An ACK without data well after the last data: a probe's answer, maybe.
    let answered_probe = |data: Duration, ack: Duration| data > ack + Duration::from_secs(1);
    let since_last = match (socket.last_data_recv, socket.last_ack_recv) {
        (Some(data), Some(ack)) if !answered_probe(data, ack) => Some(data.min(ack)),
        _ => None,
    };
    match (socket.probes, since_last) {
        (Some(0), Some(since)) => {
            // TCP_KEEPIDLE is whole seconds; the two readings are milliseconds.
            let idle = Duration::from_secs((due + since).as_secs_f64().round() as u64);
            (Some(true), defaults.with_idle(idle), vec!["interval_s", "retries"])
        }
        // Probing, or after a probe: the timer may count the interval.
        _ => (Some(true), defaults, vec!["idle_s", "interval_s", "retries"]),
    }
}

/// Why a socket no process holds has no exact values, by what it is.
fn no_owner(socket: &DiagSocket) -> Option<String> {
    let why = match (socket.state, socket.inode) {
        (TcpState::TimeWait, _) => return None,
        (TcpState::Listen, _) => "owner not found (a process in another PID namespace?)",
        (_, 0) => "held by no process (not yet accepted, or closed by its process and finishing)",
        _ => "owner not found (a process in another PID namespace, or it exited meanwhile)",
    };
    Some(why.into())
}

/// Why a socket has no owner to read it from, when owners were hidden from
/// us (`Some`: a fault); `None` when every process was visible.
pub fn hidden_owner(socket: &DiagSocket, hidden: usize) -> Option<String> {
    match (socket.inode, hidden) {
        (0, _) | (_, 0) => None,
        _ => Some(format!(
            "owner not visible: no permission to read /proc/PID/fd of {} (uid {} owns it); needs root or CAP_SYS_PTRACE",
            plural(hidden as u64, "process", "processes"),
            socket.uid
        )),
    }
}
