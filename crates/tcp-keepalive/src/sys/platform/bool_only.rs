//! Systems with SO_KEEPALIVE but no per-socket tuning: OpenBSD (tuning is a
//! root-only sysctl), Haiku, and any other Unix not listed in `mod.rs`. The bool
//! API works; every tuning value is Unsupported rather than faked.

use crate::sys::table::Platform;

pub(crate) const PLATFORM: Platform = Platform {
    os: if cfg!(target_os = "openbsd") {
        "OpenBSD"
    } else if cfg!(target_os = "haiku") {
        "Haiku"
    } else {
        "this OS"
    },
    idle: None,
    interval: None,
    retries: None,
    user_timeout: None,
};
