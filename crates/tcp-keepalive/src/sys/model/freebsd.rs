//! FreeBSD's default TCP stack, read in freebsd-src sys/netinet/ (14.0-STABLE
//! and the 13 branch) and sys/kern/uipc_socket.c.
//!
//! - tcp_usrreq.c `tcp_default_ctloutput`: `TCP_KEEPIDLE`, `TCP_KEEPINTVL`
//!   (seconds) and, from FreeBSD 14, `TCP_MAXUNACKTIME` (seconds): EINVAL
//!   above UINT_MAX / hz; `TCP_KEEPCNT` any unsigned int; getsockopt returns
//!   the value in effect, the sysctl default for one never set. FreeBSD 13's
//!   function has no `TCP_MAXUNACKTIME` case: ENOPROTOOPT, both ways.
//! - uipc_socket.c `sogetopt`: `SO_ACCEPTCONN` (so_options), and
//!   `SO_LISTENQLEN`, the listener's count of completed connections (sol_qlen).
//! - tcp_syncache.c `syncache_socket` copies keepidle, keepintvl, keepcnt
//!   and maxunacktime from the listener when the handshake completes.
//! - tcp_timer.c `tcp_timer_keep`: drops once idle for keepidle + keepcnt ×
//!   keepintvl.

use std::time::Duration;

use super::{
    is_socket_level, secs, write_int, Kernel, KernelModel, Socket, Sockets, EINVAL, ENOPROTOOPT,
};

pub(crate) const TCP_KEEPIDLE: i32 = 0x100;
pub(crate) const TCP_KEEPINTVL: i32 = 0x200;
pub(crate) const TCP_KEEPCNT: i32 = 0x400;
pub(crate) const TCP_MAXUNACKTIME: i32 = 68;
pub(crate) const SO_LISTENQLEN: i32 = 0x1012;
const HZ: u32 = 1000;
/// net.inet.tcp.keepidle, keepintvl, keepcnt (tcp_timer.h), no maxunacktime.
const DEFAULTS: [(i32, i32); 4] =
    [(TCP_KEEPIDLE, 7200), (TCP_KEEPINTVL, 75), (TCP_KEEPCNT, 8), (TCP_MAXUNACKTIME, 0)];

pub(crate) struct FreeBsd {
    /// FreeBSD 14 or later: `TCP_MAXUNACKTIME` exists.
    pub release_14: bool,
    pub sockets: Sockets,
}

impl FreeBsd {
    pub fn new(release_14: bool) -> Self {
        FreeBsd { release_14, sockets: Sockets::default() }
    }

    fn known(&self, name: i32) -> bool {
        matches!(name, TCP_KEEPIDLE | TCP_KEEPINTVL | TCP_KEEPCNT)
            || (name == TCP_MAXUNACKTIME && self.release_14)
    }

    fn value(socket: &Socket, name: i32) -> i32 {
        let default = DEFAULTS.iter().find(|(n, _)| *n == name).map_or(0, |(_, v)| *v);
        socket.tcp.get(&name).copied().unwrap_or(default)
    }

    /// A connection completes on `listener`: `syncache_socket` copies the
    /// listener's values as they are now.
    pub fn complete_handshake(&mut self, listener: i32) {
        self.sockets.complete_copying_all(listener);
    }
}

impl Kernel for FreeBsd {
    fn setsockopt(&mut self, fd: i32, level: i32, name: i32, value: i32) -> Result<(), i32> {
        if is_socket_level(level) {
            return self.sockets.set_socket_level(fd, name, value);
        }
        if !self.known(name) {
            return Err(ENOPROTOOPT);
        }
        let socket = self.sockets.get_mut(fd)?;
        if name != TCP_KEEPCNT && value as u32 > u32::MAX / HZ {
            return Err(EINVAL);
        }
        // 0 means "the sysctl default" for the times.
        if value == 0 && name != TCP_KEEPCNT {
            socket.tcp.remove(&name);
        } else {
            socket.tcp.insert(name, value);
        }
        Ok(())
    }

    fn getsockopt(&mut self, fd: i32, level: i32, name: i32, buf: &mut [u8]) -> Result<usize, i32> {
        if is_socket_level(level) {
            if name == SO_LISTENQLEN {
                let socket = self.sockets.get(fd)?;
                return Ok(write_int(buf, socket.queue.len() as i32));
            }
            return self.sockets.get_socket_level(fd, name, true, buf);
        }
        if !self.known(name) {
            return Err(ENOPROTOOPT);
        }
        let socket = self.sockets.get(fd)?;
        Ok(write_int(buf, Self::value(socket, name)))
    }

    fn getpeername(&mut self, fd: i32) -> Result<(), i32> {
        self.sockets.peer(fd)
    }
}

impl KernelModel for FreeBsd {
    fn idle_drop(&self, fd: i32) -> Option<Duration> {
        let socket = self.sockets.get(fd).ok()?;
        if !socket.keepalive {
            return None;
        }
        let get = |name| Self::value(socket, name) as u64;
        Some(secs(get(TCP_KEEPIDLE) + get(TCP_KEEPCNT) * get(TCP_KEEPINTVL)))
    }

    fn sockets(&mut self) -> &mut Sockets {
        &mut self.sockets
    }
}
