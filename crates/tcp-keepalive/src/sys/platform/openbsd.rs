//! OpenBSD: SO_KEEPALIVE only. Its keepalive timers are the root-only sysctls
//! net.inet.tcp.keepidle / keepintvl, with no per-socket options, so every
//! tuning value is Unsupported rather than faked.

use crate::sys::liveness::LivenessCheck;
use crate::sys::platform::poll_4_4bsd::FOUR_FOUR_BSD;
// Only for the check against libc, made where this table is the host's.
#[allow(unused_imports)]
use crate::sys::platform::poll_4_4bsd::{
    MSG_DONTWAIT, MSG_PEEK, POLLERR, POLLHUP, POLLIN, POLLNVAL,
};
use crate::sys::table::Platform;

pub(crate) const SOL_SOCKET: i32 = 0xffff;
pub(crate) const SO_ACCEPTCONN: i32 = 0x2;
pub(crate) const SO_KEEPALIVE: i32 = 0x8;
pub(crate) const ENOPROTOOPT: i32 = 42;
same_as_libc!(SOL_SOCKET, SO_KEEPALIVE, SO_ACCEPTCONN, ENOPROTOOPT);

pub(crate) const PLATFORM: Platform = Platform::bool_only("OpenBSD");

same_as_libc!(POLLIN, POLLERR, POLLHUP, POLLNVAL, MSG_PEEK, MSG_DONTWAIT);

/// `poll`'s number type.
pub(crate) type Nfds = std::ffi::c_uint;

/// No POLLRDHUP. sys/sys/socketvar.h `soreadable`: readable with data, after a
/// FIN (SS_CANTRCVMORE) or with a pending `so_error`. sys/kern/uipc_socket.c
/// `soreceive` returns waiting data first, then `so_error`, which it clears
/// only without MSG_PEEK: the check leaves the error for the next read. Read
/// from source; not run on OpenBSD here.
pub(crate) const LIVENESS: LivenessCheck = FOUR_FOUR_BSD;
