//! illumos: TCP_KEEPIDLE (34), TCP_KEEPCNT (35), TCP_KEEPINTVL (36), in seconds.
//! TCP_KEEPALIVE exists in the headers but fails with ENOPROTOOPT.
//!
//! Source: illumos uts/common/inet/tcp/tcp_opt_data.c and tcp_tunables.c, with
//! the default tunables. TCP_KEEPIDLE must lie in _keepalive_interval's range,
//! 1 s to 10 days (releases before 2015 had a 10 s minimum). TCP_KEEPINTVL must
//! lie between the socket's minimum and maximum RTO: 400 ms to 60 s by default,
//! so 1 to 60 s. interval × count (in ms, an unsigned 32-bit product) must lie
//! within _keepalive_abort_interval's range, 0 to UINT32_MAX: a count of at most
//! UINT32_MAX / 60 000 keeps that product from wrapping. getsockopt reports 0
//! for an interval or count never set (read back as unknown). Not run on an
//! illumos kernel; inheritance by accepted sockets not checked.

use super::IPPROTO_TCP;
use crate::sys::table::{Platform, TcpOption};

pub(crate) const SOL_SOCKET: i32 = 0xffff;
pub(crate) const SO_KEEPALIVE: i32 = 0x8;
pub(crate) const ENOPROTOOPT: i32 = 99;
const TCP_KEEPIDLE: i32 = 0x22;
const TCP_KEEPINTVL: i32 = 0x24;
const TCP_KEEPCNT: i32 = 0x23;
same_as_libc!(SOL_SOCKET, SO_KEEPALIVE, ENOPROTOOPT, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT);

const TEN_DAYS: u32 = 10 * 24 * 3600;
/// The default maximum RTO (tcp_rexmit_interval_max), which TCP_KEEPINTVL may not exceed.
const MAX_INTERVAL: u32 = 60;

pub(crate) const PLATFORM: Platform = Platform {
    os: "illumos",
    idle: Some(TcpOption::seconds("TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE, 1, TEN_DAYS)),
    interval: Some(TcpOption::seconds(
        "TCP_KEEPINTVL",
        IPPROTO_TCP,
        TCP_KEEPINTVL,
        1,
        MAX_INTERVAL,
    )),
    retries: Some(TcpOption::count(
        "TCP_KEEPCNT",
        IPPROTO_TCP,
        TCP_KEEPCNT,
        1,
        u32::MAX / (MAX_INTERVAL * 1000),
    )),
    user_timeout: None,
    host_clamps_silently: false,
};
