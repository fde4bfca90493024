//! [`Liveness`]: what the kernel knows about a connection, asked without reading.

use std::io;

/// The state of a TCP connection as its kernel knows it, from
/// [`KeepaliveExt::liveness`](crate::KeepaliveExt::liveness): asked without
/// reading and without consuming any data.
///
/// Keepalive ends a dead connection inside the kernel; this is how a program
/// that is not reading (an idle connection in a pool, a stream waiting for its
/// turn) learns of it.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Liveness {
    /// The connection is established. Unread data may be waiting: the check
    /// never consumes it, and the next read still returns it.
    Open,
    /// The peer sent FIN: it will send nothing more. Reads return 0 once any
    /// data still waiting has been read. Writes may still work (a half-closed
    /// connection) until the peer's kernel answers them with a reset.
    PeerClosed,
    /// The kernel ended the connection, for the reason given: `TimedOut` when
    /// keepalive (or the user timeout) gave up on a silent peer,
    /// `ConnectionReset` when the peer reset it, `NotConnected` for a socket
    /// that never connected, and so on. A read then returns at once (the error,
    /// or 0 where the check took the error, see below) and never returns data.
    ///
    /// Whether the check takes the pending socket error, as std's
    /// `take_error` does, depends on the OS: Linux does (a later check or read
    /// then sees an ordinary end of stream), the BSDs, Apple systems and
    /// illumos do not. The `platforms` page says it for each OS.
    Dead(io::ErrorKind),
}

impl Liveness {
    /// True for [`Liveness::Open`]: the connection can still carry data both ways.
    ///
    /// ```
    /// use tcp_keepalive::Liveness;
    /// assert!(Liveness::Open.is_open());
    /// assert!(!Liveness::PeerClosed.is_open());
    /// assert!(!Liveness::Dead(std::io::ErrorKind::TimedOut).is_open());
    /// ```
    #[inline]
    pub fn is_open(self) -> bool {
        self == Liveness::Open
    }
}
