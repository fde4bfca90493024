//! Backend for every system whose sockets are file descriptors: Unix, and WASI
//! preview 2 (through wasi-libc). One `int` option helper pair, as in std.

use std::ffi::{c_int, c_void};
use std::io;
use std::marker::PhantomData;
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};

use super::liveness::{after_peek, AfterPoll};
use super::platform::{
    Nfds, ENOPROTOOPT, IPPROTO_TCP, LIVENESS, SOL_SOCKET, SO_ACCEPTCONN, SO_KEEPALIVE,
};
use super::table::SETTINGS;
use super::table::{requested, slot, ListenerProbe, Plan, Platform, QueueLength, TcpOption};
use super::{platform, read_failed, setting_refused, syscall_failed, with_context, Outgoing};
use crate::error::{Problem, SettingError};
use crate::{Keepalive, Liveness};

pub(crate) use std::os::fd::AsFd as AsHandle;

/// A socket's descriptor, borrowed from its owner for `'a` as a `BorrowedFd`
/// is: made only from a `BorrowedFd` or from a borrowed std socket, both of
/// which keep the descriptor open for `'a`. It holds the number itself, so
/// that std's sockets lend it without a call (their `as_fd` is out of line).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Handle<'a> {
    fd: RawFd,
    owner: PhantomData<BorrowedFd<'a>>,
}

impl Handle<'_> {
    #[inline(always)]
    pub(crate) fn as_raw_fd(self) -> RawFd {
        self.fd
    }
}

impl<'a> From<BorrowedFd<'a>> for Handle<'a> {
    #[inline(always)]
    fn from(fd: BorrowedFd<'a>) -> Self {
        Handle { fd: fd.as_raw_fd(), owner: PhantomData }
    }
}

#[inline]
pub(crate) fn handle<S: AsHandle + ?Sized>(socket: &S) -> Handle<'_> {
    socket.as_fd().into()
}

/// std's sockets, which own their descriptor.
pub(crate) trait StdSocket: AsRawFd {}
impl StdSocket for TcpStream {}
impl StdSocket for TcpListener {}

/// The same handle as [`handle`], through std's inlined `as_raw_fd`: the
/// descriptor stays open while `socket` is borrowed, as it owns it.
#[inline(always)]
pub(crate) fn std_handle<S: StdSocket>(socket: &S) -> Handle<'_> {
    Handle { fd: socket.as_raw_fd(), owner: PhantomData }
}

/// C's `socklen_t`: a 32-bit integer, signed only in 32-bit Android's bionic
/// and in Cygwin (checked against the libc crate below).
#[cfg(not(any(all(target_os = "android", target_pointer_width = "32"), target_os = "cygwin")))]
type SockLen = u32;
#[cfg(any(all(target_os = "android", target_pointer_width = "32"), target_os = "cygwin"))]
type SockLen = i32;

// The C functions this crate calls, declared here rather than taken from the
// libc crate: they are the same POSIX functions on every OS, and the crate then
// builds without any dependency. The tests check these declarations, and every
// table's numbers, against the libc crate on each target (`same_as_libc!`).
// They resolve to the C library that std links; Haiku keeps sockets in libnetwork.
#[cfg_attr(target_os = "haiku", link(name = "network"))]
unsafe extern "C" {
    #[cfg_attr(target_os = "espidf", link_name = "lwip_setsockopt")]
    fn setsockopt(
        fd: c_int,
        level: c_int,
        name: c_int,
        value: *const c_void,
        len: SockLen,
    ) -> c_int;

    // The X/Open variant, whose length is a socklen_t, as the libc crate and std use.
    #[cfg_attr(any(target_os = "illumos", target_os = "solaris"), link_name = "__xnet_getsockopt")]
    #[cfg_attr(target_os = "espidf", link_name = "lwip_getsockopt")]
    fn getsockopt(
        fd: c_int,
        level: c_int,
        name: c_int,
        value: *mut c_void,
        len: *mut SockLen,
    ) -> c_int;

    // liveness(): a zero-timeout poll, and where it cannot tell, a 1-byte peek.
    fn poll(fds: *mut PollFd, nfds: Nfds, timeout: c_int) -> c_int;

    // The address is not read: only whether the socket has a peer.
    #[cfg_attr(target_os = "espidf", link_name = "lwip_getpeername")]
    fn getpeername(fd: c_int, addr: *mut c_void, len: *mut SockLen) -> c_int;

    #[cfg_attr(target_os = "espidf", link_name = "lwip_recv")]
    fn recv(fd: c_int, buf: *mut c_void, len: usize, flags: c_int) -> isize;
}

/// C's `struct pollfd`, the same on every OS.
#[repr(C)]
struct PollFd {
    fd: c_int,
    events: i16,
    revents: i16,
}

// In unit tests, a kernel model installed on the calling thread answers these
// calls instead of the OS (`super::model`); release builds call the OS directly.

#[inline]
fn set_option(fd: Handle<'_>, level: c_int, name: c_int, value: c_int) -> io::Result<()> {
    set_option_from(fd, level, name, &value)
}

/// `setsockopt` from `value` where it lies: a plan's values are passed in place.
#[inline(always)]
fn set_option_from(fd: Handle<'_>, level: c_int, name: c_int, value: &c_int) -> io::Result<()> {
    #[cfg(test)]
    if let Some(answer) = super::model::setsockopt(fd.as_raw_fd(), level, name, *value) {
        return answer;
    }
    let len = size_of::<c_int>() as SockLen;
    let value: *const c_int = value;
    // SAFETY: `fd` is borrowed, so it stays open for the call; the pointer and
    // length describe `value`, a live `c_int`, which is what these options take.
    let rc = unsafe { setsockopt(fd.as_raw_fd(), level, name, value.cast(), len) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[inline]
fn get_option(fd: Handle<'_>, level: c_int, name: c_int) -> io::Result<c_int> {
    let mut value: c_int = 0;
    get_option_into(fd, level, name, &mut value)?;
    Ok(value)
}

/// `getsockopt` into `value`, which the caller zeroed; left as it was on an error.
#[inline(always)]
fn get_option_into(fd: Handle<'_>, level: c_int, name: c_int, value: &mut c_int) -> io::Result<()> {
    #[cfg(test)]
    {
        let mut bytes = value.to_ne_bytes();
        let answer = super::model::getsockopt(fd.as_raw_fd(), level, name, &mut bytes);
        if let Some(answer) = answer {
            return answer.map(|_| *value = c_int::from_ne_bytes(bytes));
        }
    }
    let mut len = size_of::<c_int>() as SockLen;
    let value: *mut c_int = value;
    // SAFETY: `fd` is borrowed, so it stays open for the call; the kernel writes
    // at most `len` bytes into `value`, a live, initialised `c_int`, so a
    // shorter write still leaves a valid one.
    let rc = unsafe { getsockopt(fd.as_raw_fd(), level, name, value.cast(), &mut len) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `getsockopt` of a value of any size; returns how many bytes the kernel wrote.
fn get_bytes(fd: Handle<'_>, level: c_int, name: c_int, buf: &mut [u8]) -> io::Result<usize> {
    #[cfg(test)]
    if let Some(answer) = super::model::getsockopt(fd.as_raw_fd(), level, name, buf) {
        return answer;
    }
    let mut len = buf.len() as SockLen;
    // SAFETY: `fd` is borrowed, so it stays open for the call; the kernel
    // writes at most `len` bytes, the length of `buf`, into `buf`.
    let rc = unsafe { getsockopt(fd.as_raw_fd(), level, name, buf.as_mut_ptr().cast(), &mut len) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(len as usize)
}

pub(crate) fn is_no_such_option(err: &io::Error) -> bool {
    err.raw_os_error() == Some(ENOPROTOOPT)
}

#[inline]
pub(crate) fn set_keepalive(fd: Handle<'_>, keepalive: bool) -> io::Result<()> {
    set_option(fd, SOL_SOCKET, SO_KEEPALIVE, c_int::from(keepalive))
}

#[inline]
pub(crate) fn keepalive(fd: Handle<'_>) -> io::Result<bool> {
    Ok(get_option(fd, SOL_SOCKET, SO_KEEPALIVE)? != 0)
}

/// Whether `fd` is a listening socket: `SO_ACCEPTCONN`, or where the kernel
/// has no `SO_ACCEPTCONN`, the TCP state (xnu) or whether it has a peer
/// (NetBSD: not connected counts as listening, as a value would kill it too).
pub(crate) fn is_listening(fd: Handle<'_>) -> io::Result<bool> {
    match platform().listener_probe {
        ListenerProbe::AcceptConn => {
            let listening = get_option(fd, SOL_SOCKET, SO_ACCEPTCONN);
            Ok(listening.map_err(|e| read_failed("SO_ACCEPTCONN", e))? != 0)
        }
        ListenerProbe::TcpState { name, id, listen } => {
            // The state is the value's first byte; the kernel truncates the rest.
            let mut state = [0u8; 1];
            get_bytes(fd, IPPROTO_TCP, id, &mut state).map_err(|e| read_failed(name, e))?;
            Ok(state[0] == listen)
        }
        ListenerProbe::Unconnected => match has_peer(fd) {
            Ok(()) => Ok(false),
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(true),
            Err(e) => Err(read_failed("the peer's address (getpeername)", e)),
        },
    }
}

/// `getpeername`, for its answer only: a connected socket has a peer.
fn has_peer(fd: Handle<'_>) -> io::Result<()> {
    #[cfg(test)]
    if let Some(answer) = super::model::getpeername(fd.as_raw_fd()) {
        return answer;
    }
    // Room for any address (the size of `struct sockaddr_storage`), aligned for it.
    let mut addr = [0u64; 16];
    let mut len = size_of_val(&addr) as SockLen;
    // SAFETY: `fd` is borrowed, so it stays open for the call; the kernel
    // writes at most `len` bytes, the size of `addr`, into `addr`.
    let rc = unsafe { getpeername(fd.as_raw_fd(), addr.as_mut_ptr().cast(), &mut len) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// How many connections wait in the accept queue of the listener `fd`;
/// `None` when the kernel's answer is too short to hold the count.
pub(crate) fn accept_queue_len(fd: Handle<'_>, queue: &QueueLength) -> io::Result<Option<usize>> {
    let level = if queue.socket_level { SOL_SOCKET } else { IPPROTO_TCP };
    let mut value = [0u8; 32];
    let end = queue.offset + size_of::<u32>();
    let len = get_bytes(fd, level, queue.id, &mut value[..end])
        .map_err(|e| read_failed(queue.name, e))?;
    let Some(count) = value.get(queue.offset..end).filter(|_| len >= end) else {
        return Ok(None);
    };
    Ok(Some(u32::from_ne_bytes(count.try_into().expect("4 bytes")) as usize))
}

/// Whether `fd` already runs `plan`: `SO_KEEPALIVE` on, read first, and every
/// planned value as planned, read until the first that differs.
pub(crate) fn holds_plan(fd: Handle<'_>, plan: &Plan) -> io::Result<bool> {
    if !keepalive(fd).map_err(|e| read_failed("SO_KEEPALIVE", e))? {
        return Ok(false);
    }
    for (option, planned) in plan.slots().into_iter().flatten() {
        let now = get_option(fd, option.level, option.id);
        if now.map_err(|e| read_failed(option.name, e))? != planned {
            return Ok(false);
        }
    }
    Ok(true)
}

/// One `setsockopt` per value in the plan, then `SO_KEEPALIVE`: nothing else
/// (where the host may clamp silently, also one `getsockopt` per value before
/// and after). The options this OS gained in a later release go first, so
/// that an older kernel refuses before anything changed.
/// `plan` is `asked`'s, on the plan's table: an error works out from
/// `asked` what had been applied.
#[inline(always)]
pub(crate) fn write_plan(fd: Handle<'_>, plan: &Plan, asked: &Keepalive) -> io::Result<()> {
    // A copy: the table stays out of the memory the OS is given.
    let (table, raw) = plan.parts();
    write_outgoing(&Outgoing { raw, socket: fd, asked }, table)
}

/// [`write_plan`] of the plan for `out.asked` on `table`, from `out`.
#[inline(always)]
pub(crate) fn write_outgoing(out: &Outgoing<'_>, table: &'static Platform) -> io::Result<()> {
    let raw = &out.raw;
    let previous = if platform().host_clamps_silently {
        Some(read_plan(out.socket, &Plan::from_parts(table, *raw))?)
    } else {
        None
    };
    // Counted loops over the four slots, which the compiler unrolls: with the
    // host's constant table each option's numbers are then constants. What
    // had been applied before a failure is worked out only then, from `asked`.
    let write = |position| write_one(out, table, position);
    // Whether to order at all is a property of this OS, so a constant.
    if platform().has_options_added_later() {
        for position in 0..SETTINGS.len() {
            if is_added_later(table, raw, position) {
                write(position)?;
            }
        }
        for position in 0..SETTINGS.len() {
            if !is_added_later(table, raw, position) {
                write(position)?;
            }
        }
    } else {
        for position in 0..SETTINGS.len() {
            write(position)?;
        }
    }
    if let Some(previous) = previous {
        let plan = Plan::from_parts(table, *raw);
        refuse_changed_values(out.socket, &plan, &previous, out.asked)?;
    }
    // A constant's address: nothing to store first.
    if let Err(e) = set_option_from(out.socket, SOL_SOCKET, SO_KEEPALIVE, &1) {
        return Err(keepalive_failed(table, out.asked, e));
    }
    Ok(())
}

/// The `setsockopt` of the value at `position` of `out`, if it is set.
#[inline(always)]
fn write_one(out: &Outgoing<'_>, table: &'static Platform, position: usize) -> io::Result<()> {
    let Some((option, value)) = slot(table, &out.raw, position) else { return Ok(()) };
    if let Err(e) = set_option_from(out.socket, option.level, option.id, value) {
        // One cold function per position: no register kept for it.
        return Err(match position {
            0 => refused_at::<0>(table, out.asked, e),
            1 => refused_at::<1>(table, out.asked, e),
            2 => refused_at::<2>(table, out.asked, e),
            _ => refused_at::<3>(table, out.asked, e),
        });
    }
    Ok(())
}

/// The raw values written for `asked` on `table`: its plan again, for an
/// error (`asked` was checked before, so it has one).
fn planned(table: &'static Platform, asked: &Keepalive) -> [i32; 4] {
    table.try_plan(asked).map_or([0; 4], |plan| plan.parts().1)
}

/// `SO_KEEPALIVE` failed after every option of the plan for `asked` had been applied.
#[cold]
#[inline(never)]
fn keepalive_failed(table: &'static Platform, asked: &Keepalive, e: io::Error) -> io::Error {
    let raw = planned(table, asked);
    let names: Vec<&str> = write_order(table, &raw).map(|(_, o)| o.name).collect();
    syscall_failed("SO_KEEPALIVE", &names, e)
}

/// Whether the option at `position` of a plan (`table`'s options, `raw`
/// values) is set and missing from older releases of the OS.
#[inline(always)]
fn is_added_later(table: &'static Platform, raw: &[i32; 4], position: usize) -> bool {
    slot(table, raw, position).is_some_and(|(option, _)| option.added_later)
}

/// A plan's set options, with their positions, in the order `write_plan`
/// writes them.
fn write_order<'a>(
    table: &'static Platform,
    raw: &'a [i32; 4],
) -> impl Iterator<Item = (usize, &'static TcpOption)> + 'a {
    let positions = 0..SETTINGS.len();
    let ordered = platform().has_options_added_later();
    let later = move |&i: &usize| ordered && is_added_later(table, raw, i);
    let order = positions.clone().filter(later).chain(positions.filter(move |i| !later(i)));
    order.filter_map(move |i| Some((i, slot(table, raw, i)?.0)))
}

/// [`refused`] at `POSITION`.
#[cold]
#[inline(never)]
fn refused_at<const POSITION: usize>(
    table: &'static Platform,
    asked: &Keepalive,
    e: io::Error,
) -> io::Error {
    refused(table, POSITION, asked, e)
}

/// The kernel refused the option at `position` of the plan for `asked` on
/// `table`, after the options written before it.
#[cold]
#[inline(never)]
fn refused(
    table: &'static Platform,
    position: usize,
    asked: &Keepalive,
    e: io::Error,
) -> io::Error {
    let raw = &planned(table, asked);
    let (option, &value) = slot(table, raw, position).expect("a planned entry");
    let value = requested(asked)[position].unwrap_or_else(|| option.decode(value.max(0) as u32));
    let applied: Vec<_> = write_order(table, raw)
        .take_while(|&(i, _)| i != position)
        .map(|(i, option)| (SETTINGS[i], option.name))
        .collect();
    setting_refused(SETTINGS[position], value, option.name, &applied, e)
}

/// The current raw value of each option in `plan`.
fn read_plan(fd: Handle<'_>, plan: &Plan) -> io::Result<[i32; 4]> {
    let mut values = [0; 4];
    for (value, (option, _)) in
        values.iter_mut().zip(plan.slots()).filter_map(|(v, p)| Some((v, p?)))
    {
        *value =
            get_option(fd, option.level, option.id).map_err(|e| read_failed(option.name, e))?;
    }
    Ok(values)
}

/// For a host that stores another value than the one set and reports success
/// (WASI): if it changed any, puts every option of `plan` back to `previous`
/// and refuses the first changed value, naming what the host made of it. Before
/// `SO_KEEPALIVE` is touched, so a refused config leaves the socket as it was.
fn refuse_changed_values(
    fd: Handle<'_>,
    plan: &Plan,
    previous: &[i32; 4],
    asked: &Keepalive,
) -> io::Result<()> {
    let now = read_plan(fd, plan)?;
    let changed =
        plan.slots().into_iter().zip(now).enumerate().find_map(|(i, (planned, effective))| {
            planned
                .filter(|&(_, raw)| raw != effective)
                .map(|(option, raw)| (i, option, raw, effective))
        });
    let Some((i, option, raw, effective)) = changed else {
        return Ok(());
    };
    for ((option, _), &before) in
        plan.slots().iter().zip(previous).filter_map(|(p, b)| Some(((*p)?, b)))
    {
        set_option(fd, option.level, option.id, before).map_err(|e| {
            with_context(
                format!("{} was changed by the host, and restoring it failed", option.name),
                e,
            )
        })?;
    }
    // The value the caller asked for, and what the host made of it.
    let asked = requested(asked)[i].unwrap_or_else(|| option.decode(raw.max(0) as u32));
    let host = option.decode(effective.max(0) as u32);
    let problem = if effective < raw {
        Problem::TooLarge { max: host }
    } else {
        Problem::TooSmall { min: host }
    };
    Err(SettingError::new(SETTINGS[i], asked, problem, platform().os, Some(option.name)).into())
}

/// One zero-timeout `poll`: nothing ready (it returns 0) is the healthy,
/// one-system-call case, kept small enough to inline; the rest is out of line.
#[inline]
pub(crate) fn liveness(fd: Handle<'_>) -> io::Result<Liveness> {
    let mut entry = PollFd { fd: fd.as_raw_fd(), events: LIVENESS.events(), revents: 0 };
    // SAFETY: `entry` is one live, initialised pollfd and `nfds` says one; the
    // timeout is 0, so the kernel writes `revents` and returns at once. `fd`
    // is borrowed, so it stays open for the call.
    let ready = unsafe { poll(&mut entry, 1, 0) };
    if ready == 0 {
        return Ok(Liveness::Open);
    }
    liveness_after(fd, ready, entry)
}

/// `poll` failed or reported events: retry an interrupted call, then read the
/// events, and where they cannot tell, a 1-byte `MSG_PEEK`.
#[cold]
#[inline(never)]
fn liveness_after(fd: Handle<'_>, mut ready: c_int, mut entry: PollFd) -> io::Result<Liveness> {
    while ready == -1 {
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(read_failed("the connection's state (poll)", err));
        }
        // SAFETY: as in `liveness`: one live pollfd, a zero timeout, `fd` open.
        ready = unsafe { poll(&mut entry, 1, 0) };
    }
    let flags = match LIVENESS.after_poll(entry.revents)? {
        AfterPoll::Known(liveness) => return Ok(liveness),
        AfterPoll::Peek(flags) => flags,
    };
    let mut byte = 0u8;
    loop {
        // SAFETY: the buffer is `byte`, one live byte, and the length says 1;
        // MSG_PEEK leaves the data in the socket. `fd` stays open (borrowed).
        let n = unsafe { recv(fd.as_raw_fd(), (&raw mut byte).cast(), 1, flags) };
        let peeked = if n == -1 { Err(io::Error::last_os_error()) } else { Ok(n as usize) };
        match after_peek(peeked) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            answer => return answer,
        }
    }
}

/// One `getsockopt` per value the OS has.
#[inline]
pub(crate) fn config(fd: Handle<'_>) -> io::Result<Keepalive> {
    platform().read(|option, raw| match get_option_into(fd, option.level, option.id, raw) {
        Ok(()) => Ok(()),
        Err(e) => unknown_or_failed(option, e),
    })
}

/// Nothing (the value stays 0: unknown) for an option the running kernel does
/// not know, else the error naming the option.
#[cold]
#[inline(never)]
fn unknown_or_failed(option: &TcpOption, err: io::Error) -> io::Result<()> {
    if is_no_such_option(&err) {
        return Ok(());
    }
    Err(read_failed(option.name, err))
}

#[cfg(test)]
mod same_as_libc {
    use super::*;

    type SetSockOpt = unsafe extern "C" fn(c_int, c_int, c_int, *const c_void, SockLen) -> c_int;
    type GetSockOpt = unsafe extern "C" fn(c_int, c_int, c_int, *mut c_void, *mut SockLen) -> c_int;

    // Fails to compile if a parameter type differs from the libc crate's on this target.
    const _: [SetSockOpt; 2] = [setsockopt, libc::setsockopt];
    const _: [GetSockOpt; 2] = [getsockopt, libc::getsockopt];

    // poll's and recv's parameter types; `struct pollfd`'s layout.
    const _: unsafe extern "C" fn(*mut libc::pollfd, Nfds, c_int) -> c_int = libc::poll;
    const _: unsafe extern "C" fn(c_int, *mut c_void, usize, c_int) -> isize = libc::recv;
    // getpeername's, but for the address, which this crate passes as bytes.
    const _: unsafe extern "C" fn(c_int, *mut libc::sockaddr, *mut SockLen) -> c_int =
        libc::getpeername;
    const _: unsafe extern "C" fn(c_int, *mut c_void, *mut SockLen) -> c_int = getpeername;
    const _: () = assert!(
        size_of::<PollFd>() == size_of::<libc::pollfd>()
            && std::mem::offset_of!(PollFd, events) == std::mem::offset_of!(libc::pollfd, events)
            && std::mem::offset_of!(PollFd, revents) == std::mem::offset_of!(libc::pollfd, revents)
    );
}
