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

use crate::{Keepalive, Setting, SettingError};

pub(crate) mod liveness;
#[cfg(all(test, any(unix, all(target_os = "wasi", not(target_env = "p1")))))]
pub(crate) mod model;
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
#[cfg(all(test, target_os = "linux"))]
use table::Plan;
use table::Platform;

/// What a socket is known to be, so that listener checks need no system call
/// for the types that say it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Listener,
    Stream,
    /// A `SocketRef` built from any owner: ask the kernel when it matters.
    Unknown,
}

/// The table the backend runs on: this OS's. In unit tests, that of the
/// kernel model installed on the calling thread, if any (`model`).
#[cfg(not(all(test, any(unix, all(target_os = "wasi", not(target_env = "p1"))))))]
#[inline(always)]
pub(crate) fn platform() -> &'static Platform {
    &PLATFORM
}

#[cfg(all(test, any(unix, all(target_os = "wasi", not(target_env = "p1")))))]
pub(crate) fn platform() -> &'static Platform {
    model::platform().unwrap_or(&PLATFORM)
}

/// The running kernel's release as (major, minor), read once, where a table
/// depends on it (Linux and Android: whether the retransmission timer is
/// clamped to the user timeout). `None` if unknown, which the bound treats as
/// the older kernel.
pub(crate) fn kernel_release() -> Option<(u32, u32)> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        static RELEASE: std::sync::OnceLock<Option<(u32, u32)>> = std::sync::OnceLock::new();
        *RELEASE.get_or_init(|| {
            let text = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok()?;
            let mut numbers = text.trim().split(['.', '-']).map(str::parse::<u32>);
            Some((numbers.next()?.ok()?, numbers.next()?.ok()?))
        })
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    None
}

/// The checks every `set_config` makes before its first system call.
#[inline]
pub(crate) fn check(config: &Keepalive) -> io::Result<()> {
    match PLATFORM.try_plan(config) {
        Ok(_) => Ok(()),
        Err(setting) => Err(refused(&PLATFORM, setting, config)),
    }
}

/// The error for a value `platform` refuses: built only when there is one.
#[cold]
#[inline(never)]
fn refused(platform: &Platform, setting: Setting, config: &Keepalive) -> io::Error {
    platform.refusal(setting, config).into()
}

/// Validates `config` for `socket` on `platform`: its values, and, where the OS
/// would arm a timer that kills a listening socket, that `socket` is not one.
/// Asks the kernel (`SO_ACCEPTCONN`) only when that is needed and not known.
/// (`set_config` does the same into its own memory, through [`plan_into`].)
#[cfg(all(test, target_os = "linux"))] // For the tests of `AcceptKeepalive`.
pub(crate) fn plan_for(
    platform: &'static Platform,
    socket: Handle<'_>,
    role: Role,
    config: &Keepalive,
) -> io::Result<Plan> {
    let mut raw = [0; 4];
    plan_into(platform, socket, role, config, &mut raw)?;
    Ok(Plan::from_parts(platform, raw))
}

/// The checks of [`plan_for`], the plan's raw values stored into `raw`
/// (which holds zeros) as they are checked.
#[inline(always)]
fn plan_into(
    platform: &'static Platform,
    socket: Handle<'_>,
    role: Role,
    config: &Keepalive,
    raw: &mut [i32; 4],
) -> io::Result<()> {
    if let Err(setting) = platform.try_plan_into(config, raw) {
        return Err(refused(platform, setting, config));
    }
    if platform.may_kill_listener(config) {
        refuse_listener(platform.listener_refusal(config).as_ref(), socket, role)?;
    }
    Ok(())
}

/// Returns `refusal` if there is one and `socket` is listening.
#[inline(always)]
pub(crate) fn refuse_listener(
    refusal: Option<&SettingError>,
    socket: Handle<'_>,
    role: Role,
) -> io::Result<()> {
    let Some(refusal) = refusal else { return Ok(()) };
    let listening = match role {
        Role::Listener => true,
        Role::Stream => false,
        Role::Unknown => is_listening(socket)?,
    };
    if listening {
        return Err(refusal.clone().into());
    }
    Ok(())
}

/// `set_keepalive_config`: validate everything, then write.
pub(crate) fn set_config(socket: Handle<'_>, role: Role, config: &Keepalive) -> io::Result<()> {
    // Checked straight into the memory the values are passed to the OS
    // from: each stored once, as soon as it is checked.
    let mut out = Outgoing { raw: [0; 4], socket, asked: config };
    plan_into(platform(), socket, role, config, &mut out.raw)?;
    write_outgoing(&out, platform())
}

/// A plan's raw values in the memory they are passed to the OS from (each
/// `setsockopt` is given its value in place), with the socket and the config
/// they are for. The writes read all three from here: the compiler cannot
/// assume that memory the OS was given is unchanged after a call, so it
/// reloads the socket and the config instead of holding them in registers
/// that every call would have to save and restore.
pub(crate) struct Outgoing<'a> {
    pub raw: [i32; 4],
    pub socket: Handle<'a>,
    pub asked: &'a Keepalive,
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

#[cold]
pub(crate) fn with_context(context: String, os: io::Error) -> io::Error {
    let (context, kind) = explain(context, &os);
    io::Error::new(kind, OsError { context, os })
}

/// The kind for an OS error, and `context` with a hint where the kind needs one.
fn explain(context: String, os: &io::Error) -> (String, io::ErrorKind) {
    // ENOPROTOOPT (and EOPNOTSUPP, which std already calls Unsupported): the
    // kernel's answer that this socket, or this kernel, lacks the option. That
    // differs from a setting this OS has no option for (a `SettingError`).
    let kind = if is_no_such_option(os) { io::ErrorKind::Unsupported } else { os.kind() };
    if kind != io::ErrorKind::Unsupported {
        return (context, kind);
    }
    let hint = " (the kernel does not know this option here: not a TCP socket, or an older kernel)";
    (format!("{context}{hint}"), kind)
}

/// What failed and what had already been applied, as the start of a message.
fn failed_after(option: &str, applied: &[&str]) -> String {
    if applied.is_empty() {
        format!("setting {option} failed, nothing was changed")
    } else {
        format!("setting {option} failed after {} had been applied", applied.join(", "))
    }
}

/// Adds which option failed, and what had already been applied, to an OS error.
#[cold]
#[inline(never)]
pub(crate) fn syscall_failed(option: &str, applied: &[&str], err: io::Error) -> io::Error {
    with_context(failed_after(option, applied), err)
}

/// The kernel refused the option that sets `setting` (asked as `value`),
/// after the options `applied` (with their settings) had been written: a
/// [`SettingError`] that says so, keeping the OS error as its source.
#[cfg_attr(windows, allow(dead_code))] // The Windows backend reports its own way.
#[cold]
pub(crate) fn setting_refused(
    setting: crate::Setting,
    value: crate::Value,
    option: &'static str,
    applied: &[(crate::Setting, &'static str)],
    os: io::Error,
) -> io::Error {
    let names: Vec<&str> = applied.iter().map(|(_, name)| *name).collect();
    let (context, kind) = explain(failed_after(option, &names), &os);
    let applied = applied.iter().map(|(setting, _)| *setting).collect();
    let refusal = crate::error::KernelRefusal { applied, context, kind, os };
    SettingError::refused(setting, value, platform().os, option, refusal).into()
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
#[cold]
#[inline(never)]
pub(crate) fn read_failed(option: &str, err: io::Error) -> io::Error {
    with_context(format!("reading {option} failed"), err)
}
