//! FreeBSD: TCP_KEEPIDLE / TCP_KEEPINTVL in seconds, TCP_KEEPCNT any unsigned int.
//!
//! Source: FreeBSD sys/netinet/tcp_usrreq.c (tcp_ctloutput): times above
//! UINT_MAX / hz are EINVAL (hz is 1000 by default; a kernel with a smaller hz
//! accepts more, one with a larger hz less), 0 means "the sysctl default" (so 0 is
//! refused here). getsockopt returns the effective value, defaults included
//! (FreeBSD 10.1+; older kernels answer ENOPROTOOPT, read back as unknown).
//! tcp_syncache.c copies all three to an accepted socket. Not run on FreeBSD.

use libc::{IPPROTO_TCP, TCP_KEEPCNT, TCP_KEEPIDLE, TCP_KEEPINTVL};

use crate::sys::table::{Platform, TcpOption};

const MAX_SECONDS: u32 = u32::MAX / 1000;

pub(crate) const PLATFORM: Platform = Platform {
    os: "FreeBSD",
    idle: Some(TcpOption::seconds("TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE, 1, MAX_SECONDS)),
    interval: Some(TcpOption::seconds("TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL, 1, MAX_SECONDS)),
    retries: Some(TcpOption::count("TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT, 1, i32::MAX as u32)),
    user_timeout: None,
};
