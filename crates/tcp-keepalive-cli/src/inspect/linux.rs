//! `inspect` on Linux: list, map owners, read each socket, report.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use tcp_keepalive::Keepalive;

use super::containers::{self, Container};
use super::owners::{self, Owner};
use super::read::{Exact, ExactReader};
use super::report::{prometheus, Connection, Exposition, InspectEvent, Summary};
use super::sockets::{DiagSocket, PendingTimer};
use super::{listing, namespaces, InspectArgs, StateFilter};
use crate::output::{secs, Exit, Failure, KeepaliveFields, Outcome, Output};
use crate::tcp_info::TcpState;

/// Runs `inspect`.
pub fn run(args: &InspectArgs, out: &Output) -> Outcome {
    let established_only = args.state == StateFilter::Established;
    let found = match args.all_namespaces {
        true => namespaces::list(),
        false => namespaces::own(),
    }
    .map_err(|e| Failure::io("cannot open the network namespaces", e))?;
    let mut listing = listing::list(found, established_only)?;
    let found = &mut listing.sockets;
    if let Some(port) = args.port {
        found.retain(|s| s.socket.local.port() == port || s.socket.remote.port() == port);
    }
    let inodes: HashSet<u64> = found.iter().map(|s| s.socket.inode).filter(|&i| i != 0).collect();
    let owners = owners::scan(&args.pids, |inode| inodes.contains(&inode));
    if !args.pids.is_empty() {
        found.retain(|s| owners.by_inode.contains_key(&s.socket.inode));
    }
    found.sort_by_key(|s| {
        let pid = owners.by_inode.get(&s.socket.inode).map(|o| o.pid);
        (s.space, pid, s.socket.local, s.socket.remote)
    });

    let max = args.max_detection.as_ref().map(|m| m.value);
    let mut reader = ExactReader::default();
    let mut labels = Labels::default();
    let mut connections = Vec::with_capacity(found.len());
    let mut summary =
        Summary { max_detection_s: max.map(secs), too_slow: max.map(|_| 0), ..Summary::default() };
    for listed in &listing.sockets {
        let socket = &listed.socket;
        let space = &listing.spaces[listed.space];
        let owner = owners.by_inode.get(&socket.inode);
        let read = match owner {
            Some(o) => {
                reader.read(o.pid, o.fd, socket.inode).map_err(|e| Some(e.text().to_string()))
            }
            None => Err(unowned(socket, owners.hidden)),
        };
        let faulty = matches!(read, Err(Some(_)));
        let mut connection = connection(socket, owner, read, space.defaults, max);
        connection.container = owner.and_then(|o| labels.container(o.pid));
        if args.all_namespaces {
            (connection.netns_inode, connection.netns_name) =
                (Some(space.inode), space.name.clone());
        }
        count(&mut summary, &connection, faulty);
        connections.push(connection);
    }
    summary.problems += owners.unreadable.len() + listing.skipped.len();
    let exit = match (summary.too_slow, summary.problems) {
        (Some(slow), _) if slow > 0 => Exit::SlowDetection,
        (_, 0) => Exit::Success,
        _ => Exit::Incomplete,
    };
    summary.exit_code = exit as u8;

    if args.prometheus {
        let text = prometheus(&connections, &summary, args.all_namespaces);
        out.emit(&Exposition(text))?;
        return Ok(exit);
    }
    for skipped in listing.skipped {
        let (netns_inode, netns_name, problem) = (skipped.inode, skipped.name, skipped.problem);
        out.emit(&InspectEvent::SkippedNamespace { netns_inode, netns_name, problem })?;
    }
    for unreadable in owners.unreadable {
        let (pid, problem) = (unreadable.pid, unreadable.problem);
        out.emit(&InspectEvent::Unreadable { pid, problem })?;
    }
    for connection in connections {
        out.emit(&InspectEvent::Connection(Box::new(connection)))?;
    }
    out.emit(&InspectEvent::Summary(summary))?;
    Ok(exit)
}

/// The container labels of owners, read once per process.
#[derive(Default)]
pub struct Labels(HashMap<u32, Option<Container>>);

impl Labels {
    pub fn container(&mut self, pid: u32) -> Option<Container> {
        self.0.entry(pid).or_insert_with(|| containers::of(pid)).clone()
    }
}

/// Why a socket has no owner to read it from: `Some` (a fault) when owners
/// were hidden from us, `None` when no process holds it (not yet accepted,
/// or closed and finishing).
fn unowned(socket: &DiagSocket, hidden: usize) -> Option<String> {
    match (socket.inode, hidden) {
        (0, _) | (_, 0) => None,
        _ => Some(format!(
            "owner not visible: no permission to read /proc/PID/fd of {hidden} processes (uid {} owns it); needs root or CAP_SYS_PTRACE",
            socket.uid
        )),
    }
}

/// The line for `socket`: exact when it was read, else inferred.
fn connection(
    socket: &DiagSocket,
    owner: Option<&Owner>,
    read: Result<Exact, Option<String>>,
    defaults: Option<Keepalive>,
    max: Option<Duration>,
) -> Connection {
    let (keepalive, config, exact, problem, probes, last_data) = match read {
        Ok(e) => {
            (Some(e.keepalive), Some(e.config), true, None, e.info.probes, e.info.last_data_recv)
        }
        Err(why) => {
            let keepalive = inferred_keepalive(socket);
            let config = match keepalive {
                Some(true) => defaults,
                _ => None,
            };
            let why =
                why.unwrap_or_else(|| "held by no process (not yet accepted, or closing)".into());
            let probes = socket.probes.unwrap_or_default();
            (keepalive, config, false, Some(why), probes, socket.last_data_recv.unwrap_or_default())
        }
    };
    let config = config.unwrap_or_default();
    let bound = match keepalive {
        Some(true) => config.detection_bound(),
        // TCP_USER_TIMEOUT alone still ends a connection whose data goes unacknowledged.
        _ => config.user_timeout(),
    };
    let too_slow = max.map(|max| keepalive.is_none() || bound.is_none_or(|b| b > max));
    Connection {
        pid: owner.map(|o| o.pid),
        command: owner.map(|o| o.command.clone()),
        uid: socket.uid,
        local: socket.local.to_string(),
        remote: socket.remote.to_string(),
        state: socket.state,
        keepalive,
        fields: KeepaliveFields::from(&config),
        detection_bound_s: bound.map(secs),
        exact,
        probes_unanswered: Some(probes),
        last_data_recv_s: Some(secs(last_data)),
        problem,
        too_slow,
        netns_inode: None,
        netns_name: None,
        container: None,
    }
}

/// What sock_diag tells: in a connected state the socket timer is the
/// keepalive timer, pending exactly when SO_KEEPALIVE is on
/// (net/ipv4/tcp_timer.c); a retransmit or probe timer hides it
/// (net/ipv4/inet_diag.c reports only one), and in other states the socket
/// timer means other things.
fn inferred_keepalive(socket: &DiagSocket) -> Option<bool> {
    if !matches!(socket.state, TcpState::Established | TcpState::CloseWait) {
        return None;
    }
    match socket.timer {
        PendingTimer::Keepalive => Some(true),
        PendingTimer::None => Some(false),
        PendingTimer::Other => None,
    }
}

fn count(summary: &mut Summary, c: &Connection, faulty: bool) {
    summary.connections += 1;
    *if c.exact { &mut summary.exact } else { &mut summary.inferred } += 1;
    match c.keepalive {
        Some(true) => summary.keepalive_on += 1,
        Some(false) => summary.keepalive_off += 1,
        None => summary.keepalive_unknown += 1,
    }
    if c.keepalive.is_some() && c.detection_bound_s.is_none() {
        summary.never_notice += 1;
    }
    if faulty {
        summary.problems += 1;
    }
    if let (Some(true), Some(slow)) = (c.too_slow, &mut summary.too_slow) {
        *slow += 1;
    }
}
