//! Kernel models: other OSes' socket-option code, written from the kernel
//! sources each table cites, so that the Unix backend runs against them on
//! Linux (`cargo test`). Each model answers `getsockopt` / `setsockopt` as
//! that kernel does, keeps per-socket state, and says when that kernel would
//! drop an idle connection whose peer went silent.
//!
//! A model is installed on the calling thread with [`Model::install`]; until
//! it is dropped, the backend's two system calls (`unix.rs`) go to it, and
//! [`super::platform`] is its OS's table. Release builds have none of this:
//! the hooks are `cfg(test)`.
//!
//! Socket-level options arrive with the host's numbers (the backend takes
//! `SOL_SOCKET`, `SO_KEEPALIVE`, `SO_ACCEPTCONN` from the host's table, which
//! `same_as_libc!` checks); TCP-level options with the modeled OS's numbers,
//! from its table. Errors are the host's errno values for the modeled meaning.

use std::cell::{RefCell, RefMut};
use std::collections::BTreeMap;
use std::io;
use std::os::fd::BorrowedFd;
use std::rc::Rc;
use std::time::Duration;

use crate::sys::platform::{SOL_SOCKET, SO_ACCEPTCONN, SO_KEEPALIVE};
use crate::sys::table::Platform;

pub(crate) mod apple;
pub(crate) mod dragonfly;
pub(crate) mod freebsd;
pub(crate) mod illumos;
pub(crate) mod netbsd;
pub(crate) mod wasi;

#[cfg(test)]
mod tests;

pub(crate) use libc::{EBADF, EINVAL, ENOPROTOOPT, ENOTCONN};

/// What a modeled kernel answers. Errors are errno values.
pub(crate) trait Kernel {
    fn setsockopt(&mut self, fd: i32, level: i32, name: i32, value: i32) -> Result<(), i32>;
    /// Writes at most `buf.len()` bytes (the kernels truncate a longer value);
    /// returns how many.
    fn getsockopt(&mut self, fd: i32, level: i32, name: i32, buf: &mut [u8]) -> Result<usize, i32>;
    /// Whether `fd` has a peer (the address itself is not modeled).
    fn getpeername(&mut self, fd: i32) -> Result<(), i32>;
}

/// The TCP state a modeled socket is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// Created, not yet connected nor listening.
    Closed,
    Listen,
    Established,
}

/// One modeled socket: its state, `SO_KEEPALIVE`, and the TCP-level values as
/// the kernel stores them (its own units), by the modeled OS's option numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Socket {
    pub state: State,
    pub keepalive: bool,
    pub tcp: BTreeMap<i32, i32>,
    /// For a listener: connections whose handshake completed, oldest first,
    /// each a copy of the listener's values when it completed.
    pub queue: Vec<Socket>,
    /// Set when a keepalive timer was armed while listening: on the kernels
    /// that drop a listener when it fires, the listener would die.
    pub listener_timer_armed: bool,
}

impl Socket {
    pub fn new(state: State) -> Self {
        Socket {
            state,
            keepalive: false,
            tcp: BTreeMap::new(),
            queue: Vec::new(),
            listener_timer_armed: false,
        }
    }
}

/// The sockets of one modeled kernel, by descriptor number, and the
/// socket-level options every model answers alike.
#[derive(Clone, Debug, Default)]
pub(crate) struct Sockets {
    by_fd: BTreeMap<i32, Socket>,
}

impl Sockets {
    pub fn open(&mut self, fd: i32, state: State) {
        self.by_fd.insert(fd, Socket::new(state));
    }

    pub fn get(&self, fd: i32) -> Result<&Socket, i32> {
        self.by_fd.get(&fd).ok_or(EBADF)
    }

    pub fn get_mut(&mut self, fd: i32) -> Result<&mut Socket, i32> {
        self.by_fd.get_mut(&fd).ok_or(EBADF)
    }

    /// The TCP-level value `name` of `fd` as stored, or the kernel's default
    /// (from `defaults`) for one never set; ENOPROTOOPT for an unknown option.
    pub fn tcp_value(&self, fd: i32, name: i32, defaults: &[(i32, i32)]) -> Result<i32, i32> {
        let socket = self.get(fd)?;
        let default = defaults.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        socket.tcp.get(&name).copied().or(default).ok_or(ENOPROTOOPT)
    }

    /// A connection completes its handshake on `listener`: the kernel copies
    /// the listener's socket into the accept queue (Linux `sk_clone_lock`,
    /// FreeBSD `syncache_socket`, illumos `tcp_init_values`), with whatever
    /// values the listener has now.
    pub fn complete_handshake(&mut self, listener: i32, copied: impl Fn(&Socket) -> Socket) {
        let socket = self.by_fd.get_mut(&listener).expect("a modeled listener");
        assert_eq!(socket.state, State::Listen);
        let child = copied(socket);
        socket.queue.push(child);
    }

    /// [`complete_handshake`](Self::complete_handshake) on a kernel whose new
    /// connection copies `SO_KEEPALIVE` and every keepalive value of the
    /// listener (FreeBSD and DragonFly: `sonewconn` and `syncache_socket`).
    pub fn complete_copying_all(&mut self, listener: i32) {
        self.complete_handshake(listener, |l| {
            let mut child = Socket::new(State::Established);
            child.keepalive = l.keepalive;
            child.tcp = l.tcp.clone();
            child
        });
    }

    /// `accept`: the oldest completed connection becomes descriptor `fd`.
    pub fn accept(&mut self, listener: i32, fd: i32) {
        let socket = self.by_fd.get_mut(&listener).expect("a modeled listener");
        let child = socket.queue.remove(0);
        self.by_fd.insert(fd, child);
    }

    /// `getpeername`: a connected socket answers; a listener or a socket not
    /// yet connected gets ENOTCONN (every kernel modeled).
    pub fn peer(&self, fd: i32) -> Result<(), i32> {
        match self.get(fd)?.state {
            State::Established => Ok(()),
            State::Closed | State::Listen => Err(ENOTCONN),
        }
    }

    /// `SO_KEEPALIVE` (every kernel), and `SO_ACCEPTCONN` where the kernel has it.
    pub fn set_socket_level(&mut self, fd: i32, name: i32, value: i32) -> Result<(), i32> {
        let socket = self.get_mut(fd)?;
        match name {
            SO_KEEPALIVE => socket.keepalive = value != 0,
            _ => return Err(ENOPROTOOPT),
        }
        Ok(())
    }

    pub fn get_socket_level(
        &self,
        fd: i32,
        name: i32,
        has_acceptconn: bool,
        buf: &mut [u8],
    ) -> Result<usize, i32> {
        let socket = self.get(fd)?;
        let value = match name {
            SO_KEEPALIVE => i32::from(socket.keepalive),
            SO_ACCEPTCONN if has_acceptconn => i32::from(socket.state == State::Listen),
            _ => return Err(ENOPROTOOPT),
        };
        Ok(write_int(buf, value))
    }
}

/// Copies a C int into `buf`, truncated as the kernels' `sooptcopyout` does.
pub(crate) fn write_int(buf: &mut [u8], value: i32) -> usize {
    write_bytes(buf, &value.to_ne_bytes())
}

pub(crate) fn write_bytes(buf: &mut [u8], value: &[u8]) -> usize {
    let n = buf.len().min(value.len());
    buf[..n].copy_from_slice(&value[..n]);
    n
}

/// A model that also says when its kernel drops a silent idle connection.
pub(crate) trait KernelModel: Kernel {
    /// From the peer's last sign of life, when this kernel drops the idle
    /// connection `fd` whose probes go unanswered, with the values it now
    /// holds (the latest time, where timer granularity leaves a choice).
    /// `None`: it never does (keepalive off).
    fn idle_drop(&self, fd: i32) -> Option<Duration>;
    fn sockets(&mut self) -> &mut Sockets;
}

type Installed = (&'static Platform, Rc<RefCell<dyn Kernel>>);

thread_local! {
    static INSTALLED: RefCell<Option<Installed>> = const { RefCell::new(None) };
}

/// A kernel model installed on this thread, until dropped.
pub(crate) struct Model<K> {
    kernel: Rc<RefCell<K>>,
}

impl<K: Kernel + 'static> Model<K> {
    /// Routes this thread's backend calls to `kernel`, with `platform` as the table.
    pub fn install(platform: &'static Platform, kernel: K) -> Self {
        let kernel = Rc::new(RefCell::new(kernel));
        let dynamic: Rc<RefCell<dyn Kernel>> = kernel.clone();
        INSTALLED.with(|slot| {
            let previous = slot.borrow_mut().replace((platform, dynamic));
            assert!(previous.is_none(), "one model per thread at a time");
        });
        Model { kernel }
    }

    /// The model's state, to set up sockets and to check what the backend did.
    pub fn kernel(&self) -> RefMut<'_, K> {
        self.kernel.borrow_mut()
    }
}

impl<K> Drop for Model<K> {
    fn drop(&mut self) {
        INSTALLED.with(|slot| slot.borrow_mut().take());
    }
}

/// A descriptor for a modeled socket: a number no process can have open
/// (above the kernel's `fs.nr_open` ceiling), so that a call that reached the
/// real kernel by mistake could only fail with EBADF.
pub(crate) fn fd(n: i32) -> BorrowedFd<'static> {
    assert!((0..1000).contains(&n));
    // SAFETY: the number is only ever passed to getsockopt/setsockopt, which a
    // model answers; if one reached the OS, it would report EBADF for it.
    unsafe { BorrowedFd::borrow_raw(i32::MAX - 1000 + n) }
}

/// The model's own number for a descriptor made by [`fd`].
fn model_fd(raw: i32) -> i32 {
    raw - (i32::MAX - 1000)
}

pub(crate) fn platform() -> Option<&'static Platform> {
    INSTALLED.with(|slot| slot.borrow().as_ref().map(|(platform, _)| *platform))
}

fn kernel() -> Option<Rc<RefCell<dyn Kernel>>> {
    INSTALLED.with(|slot| slot.borrow().as_ref().map(|(_, kernel)| kernel.clone()))
}

/// The backend's `setsockopt`, answered by the installed model, if any.
pub(crate) fn setsockopt(fd: i32, level: i32, name: i32, value: i32) -> Option<io::Result<()>> {
    let kernel = kernel()?;
    let answer = kernel.borrow_mut().setsockopt(model_fd(fd), level, name, value);
    Some(answer.map_err(io::Error::from_raw_os_error))
}

/// The backend's `getsockopt`, answered by the installed model, if any.
pub(crate) fn getsockopt(
    fd: i32,
    level: i32,
    name: i32,
    buf: &mut [u8],
) -> Option<io::Result<usize>> {
    let kernel = kernel()?;
    let answer = kernel.borrow_mut().getsockopt(model_fd(fd), level, name, buf);
    Some(answer.map_err(io::Error::from_raw_os_error))
}

/// The backend's `getpeername`, answered by the installed model, if any.
pub(crate) fn getpeername(fd: i32) -> Option<io::Result<()>> {
    let kernel = kernel()?;
    let answer = kernel.borrow_mut().getpeername(model_fd(fd));
    Some(answer.map_err(io::Error::from_raw_os_error))
}

/// Whether `level` is the socket level, as the backend sends it (host numbers).
pub(crate) fn is_socket_level(level: i32) -> bool {
    level == SOL_SOCKET
}

/// A model that refuses one option with `errno`, and otherwise is `inner`: a
/// kernel refusing a value midway, after the checks passed. The option is a
/// TCP-level one, or with `socket_level` a socket-level one (`SO_KEEPALIVE`).
pub(crate) struct Refusing<K> {
    pub inner: K,
    pub option: i32,
    pub socket_level: bool,
    pub errno: i32,
}

impl<K: Kernel> Kernel for Refusing<K> {
    fn setsockopt(&mut self, fd: i32, level: i32, name: i32, value: i32) -> Result<(), i32> {
        if is_socket_level(level) == self.socket_level && name == self.option {
            return Err(self.errno);
        }
        self.inner.setsockopt(fd, level, name, value)
    }

    fn getsockopt(&mut self, fd: i32, level: i32, name: i32, buf: &mut [u8]) -> Result<usize, i32> {
        self.inner.getsockopt(fd, level, name, buf)
    }

    fn getpeername(&mut self, fd: i32) -> Result<(), i32> {
        self.inner.getpeername(fd)
    }
}

/// Seconds, for the models' drop times.
pub(crate) fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

pub(crate) fn millis(n: u64) -> Duration {
    Duration::from_millis(n)
}
