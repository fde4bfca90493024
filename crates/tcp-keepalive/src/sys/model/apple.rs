//! xnu (macOS, iOS, ...), read at xnu-8796.141.3 (macOS 13) and xnu-11417.101.15
//! (macOS 15).
//!
//! - bsd/kern/uipc_socket.c `sogetoptlock`: no `SO_ACCEPTCONN` case (in any
//!   release from xnu-4903 on): the default branch answers ENOPROTOOPT.
//! - bsd/netinet/tcp_usrreq.c `tcp_ctloutput`: `TCP_KEEPALIVE`,
//!   `TCP_KEEPINTVL`, `TCP_RXT_CONNDROPTIME` take seconds, EINVAL below 0 or
//!   above UINT32_MAX / TCP_RETRANSHZ; `TCP_KEEPCNT` EINVAL below 0; a value
//!   never set reads back as the sysctl default. `TCP_CONNECTION_INFO` copies
//!   a `struct tcp_connection_info` whose first byte is `tcpi_state`
//!   (`tcp_connection_fill_info`), truncated to the caller's buffer
//!   (uipc_socket.c `sooptcopyout`); TCPS_LISTEN is 1 (tcp_fsm.h).
//! - Up to xnu-8796, `case TCP_KEEPALIVE` re-arms TCPT_KEEP in every state,
//!   and tcp_timer.c drops a socket whose TCPT_KEEP fires before ESTABLISHED:
//!   recorded as `listener_timer_armed`.
//! - tcp_timer.c, TCPT_KEEP: drops once idle for keepidle + keepcnt × keepintvl.

use std::time::Duration;

use super::{
    is_socket_level, secs, write_bytes, write_int, Kernel, KernelModel, Sockets, State, EINVAL,
    ENOPROTOOPT,
};

pub(crate) const TCP_KEEPALIVE: i32 = 0x10;
pub(crate) const TCP_KEEPINTVL: i32 = 0x101;
pub(crate) const TCP_KEEPCNT: i32 = 0x102;
pub(crate) const TCP_RXT_CONNDROPTIME: i32 = 0x80;
pub(crate) const TCP_CONNECTION_INFO: i32 = 0x106;
const TCPS_CLOSED: u8 = 0;
const TCPS_LISTEN: u8 = 1;
const TCPS_ESTABLISHED: u8 = 4;
/// net.inet.tcp.keepidle, keepintvl, keepcnt defaults (tcp_timer.h).
const DEFAULTS: [(i32, i32); 4] =
    [(TCP_KEEPALIVE, 7200), (TCP_KEEPINTVL, 75), (TCP_KEEPCNT, 8), (TCP_RXT_CONNDROPTIME, 0)];

#[derive(Default)]
pub(crate) struct Xnu {
    pub sockets: Sockets,
}

impl Xnu {
    fn value(&self, fd: i32, name: i32) -> Result<i32, i32> {
        self.sockets.tcp_value(fd, name, &DEFAULTS)
    }
}

impl Kernel for Xnu {
    fn setsockopt(&mut self, fd: i32, level: i32, name: i32, value: i32) -> Result<(), i32> {
        if is_socket_level(level) {
            return self.sockets.set_socket_level(fd, name, value);
        }
        let socket = self.sockets.get_mut(fd)?;
        match name {
            TCP_KEEPALIVE | TCP_KEEPINTVL | TCP_RXT_CONNDROPTIME => {
                if value < 0 || value as u32 > u32::MAX / 1000 {
                    return Err(EINVAL);
                }
            }
            TCP_KEEPCNT if value < 0 => return Err(EINVAL),
            TCP_KEEPCNT => {}
            _ => return Err(ENOPROTOOPT),
        }
        if name == TCP_KEEPALIVE && socket.state == State::Listen {
            socket.listener_timer_armed = true;
        }
        socket.tcp.insert(name, value);
        Ok(())
    }

    fn getsockopt(&mut self, fd: i32, level: i32, name: i32, buf: &mut [u8]) -> Result<usize, i32> {
        if is_socket_level(level) {
            // sogetoptlock has no SO_ACCEPTCONN case.
            return self.sockets.get_socket_level(fd, name, false, buf);
        }
        if name == TCP_CONNECTION_INFO {
            let state = match self.sockets.get(fd)?.state {
                State::Closed => TCPS_CLOSED,
                State::Listen => TCPS_LISTEN,
                State::Established => TCPS_ESTABLISHED,
            };
            // The struct is larger; the rest is zeroed here (bzero, then filled).
            let mut info = [0u8; 128];
            info[0] = state;
            return Ok(write_bytes(buf, &info));
        }
        let value = self.value(fd, name)?;
        Ok(write_int(buf, value))
    }

    fn getpeername(&mut self, fd: i32) -> Result<(), i32> {
        self.sockets.peer(fd)
    }
}

impl KernelModel for Xnu {
    fn idle_drop(&self, fd: i32) -> Option<Duration> {
        if !self.sockets.get(fd).ok()?.keepalive {
            return None;
        }
        let get = |name| self.value(fd, name).ok().map(|v| v as u64);
        Some(secs(get(TCP_KEEPALIVE)? + get(TCP_KEEPCNT)? * get(TCP_KEEPINTVL)?))
    }

    fn sockets(&mut self) -> &mut Sockets {
        &mut self.sockets
    }
}
