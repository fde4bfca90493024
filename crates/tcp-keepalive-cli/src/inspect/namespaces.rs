//! Every network namespace on the host, and running work inside each.
//!
//! [`list`] finds them through `/proc/PID/ns/net` (one per distinct inode:
//! many processes share one) and the named ones bind-mounted under
//! `/run/netns` by `ip netns add`, which no process may be in. Each is opened
//! once while listing, so a namespace stays the one seen even if its last
//! process exits or a pid is reused meanwhile.
//!
//! [`in_each`] runs a job inside each: the current namespace on the calling
//! thread, every other one on a dedicated thread that enters them in turn
//! (`setns`, which needs CAP_SYS_ADMIN) and runs nothing but the jobs, so the
//! process's own threads never change namespace. Sockets a job creates stay
//! in the namespace they were made in, whichever thread uses them later
//! (`sock_diag` dumps, a probe socket for the namespace's sysctl defaults).
//!
//! Socket inodes are unique across namespaces (one sockfs for the host), so
//! one `/proc/*/fd` scan maps the sockets of every namespace to their owners.

use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

use rustix::io::Errno;
use rustix::thread::{move_into_link_name_space, LinkNameSpaceType};

use crate::output::plural;

/// Where `ip netns add` bind-mounts the namespaces it names.
pub const NAMED_DIR: &str = "/run/netns";

/// One network namespace, open.
#[derive(Debug)]
pub struct Namespace {
    /// Its inode on nsfs: what `ip netns identify`, `lsns` and
    /// `readlink /proc/PID/ns/net` (`net:[INODE]`) show.
    pub inode: u64,
    /// Its name under /run/netns, if it has one.
    pub name: Option<String>,
    /// Whether it is this process's own namespace.
    pub own: bool,
    handle: OwnedFd,
}

/// A namespace (or a set of them) that could not be read, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// `None` when even the inode could not be seen.
    pub inode: Option<u64>,
    pub name: Option<String>,
    pub problem: String,
}

/// What [`list`] found.
#[derive(Debug, Default)]
pub struct Found {
    /// This process's own namespace first, then by inode.
    pub namespaces: Vec<Namespace>,
    /// What could not even be opened (others' processes, without privilege).
    pub skipped: Vec<Skipped>,
}

/// The inode of this process's network namespace.
pub fn own_inode() -> io::Result<u64> {
    Ok(rustix::fs::stat("/proc/self/ns/net")?.st_ino)
}

/// Every network namespace on the host that this process may open.
pub fn list() -> io::Result<Found> {
    let own = own_inode()?;
    let mut by_inode: BTreeMap<u64, Namespace> = BTreeMap::new();
    let mut hidden = 0u32;
    let mut pids: Vec<u32> = procfs::process::all_processes()
        .map_err(|e| io::Error::other(format!("cannot list /proc: {e}")))?
        .flatten()
        .filter_map(|p| u32::try_from(p.pid).ok())
        .collect();
    pids.sort_unstable();
    for pid in pids {
        let path = format!("/proc/{pid}/ns/net");
        match open(Path::new(&path)) {
            Ok((inode, handle)) => {
                by_inode.entry(inode).or_insert(Namespace {
                    inode,
                    name: None,
                    own: inode == own,
                    handle,
                });
            }
            Err(e) if matches!(e.raw_os_error(), Some(libc::EACCES | libc::EPERM)) => hidden += 1,
            // Exited meanwhile, or a kernel thread's entry vanished: nothing to see.
            Err(_) => {}
        }
    }
    let mut skipped = Vec::new();
    for (name, path) in named() {
        match open(&path) {
            Ok((inode, handle)) => {
                let namespace = by_inode.entry(inode).or_insert(Namespace {
                    inode,
                    name: None,
                    own: inode == own,
                    handle,
                });
                namespace.name.get_or_insert(name);
            }
            Err(e) => skipped.push(Skipped {
                inode: None,
                name: Some(name),
                problem: format!("cannot open {}: {e}", path.display()),
            }),
        }
    }
    if hidden > 0 {
        let processes = plural(hidden, "process", "processes");
        skipped.push(Skipped {
            inode: None,
            name: None,
            problem: format!(
                "the network namespaces of {processes} cannot be seen: no permission to read /proc/PID/ns/net (not our processes; needs root or CAP_SYS_PTRACE)"
            ),
        });
    }
    let mut namespaces: Vec<Namespace> = by_inode.into_values().collect();
    namespaces.sort_by_key(|n| (!n.own, n.inode));
    Ok(Found { namespaces, skipped })
}

/// This process's own namespace alone.
pub fn own() -> io::Result<Found> {
    Ok(Found { namespaces: vec![of_process(std::process::id())?], skipped: Vec::new() })
}

/// The namespace of `pid` alone (for `apply --pid`), opened like [`list`] does.
pub fn of_process(pid: u32) -> io::Result<Namespace> {
    let (inode, handle) = open(Path::new(&format!("/proc/{pid}/ns/net")))?;
    let name = named()
        .into_iter()
        .find_map(|(name, path)| (rustix::fs::stat(&path).ok()?.st_ino == inode).then_some(name));
    Ok(Namespace { inode, name, own: inode == own_inode()?, handle })
}

/// The entries of /run/netns (none when it does not exist).
fn named() -> Vec<(String, std::path::PathBuf)> {
    let Ok(entries) = std::fs::read_dir(NAMED_DIR) else { return Vec::new() };
    let mut named: Vec<_> = entries
        .flatten()
        .filter_map(|e| Some((e.file_name().into_string().ok()?, e.path())))
        .collect();
    named.sort();
    named
}

/// Opens a namespace file: its inode, and a handle to enter it by.
fn open(path: &Path) -> io::Result<(u64, OwnedFd)> {
    let handle = OwnedFd::from(File::open(path)?);
    let inode = rustix::fs::fstat(&handle)?.st_ino;
    Ok((inode, handle))
}

/// Runs `job` inside each of `namespaces`: the current one on this thread,
/// the others on one dedicated thread that enters each in turn. The results
/// come in the order of `namespaces`; a namespace that cannot be entered
/// gives the reason instead.
pub fn in_each<T: Send>(
    namespaces: &[Namespace],
    job: impl Fn(&Namespace) -> T + Sync,
) -> Vec<Result<T, String>> {
    let job = &job;
    let mut results: Vec<Option<Result<T, String>>> = namespaces.iter().map(|_| None).collect();
    std::thread::scope(|scope| {
        let others =
            std::thread::Builder::new().name("netns".into()).spawn_scoped(scope, move || {
                let mut done = Vec::new();
                for (index, namespace) in namespaces.iter().enumerate().filter(|(_, n)| !n.own) {
                    let result = enter(namespace).map(|()| job(namespace));
                    done.push((index, result));
                }
                done
            });
        for (index, namespace) in namespaces.iter().enumerate().filter(|(_, n)| n.own) {
            results[index] = Some(Ok(job(namespace)));
        }
        match others {
            Ok(thread) => match thread.join() {
                Ok(done) => done.into_iter().for_each(|(i, result)| results[i] = Some(result)),
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Err(e) => {
                let why = format!("cannot start the thread that enters namespaces: {e}");
                for (slot, _) in results.iter_mut().zip(namespaces).filter(|(_, n)| !n.own) {
                    *slot = Some(Err(why.clone()));
                }
            }
        }
    });
    results.into_iter().map(|r| r.unwrap_or_else(|| Err("not visited".into()))).collect()
}

/// Moves the calling (dedicated) thread into `namespace`.
fn enter(namespace: &Namespace) -> Result<(), String> {
    move_into_link_name_space(namespace.handle.as_fd(), Some(LinkNameSpaceType::Network)).map_err(
        |e| match e {
            Errno::PERM => {
                "cannot enter it: entering another network namespace needs CAP_SYS_ADMIN (root)"
                    .to_string()
            }
            e => format!("cannot enter it (setns): {e}"),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_namespace_is_listed_first_and_jobs_run_inside_each() {
        let found = list().unwrap();
        let own = &found.namespaces[0];
        assert!(own.own);
        assert_eq!(own.inode, own_inode().unwrap());
        let inodes: Vec<u64> = found.namespaces.iter().map(|n| n.inode).collect();
        let mut unique = inodes.clone();
        unique.dedup();
        assert_eq!(inodes, unique, "deduplicated");
        // Each job sees the namespace it was given; this thread's stays ours.
        let seen = in_each(&found.namespaces, |_| {
            rustix::fs::stat("/proc/thread-self/ns/net").map(|s| s.st_ino).ok()
        });
        for (namespace, seen) in found.namespaces.iter().zip(seen) {
            if let Ok(seen) = seen {
                assert_eq!(seen, Some(namespace.inode), "{namespace:?}");
            }
        }
        assert_eq!(rustix::fs::stat("/proc/thread-self/ns/net").unwrap().st_ino, own.inode);
    }
}
