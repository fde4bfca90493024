//! DragonFly BSD, read at tag v5.8.0 in sys/netinet/ and sys/kern/.
//!
//! - tcp_usrreq.c `tcp_ctloutput`: `TCP_KEEPIDLE`, `TCP_KEEPINTVL` in
//!   seconds, EINVAL outside 1..=MAXKEEPALIVE (32767), stored as
//!   `optval * hz`; `TCP_KEEPCNT` EINVAL outside 1..=MAXKEEPCNT (127);
//!   getsockopt returns `t_keepidle / hz` etc., the defaults for a value never
//!   set (tcp_subr.c `tcp_newtcpcb`; tcp_timer.h `TCPTV_KEEP_IDLE` 2 h,
//!   `TCPTV_KEEPINTVL` 75 s, `TCPTV_KEEPCNT` 8). No timer is armed on a
//!   listener (`tcp_timer_keep_activity` only once established).
//! - uipc_socket2.c `sonewconn_faddr`, called by tcp_syncache.c
//!   `syncache_socket` when the handshake completes: the new socket copies
//!   the listener's `so_options` (`SO_KEEPALIVE`) and is appended to `so_comp`
//!   (TAILQ_INSERT_TAIL); `syncache_socket` then copies t_keepidle,
//!   t_keepintvl and t_keepcnt. uipc_syscalls.c `soaccept_predicate` takes
//!   TAILQ_FIRST: first in, first out.
//! - tcp_timer.c `tcp_timer_keep_handler`: drops once idle for t_keepidle +
//!   t_maxidle (t_keepintvl × t_keepcnt).

use std::time::Duration;

use super::{is_socket_level, secs, write_int, Kernel, KernelModel, Sockets, EINVAL, ENOPROTOOPT};

pub(crate) const TCP_KEEPIDLE: i32 = 0x100;
pub(crate) const TCP_KEEPINTVL: i32 = 0x200;
pub(crate) const TCP_KEEPCNT: i32 = 0x400;
/// sys/kern/subr_param.c `HZ_DEFAULT`.
const HZ: i32 = 100;
/// tcp_timer.h, as stored: ticks for the times, a count for TCP_KEEPCNT.
const DEFAULTS: [(i32, i32); 3] =
    [(TCP_KEEPIDLE, 7200 * HZ), (TCP_KEEPINTVL, 75 * HZ), (TCP_KEEPCNT, 8)];

#[derive(Default)]
pub(crate) struct DragonFly {
    pub sockets: Sockets,
    /// The descriptor of every `setsockopt`, and of every `getsockopt`, in
    /// order: what `AcceptKeepalive::apply` did to each stream.
    pub sets: Vec<i32>,
    pub gets: Vec<i32>,
}

impl DragonFly {
    /// A connection completes on `listener`: `sonewconn_faddr` copies
    /// `so_options` and queues the socket last; `syncache_socket` copies the
    /// keepalive values, all as the listener has them now.
    pub fn complete_handshake(&mut self, listener: i32) {
        self.sockets.complete_copying_all(listener);
    }

    /// How many `setsockopt` and `getsockopt` calls were made on `fd`.
    pub fn calls_on(&self, fd: i32) -> (usize, usize) {
        let on = |calls: &[i32]| calls.iter().filter(|&&called| called == fd).count();
        (on(&self.sets), on(&self.gets))
    }
}

impl Kernel for DragonFly {
    fn setsockopt(&mut self, fd: i32, level: i32, name: i32, value: i32) -> Result<(), i32> {
        self.sets.push(fd);
        if is_socket_level(level) {
            return self.sockets.set_socket_level(fd, name, value);
        }
        let socket = self.sockets.get_mut(fd)?;
        let (max, per_unit) = match name {
            TCP_KEEPIDLE | TCP_KEEPINTVL => (32_767, HZ),
            TCP_KEEPCNT => (127, 1),
            _ => return Err(ENOPROTOOPT),
        };
        if !(1..=max).contains(&value) {
            return Err(EINVAL);
        }
        socket.tcp.insert(name, value * per_unit);
        Ok(())
    }

    fn getsockopt(&mut self, fd: i32, level: i32, name: i32, buf: &mut [u8]) -> Result<usize, i32> {
        self.gets.push(fd);
        if is_socket_level(level) {
            // sogetopt has no SO_ACCEPTCONN case.
            return self.sockets.get_socket_level(fd, name, false, buf);
        }
        let per_unit = match name {
            TCP_KEEPIDLE | TCP_KEEPINTVL => HZ,
            TCP_KEEPCNT => 1,
            _ => return Err(ENOPROTOOPT),
        };
        let stored = self.sockets.tcp_value(fd, name, &DEFAULTS)?;
        Ok(write_int(buf, stored / per_unit))
    }

    fn getpeername(&mut self, fd: i32) -> Result<(), i32> {
        self.sockets.peer(fd)
    }
}

impl KernelModel for DragonFly {
    fn idle_drop(&self, fd: i32) -> Option<Duration> {
        if !self.sockets.get(fd).ok()?.keepalive {
            return None;
        }
        let get = |name| self.sockets.tcp_value(fd, name, &DEFAULTS).unwrap_or(0) as u64;
        let ticks = get(TCP_KEEPIDLE) + get(TCP_KEEPCNT) * get(TCP_KEEPINTVL);
        Some(secs(ticks / HZ as u64))
    }

    fn sockets(&mut self) -> &mut Sockets {
        &mut self.sockets
    }
}
