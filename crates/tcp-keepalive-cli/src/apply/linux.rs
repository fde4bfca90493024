//! `apply` on Linux: check the values, list and match the sockets, then
//! configure each through a duplicate that is closed at once.

use std::collections::{BTreeMap, HashSet};
use std::io;

use tcp_keepalive::{Keepalive, KeepaliveExt, SocketRef};

use super::events::{Applied, ApplyEvent, Settings, SocketLabel, Summary};
use super::remote::Remote;
use super::ApplyArgs;
use crate::inspect::containers;
use crate::inspect::listing::{self, Listed, Listing};
use crate::inspect::namespaces::{self, Found, Namespace};
use crate::inspect::owners::{self, Owner};
use crate::inspect::read::{not_read, ptrace_needs, read_options, ExactReader, NotRead};
use crate::output::{Exit, Failure, Outcome, Output};
use crate::tcp_info::TcpState;

/// Runs `apply`.
pub fn run(args: &ApplyArgs, out: &Output) -> Outcome {
    // Everything that is bad input is found before any process is touched.
    let config = args.flags().checked()?;
    let remote = args.remote.as_deref().map(Remote::parse).transpose()?;

    let mut outcome = Tally { dry_run: args.dry_run, ..Tally::default() };
    let found = match args.all_namespaces {
        true => {
            namespaces::list().map_err(|e| Failure::io("cannot list the network namespaces", e))?
        }
        false => namespaces_of(&args.pids, out, &mut outcome)?,
    };
    let listing = listing::list(found, false)?;
    for skipped in &listing.skipped {
        let where_ = crate::inspect::report::netns_label(skipped.inode, skipped.name.as_deref());
        let problem = format!("{where_}: {}", skipped.problem);
        outcome.unreachable(out, None, problem, false)?;
    }
    let tcp: HashSet<u64> = listing.sockets.iter().map(|l| l.socket.inode).collect();
    let owners = owners::scan(&args.pids, |inode| tcp.contains(&inode));
    for unreadable in owners.unreadable.iter() {
        if !outcome.told.contains(&unreadable.pid) {
            let denied = unreadable.denied;
            let problem = match denied {
                true => format!("no permission to reach its sockets: {}", ptrace_needs()),
                false => unreadable.problem.clone(),
            };
            outcome.unreachable(out, Some(unreadable.pid), problem, denied)?;
        }
    }

    let matching = matching(&listing, &owners.by_inode, args, remote.as_ref());
    let mut reader = ExactReader::default();
    let mut labels = containers::ByPid::default();
    for (listed, owner) in matching {
        let space = &listing.spaces[listed.space];
        let socket = SocketLabel {
            pid: owner.pid,
            command: owner.command.clone(),
            fd: owner.fd,
            local: listed.socket.local.to_string(),
            remote: listed.socket.remote.to_string(),
            state: listed.socket.state,
            netns_inode: space.inode,
            netns_name: space.name.clone(),
            container: labels.of(owner.pid),
        };
        if listed.socket.state == TcpState::Listen && !args.listeners {
            outcome.summary.listeners_left_alone += 1;
            out.emit(&ApplyEvent::ListenerLeftAlone(socket))?;
            continue;
        }
        match apply(&mut reader, owner, listed.socket.inode, &config, args.dry_run) {
            Ok((before, after)) => {
                outcome.summary.applied += 1;
                let dry_run = args.dry_run;
                out.emit(&ApplyEvent::Applied(Box::new(Applied {
                    socket,
                    dry_run,
                    before,
                    after,
                })))?;
            }
            Err(not) => {
                outcome.summary.not_applied += 1;
                outcome.denied |= matches!(not, NotRead::NotPermitted(_));
                let problem = not.text().to_string();
                out.emit(&ApplyEvent::NotApplied { socket, problem })?;
            }
        }
    }
    outcome.finish(out)
}

/// What happened so far, for the summary and the exit code.
#[derive(Default)]
struct Tally {
    summary: Summary,
    dry_run: bool,
    /// Some process or socket could not be reached for lack of permission.
    denied: bool,
    /// Pids already reported as unreachable.
    told: HashSet<u32>,
}

impl Tally {
    fn unreachable(
        &mut self,
        out: &Output,
        pid: Option<u32>,
        problem: String,
        denied: bool,
    ) -> Result<(), Failure> {
        self.summary.not_applied += 1;
        self.denied |= denied;
        self.told.extend(pid);
        out.emit(&ApplyEvent::Unreachable { pid, problem })
    }

    fn finish(mut self, out: &Output) -> Outcome {
        let exit = match (self.denied, self.summary.not_applied) {
            (true, _) => Exit::NoPrivilege,
            (false, 0) => Exit::Success,
            (false, _) => Exit::Incomplete,
        };
        self.summary.dry_run = self.dry_run;
        self.summary.exit_code = exit as u8;
        out.emit(&ApplyEvent::Summary(self.summary))?;
        Ok(exit)
    }
}

/// The network namespaces of `pids`, each once; a pid that does not exist
/// or may not be looked at is reported on its own line.
fn namespaces_of(pids: &[u32], out: &Output, tally: &mut Tally) -> Result<Found, Failure> {
    let mut by_inode: BTreeMap<u64, Namespace> = BTreeMap::new();
    for &pid in pids {
        match namespaces::of_process(pid) {
            Ok(namespace) => {
                by_inode.entry(namespace.inode).or_insert(namespace);
            }
            Err(e) => {
                let (problem, denied) = match e.kind() {
                    io::ErrorKind::NotFound => {
                        (format!("no process {pid} (it does not exist or exited)"), false)
                    }
                    io::ErrorKind::PermissionDenied => (
                        format!(
                            "no permission to reach process {pid}'s sockets: {}",
                            ptrace_needs()
                        ),
                        true,
                    ),
                    _ => (format!("cannot open process {pid}'s network namespace: {e}"), false),
                };
                tally.unreachable(out, Some(pid), problem, denied)?;
            }
        }
    }
    Ok(Found { namespaces: by_inode.into_values().collect(), skipped: Vec::new() })
}

/// The owned, established (and listening) sockets that pass the filters, by owner.
fn matching<'a>(
    listing: &'a Listing,
    owners: &'a std::collections::HashMap<u64, Owner>,
    args: &ApplyArgs,
    remote: Option<&Remote>,
) -> Vec<(&'a Listed, &'a Owner)> {
    let mut matching: Vec<(&Listed, &Owner)> = listing
        .sockets
        .iter()
        .filter(|l| matches!(l.socket.state, TcpState::Established | TcpState::Listen))
        .filter(|l| {
            args.port.is_none_or(|p| l.socket.local.port() == p || l.socket.remote.port() == p)
        })
        .filter(|l| {
            remote.is_none_or(|r| l.socket.state != TcpState::Listen && r.matches(l.socket.remote))
        })
        .filter_map(|l| Some((l, owners.get(&l.socket.inode)?)))
        .collect();
    matching.sort_by_key(|(l, o)| (o.pid, l.socket.local, l.socket.remote));
    matching
}

/// Configures one socket (or, dry, only reads it): its settings before and after.
fn apply(
    reader: &mut ExactReader,
    owner: &Owner,
    inode: u64,
    config: &Keepalive,
    dry_run: bool,
) -> Result<(Settings, Settings), NotRead> {
    let duplicate = reader.duplicate(owner.pid, owner.fd, inode)?;
    let result = (|| {
        let before =
            read_options(&duplicate).map_err(|e| not_read("read the socket's options", &e))?;
        let after = match dry_run {
            true => Settings::new(true, &would_be(config, &before.config)),
            false => {
                SocketRef::from(&duplicate)
                    .set_keepalive_config(config)
                    .map_err(|e| not_read("set the keepalive options", &e))?;
                let after =
                    read_options(&duplicate).map_err(|e| not_read("read the options back", &e))?;
                Settings::new(after.keepalive, &after.config)
            }
        };
        Ok((Settings::new(before.keepalive, &before.config), after))
    })();
    // Closed here, at once, whatever happened.
    drop(duplicate);
    result
}

/// What `config` would leave in effect: its values, and what it does not
/// set (the user timeout) as it was.
fn would_be(config: &Keepalive, before: &Keepalive) -> Keepalive {
    match (config.user_timeout(), before.user_timeout()) {
        (None, Some(user_timeout)) => config.with_user_timeout(user_timeout),
        _ => *config,
    }
}
