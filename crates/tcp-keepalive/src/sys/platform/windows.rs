//! Windows. TCP_KEEPIDLE / TCP_KEEPINTVL (seconds, Windows 10 1709+) and
//! TCP_KEEPCNT (Windows 10 1703+, at most 255). Times are capped so that they
//! also fit SIO_KEEPALIVE_VALS's 32-bit milliseconds, the fallback on older systems.
//!
//! Source: Microsoft's "IPPROTO_TCP socket options" page (versions, units and the
//! 255 limit, as summarised in golang/go#65817); not run on Windows.

use windows_sys::Win32::Networking::WinSock::{
    IPPROTO_TCP, TCP_KEEPCNT, TCP_KEEPIDLE, TCP_KEEPINTVL,
};

use crate::sys::table::{Platform, TcpOption};

const MAX_SECONDS: u32 = u32::MAX / 1000;

/// What SIO_KEEPALIVE_VALS writes for a time the caller did not set.
pub(crate) const WINDOWS_DEFAULT_IDLE_MS: u32 = 2 * 3600 * 1000;
pub(crate) const WINDOWS_DEFAULT_INTERVAL_MS: u32 = 1000;

pub(crate) const PLATFORM: Platform = Platform {
    os: "Windows",
    idle: Some(TcpOption::seconds("TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE, 1, MAX_SECONDS)),
    interval: Some(TcpOption::seconds("TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL, 1, MAX_SECONDS)),
    retries: Some(TcpOption::count("TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT, 1, 255)),
    user_timeout: None,
    host_clamps_silently: false,
};
