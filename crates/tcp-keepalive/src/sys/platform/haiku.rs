//! Haiku: SO_KEEPALIVE only, with no per-socket tuning options, so every tuning
//! value is Unsupported rather than faked.

use crate::sys::liveness::LivenessCheck;
use crate::sys::table::Platform;

pub(crate) const SOL_SOCKET: i32 = -1;
pub(crate) const SO_ACCEPTCONN: i32 = 0x1;
pub(crate) const SO_KEEPALIVE: i32 = 0x10;
/// Haiku's errors are negative: B_POSIX_ERROR_BASE (INT_MIN + 0x7000) + 34.
pub(crate) const ENOPROTOOPT: i32 = i32::MIN + 0x7000 + 34;
same_as_libc!(SOL_SOCKET, SO_KEEPALIVE, SO_ACCEPTCONN, ENOPROTOOPT);

pub(crate) const PLATFORM: Platform = Platform::bool_only("Haiku");

// liveness(): Haiku's own poll bits.
const POLLIN: i16 = 0x1;
const POLLERR: i16 = 0x4;
const POLLHUP: i16 = 0x80;
const POLLNVAL: i16 = 0x1000;
const MSG_PEEK: i32 = 0x2;
const MSG_DONTWAIT: i32 = 0x80;
same_as_libc!(POLLIN, POLLERR, POLLHUP, POLLNVAL, MSG_PEEK, MSG_DONTWAIT);

/// `poll`'s number type.
pub(crate) type Nfds = std::ffi::c_ulong;

/// No POLLRDHUP: the peek tells a FIN from data. Whether Haiku's stack keeps
/// the pending error on a peek was not verified (uncertain); the check reads
/// nothing either way. Compiled only, never run.
pub(crate) const LIVENESS: LivenessCheck = LivenessCheck {
    pollin: POLLIN,
    pollhup: POLLHUP,
    pollerr: POLLERR,
    pollnval: POLLNVAL,
    rdhup: None,
    peek: Some(MSG_PEEK | MSG_DONTWAIT),
    peek_takes_error: false,
};
