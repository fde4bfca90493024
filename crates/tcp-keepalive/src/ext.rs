//! [`KeepaliveExt`], the extension trait, and [`SocketRef`], the borrowed handle
//! that brings it to any socket owner.

use std::io;
use std::net::{TcpListener, TcpStream};

use crate::sys::{self, Role};
use crate::{Keepalive, Liveness};

/// Keepalive control for TCP sockets.
///
/// `set_keepalive` and `keepalive` have exactly the signatures and behaviour of
/// the methods nightly std has on `TcpStream` behind `#![feature(tcp_keepalive)]`.
/// Once std has them on stable, its inherent methods are picked over this trait
/// and code written against this crate keeps compiling unchanged.
///
/// Implemented for [`TcpStream`], [`TcpListener`], [`SocketRef`] (any other
/// socket owner) and, with the `tokio` feature, tokio's `TcpStream`,
/// `TcpListener` and `TcpSocket`.
///
/// # Examples
///
/// ```
/// use std::net::{TcpListener, TcpStream};
/// use tcp_keepalive::KeepaliveExt;
///
/// # fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let stream = TcpStream::connect(listener.local_addr()?)?;
/// stream.set_keepalive(true)?;
/// assert!(stream.keepalive()?);
/// # Ok(())
/// # }
/// ```
pub trait KeepaliveExt: sealed::Socket {
    /// Sets `SO_KEEPALIVE`: when `true`, the OS probes the peer of an idle
    /// connection and drops the connection when probes go unanswered, so that
    /// the next read or write fails instead of hanging.
    ///
    /// How soon and how often it probes is the OS default (on Linux 2 h idle,
    /// then 9 probes 75 s apart) unless tuned with
    /// [`set_keepalive_config`](Self::set_keepalive_config).
    ///
    /// On a listener, connections it accepts afterwards inherit the setting
    /// (every OS copies `SO_KEEPALIVE` on accept).
    ///
    /// ```
    /// use tcp_keepalive::KeepaliveExt;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// listener.set_keepalive(true)?;
    /// let _client = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// let (accepted, _) = listener.accept()?;
    /// assert!(accepted.keepalive()?);
    /// # Ok(())
    /// # }
    /// ```
    #[inline]
    fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        sys::set_keepalive(self.socket_ref().handle, keepalive)
    }

    /// Reads `SO_KEEPALIVE`. See [`set_keepalive`](Self::set_keepalive).
    ///
    /// ```
    /// use tcp_keepalive::KeepaliveExt;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// assert!(!stream.keepalive()?); // off unless asked for
    /// # Ok(())
    /// # }
    /// ```
    #[inline]
    fn keepalive(&self) -> io::Result<bool> {
        sys::keepalive(self.socket_ref().handle)
    }

    /// Turns keepalive on and applies each value set in `config`. Values left
    /// unset are not touched.
    ///
    /// Every value is checked first: a zero, a value above the OS limit, or a
    /// setting this OS lacks is refused with `InvalidInput` or `Unsupported`
    /// before any system call, so the socket is left as it was. Durations round
    /// up to the OS unit. On Linux this is one `setsockopt` per set value plus
    /// one for `SO_KEEPALIVE`.
    ///
    /// On a listening socket, a value that would arm a keepalive timer on the
    /// listener itself is refused with `Unsupported`, before any system call:
    /// the kernel drops a listener when that timer fires (the idle time on
    /// macOS 13 and older; every value on NetBSD, and on WASI, whose host may
    /// be macOS or NetBSD).
    /// For a [`SocketRef`] (and tokio's `TcpSocket`) this asks the kernel
    /// whether the socket listens, only on those systems and only for such
    /// values. A socket tuned *before* it listens cannot be caught: configure
    /// listeners' connections with `AcceptKeepalive`, never the listener.
    /// To configure the connections a server accepts, on every OS, use
    /// [`AcceptKeepalive`](crate::AcceptKeepalive).
    ///
    /// Platform notes:
    /// - Windows before 10 1709 can only set both times at once: a time left
    ///   unset is then written as the Windows default (2 h idle, 1 s interval),
    ///   and neither can be read back.
    /// - OpenBSD and Haiku have no per-socket tuning: any set value is
    ///   `Unsupported`, while an empty `Keepalive` just turns keepalive on.
    /// - WASI: the host has limits of its own, which it may apply silently. Each
    ///   value set is read back; if the host changed one, the socket is put back
    ///   as it was and the call returns `InvalidInput` naming the host's value.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tcp_keepalive::{Keepalive, KeepaliveExt};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// # let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// # let stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// stream.set_keepalive_config(&Keepalive::new().with_idle(Duration::from_millis(1500)))?;
    /// # #[cfg(target_os = "linux")]
    /// assert_eq!(stream.keepalive_config()?.idle(), Some(Duration::from_secs(2))); // rounded up
    ///
    /// let err = stream.set_keepalive_config(&Keepalive::new().with_retries(0)).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// # Ok(())
    /// # }
    /// ```
    fn set_keepalive_config(&self, config: &Keepalive) -> io::Result<()> {
        let socket = self.socket_ref();
        sys::set_config(socket.handle, socket.role, config)
    }

    /// The keepalive values in effect. For an option never set on this socket
    /// that is the OS default (Linux reports it). A value the OS cannot report
    /// is `None`; on OpenBSD and Haiku, which have no per-socket values, this
    /// returns `Unsupported`. On Linux it takes one `getsockopt` per value.
    ///
    /// ```
    /// use tcp_keepalive::KeepaliveExt;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// # let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// # let stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// let effective = stream.keepalive_config()?;
    /// if let Some(bound) = effective.idle_detection_bound() {
    ///     println!("a dead peer of an idle connection is noticed within {bound:?}");
    /// }
    /// match effective.detection_bound() {
    ///     Some(bound) => println!("whatever we write, within {bound:?}"),
    ///     None => println!("a write while the peer is silent: the retransmission limit decides"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    fn keepalive_config(&self) -> io::Result<Keepalive> {
        sys::config(self.socket_ref().handle)
    }

    /// Whether the connection is still open, as its kernel knows it, without
    /// reading: [`Open`](Liveness::Open), [`PeerClosed`](Liveness::PeerClosed)
    /// (a FIN came), or [`Dead`](Liveness::Dead) with the reason, `TimedOut`
    /// when keepalive gave up on a silent peer. Waiting data is never
    /// consumed: the next read still returns it.
    ///
    /// This is how an idle connection (in a pool, say) learns that keepalive
    /// found its peer dead before anything is written to it. For a future
    /// that resolves when that happens, see `tcp_keepalive::tokio::closed`
    /// (feature `tokio`) and the `runtimes` page for other runtimes.
    ///
    /// Cost: one zero-timeout `poll` (`WSAPoll` on Windows) for a healthy
    /// connection. Where `poll` cannot tell data from the end of the stream, a
    /// 1-byte `MSG_PEEK` follows, which returns waiting data first: so while
    /// data waits, the answer is `Open` (Linux reports a FIN, `PeerClosed`,
    /// even then); the end or the error shows once the data has been read.
    ///
    /// - Linux takes the pending error, as `take_error` does: the first check
    ///   after a failure says `Dead`, later ones (and reads) see the end of
    ///   the stream, `PeerClosed`. The BSDs, Apple systems and illumos leave
    ///   it for the next read.
    /// - WASI cannot peek: an idle connection is `Open`, but a readable one
    ///   returns `Unsupported` (read it to know).
    /// - A `TcpListener` is refused with `InvalidInput`, before any system
    ///   call. A [`SocketRef`] (or tokio's `TcpSocket`) is not asked whether
    ///   it listens, to keep the check at one call: on a listening socket its
    ///   answer means nothing.
    ///
    /// Per-OS details and sources: the `platforms` page.
    ///
    /// ```
    /// use std::io::Write;
    /// use tcp_keepalive::{KeepaliveExt, Liveness};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// let (mut peer, _) = listener.accept()?;
    /// assert_eq!(stream.liveness()?, Liveness::Open);
    ///
    /// peer.write_all(b"x")?;
    /// # std::thread::sleep(std::time::Duration::from_millis(100));
    /// # #[cfg(not(target_os = "wasi"))] // WASI cannot peek at waiting data
    /// assert_eq!(stream.liveness()?, Liveness::Open); // the byte stays unread
    /// # Ok(())
    /// # }
    /// ```
    #[inline]
    fn liveness(&self) -> io::Result<Liveness> {
        let socket = self.socket_ref();
        if socket.role == Role::Listener {
            return Err(sys::liveness_of_a_listener());
        }
        sys::liveness(socket.handle)
    }
}

/// A borrowed socket of any owner, for the types this crate has no impl for:
/// `socket2::Socket`, mio and async-io sockets, `OwnedFd` / `OwnedSocket`, …
///
/// Built from anything that implements `AsFd` (Unix, WASI) or
/// `AsSocket` (Windows), so no socket crate is forced on anyone. It borrows, so
/// it cannot outlive the socket. (Where std has no socket options, and so no
/// handle to borrow, from any socket type; every method then answers
/// `Unsupported`.)
///
/// A `SocketRef` does not know whether its socket listens. Where a value would
/// arm a timer that kills a listening socket (the idle time on macOS 13 and
/// older; every value on NetBSD and WASI), `set_keepalive_config` asks the
/// kernel first, for those values only: `SO_ACCEPTCONN`; on Apple systems,
/// whose kernel has no `SO_ACCEPTCONN`, the TCP state that
/// `TCP_CONNECTION_INFO` reports; on NetBSD, which has none either, whether
/// `getpeername` answers. A listener is refused with `Unsupported` and left
/// as it was; a connected socket is configured. A socket neither connected
/// nor listening yet (tokio's `TcpSocket`) is configured too, except on
/// NetBSD, where the timer these values arm drops any socket not yet
/// connected, so it is refused like a listener there. Such a socket that
/// listens *afterwards* cannot be caught on macOS 13 and older: `listen()`
/// leaves the armed timer running, and it kills the listener. So
/// configure a server's connections with
/// [`AcceptKeepalive`](crate::AcceptKeepalive), never the socket before it
/// listens. Every other OS needs no such check, and makes no system call for it.
///
/// A socket that will listen should not be tuned before `listen()`: on macOS
/// 13 and older (an idle time), `listen()` leaves the keepalive timer armed
/// and the listener is dropped when it fires, and the listener check cannot
/// see it, as the socket was not listening yet (on NetBSD, where the same
/// holds for any value, the check refuses the unconnected socket). Use
/// [`AcceptKeepalive`](crate::AcceptKeepalive) for a listener's connections.
///
/// # Examples
///
/// ```
/// use tcp_keepalive::{KeepaliveExt, SocketRef};
///
/// # fn main() -> std::io::Result<()> {
/// # let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// // Any socket owner that implements AsFd / AsSocket, here std's stream:
/// let stream = std::net::TcpStream::connect(listener.local_addr()?)?;
/// SocketRef::from(&stream).set_keepalive(true)?;
/// assert!(stream.keepalive()?);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct SocketRef<'a> {
    pub(crate) handle: sys::Handle<'a>,
    pub(crate) role: Role,
}

impl<'a> SocketRef<'a> {
    /// Borrows `socket`. The same as `SocketRef::from(socket)`.
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let _socket = tcp_keepalive::SocketRef::new(&listener);
    /// # Ok(())
    /// # }
    /// ```
    #[inline]
    pub fn new<S: sys::AsHandle + ?Sized>(socket: &'a S) -> Self {
        SocketRef { handle: sys::handle(socket), role: Role::Unknown }
    }

    #[cfg(any(all(test, target_os = "linux"), feature = "tokio"))]
    #[inline]
    pub(crate) fn with_role(self, role: Role) -> Self {
        SocketRef { role, ..self }
    }
}

impl<'a, S: sys::AsHandle + ?Sized> From<&'a S> for SocketRef<'a> {
    #[inline]
    fn from(socket: &'a S) -> Self {
        SocketRef::new(socket)
    }
}

impl KeepaliveExt for SocketRef<'_> {}
impl KeepaliveExt for TcpStream {}
impl KeepaliveExt for TcpListener {}

pub(crate) mod sealed {
    /// Private supertrait: only this crate decides which types get the methods.
    pub trait Socket {
        fn socket_ref(&self) -> super::SocketRef<'_>;
    }
}

impl sealed::Socket for SocketRef<'_> {
    #[inline]
    fn socket_ref(&self) -> SocketRef<'_> {
        *self
    }
}

impl sealed::Socket for TcpStream {
    #[inline]
    fn socket_ref(&self) -> SocketRef<'_> {
        SocketRef { handle: sys::std_handle(self), role: Role::Stream }
    }
}

impl sealed::Socket for TcpListener {
    #[inline]
    fn socket_ref(&self) -> SocketRef<'_> {
        SocketRef { handle: sys::std_handle(self), role: Role::Listener }
    }
}
