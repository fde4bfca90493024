//! The contenders, shared by the benches: one function per (crate, operation),
//! each doing exactly what a user of that crate would write.
//!
//! Every operation runs on a connected loopback stream. `raw_libc` is the
//! baseline: the `setsockopt` / `getsockopt` calls written by hand.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::time::Duration;

use tcp_keepalive::{Keepalive, KeepaliveExt};

/// The full configuration every contender applies: enable + idle + interval + count.
pub const IDLE_SECS: u32 = 60;
pub const INTERVAL_SECS: u32 = 10;
pub const RETRIES: u32 = 5;

pub fn config() -> Keepalive {
    Keepalive::new()
        .with_idle(Duration::from_secs(IDLE_SECS.into()))
        .with_interval(Duration::from_secs(INTERVAL_SECS.into()))
        .with_retries(RETRIES)
}

pub fn socket2_config() -> socket2::TcpKeepalive {
    socket2::TcpKeepalive::new()
        .with_time(Duration::from_secs(IDLE_SECS.into()))
        .with_interval(Duration::from_secs(INTERVAL_SECS.into()))
        .with_retries(RETRIES)
}

/// A connected loopback pair; the benches use `stream`.
pub struct Connected {
    pub stream: TcpStream,
    _accepted: TcpStream,
    _listener: TcpListener,
}

pub fn connected() -> io::Result<Connected> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let stream = TcpStream::connect(listener.local_addr()?)?;
    let (accepted, _) = listener.accept()?;
    Ok(Connected { stream, _accepted: accepted, _listener: listener })
}

/// The contenders, in table order.
pub const IMPLS: [&str; 5] = ["raw_libc", "tcp_keepalive", "socket2", "nix", "rustix"];

/// The operations.
pub const OPS: [&str; 3] = ["set_keepalive", "keepalive", "full_config"];

/// Runs `op` once with `impl_name` on `stream`. The benches call the functions
/// below directly; this dispatcher serves the syscall counter.
pub fn run(impl_name: &str, op: &str, stream: &TcpStream) -> io::Result<()> {
    let s = stream;
    match (impl_name, op) {
        ("raw_libc", "set_keepalive") => raw_libc::set_keepalive(s),
        ("raw_libc", "keepalive") => raw_libc::keepalive(s).map(drop),
        ("raw_libc", "full_config") => raw_full_config(s),
        ("tcp_keepalive", "set_keepalive") => this_crate::set_keepalive(s),
        ("tcp_keepalive", "keepalive") => this_crate::keepalive(s).map(drop),
        ("tcp_keepalive", "full_config") => this_crate::full_config(s, &config()),
        ("socket2", "set_keepalive") => socket2_crate::set_keepalive(s),
        ("socket2", "keepalive") => socket2_crate::keepalive(s).map(drop),
        ("socket2", "full_config") => socket2_crate::full_config(s, &socket2_config()),
        ("nix", "set_keepalive") => nix_crate::set_keepalive(s),
        ("nix", "keepalive") => nix_crate::keepalive(s).map(drop),
        ("nix", "full_config") => nix_crate::full_config(s),
        ("rustix", "set_keepalive") => rustix_crate::set_keepalive(s),
        ("rustix", "keepalive") => rustix_crate::keepalive(s).map(drop),
        ("rustix", "full_config") => rustix_crate::full_config(s),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("unknown contender/operation {impl_name}/{op}; contenders: {IMPLS:?}, operations: {OPS:?}"),
        )),
    }
}

/// The baseline: what a careful user writes by hand. Its own file so that the
/// nightly std bench (benches/nightly-std at the repository root) measures
/// against the very same code.
pub mod raw_libc;

pub mod clock;

pub fn raw_full_config(s: &TcpStream) -> io::Result<()> {
    raw_libc::full_config(s, IDLE_SECS, INTERVAL_SECS, RETRIES)
}

/// This crate. Fully qualified calls, so that it stays this crate's code even
/// where std's (nightly) inherent methods of the same name are enabled.
pub mod this_crate {
    use super::*;

    pub fn set_keepalive(s: &TcpStream) -> io::Result<()> {
        KeepaliveExt::set_keepalive(s, true)
    }

    pub fn keepalive(s: &TcpStream) -> io::Result<bool> {
        KeepaliveExt::keepalive(s)
    }

    pub fn full_config(s: &TcpStream, config: &Keepalive) -> io::Result<()> {
        s.set_keepalive_config(config)
    }

    pub fn read_config(s: &TcpStream) -> io::Result<Keepalive> {
        s.keepalive_config()
    }

    pub fn liveness(s: &TcpStream) -> io::Result<tcp_keepalive::Liveness> {
        s.liveness()
    }
}

/// socket2 through `SockRef`, its way to borrow a socket it does not own.
pub mod socket2_crate {
    use super::*;
    use socket2::SockRef;

    pub fn set_keepalive(s: &TcpStream) -> io::Result<()> {
        SockRef::from(s).set_keepalive(true)
    }

    pub fn keepalive(s: &TcpStream) -> io::Result<bool> {
        SockRef::from(s).keepalive()
    }

    pub fn full_config(s: &TcpStream, config: &socket2::TcpKeepalive) -> io::Result<()> {
        SockRef::from(s).set_tcp_keepalive(config)
    }

    /// What `keepalive_config()` reads: idle, interval, retries, user timeout.
    pub fn read_config(s: &TcpStream) -> io::Result<(Duration, Duration, u32, Option<Duration>)> {
        let s = SockRef::from(s);
        Ok((
            s.tcp_keepalive_time()?,
            s.tcp_keepalive_interval()?,
            s.tcp_keepalive_retries()?,
            s.tcp_user_timeout()?,
        ))
    }
}

pub mod nix_crate {
    use super::*;
    use nix::sys::socket::{getsockopt, setsockopt, sockopt};

    pub fn set_keepalive(s: &TcpStream) -> io::Result<()> {
        Ok(setsockopt(&s.as_fd(), sockopt::KeepAlive, &true)?)
    }

    pub fn keepalive(s: &TcpStream) -> io::Result<bool> {
        Ok(getsockopt(&s.as_fd(), sockopt::KeepAlive)?)
    }

    pub fn full_config(s: &TcpStream) -> io::Result<()> {
        let fd = s.as_fd();
        setsockopt(&fd, sockopt::KeepAlive, &true)?;
        setsockopt(&fd, sockopt::TcpKeepIdle, &IDLE_SECS)?;
        setsockopt(&fd, sockopt::TcpKeepInterval, &INTERVAL_SECS)?;
        Ok(setsockopt(&fd, sockopt::TcpKeepCount, &RETRIES)?)
    }

    pub fn read_config(s: &TcpStream) -> io::Result<(u32, u32, u32, u32)> {
        let fd = s.as_fd();
        Ok((
            getsockopt(&fd, sockopt::TcpKeepIdle)?,
            getsockopt(&fd, sockopt::TcpKeepInterval)?,
            getsockopt(&fd, sockopt::TcpKeepCount)?,
            getsockopt(&fd, sockopt::TcpUserTimeout)?,
        ))
    }
}

pub mod rustix_crate {
    use super::*;
    use rustix::net::sockopt;

    pub fn set_keepalive(s: &TcpStream) -> io::Result<()> {
        Ok(sockopt::set_socket_keepalive(s, true)?)
    }

    pub fn keepalive(s: &TcpStream) -> io::Result<bool> {
        Ok(sockopt::socket_keepalive(s)?)
    }

    pub fn full_config(s: &TcpStream) -> io::Result<()> {
        sockopt::set_socket_keepalive(s, true)?;
        sockopt::set_tcp_keepidle(s, Duration::from_secs(IDLE_SECS.into()))?;
        sockopt::set_tcp_keepintvl(s, Duration::from_secs(INTERVAL_SECS.into()))?;
        Ok(sockopt::set_tcp_keepcnt(s, RETRIES)?)
    }

    pub fn read_config(s: &TcpStream) -> io::Result<(Duration, Duration, u32, u32)> {
        Ok((
            sockopt::tcp_keepidle(s)?,
            sockopt::tcp_keepintvl(s)?,
            sockopt::tcp_keepcnt(s)?,
            sockopt::tcp_user_timeout(s)?,
        ))
    }
}
