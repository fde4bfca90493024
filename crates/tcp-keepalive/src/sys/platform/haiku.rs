//! Haiku: SO_KEEPALIVE only, with no per-socket tuning options, so every tuning
//! value is Unsupported rather than faked.

use crate::sys::table::Platform;

pub(crate) const SOL_SOCKET: i32 = -1;
pub(crate) const SO_ACCEPTCONN: i32 = 0x1;
pub(crate) const SO_KEEPALIVE: i32 = 0x10;
/// Haiku's errors are negative: B_POSIX_ERROR_BASE (INT_MIN + 0x7000) + 34.
pub(crate) const ENOPROTOOPT: i32 = i32::MIN + 0x7000 + 34;
same_as_libc!(SOL_SOCKET, SO_KEEPALIVE, SO_ACCEPTCONN, ENOPROTOOPT);

pub(crate) const PLATFORM: Platform = Platform::bool_only("Haiku");
