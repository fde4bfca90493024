//! Targets whose std has TCP sockets but no socket options: wasm32-wasip1,
//! SOLID, UEFI, Xous, wasm32-unknown-unknown, Fortanix SGX and the like. There
//! nightly std's own `set_keepalive` and `keepalive` answer `Unsupported`
//! (library/std/src/sys/net/connection/: `wasip1.rs`, `socket/solid.rs`,
//! `uefi/mod.rs`, `xous/tcpstream.rs`, `unsupported.rs`), and so does every
//! method of this crate (the `none` backend, sys/none.rs). One difference: on
//! SGX, std's `sgx.rs` calls `sgx_ineffective`, which reports success without
//! any effect unless the enclave asked for such calls to fail; this crate
//! answers `Unsupported` there too, as nothing it could set would take effect.

use crate::sys::table::Platform;

pub(crate) const PLATFORM: Platform = Platform::bool_only("this target");
