//! NetBSD, read in NetBSD src sys/netinet/ and sys/kern/uipc_socket.c.
//!
//! - tcp_usrreq.c `tcp_ctloutput`: `TCP_KEEPIDLE`, `TCP_KEEPINTVL`,
//!   `TCP_KEEPCNT` take any value > 0 (EINVAL otherwise), stored unchanged
//!   and counted in slow ticks of 500 ms; each calls `change_keepalive`,
//!   which re-arms TCPT_KEEP in every state, LISTEN included (recorded as
//!   `listener_timer_armed`). getsockopt does not know them: ENOPROTOOPT.
//! - uipc_socket.c `sogetopt1` (rev. 1.215): no `SO_ACCEPTCONN` case, so
//!   ENOPROTOOPT (the default).
//! - tcp_timer.c `tcp_timer_keep`: drops once idle for keepidle + keepcnt ×
//!   keepintvl (ticks).

use std::time::Duration;

use super::{is_socket_level, millis, Kernel, KernelModel, Sockets, State, EINVAL, ENOPROTOOPT};

pub(crate) const TCP_KEEPIDLE: i32 = 3;
pub(crate) const TCP_KEEPINTVL: i32 = 5;
pub(crate) const TCP_KEEPCNT: i32 = 6;
/// tcp_timer.h defaults, in half-second ticks (2 h, 75 s) and probes.
const DEFAULTS: [(i32, i32); 3] = [(TCP_KEEPIDLE, 14_400), (TCP_KEEPINTVL, 150), (TCP_KEEPCNT, 8)];

#[derive(Default)]
pub(crate) struct NetBsd {
    pub sockets: Sockets,
}

impl Kernel for NetBsd {
    fn setsockopt(&mut self, fd: i32, level: i32, name: i32, value: i32) -> Result<(), i32> {
        if is_socket_level(level) {
            return self.sockets.set_socket_level(fd, name, value);
        }
        let socket = self.sockets.get_mut(fd)?;
        if !matches!(name, TCP_KEEPIDLE | TCP_KEEPINTVL | TCP_KEEPCNT) {
            return Err(ENOPROTOOPT);
        }
        if value <= 0 {
            return Err(EINVAL);
        }
        socket.tcp.insert(name, value);
        if socket.state == State::Listen {
            socket.listener_timer_armed = true; // change_keepalive
        }
        Ok(())
    }

    fn getsockopt(&mut self, fd: i32, level: i32, name: i32, buf: &mut [u8]) -> Result<usize, i32> {
        if is_socket_level(level) {
            return self.sockets.get_socket_level(fd, name, false, buf);
        }
        self.sockets.get(fd)?;
        Err(ENOPROTOOPT)
    }

    fn getpeername(&mut self, fd: i32) -> Result<(), i32> {
        self.sockets.peer(fd)
    }
}

impl KernelModel for NetBsd {
    fn idle_drop(&self, fd: i32) -> Option<Duration> {
        if !self.sockets.get(fd).ok()?.keepalive {
            return None;
        }
        let get = |name| self.sockets.tcp_value(fd, name, &DEFAULTS).unwrap_or(0) as u64;
        let ticks = get(TCP_KEEPIDLE) + get(TCP_KEEPCNT) * get(TCP_KEEPINTVL);
        Some(millis(ticks * 500))
    }

    fn sockets(&mut self) -> &mut Sockets {
        &mut self.sockets
    }
}
