//! The OS layer: one backend per socket family, one data table per OS, and
//! what every backend shares: the checks made before the first system call and
//! the context added to an OS error.

// Where std has no socket options (the `none` backend), nothing here is called
// but the checks made before it: the rest is built, and unused, on purpose.
#![cfg_attr(
    not(any(unix, windows, all(target_os = "wasi", not(target_env = "p1")))),
    allow(dead_code)
)]

use std::{error, fmt, io};

use crate::ext::{Role, SocketRef};
use crate::{Keepalive, SettingError};

pub(crate) mod liveness;
pub(crate) mod platform;
pub(crate) mod table;

#[cfg(any(unix, all(target_os = "wasi", not(target_env = "p1"))))]
mod unix;
#[cfg(any(unix, all(target_os = "wasi", not(target_env = "p1"))))]
pub(crate) use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub(crate) use windows::*;

// Every other target std builds for: its std has no socket options, and this
// backend answers `Unsupported` as std does there.
#[cfg(not(any(unix, windows, all(target_os = "wasi", not(target_env = "p1")))))]
mod none;
#[cfg(not(any(unix, windows, all(target_os = "wasi", not(target_env = "p1")))))]
pub(crate) use none::*;

pub(crate) use platform::PLATFORM;
use table::{Plan, Platform};

/// The checks every `set_config` makes before its first system call.
pub(crate) fn check(config: &Keepalive) -> Result<(), SettingError> {
    PLATFORM.plan(config).map(|_| ())
}

/// Validates `config` for `socket` on `platform`: its values, and, where the OS
/// would arm a timer that kills a listening socket, that `socket` is not one.
/// Asks the kernel (`SO_ACCEPTCONN`) only when that is needed and not known.
pub(crate) fn plan_for(
    platform: &Platform,
    socket: SocketRef<'_>,
    config: &Keepalive,
) -> io::Result<Plan> {
    let plan = platform.plan(config)?;
    refuse_listener(platform.listener_refusal(config).as_ref(), socket)?;
    Ok(plan)
}

/// Returns `refusal` if there is one and `socket` is listening.
pub(crate) fn refuse_listener(
    refusal: Option<&SettingError>,
    socket: SocketRef<'_>,
) -> io::Result<()> {
    let Some(refusal) = refusal else { return Ok(()) };
    let listening = match socket.role {
        Role::Listener => true,
        Role::Stream => false,
        Role::Unknown => is_listening(socket.handle)?,
    };
    if listening {
        return Err(refusal.clone().into());
    }
    Ok(())
}

/// `set_keepalive_config`: validate everything, then write.
pub(crate) fn set_config(socket: SocketRef<'_>, config: &Keepalive) -> io::Result<()> {
    let plan = plan_for(&PLATFORM, socket, config)?;
    write_plan(socket.handle, &plan, config)
}

/// An OS error, with which option failed and what had been applied. The
/// original error stays reachable as `source()`, errno included.
#[derive(Debug)]
struct OsError {
    context: String,
    os: io::Error,
}

impl fmt::Display for OsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.context, self.os)
    }
}

impl error::Error for OsError {
    fn source(&self) -> Option<&(dyn error::Error + 'static)> {
        Some(&self.os)
    }
}

pub(crate) fn with_context(context: String, os: io::Error) -> io::Error {
    // ENOPROTOOPT (and EOPNOTSUPP, which std already calls Unsupported): the
    // kernel's answer that this socket, or this kernel, lacks the option. That
    // differs from a setting this OS has no option for (a `SettingError`).
    let kind = if is_no_such_option(&os) { io::ErrorKind::Unsupported } else { os.kind() };
    let hint = match kind {
        io::ErrorKind::Unsupported => {
            " (the kernel does not know this option here: not a TCP socket, or an older kernel)"
        }
        _ => "",
    };
    io::Error::new(kind, OsError { context: format!("{context}{hint}"), os })
}

/// Adds which option failed, and what had already been applied, to an OS error.
pub(crate) fn syscall_failed(option: &str, applied: &[&str], err: io::Error) -> io::Error {
    let context = if applied.is_empty() {
        format!("setting {option} failed, nothing was changed")
    } else {
        format!("setting {option} failed after {} had been applied", applied.join(", "))
    };
    with_context(context, err)
}

/// `liveness()` asked of a listening socket, out of line.
#[cold]
pub(crate) fn liveness_of_a_listener() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "liveness() checks a connection, and this is a listening socket",
    )
}

/// Adds which option could not be read to an OS error.
pub(crate) fn read_failed(option: &str, err: io::Error) -> io::Error {
    with_context(format!("reading {option} failed"), err)
}
