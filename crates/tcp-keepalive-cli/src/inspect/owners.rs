//! Which process owns which socket: the socket inodes behind every
//! `/proc/PID/fd/N` (procfs). Reading another user's `fd` directory needs
//! ptrace access to it, so without privilege some owners stay unknown; a
//! process that exits meanwhile simply drops out.

use std::collections::HashMap;

use procfs::process::{FDTarget, Process};
use procfs::ProcError;

/// A process and the descriptor number under which it holds a socket.
#[derive(Clone, Debug)]
pub struct Owner {
    pub pid: u32,
    pub fd: i32,
    pub command: String,
}

/// A `--pid` that could not be read, with why.
#[derive(Clone, Debug)]
pub struct Unreadable {
    pub pid: u32,
    pub problem: String,
    /// For lack of permission (not ours, no privilege).
    pub denied: bool,
}

/// The owners found.
#[derive(Debug, Default)]
pub struct Owners {
    /// Socket inode -> the first process (lowest pid) found holding it.
    pub by_inode: HashMap<u64, Owner>,
    /// Processes whose descriptors we may not read (not ours, no privilege).
    pub hidden: usize,
    /// The `--pid`s that could not be read.
    pub unreadable: Vec<Unreadable>,
}

/// Maps the sockets of `pids` (every process when empty) to their owners,
/// keeping only the inodes `wanted` says yes to.
pub fn scan(pids: &[u32], wanted: impl Fn(u64) -> bool) -> Owners {
    let mut owners = Owners::default();
    if pids.is_empty() {
        let Ok(all) = procfs::process::all_processes() else { return owners };
        for process in all.flatten() {
            // Others' processes are hidden without privilege; exited ones are gone.
            if let Err(ProcError::PermissionDenied(_)) = add(&process, &wanted, &mut owners) {
                owners.hidden += 1;
            }
        }
        return owners;
    }
    for &pid in pids {
        let read = i32::try_from(pid)
            .map_err(|_| ProcError::NotFound(None))
            .and_then(Process::new)
            .and_then(|process| add(&process, &wanted, &mut owners));
        if let Err(e) = read {
            let denied = matches!(e, ProcError::PermissionDenied(_));
            owners.unreadable.push(Unreadable { pid, problem: problem(pid, &e), denied });
        }
    }
    owners
}

/// Adds `process`'s wanted sockets.
fn add(
    process: &Process,
    wanted: &impl Fn(u64) -> bool,
    owners: &mut Owners,
) -> Result<(), ProcError> {
    let pid = process.pid() as u32;
    let mut command = None;
    for fd in process.fd()? {
        // A descriptor closed while listing is not an error: it is gone.
        let Ok(fd) = fd else { continue };
        let FDTarget::Socket(inode) = fd.target else { continue };
        if !wanted(inode) || owners.by_inode.contains_key(&inode) {
            continue;
        }
        let command = match &command {
            Some(command) => command,
            None => command.insert(process.stat().map(|s| s.comm)?),
        };
        owners.by_inode.insert(inode, Owner { pid, fd: fd.fd, command: command.clone() });
    }
    Ok(())
}

/// Why `pid`'s descriptors could not be read, for its line.
fn problem(pid: u32, err: &ProcError) -> String {
    match err {
        ProcError::NotFound(_) => format!("no process {pid} (it does not exist or exited)"),
        ProcError::PermissionDenied(_) => {
            format!("no permission to read /proc/{pid}/fd (not our process; needs root or CAP_SYS_PTRACE)")
        }
        other => format!("cannot read /proc/{pid}/fd: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use std::net::{TcpListener, TcpStream};

    use super::*;

    #[test]
    fn our_sockets_are_found_and_a_missing_pid_is_told() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let inode = rustix::fs::fstat(&stream).unwrap().st_ino;
        let owners = scan(&[std::process::id(), u32::MAX - 1], |i| i == inode);
        let owner = &owners.by_inode[&inode];
        assert_eq!(owner.pid, std::process::id());
        assert_eq!(owner.fd, std::os::fd::AsRawFd::as_raw_fd(&stream));
        assert_eq!(owners.by_inode.len(), 1);
        assert_eq!(owners.unreadable.len(), 1);
        assert!(owners.unreadable[0].problem.contains("no process"), "{owners:?}");
    }
}
