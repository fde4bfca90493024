//! The exact keepalive settings of another process's socket: duplicate it
//! (`pidfd_open` + `pidfd_getfd`, Linux 5.6+, needing ptrace access to the
//! owner), read the options through the library ([`SocketRef`]), and close
//! the duplicate at once. The socket's `tcp_info` (probes out, last data)
//! comes with the sock_diag dump ([`super::sockets`]), so it is not read
//! again here.
//!
//! Read-only by construction: the duplicate is only ever passed to
//! getsockopt-based reads. Closing it drops one reference to the socket;
//! the owner's descriptor keeps it open and unchanged (kernel/pid.c,
//! pidfd_getfd).

use std::collections::HashMap;
use std::io;
use std::os::fd::OwnedFd;

use rustix::io::Errno;
use rustix::process::{pidfd_getfd, pidfd_open, Pid, PidfdFlags, PidfdGetfdFlags};
use tcp_keepalive::{Keepalive, KeepaliveExt, SocketRef};

/// What the duplicate showed.
#[derive(Clone, Copy, Debug)]
pub struct Exact {
    pub keepalive: bool,
    /// Every value as the kernel applies it: per-socket or the sysctl default.
    pub config: Keepalive,
}

/// Why the socket could not be read exactly; the text goes on its line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotRead {
    /// No ptrace access to the owner, or a kernel without pidfd_getfd.
    NotPermitted(String),
    /// The process exited, or closed the socket, while we looked.
    Gone(String),
    /// Anything else.
    Failed(String),
}

impl NotRead {
    pub fn text(&self) -> &str {
        match self {
            NotRead::NotPermitted(why) | NotRead::Gone(why) | NotRead::Failed(why) => why,
        }
    }
}

/// Reads sockets of other processes, opening one pidfd per process.
#[derive(Default)]
pub struct ExactReader {
    pidfds: HashMap<u32, Result<OwnedFd, NotRead>>,
}

impl ExactReader {
    /// Reads socket `inode`, held by `pid` as descriptor `fd`.
    pub fn read(&mut self, pid: u32, fd: i32, inode: u64) -> Result<Exact, NotRead> {
        let duplicate = self.duplicate(pid, fd, inode)?;
        let read = read_options(&duplicate);
        // Closed here, at once, whatever the reads said.
        drop(duplicate);
        read.map_err(|e| not_read("read the socket's options", &e))
    }

    /// A duplicate of socket `inode`, held by `pid` as descriptor `fd`: the
    /// caller closes it as soon as it is done.
    pub fn duplicate(&mut self, pid: u32, fd: i32, inode: u64) -> Result<OwnedFd, NotRead> {
        let pidfd =
            self.pidfds.entry(pid).or_insert_with(|| open(pid)).as_ref().map_err(Clone::clone)?;
        duplicate(pidfd, pid, fd, inode)
    }
}

/// Why an option could not be read or set on a duplicate (`doing` it).
pub fn not_read(doing: &str, err: &io::Error) -> NotRead {
    match err.raw_os_error() {
        // The last other holder closed it meanwhile.
        Some(libc::ENOTCONN | libc::EBADF) => closed(),
        _ => NotRead::Failed(format!("cannot {doing}: {err}")),
    }
}

fn closed() -> NotRead {
    NotRead::Gone("the socket closed meanwhile".into())
}

/// A pidfd for `pid`.
fn open(pid: u32) -> Result<OwnedFd, NotRead> {
    let raw = i32::try_from(pid).ok().and_then(Pid::from_raw).ok_or_else(|| exited(pid))?;
    pidfd_open(raw, PidfdFlags::empty()).map_err(|e| match e {
        Errno::SRCH => exited(pid),
        Errno::NOSYS => NotRead::NotPermitted("the kernel lacks pidfd_open (Linux 5.3+)".into()),
        e => NotRead::Failed(format!("pidfd_open({pid}): {e}")),
    })
}

fn exited(pid: u32) -> NotRead {
    NotRead::Gone(format!("process {pid} exited meanwhile"))
}

/// What taking another process's socket needs, and what this host allows.
pub fn ptrace_needs() -> String {
    let scope = std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope");
    let here = match scope.as_deref().map(str::trim) {
        Err(_) => "Yama is off here, so the same user suffices".into(),
        Ok("0") => "kernel.yama.ptrace_scope is 0 here, so the same user suffices".into(),
        Ok("1") => {
            "kernel.yama.ptrace_scope is 1 here: the same user only for its descendants".into()
        }
        Ok("2") => "kernel.yama.ptrace_scope is 2 here: only with CAP_SYS_PTRACE".into(),
        Ok(other) => format!("kernel.yama.ptrace_scope is {other} here: never"),
    };
    format!("it needs ptrace access to the process: root or CAP_SYS_PTRACE, or its own user where Yama allows ({here})")
}

/// Only getsockopt: never set, write or shut down.
pub fn read_options(socket: &OwnedFd) -> io::Result<Exact> {
    let options = SocketRef::from(socket);
    Ok(Exact { keepalive: options.keepalive()?, config: options.keepalive_config()? })
}

/// A duplicate of `pid`'s descriptor `fd`, checked to still be socket `inode`
/// (the number may have been reused since /proc was read).
fn duplicate(pidfd: &OwnedFd, pid: u32, fd: i32, inode: u64) -> Result<OwnedFd, NotRead> {
    let duplicate = pidfd_getfd(pidfd, fd, PidfdGetfdFlags::empty()).map_err(|e| match e {
        Errno::PERM | Errno::ACCESS => NotRead::NotPermitted(format!(
            "no permission to duplicate process {pid}'s socket: {}",
            ptrace_needs()
        )),
        Errno::NOSYS => NotRead::NotPermitted("the kernel lacks pidfd_getfd (Linux 5.6+)".into()),
        Errno::SRCH => exited(pid),
        Errno::BADF => closed(),
        e => NotRead::Failed(format!("pidfd_getfd({pid}, {fd}): {e}")),
    })?;
    match rustix::fs::fstat(&duplicate) {
        Ok(stat) if stat.st_ino == inode => Ok(duplicate),
        // Dropping the duplicate of some other file only closes our copy.
        _ => Err(closed()),
    }
}

#[cfg(test)]
mod tests {
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::AsRawFd;
    use std::time::Duration;

    use super::*;

    fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        (client, listener.accept().unwrap().0)
    }

    #[test]
    fn reads_the_settings_in_effect_and_leaves_the_socket_open() {
        let (client, server) = pair();
        let config = Keepalive::new()
            .with_idle(Duration::from_secs(7))
            .with_interval(Duration::from_secs(3))
            .with_retries(4)
            .with_user_timeout(Duration::from_secs(20));
        client.set_keepalive_config(&config).unwrap();
        let inode = rustix::fs::fstat(&client).unwrap().st_ino;
        let exact =
            ExactReader::default().read(std::process::id(), client.as_raw_fd(), inode).unwrap();
        assert!(exact.keepalive);
        assert_eq!(exact.config, config);
        // Still open and carrying data both ways.
        use std::io::{Read, Write};
        (&client).write_all(b"x").unwrap();
        let mut byte = [0];
        (&server).read_exact(&mut byte).unwrap();
        assert_eq!(&byte, b"x");
    }

    #[test]
    fn a_closed_socket_or_an_exited_process_is_told_not_panicked() {
        let (client, _server) = pair();
        let (fd, inode) = (client.as_raw_fd(), rustix::fs::fstat(&client).unwrap().st_ino);
        drop(client);
        let closed = ExactReader::default().read(std::process::id(), fd, inode).unwrap_err();
        assert!(matches!(closed, NotRead::Gone(_)), "{closed:?}");

        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        let exited = ExactReader::default().read(pid, 0, 1).unwrap_err();
        assert!(matches!(exited, NotRead::Gone(ref why) if why.contains("exited")), "{exited:?}");
    }
}
