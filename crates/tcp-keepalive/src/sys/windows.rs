//! Backend for Windows (Winsock).
//!
//! Windows 10 1709 and later take `TCP_KEEPIDLE` / `TCP_KEEPINTVL` (seconds) and
//! report them back; 1703 added `TCP_KEEPCNT`. Older systems only have the
//! write-only `SIO_KEEPALIVE_VALS` ioctl, which always sets both times at once:
//! a time the caller left unset is then written as the Windows default
//! (2 h idle, 1 s interval), and the docs of `set_keepalive_config` say so.

use std::io;
use std::os::windows::io::{AsRawSocket, BorrowedSocket};
use std::ptr;

use windows_sys::Win32::Networking::WinSock::{
    self as ws, SIO_KEEPALIVE_VALS, SOCKET, SOCKET_ERROR, SOL_SOCKET, SO_KEEPALIVE,
};

use super::liveness::{after_peek, AfterPoll};
use super::platform::{
    LIVENESS, PLATFORM, SO_ACCEPTCONN, WINDOWS_DEFAULT_IDLE_MS, WINDOWS_DEFAULT_INTERVAL_MS,
};
use super::table::{Plan, Platform, TcpOption};
use super::{read_failed, syscall_failed, Outgoing};
use crate::{Keepalive, Liveness};

pub(crate) use std::os::windows::io::AsSocket as AsHandle;
pub(crate) type Handle<'a> = BorrowedSocket<'a>;

#[inline]
pub(crate) fn handle<S: AsHandle + ?Sized>(socket: &S) -> Handle<'_> {
    socket.as_socket()
}

/// std's sockets: the same as [`handle`].
pub(crate) use handle as std_handle;

#[inline]
fn raw(socket: Handle<'_>) -> SOCKET {
    socket.as_raw_socket() as SOCKET
}

fn last_error() -> io::Error {
    // SAFETY: WSAGetLastError only reads this thread's last Winsock error.
    io::Error::from_raw_os_error(unsafe { ws::WSAGetLastError() })
}

#[inline]
fn setsockopt(socket: Handle<'_>, level: i32, name: i32, value: u32) -> io::Result<()> {
    let len = size_of::<u32>() as i32;
    // SAFETY: the socket is borrowed, so it stays open for the call; the pointer
    // and length describe `value`, a live DWORD, which these options take.
    let rc = unsafe { ws::setsockopt(raw(socket), level, name, (&raw const value).cast(), len) };
    if rc == SOCKET_ERROR {
        return Err(last_error());
    }
    Ok(())
}

#[inline]
fn getsockopt(socket: Handle<'_>, level: i32, name: i32) -> io::Result<u32> {
    // Zeroed: Windows may write a single byte for boolean options such as SO_KEEPALIVE.
    let mut value: u32 = 0;
    let mut len = size_of::<u32>() as i32;
    // SAFETY: the socket is borrowed, so it stays open for the call; Winsock
    // writes at most `len` bytes into `value`.
    let rc = unsafe { ws::getsockopt(raw(socket), level, name, (&raw mut value).cast(), &mut len) };
    if rc == SOCKET_ERROR {
        return Err(last_error());
    }
    Ok(value)
}

/// Whether Winsock answered "this option is unknown": WSAENOPROTOOPT, which
/// Microsoft's `setsockopt` page gives for "the option is unknown or
/// unsupported for the specified provider or socket" (what Windows before
/// 10 1703 / 1709 answers for `TCP_KEEPCNT` / `TCP_KEEPIDLE`, and Wine 8 too).
/// Not WSAEINVAL, which that page gives for a value or level that is not
/// valid: such a failure is the kernel refusing the value, and must neither
/// read as Unsupported nor send the times down the `SIO_KEEPALIVE_VALS`
/// fallback, which would reset a time left unset to the Windows default.
pub(crate) fn is_no_such_option(err: &io::Error) -> bool {
    err.raw_os_error() == Some(ws::WSAENOPROTOOPT)
}

#[inline]
pub(crate) fn set_keepalive(socket: Handle<'_>, keepalive: bool) -> io::Result<()> {
    setsockopt(socket, SOL_SOCKET, SO_KEEPALIVE, u32::from(keepalive))
}

#[inline]
pub(crate) fn keepalive(socket: Handle<'_>) -> io::Result<bool> {
    Ok(getsockopt(socket, SOL_SOCKET, SO_KEEPALIVE)? != 0)
}

/// `SIO_KEEPALIVE_VALS`: turns keepalive on and writes both times (milliseconds).
fn keepalive_vals(socket: Handle<'_>, idle_ms: u32, interval_ms: u32) -> io::Result<()> {
    let vals =
        ws::tcp_keepalive { onoff: 1, keepalivetime: idle_ms, keepaliveinterval: interval_ms };
    let mut returned = 0u32;
    // SAFETY: the socket is borrowed, so it stays open; the input buffer is
    // `vals` with its exact size, there is no output buffer, and the call is
    // synchronous (no OVERLAPPED, no completion routine).
    let rc = unsafe {
        ws::WSAIoctl(
            raw(socket),
            SIO_KEEPALIVE_VALS,
            (&raw const vals).cast(),
            size_of::<ws::tcp_keepalive>() as u32,
            ptr::null_mut(),
            0,
            &mut returned,
            ptr::null_mut(),
            None,
        )
    };
    if rc == SOCKET_ERROR {
        return Err(last_error());
    }
    Ok(())
}

/// No table here reads streams until one inherited the plan: never called.
/// `false` would have the stream written, which is always right.
pub(crate) fn holds_plan(_: Handle<'_>, _: &Plan) -> io::Result<bool> {
    Ok(false)
}

/// No Windows table names an accept-queue option: never called.
pub(crate) fn accept_queue_len(
    _: Handle<'_>,
    _: &super::table::QueueLength,
) -> io::Result<Option<usize>> {
    Ok(None)
}

/// Whether `socket` is a listening socket (`SO_ACCEPTCONN`).
pub(crate) fn is_listening(socket: Handle<'_>) -> io::Result<bool> {
    let listening = getsockopt(socket, SOL_SOCKET, SO_ACCEPTCONN);
    Ok(listening.map_err(|e| read_failed("SO_ACCEPTCONN", e))? != 0)
}
/// [`write_plan`] of the plan for `out.asked` on `table`.
pub(crate) fn write_outgoing(out: &Outgoing<'_>, table: &'static Platform) -> io::Result<()> {
    write_plan(out.socket, &Plan::from_parts(table, out.raw), out.asked)
}

/// The options in the plan, then `SO_KEEPALIVE`; the times through
/// `SIO_KEEPALIVE_VALS` where the system lacks their options.
pub(crate) fn write_plan(socket: Handle<'_>, plan: &Plan, _asked: &Keepalive) -> io::Result<()> {
    let [idle, interval, retries, user_timeout] = plan.slots();
    let mut applied = [""; 5];
    let mut done = 0;
    // The probe count first: on systems before 1703 it fails, and then nothing
    // has changed yet. TCP_MAXRT (Vista+) next, before anything is overwritten.
    for (option, value) in [retries, user_timeout].into_iter().flatten() {
        set(socket, option, value, &applied[..done])?;
        applied[done] = option.name;
        done += 1;
    }
    let before_times = done;
    let mut fallback = false;
    for (option, value) in [idle, interval].into_iter().flatten() {
        match setsockopt(socket, option.level, option.id, value as u32) {
            Ok(()) => {
                applied[done] = option.name;
                done += 1;
            }
            // Before Windows 10 1709: only SIO_KEEPALIVE_VALS can set the times.
            Err(e) if is_no_such_option(&e) && done == before_times => {
                fallback = true;
                break;
            }
            Err(e) => return Err(syscall_failed(option.name, &applied[..done], e)),
        }
    }
    if fallback {
        let ms =
            |o: Option<(&TcpOption, i32)>, default| o.map_or(default, |(_, s)| s as u32 * 1000);
        let (idle_ms, interval_ms) =
            (ms(idle, WINDOWS_DEFAULT_IDLE_MS), ms(interval, WINDOWS_DEFAULT_INTERVAL_MS));
        keepalive_vals(socket, idle_ms, interval_ms)
            .map_err(|e| syscall_failed("SIO_KEEPALIVE_VALS", &applied[..done], e))?;
        applied[done] = "SIO_KEEPALIVE_VALS";
        done += 1;
    }
    set_keepalive(socket, true).map_err(|e| syscall_failed("SO_KEEPALIVE", &applied[..done], e))
}

fn set(socket: Handle<'_>, option: &TcpOption, value: i32, applied: &[&str]) -> io::Result<()> {
    setsockopt(socket, option.level, option.id, value as u32)
        .map_err(|e| syscall_failed(option.name, applied, e))
}

/// One zero-timeout `WSAPoll`; a 1-byte `MSG_PEEK` only when it reports the
/// socket readable, hung up or failed, so the peek never waits.
pub(crate) fn liveness(socket: Handle<'_>) -> io::Result<Liveness> {
    let mut entry = ws::WSAPOLLFD { fd: raw(socket), events: LIVENESS.events(), revents: 0 };
    // SAFETY: `entry` is one live, initialised WSAPOLLFD and the count says
    // one; the timeout is 0, so WSAPoll writes `revents` and returns at once.
    // The socket is borrowed, so it stays open for the call.
    match unsafe { ws::WSAPoll(&mut entry, 1, 0) } {
        0 => return Ok(Liveness::Open), // nothing ready: the healthy case
        SOCKET_ERROR => {
            return Err(read_failed("the connection's state (WSAPoll)", last_error()));
        }
        _ => {}
    }
    let flags = match LIVENESS.after_poll(entry.revents)? {
        AfterPoll::Known(liveness) => return Ok(liveness),
        AfterPoll::Peek(flags) => flags,
    };
    let mut byte = 0u8;
    // SAFETY: the buffer is `byte`, one live byte, and the length says 1;
    // MSG_PEEK leaves the data in the socket. The socket stays open (borrowed).
    let n = unsafe { ws::recv(raw(socket), &mut byte, 1, flags) };
    after_peek(if n == SOCKET_ERROR { Err(last_error()) } else { Ok(n as usize) })
}

/// Values set through `SIO_KEEPALIVE_VALS` cannot be read back: those read as
/// `None`, and so does `TCP_MAXRT`'s -1 ("retransmit forever": no user timeout).
pub(crate) fn config(socket: Handle<'_>) -> io::Result<Keepalive> {
    PLATFORM.read(|option, raw| {
        *raw = match getsockopt(socket, option.level, option.id) {
            Ok(u32::MAX) => 0,
            Ok(value) => value.min(i32::MAX as u32) as i32,
            Err(e) if is_no_such_option(&e) => 0,
            Err(e) => return Err(read_failed(option.name, e)),
        };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_unknown_option_reads_as_missing() {
        let unknown = io::Error::from_raw_os_error(ws::WSAENOPROTOOPT);
        let invalid = io::Error::from_raw_os_error(ws::WSAEINVAL);
        assert!(is_no_such_option(&unknown));
        assert!(!is_no_such_option(&invalid), "WSAEINVAL is a refused value, not a missing option");
        let refused = super::super::syscall_failed("TCP_KEEPIDLE", &[], invalid);
        assert_eq!(refused.kind(), io::ErrorKind::InvalidInput, "{refused}");
    }
}
