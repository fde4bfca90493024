//! OpenBSD: SO_KEEPALIVE only. Its keepalive timers are the root-only sysctls
//! net.inet.tcp.keepidle / keepintvl, with no per-socket options, so every
//! tuning value is Unsupported rather than faked.

use crate::sys::table::Platform;

pub(crate) const SOL_SOCKET: i32 = 0xffff;
pub(crate) const SO_ACCEPTCONN: i32 = 0x2;
pub(crate) const SO_KEEPALIVE: i32 = 0x8;
pub(crate) const ENOPROTOOPT: i32 = 42;
same_as_libc!(SOL_SOCKET, SO_KEEPALIVE, SO_ACCEPTCONN, ENOPROTOOPT);

pub(crate) const PLATFORM: Platform = Platform::bool_only("OpenBSD");
