//! Backend for targets whose std has no socket options (platform/none.rs):
//! every call answers `Unsupported` without touching anything, as std's own
//! `set_keepalive` does there. Values are still checked first, as everywhere,
//! so a bad value is `InvalidInput` and a tuning value `Unsupported` naming it.

use std::io;
use std::marker::PhantomData;

use super::table::{Plan, Platform};
use super::Outgoing;
use crate::{Keepalive, Liveness};

/// There is no handle to borrow: any socket type will do (every socket type
/// implements `Debug`), and nothing is ever called on it.
pub(crate) use std::fmt::Debug as AsHandle;
pub(crate) type Handle<'a> = PhantomData<&'a ()>;

#[inline]
pub(crate) fn handle<S: AsHandle + ?Sized>(_socket: &S) -> Handle<'_> {
    PhantomData
}

/// std's sockets: the same as [`handle`].
pub(crate) use handle as std_handle;

fn no_socket_options() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "TCP keepalive cannot be set or read on this target: its std has no socket options",
    )
}

pub(crate) fn is_no_such_option(_err: &io::Error) -> bool {
    false
}

pub(crate) fn set_keepalive(_socket: Handle<'_>, _keepalive: bool) -> io::Result<()> {
    Err(no_socket_options())
}

pub(crate) fn keepalive(_socket: Handle<'_>) -> io::Result<bool> {
    Err(no_socket_options())
}

pub(crate) fn is_listening(_socket: Handle<'_>) -> io::Result<bool> {
    Err(no_socket_options())
}

/// No table here reads streams until one inherited the plan: never called.
/// `false` would have the stream written, which is always right.
pub(crate) fn holds_plan(_: Handle<'_>, _: &Plan) -> io::Result<bool> {
    Ok(false)
}

/// No table here names an accept-queue option: never called.
pub(crate) fn accept_queue_len(
    _socket: Handle<'_>,
    _queue: &super::table::QueueLength,
) -> io::Result<Option<usize>> {
    Ok(None)
}
/// [`write_plan`] of the plan for `out.asked` on `table`.
pub(crate) fn write_outgoing(out: &Outgoing<'_>, table: &'static Platform) -> io::Result<()> {
    write_plan(out.socket, &Plan::from_parts(table, out.raw), out.asked)
}

pub(crate) fn write_plan(_socket: Handle<'_>, _plan: &Plan, _asked: &Keepalive) -> io::Result<()> {
    Err(no_socket_options())
}

pub(crate) fn config(_socket: Handle<'_>) -> io::Result<Keepalive> {
    Err(no_socket_options())
}

pub(crate) fn liveness(_socket: Handle<'_>) -> io::Result<Liveness> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "liveness() cannot ask the kernel on this target: its std has no poll on sockets",
    ))
}
