//! A WASI preview 2 host: wasmtime 49 on Linux, as scripts/run-targets ran it.
//! wasi-libc maps the three options onto wasi:sockets/tcp; wasmtime passes
//! them to the Linux socket after clamping to Linux's limits (32767 s,
//! 127 probes), and reports success (`tcp.wit` lets the host "clamp and/or
//! round"). getsockopt reports the stored value; `SO_ACCEPTCONN` is answered.

use std::time::Duration;

use super::{is_socket_level, secs, write_int, Kernel, KernelModel, Sockets, EINVAL, ENOPROTOOPT};

pub(crate) const TCP_KEEPIDLE: i32 = 4;
pub(crate) const TCP_KEEPINTVL: i32 = 5;
pub(crate) const TCP_KEEPCNT: i32 = 6;
const DEFAULTS: [(i32, i32); 3] = [(TCP_KEEPIDLE, 7200), (TCP_KEEPINTVL, 75), (TCP_KEEPCNT, 9)];

#[derive(Default)]
pub(crate) struct Wasmtime {
    pub sockets: Sockets,
}

impl Wasmtime {
    fn value(&self, fd: i32, name: i32) -> Result<i32, i32> {
        self.sockets.tcp_value(fd, name, &DEFAULTS)
    }
}

impl Kernel for Wasmtime {
    fn setsockopt(&mut self, fd: i32, level: i32, name: i32, value: i32) -> Result<(), i32> {
        if is_socket_level(level) {
            return self.sockets.set_socket_level(fd, name, value);
        }
        let socket = self.sockets.get_mut(fd)?;
        let max = match name {
            TCP_KEEPIDLE | TCP_KEEPINTVL => 32_767,
            TCP_KEEPCNT => 127,
            _ => return Err(ENOPROTOOPT),
        };
        if value <= 0 {
            return Err(EINVAL);
        }
        socket.tcp.insert(name, value.min(max));
        Ok(())
    }

    fn getsockopt(&mut self, fd: i32, level: i32, name: i32, buf: &mut [u8]) -> Result<usize, i32> {
        if is_socket_level(level) {
            return self.sockets.get_socket_level(fd, name, true, buf);
        }
        Ok(write_int(buf, self.value(fd, name)?))
    }

    fn getpeername(&mut self, fd: i32) -> Result<(), i32> {
        self.sockets.peer(fd)
    }
}

impl KernelModel for Wasmtime {
    fn idle_drop(&self, fd: i32) -> Option<Duration> {
        if !self.sockets.get(fd).ok()?.keepalive {
            return None;
        }
        let get = |name| self.value(fd, name).ok().map(|v| v as u64);
        Some(secs(get(TCP_KEEPIDLE)? + get(TCP_KEEPCNT)? * get(TCP_KEEPINTVL)?))
    }

    fn sockets(&mut self) -> &mut Sockets {
        &mut self.sockets
    }
}
