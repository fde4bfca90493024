//! `inspect` on Linux: list, map owners, read each socket, report.

use std::collections::HashSet;
use std::time::Instant;

use super::containers;
use super::owners;
use super::read::ExactReader;
use super::report::{Connection, Exposition, InspectEvent, SocketKind, Summary};
use super::verdict::{connection, hidden_owner, Limits};
use super::{listing, namespaces, InspectArgs, StateFilter};
use crate::metrics;
use crate::output::{secs, Exit, Failure, Outcome, Output};

/// What one look at the connections found: the engine `inspect` prints and
/// `exporter` serves.
pub struct Inspection {
    pub connections: Vec<Connection>,
    pub summary: Summary,
    pub unreadable: Vec<owners::Unreadable>,
    pub skipped: Vec<namespaces::Skipped>,
    /// `inspect`'s exit code for it.
    pub exit: Exit,
}

/// Runs `inspect`.
pub fn run(args: &InspectArgs, out: &Output) -> Outcome {
    let Inspection { connections, summary, unreadable, skipped, exit } = collect(args, None)?;
    if args.prometheus {
        let text = metrics::textfile(&connections, &summary, args.all_namespaces);
        out.emit(&Exposition(text))?;
        return Ok(exit);
    }
    let skipped = skipped.into_iter().map(|s| InspectEvent::SkippedNamespace {
        netns_inode: s.inode,
        netns_name: s.name,
        problem: s.problem,
    });
    let unreadable =
        unreadable.into_iter().map(|u| InspectEvent::Unreadable { pid: u.pid, problem: u.problem });
    let connections = connections.into_iter().map(|c| InspectEvent::Connection(Box::new(c)));
    let summary = std::iter::once(InspectEvent::Summary(summary));
    // Buffered: a write per 64 KiB of the listing, not one per line.
    out.emit_all::<InspectEvent, _>(skipped.chain(unreadable).chain(connections).chain(summary))?;
    Ok(exit)
}

/// Lists the connections `args` selects, finds their owners and reads each
/// one. Past `deadline` it stops (checked between sockets) with an error.
pub fn collect(args: &InspectArgs, deadline: Option<Instant>) -> Result<Inspection, Failure> {
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
    // Cached: one owner lookup per socket, not one per comparison.
    found.sort_by_cached_key(|s| {
        let pid = owners.by_inode.get(&s.socket.inode).map(|o| o.pid);
        (s.space, pid, s.socket.local, s.socket.remote)
    });

    let max = args.max_detection.as_ref().map(|m| m.value);
    let mut reader = ExactReader::default();
    let mut containers = containers::ByPid::default();
    let mut connections = Vec::with_capacity(found.len());
    let path = args.path_timeout.as_ref().map(|p| p.value);
    let mut summary = Summary {
        max_detection_s: max.map(secs),
        too_slow: max.map(|_| 0),
        path_timeout_s: path.map(secs),
        path_name: args.path_timeout.as_ref().and_then(|p| Some(p.middlebox?.name.to_string())),
        dropped_by_path: path.map(|_| 0),
        ..Summary::default()
    };
    for listed in &listing.sockets {
        if deadline.is_some_and(|deadline| Instant::now() > deadline) {
            let message = format!(
                "timed out after reading {} of {} connections",
                connections.len(),
                listing.sockets.len()
            );
            return Err(Failure::new(Exit::Error, message));
        }
        let socket = &listed.socket;
        let space = &listing.spaces[listed.space];
        let owner = owners.by_inode.get(&socket.inode);
        let read = match owner {
            Some(o) => {
                reader.read(o.pid, o.fd, socket.inode).map_err(|e| Some(e.text().to_string()))
            }
            None => Err(hidden_owner(socket, owners.hidden)),
        };
        let faulty = matches!(read, Err(Some(_)));
        let mut connection = connection(socket, owner, read, space.defaults, Limits { max, path });
        connection.container = owner.and_then(|o| containers.of(o.pid));
        if args.all_namespaces {
            (connection.netns_inode, connection.netns_name) =
                (Some(space.inode), space.name.clone());
        }
        count(&mut summary, &connection, faulty);
        connections.push(connection);
    }
    summary.problems += owners.unreadable.len() + listing.skipped.len();
    let exit = match (summary.dropped_by_path, summary.too_slow, summary.problems) {
        (Some(dropped), _, _) if dropped > 0 => Exit::DroppedByPath,
        (_, Some(slow), _) if slow > 0 => Exit::SlowDetection,
        (_, _, 0) => Exit::Success,
        _ => Exit::Incomplete,
    };
    summary.exit_code = exit as u8;
    let (unreadable, skipped) = (owners.unreadable, listing.skipped);
    Ok(Inspection { connections, summary, unreadable, skipped, exit })
}

/// Counts `c` in `summary`; listeners and TIME_WAIT sockets only as such.
fn count(summary: &mut Summary, c: &Connection, faulty: bool) {
    match c.kind {
        SocketKind::Listener => return summary.listeners += 1,
        SocketKind::TimeWait => return summary.time_wait += 1,
        SocketKind::Connection => summary.connections += 1,
    }
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
    if let (Some(false), Some(dropped)) = (c.survives_path, &mut summary.dropped_by_path) {
        *dropped += 1;
    }
}
