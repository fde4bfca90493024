//! illumos, read in illumos-gate uts/common/inet/tcp/ (tcp_opt_data.c
//! `tcp_opt_get` / `tcp_opt_set`, tcp_timers.c `tcp_keepalive_timer`), with
//! the default tunables (tcp_tunables.c). Solaris shares this code; its
//! sources are closed, so the Solaris variant assumes the same rules with
//! Solaris's option numbers, and before 11.4 no `TCP_KEEPINTVL` / `TCP_KEEPCNT`.
//!
//! The kernel keeps the idle time (`tcp_ka_interval`), the probe interval
//! (`tcp_ka_rinterval`) and the abort threshold (`tcp_ka_abort_thres`) in
//! milliseconds, and the count (`tcp_ka_cnt`):
//! - `TCP_KEEPINTVL` (s): EINVAL outside the RTO range (400 ms to 60 s). With
//!   no count yet, it derives one (threshold ÷ interval); with one, it sets
//!   the threshold to interval × count.
//! - `TCP_KEEPCNT`: EINVAL for 0. With no interval yet, it derives one
//!   (threshold ÷ count, clamped to the RTO range) and leaves the threshold
//!   alone; with one, the threshold becomes count × interval.
//! - `TCP_KEEPALIVE_ABORT_THRESHOLD` (ms) sets the threshold and clears both.
//! - getsockopt divides the interval by 1000: milliseconds are truncated.
//! - `tcp_keepalive_timer` drops the connection when, at a probe, it has been
//!   silent for more than idle + threshold. Probes go out every interval
//!   (or, with none set, backed off up to the maximum RTO), so the drop comes
//!   at the first probe after that: at most one interval later.

use std::time::Duration;

use super::{
    is_socket_level, millis, write_int, Kernel, KernelModel, Sockets, EINVAL, ENOPROTOOPT,
};

/// The option numbers of one of the two systems.
#[derive(Clone, Copy)]
pub(crate) struct Numbers {
    /// `TCP_KEEPIDLE` (s) on illumos, `TCP_KEEPALIVE_THRESHOLD` (ms) on Solaris.
    pub idle: i32,
    pub idle_in_ms: bool,
    pub interval: i32,
    pub count: i32,
}

pub(crate) const ILLUMOS: Numbers =
    Numbers { idle: 0x22, idle_in_ms: false, interval: 0x24, count: 0x23 };
pub(crate) const SOLARIS: Numbers =
    Numbers { idle: 0x16, idle_in_ms: true, interval: 0x1e, count: 0x1f };
pub(crate) const TCP_KEEPALIVE_ABORT_THRESHOLD: i32 = 0x17;
pub(crate) const TCP_ABORT_THRESHOLD: i32 = 0x11;

const RTO_MIN: u32 = 400;
const RTO_MAX: u32 = 60_000;
/// _keepalive_interval's range (1 s to 10 days) and default (2 h).
const IDLE_RANGE: (u32, u32) = (1_000, 864_000_000);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Keepalive {
    pub idle_ms: u32,
    pub interval_ms: u32,
    pub count: u32,
    pub abort_ms: u32,
    pub user_timeout_ms: i32,
}

impl Default for Keepalive {
    fn default() -> Self {
        // tcp_init_values: the tunables' defaults; 8 min abort, 5 min user timeout.
        Keepalive {
            idle_ms: 7_200_000,
            interval_ms: 0,
            count: 0,
            abort_ms: 480_000,
            user_timeout_ms: 300_000,
        }
    }
}

pub(crate) struct Illumos {
    pub numbers: Numbers,
    /// false: Solaris before 11.4, which lacks TCP_KEEPINTVL and TCP_KEEPCNT.
    pub has_interval_and_count: bool,
    pub sockets: Sockets,
    pub keepalive: std::collections::BTreeMap<i32, Keepalive>,
}

impl Illumos {
    pub fn gate() -> Self {
        Self::new(ILLUMOS, true)
    }

    pub fn solaris(release_11_4: bool) -> Self {
        Self::new(SOLARIS, release_11_4)
    }

    fn new(numbers: Numbers, has_interval_and_count: bool) -> Self {
        Illumos {
            numbers,
            has_interval_and_count,
            sockets: Sockets::default(),
            keepalive: Default::default(),
        }
    }

    pub fn state(&mut self, fd: i32) -> Result<&mut Keepalive, i32> {
        self.sockets.get(fd)?;
        Ok(self.keepalive.entry(fd).or_default())
    }
}

impl Kernel for Illumos {
    fn setsockopt(&mut self, fd: i32, level: i32, name: i32, value: i32) -> Result<(), i32> {
        if is_socket_level(level) {
            return self.sockets.set_socket_level(fd, name, value);
        }
        let n = self.numbers;
        let has_both = self.has_interval_and_count;
        let k = self.state(fd)?;
        let v = value as u32;
        match name {
            _ if name == n.idle => {
                let ms = if n.idle_in_ms { v } else { v.wrapping_mul(1000) };
                if ms < IDLE_RANGE.0 || ms > IDLE_RANGE.1 {
                    return Err(EINVAL);
                }
                k.idle_ms = ms;
            }
            _ if (name == n.interval || name == n.count) && !has_both => return Err(ENOPROTOOPT),
            _ if name == n.interval => {
                let ms = v.wrapping_mul(1000);
                if !(RTO_MIN..=RTO_MAX).contains(&ms) {
                    return Err(EINVAL);
                }
                if k.count == 0 {
                    k.count = k.abort_ms / ms;
                } else {
                    k.abort_ms = ms.wrapping_mul(k.count);
                }
                k.interval_ms = ms;
            }
            _ if name == n.count => {
                if v == 0 {
                    return Err(EINVAL);
                }
                if k.interval_ms == 0 {
                    k.interval_ms = (k.abort_ms / v).clamp(RTO_MIN, RTO_MAX);
                } else {
                    k.abort_ms = v.wrapping_mul(k.interval_ms);
                }
                k.count = v;
            }
            TCP_KEEPALIVE_ABORT_THRESHOLD => {
                k.abort_ms = v;
                k.count = 0;
                k.interval_ms = 0;
            }
            TCP_ABORT_THRESHOLD => k.user_timeout_ms = value,
            _ => return Err(ENOPROTOOPT),
        }
        Ok(())
    }

    fn getsockopt(&mut self, fd: i32, level: i32, name: i32, buf: &mut [u8]) -> Result<usize, i32> {
        if is_socket_level(level) {
            return self.sockets.get_socket_level(fd, name, true, buf);
        }
        let n = self.numbers;
        let has_both = self.has_interval_and_count;
        let k = *self.state(fd)?;
        let value = match name {
            _ if name == n.idle && n.idle_in_ms => k.idle_ms,
            _ if name == n.idle => k.idle_ms / 1000,
            _ if (name == n.interval || name == n.count) && !has_both => return Err(ENOPROTOOPT),
            _ if name == n.interval => k.interval_ms / 1000,
            _ if name == n.count => k.count,
            TCP_KEEPALIVE_ABORT_THRESHOLD => k.abort_ms,
            TCP_ABORT_THRESHOLD => k.user_timeout_ms as u32,
            _ => return Err(ENOPROTOOPT),
        };
        Ok(write_int(buf, value as i32))
    }

    fn getpeername(&mut self, fd: i32) -> Result<(), i32> {
        self.sockets.peer(fd)
    }
}

impl KernelModel for Illumos {
    fn idle_drop(&self, fd: i32) -> Option<Duration> {
        if !self.sockets.get(fd).ok()?.keepalive {
            return None;
        }
        let k = self.keepalive.get(&fd).copied().unwrap_or_default();
        if k.abort_ms == 0 {
            return None; // probes forever
        }
        let probe_gap = if k.interval_ms != 0 { k.interval_ms } else { RTO_MAX };
        Some(millis(u64::from(k.idle_ms) + u64::from(k.abort_ms) + u64::from(probe_gap)))
    }

    fn sockets(&mut self) -> &mut Sockets {
        &mut self.sockets
    }
}
