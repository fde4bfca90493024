//! The baseline: raw `setsockopt` / `getsockopt`, as a careful user writes them
//! by hand (checking the return value, as every wrapper does).

use std::io;
use std::net::TcpStream;
use std::os::fd::AsRawFd;

use libc::c_int;

fn set(fd: &impl AsRawFd, level: c_int, name: c_int, value: c_int) -> io::Result<()> {
    // SAFETY: `fd` is an open socket borrowed for the call; the pointer and
    // length describe `value`, a live c_int, the type these options take.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&raw const value).cast(),
            size_of::<c_int>() as libc::socklen_t,
        )
    };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn get(fd: &impl AsRawFd, level: c_int, name: c_int) -> io::Result<c_int> {
    let mut value: c_int = 0;
    let mut len = size_of::<c_int>() as libc::socklen_t;
    // SAFETY: `fd` is an open socket borrowed for the call; the kernel writes
    // at most `len` bytes into `value`, a live, zeroed c_int.
    let rc =
        unsafe { libc::getsockopt(fd.as_raw_fd(), level, name, (&raw mut value).cast(), &mut len) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(value)
}

pub fn set_keepalive(s: &TcpStream) -> io::Result<()> {
    set(s, libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1)
}

pub fn keepalive(s: &TcpStream) -> io::Result<bool> {
    Ok(get(s, libc::SOL_SOCKET, libc::SO_KEEPALIVE)? != 0)
}

/// Enable, idle (s), interval (s), count: four `setsockopt` calls.
pub fn full_config(s: &TcpStream, idle: u32, interval: u32, retries: u32) -> io::Result<()> {
    set(s, libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1)?;
    set(s, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, idle as c_int)?;
    set(s, libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, interval as c_int)?;
    set(s, libc::IPPROTO_TCP, libc::TCP_KEEPCNT, retries as c_int)
}

/// The values `keepalive_config()` reads on Linux: idle (s), interval (s),
/// count, user timeout (ms); four `getsockopt` calls.
pub fn read_config(s: &TcpStream) -> io::Result<[c_int; 4]> {
    Ok([
        get(s, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE)?,
        get(s, libc::IPPROTO_TCP, libc::TCP_KEEPINTVL)?,
        get(s, libc::IPPROTO_TCP, libc::TCP_KEEPCNT)?,
        get(s, libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT)?,
    ])
}

/// What `liveness()` does on a healthy Linux connection, by hand: one
/// zero-timeout `poll` for POLLIN | POLLRDHUP, checked; nothing ready means open.
pub fn liveness(s: &TcpStream) -> io::Result<bool> {
    let mut entry =
        libc::pollfd { fd: s.as_raw_fd(), events: libc::POLLIN | libc::POLLRDHUP, revents: 0 };
    // SAFETY: one live pollfd, count 1, timeout 0: the kernel writes `revents`
    // and returns at once; the socket is borrowed for the call.
    if unsafe { libc::poll(&mut entry, 1, 0) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(entry.revents == 0)
}
