//! Which process owns which socket: the socket inodes behind every
//! `/proc/PID/fd/N`. Reading another user's `fd` directory needs ptrace
//! access to it, so without privilege some owners stay unknown; a process
//! that exits meanwhile simply drops out.
//!
//! procfs lists the processes, reads their command and parses each link's
//! target; the links themselves are read here, one `readlinkat` each against
//! the open `fd` directory, where procfs's `Process::fd` spends four system
//! calls per descriptor (open, readlink, stat, close) on its mode, which we
//! do not need.

use std::collections::HashMap;
use std::str::FromStr;

use procfs::process::{FDTarget, Process};
use procfs::ProcError;
use rustix::fs::{Dir, OFlags};

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
    let directory = process.open_relative_flags("fd", OFlags::DIRECTORY | OFlags::CLOEXEC)?;
    let mut directory = Dir::new(directory).map_err(std::io::Error::from)?;
    while let Some(entry) = directory.next() {
        // A process that exited while listing has no more descriptors to give.
        let Ok(entry) = entry else { break };
        let Some((fd, inode)) = socket_behind(&directory, entry.file_name()) else { continue };
        if !wanted(inode) || owners.by_inode.contains_key(&inode) {
            continue;
        }
        let command = match &command {
            Some(command) => command,
            None => command.insert(process.stat().map(|s| s.comm)?),
        };
        owners.by_inode.insert(inode, Owner { pid, fd, command: command.clone() });
    }
    Ok(())
}

/// The descriptor number `name` in the `fd` `directory` and the inode of
/// the socket it holds; `None` for anything else, `.` and `..`, and a
/// descriptor closed while listing (it is gone, not an error).
fn socket_behind(directory: &Dir, name: &std::ffi::CStr) -> Option<(i32, u64)> {
    let fd = i32::from_str(name.to_str().ok()?).ok()?;
    // "socket:[INODE]" takes at most 29 bytes; a longer target is a path.
    let mut target = [0; 64];
    let length = rustix::fs::readlinkat_raw(directory.fd().ok()?, name, &mut target).ok()?;
    let target = std::str::from_utf8(target.get(..length).filter(|_| length < 64)?).ok()?;
    match FDTarget::from_str(target).ok()? {
        FDTarget::Socket(inode) => Some((fd, inode)),
        _ => None,
    }
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
    use std::os::fd::AsRawFd;

    use super::*;

    #[test]
    fn our_sockets_are_found_and_a_missing_pid_is_told() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let inode = rustix::fs::fstat(&stream).unwrap().st_ino;
        let owners = scan(&[std::process::id(), u32::MAX - 1], |i| i == inode);
        let owner = &owners.by_inode[&inode];
        assert_eq!(owner.pid, std::process::id());
        assert_eq!(owner.fd, stream.as_raw_fd());
        assert_eq!(owners.by_inode.len(), 1);
        assert_eq!(owners.unreadable.len(), 1);
        assert!(owners.unreadable[0].problem.contains("no process"), "{owners:?}");
    }

    #[test]
    fn only_sockets_are_taken_for_sockets() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
        let (pipe, _writer) = std::io::pipe().unwrap();
        let process = Process::myself().unwrap();
        let directory = process.open_relative_flags("fd", rustix::fs::OFlags::DIRECTORY).unwrap();
        let directory = Dir::new(directory).unwrap();
        let behind = |fd: &dyn AsRawFd| {
            let name = std::ffi::CString::new(fd.as_raw_fd().to_string()).unwrap();
            socket_behind(&directory, &name)
        };
        let inode = rustix::fs::fstat(&listener).unwrap().st_ino;
        assert_eq!(behind(&listener), Some((listener.as_raw_fd(), inode)));
        assert_eq!(behind(&file), None);
        assert_eq!(behind(&pipe), None);
        assert_eq!(socket_behind(&directory, c"."), None);
        assert_eq!(socket_behind(&directory, c"999999"), None, "a closed descriptor");
    }
}
