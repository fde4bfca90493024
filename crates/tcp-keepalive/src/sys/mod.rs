//! The OS layer: one backend per socket family, one data table per OS.

#[cfg(any(
    not(any(unix, windows, target_os = "wasi")),
    all(target_os = "wasi", target_env = "p1")
))]
compile_error!(
    "tcp-keepalive needs TCP sockets with SO_KEEPALIVE: Unix, Windows or WASI preview 2; \
     this target has none"
);

mod platform;
mod table;

#[cfg(any(unix, target_os = "wasi"))]
mod unix;
#[cfg(any(unix, target_os = "wasi"))]
pub(crate) use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub(crate) use windows::*;

/// The checks every `set_config` makes before its first system call.
pub(crate) fn check(config: &crate::Keepalive) -> Result<(), crate::SettingError> {
    platform::PLATFORM.plan(config).map(|_| ())
}
