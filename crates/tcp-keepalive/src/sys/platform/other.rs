//! Any other Unix (AIX, Redox, QNX, the Hurd, Emscripten, ...): SO_KEEPALIVE only,
//! with the socket level's numbers taken from the libc crate, the only dependency
//! these systems need. Every tuning value is Unsupported rather than guessed.

use crate::sys::liveness::LivenessCheck;
use crate::sys::table::Platform;

pub(crate) use libc::{ENOPROTOOPT, SOL_SOCKET, SO_ACCEPTCONN, SO_KEEPALIVE};

pub(crate) const PLATFORM: Platform = Platform::bool_only("this OS");

pub(crate) use libc::nfds_t as Nfds;

/// Whatever this OS's libc says; no POLLRDHUP, and MSG_PEEK alone (not every
/// such system has MSG_DONTWAIT): the peek is made only once `poll` reported
/// the socket readable, hung up or failed, when `recv` returns at once.
pub(crate) const LIVENESS: LivenessCheck = LivenessCheck {
    pollin: libc::POLLIN,
    pollhup: libc::POLLHUP,
    pollerr: libc::POLLERR,
    pollnval: libc::POLLNVAL,
    rdhup: None,
    peek: Some(libc::MSG_PEEK),
    peek_takes_error: false,
};
