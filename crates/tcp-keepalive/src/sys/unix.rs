//! Backend for every system whose sockets are file descriptors: Unix, and WASI
//! preview 2 (through wasi-libc). One `int` option helper pair, as in std.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

use libc::{c_int, socklen_t};

use super::platform::PLATFORM;
use crate::error::{read_failed, syscall_failed};
use crate::Keepalive;

pub(crate) use std::os::fd::AsFd as AsHandle;
pub(crate) type Handle<'a> = BorrowedFd<'a>;

#[inline]
pub(crate) fn handle<S: AsHandle + ?Sized>(socket: &S) -> Handle<'_> {
    socket.as_fd()
}

#[inline]
fn setsockopt(fd: Handle<'_>, level: c_int, name: c_int, value: c_int) -> io::Result<()> {
    let len = size_of::<c_int>() as socklen_t;
    // SAFETY: `fd` is borrowed, so it stays open for the call; the pointer and
    // length describe `value`, a live `c_int`, which is what these options take.
    let rc =
        unsafe { libc::setsockopt(fd.as_raw_fd(), level, name, (&raw const value).cast(), len) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[inline]
fn getsockopt(fd: Handle<'_>, level: c_int, name: c_int) -> io::Result<c_int> {
    let mut value: c_int = 0;
    let mut len = size_of::<c_int>() as socklen_t;
    // SAFETY: `fd` is borrowed, so it stays open for the call; the kernel writes
    // at most `len` bytes into `value`, which is zeroed, so a shorter write still
    // leaves a valid `c_int`.
    let rc =
        unsafe { libc::getsockopt(fd.as_raw_fd(), level, name, (&raw mut value).cast(), &mut len) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(value)
}

pub(crate) fn is_no_such_option(err: &io::Error) -> bool {
    err.raw_os_error() == Some(libc::ENOPROTOOPT)
}

#[inline]
pub(crate) fn set_keepalive(fd: Handle<'_>, keepalive: bool) -> io::Result<()> {
    setsockopt(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, c_int::from(keepalive))
}

#[inline]
pub(crate) fn keepalive(fd: Handle<'_>) -> io::Result<bool> {
    Ok(getsockopt(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE)? != 0)
}

/// One `setsockopt` per set value, then `SO_KEEPALIVE`: nothing else.
pub(crate) fn set_config(fd: Handle<'_>, config: &Keepalive) -> io::Result<()> {
    let plan = PLATFORM.plan(config)?;
    let mut applied = [""; 4];
    let mut done = 0;
    for (option, raw) in plan.into_iter().flatten() {
        setsockopt(fd, option.level, option.id, raw)
            .map_err(|e| syscall_failed(option.name, &applied[..done], e))?;
        applied[done] = option.name;
        done += 1;
    }
    set_keepalive(fd, true).map_err(|e| syscall_failed("SO_KEEPALIVE", &applied[..done], e))
}

/// One `getsockopt` per value the OS has.
pub(crate) fn config(fd: Handle<'_>) -> io::Result<Keepalive> {
    PLATFORM.read(|option| match getsockopt(fd, option.level, option.id) {
        Ok(raw) => Ok(Some(raw)),
        Err(e) if is_no_such_option(&e) => Ok(None),
        Err(e) => Err(read_failed(option.name, e)),
    })
}
