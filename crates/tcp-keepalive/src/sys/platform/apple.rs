//! macOS, iOS, tvOS, watchOS, visionOS. On Apple systems `TCP_KEEPALIVE` is the
//! idle time.
//!
//! Source: xnu bsd/netinet/tcp_usrreq.c (tcp_ctloutput): times below 0 or above
//! UINT32_MAX / TCP_RETRANSHZ (1000) seconds are EINVAL, the count must be
//! 0..=INT32_MAX; getsockopt returns the sysctl default for a value never set.
//! tcp_input.c copies keepinit, keepcnt and keepintvl to an accepted socket, not
//! the idle time. Not run on an Apple kernel.

use super::IPPROTO_TCP;
use crate::sys::table::{Platform, TcpOption};

pub(crate) const SOL_SOCKET: i32 = 0xffff;
pub(crate) const SO_KEEPALIVE: i32 = 0x8;
pub(crate) const ENOPROTOOPT: i32 = 42;
const TCP_KEEPALIVE: i32 = 0x10;
const TCP_KEEPINTVL: i32 = 0x101;
const TCP_KEEPCNT: i32 = 0x102;
same_as_libc!(SOL_SOCKET, SO_KEEPALIVE, ENOPROTOOPT, TCP_KEEPALIVE, TCP_KEEPINTVL, TCP_KEEPCNT);

const MAX_SECONDS: u32 = u32::MAX / 1000;

pub(crate) const PLATFORM: Platform = Platform {
    os: "Apple systems",
    idle: Some(TcpOption::seconds("TCP_KEEPALIVE", IPPROTO_TCP, TCP_KEEPALIVE, 1, MAX_SECONDS)),
    interval: Some(TcpOption::seconds("TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL, 1, MAX_SECONDS)),
    retries: Some(TcpOption::count("TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT, 1, i32::MAX as u32)),
    user_timeout: None,
    host_clamps_silently: false,
};
