//! Hermit, the unikernel: SO_KEEPALIVE only, as std has it. std's
//! `set_keepalive` there calls the kernel's `sys_setsockopt`
//! (library/std/src/sys/net/connection/socket/hermit.rs), and so does this
//! crate, with the same numbers (hermit-abi, the libc crate's hermit module).
//! The kernel (hermit-os/kernel src/syscalls/socket.rs `sys_setsockopt`)
//! accepts only SO_REUSEADDR and TCP_NODELAY and answers EINVAL to the rest, so
//! `set_keepalive` returns that error, exactly as std's does; its smoltcp
//! stack keeps every accepted connection alive with a fixed interval of its
//! own (src/fd/socket/tcp.rs, `accept`). No per-socket tuning: every tuning
//! value is Unsupported.

use crate::sys::table::Platform;

pub(crate) const SOL_SOCKET: i32 = 4095;
pub(crate) const SO_KEEPALIVE: i32 = 0x8;
/// Not in hermit-abi: lwIP's number, never asked (no value here can kill a
/// listener, so the listener check never runs on Hermit).
pub(crate) const SO_ACCEPTCONN: i32 = 0x2;
pub(crate) const ENOPROTOOPT: i32 = 92;
same_as_libc!(SOL_SOCKET, SO_KEEPALIVE, ENOPROTOOPT);

pub(crate) const PLATFORM: Platform = Platform::bool_only("Hermit");
