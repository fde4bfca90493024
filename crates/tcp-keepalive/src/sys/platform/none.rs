//! Targets whose std has TCP sockets but no socket options: wasm32-wasip1,
//! SOLID, UEFI, Xous, wasm32-unknown-unknown, Fortanix SGX, Hermit and the
//! like. There nightly std's own `set_keepalive` and `keepalive` answer
//! `Unsupported` (library/std/src/sys/net/connection/: `wasip1.rs`,
//! `socket/solid.rs`, `uefi/mod.rs`, `xous/tcpstream.rs`, `unsupported.rs`),
//! and so does every method of this crate (the `none` backend, sys/none.rs).
//! Two differences, where std's answer says nothing useful either:
//! - SGX: std's `sgx.rs` calls `sgx_ineffective`, which reports success
//!   without any effect unless the enclave asked for such calls to fail.
//! - Hermit: std's `socket/hermit.rs` hands SO_KEEPALIVE to the kernel's
//!   `sys_setsockopt`, which accepts only SO_REUSEADDR and TCP_NODELAY and
//!   answers EINVAL to the rest (hermit-os/kernel src/syscalls/socket.rs); its
//!   smoltcp stack keeps accepted connections alive with a fixed interval of
//!   its own (src/fd/socket/tcp.rs, `accept`).
//!
//! This crate answers `Unsupported` on both, as nothing it could set would take
//! effect.

use crate::sys::table::Platform;

pub(crate) const PLATFORM: Platform = Platform::bool_only("this target");
