//! Any other Unix (AIX, Redox, QNX, the Hurd, Emscripten, ...): SO_KEEPALIVE only,
//! with the socket level's numbers taken from the libc crate, the only dependency
//! these systems need. Every tuning value is Unsupported rather than guessed.

use crate::sys::table::Platform;

pub(crate) use libc::{ENOPROTOOPT, SOL_SOCKET, SO_ACCEPTCONN, SO_KEEPALIVE};

pub(crate) const PLATFORM: Platform = Platform::bool_only("this OS");
