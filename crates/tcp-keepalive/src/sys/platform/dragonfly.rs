//! DragonFly BSD 5.8 and later: seconds (releases before 5.8 took milliseconds:
//! DragonFly commit "Change tcp keepalive options from ms to seconds", 2019, as
//! cited by nginx#258 and curl#13847). Limits, read-back and inheritance were not
//! verified; the maximum is chosen so that the kernel's conversion to
//! milliseconds cannot overflow a C int.

use super::IPPROTO_TCP;
use crate::sys::table::{Platform, TcpOption};

pub(crate) const SOL_SOCKET: i32 = 0xffff;
pub(crate) const SO_KEEPALIVE: i32 = 0x8;
pub(crate) const ENOPROTOOPT: i32 = 42;
const TCP_KEEPIDLE: i32 = 0x100;
const TCP_KEEPINTVL: i32 = 0x200;
const TCP_KEEPCNT: i32 = 0x400;
same_as_libc!(SOL_SOCKET, SO_KEEPALIVE, ENOPROTOOPT, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT);

const MAX_SECONDS: u32 = i32::MAX as u32 / 1000;

pub(crate) const PLATFORM: Platform = Platform {
    os: "DragonFly BSD",
    idle: Some(TcpOption::seconds("TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE, 1, MAX_SECONDS)),
    interval: Some(TcpOption::seconds("TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL, 1, MAX_SECONDS)),
    retries: Some(TcpOption::count("TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT, 1, i32::MAX as u32)),
    user_timeout: None,
    host_clamps_silently: false,
};
