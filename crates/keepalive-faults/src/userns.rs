//! An unprivileged user + network namespace, as `unshare -rn` makes it: the
//! process becomes root over a network namespace of its own, with loopback
//! up, where it may attach BPF filters. Used by the demo (in-process) and by
//! [`crate::run_here_or_in_user_netns`] (in a child, between fork and exec).

use std::io;
use std::os::unix::process::CommandExt;
use std::process::Command;

use crate::Unavailable;

/// The uid/gid maps to write, prepared before entering so that entering
/// itself only makes system calls (no allocation: it may run after fork).
#[derive(Clone)]
struct Maps {
    uid_map: Vec<u8>,
    gid_map: Vec<u8>,
}

impl Maps {
    /// Maps root in the namespace to this process's user and group.
    fn current() -> Maps {
        // SAFETY: getuid/getgid have no preconditions and cannot fail.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        Maps {
            uid_map: format!("0 {uid} 1").into_bytes(),
            gid_map: format!("0 {gid} 1").into_bytes(),
        }
    }
}

/// Moves this process into a new user namespace where it is root, and a new
/// network namespace with loopback up. The process must have a single thread
/// (a kernel rule for CLONE_NEWUSER).
pub fn enter_user_netns() -> Result<(), Unavailable> {
    enter(&Maps::current()).map_err(|(step, e)| Unavailable(format!("{step}: {e}")))
}

/// Makes `command` start inside a new user + network namespace.
pub(crate) fn in_user_netns(command: &mut Command) -> &mut Command {
    let maps = Maps::current();
    // SAFETY: the closure runs between fork and exec; it only makes system
    // calls on memory prepared before the fork (`maps`, stack buffers).
    unsafe { command.pre_exec(move || enter(&maps).map_err(|(_, e)| e)) }
}

type Step = (&'static str, io::Error);

fn enter(maps: &Maps) -> Result<(), Step> {
    // SAFETY: unshare only takes flags.
    if unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET) } == -1 {
        return Err(("unshare(CLONE_NEWUSER | CLONE_NEWNET)", io::Error::last_os_error()));
    }
    // Needed before gid_map by unprivileged processes (absent on old kernels).
    match write(c"/proc/self/setgroups", b"deny") {
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {}
        other => other.map_err(|e| ("writing deny to /proc/self/setgroups", e))?,
    }
    write(c"/proc/self/uid_map", &maps.uid_map).map_err(|e| ("writing /proc/self/uid_map", e))?;
    write(c"/proc/self/gid_map", &maps.gid_map).map_err(|e| ("writing /proc/self/gid_map", e))?;
    loopback_up().map_err(|e| ("bringing loopback up", e))
}

/// Writes `bytes` to the file at `path` with raw system calls.
fn write(path: &std::ffi::CStr, bytes: &[u8]) -> io::Result<()> {
    // SAFETY: path is a valid C string for the call.
    let fd = unsafe { libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC) };
    if fd == -1 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is open; bytes lives for the call and its length is passed.
    let written = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
    let error = io::Error::last_os_error();
    // SAFETY: fd was opened above and is closed once.
    unsafe { libc::close(fd) };
    if written != bytes.len() as isize {
        return Err(error);
    }
    Ok(())
}

/// `ip link set lo up`, with the SIOCGIFFLAGS / SIOCSIFFLAGS ioctls.
fn loopback_up() -> io::Result<()> {
    // SAFETY: socket takes plain integers and returns a new fd or -1.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd == -1 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: ifreq is a plain C struct (and union) for which zero bytes are valid.
    let mut request: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in request.ifr_name.iter_mut().zip(b"lo") {
        *dst = *src as libc::c_char;
    }
    // SAFETY: the fd is open; SIOCGIFFLAGS reads the name and writes the
    // flags into `request`, which lives for the call.
    let mut rc = unsafe { libc::ioctl(fd, libc::SIOCGIFFLAGS as _, &raw mut request) };
    if rc != -1 {
        // SAFETY: SIOCGIFFLAGS just wrote ifru_flags, the union field read here.
        unsafe { request.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short };
        // SAFETY: as above; SIOCSIFFLAGS reads the name and flags from `request`.
        rc = unsafe { libc::ioctl(fd, libc::SIOCSIFFLAGS as _, &raw const request) };
    }
    let error = io::Error::last_os_error();
    // SAFETY: fd was opened above and is closed once.
    unsafe { libc::close(fd) };
    if rc == -1 {
        return Err(error);
    }
    Ok(())
}
