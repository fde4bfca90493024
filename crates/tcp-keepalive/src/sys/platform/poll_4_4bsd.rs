//! `liveness()`'s numbers where they are 4.4BSD's: poll's POLLIN 0x1, POLLERR
//! 0x8, POLLHUP 0x10, POLLNVAL 0x20, and recv's MSG_PEEK 0x2 and MSG_DONTWAIT
//! 0x80. Apple systems, FreeBSD, NetBSD, OpenBSD, DragonFly, illumos and
//! Solaris all have them; each table checks them against libc and says what
//! its kernel does with them.
#![allow(dead_code)] // Compiled on every target; used by the tables above.

use crate::sys::liveness::LivenessCheck;

pub(crate) const POLLIN: i16 = 0x1;
pub(crate) const POLLERR: i16 = 0x8;
pub(crate) const POLLHUP: i16 = 0x10;
pub(crate) const POLLNVAL: i16 = 0x20;
pub(crate) const MSG_PEEK: i32 = 0x2;
pub(crate) const MSG_DONTWAIT: i32 = 0x80;

/// No POLLRDHUP used: readability covers data, a FIN and a pending error, and
/// a 1-byte non-blocking peek tells them apart. None of these kernels clears
/// the pending error on a peek.
pub(crate) const FOUR_FOUR_BSD: LivenessCheck = LivenessCheck {
    pollin: POLLIN,
    pollhup: POLLHUP,
    pollerr: POLLERR,
    pollnval: POLLNVAL,
    rdhup: None,
    peek: Some(MSG_PEEK | MSG_DONTWAIT),
    peek_takes_error: false,
};
