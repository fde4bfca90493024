//! The `tokio` feature: the extension trait on tokio's socket types, and
//! [`closed`], a future that resolves when a connection ends.
//!
//! The types implement `AsFd` / `AsSocket` (since tokio 1.27), so each impl just
//! borrows the socket as a [`SocketRef`]. Tokio needs only its `net` feature.

use std::io;

use tokio::io::Interest;
use tokio::net::{TcpListener, TcpSocket, TcpStream};

use crate::ext::sealed;
use crate::sys::Role;
use crate::{KeepaliveExt, Liveness, SocketRef};

macro_rules! tokio_socket {
    ($($ty:ty => $role:expr),*) => {$(
        impl sealed::Socket for $ty {
            #[inline]
            fn socket_ref(&self) -> SocketRef<'_> {
                SocketRef::new(self).with_role($role)
            }
        }
        #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
        impl KeepaliveExt for $ty {}
    )*};
}

// A TcpSocket is not listening yet (`listen` consumes it into a TcpListener),
// but the kernel is asked all the same, as for any socket of unknown role.
tokio_socket!(TcpStream => Role::Stream, TcpListener => Role::Listener, TcpSocket => Role::Unknown);

/// Resolves when the peer closes `stream` or its kernel ends it (keepalive
/// found the peer dead, a reset, ...): [`Liveness::PeerClosed`] or
/// [`Liveness::Dead`], never [`Liveness::Open`]. Nothing is read.
///
/// - **Cancel-safe**: dropping the future changes nothing on `stream`, and no
///   data is consumed, so it fits a `tokio::select!` beside a read or a timer.
/// - **Readiness-driven**: it waits on its own registration of the socket (a
///   duplicate descriptor, with the runtime's edge-triggered readiness) and
///   checks [`liveness`](KeepaliveExt::liveness) only when the kernel reports
///   a change. An idle connection costs no wakeup; data that arrives and stays
///   unread wakes it once per arrival, not in a loop. Because the registration
///   is its own, it never takes readiness from a task reading `stream`.
///
/// Each call first checks once (`liveness()`, one `poll`); only if that says
/// `Open` does it duplicate the descriptor and register it with the runtime
/// (two system calls, and two more to undo them when it completes or is
/// dropped). Errors are those of `liveness()`, and of duplicating the socket.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use std::time::Duration;
/// use tcp_keepalive::{Keepalive, KeepaliveExt, Liveness};
///
/// # let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let stream = tokio::net::TcpStream::connect(listener.local_addr()?).await?;
/// # let (peer, _) = listener.accept().await?;
/// stream.set_keepalive_config(&Keepalive::new().with_idle(Duration::from_secs(30)))?;
/// # drop(peer);
/// match tcp_keepalive::tokio::closed(&stream).await? {
///     Liveness::PeerClosed => println!("the peer closed the connection"),
///     Liveness::Dead(why) => println!("the connection is gone: {why}"),
///     _ => {}
/// }
/// # Ok(())
/// # }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub async fn closed(stream: &TcpStream) -> io::Result<Liveness> {
    match stream.liveness()? {
        Liveness::Open => {}
        end => return Ok(end),
    }
    let watcher = Watcher::new(stream)?;
    loop {
        watcher.0.ready(Interest::READABLE).await?;
        // Checked inside try_io: the readiness is cleared only if no new event
        // came in the meantime, so a FIN arriving during the check is not lost.
        let checked = watcher.0.try_io(Interest::READABLE, || match watcher.0.liveness()? {
            Liveness::Open => Err(io::ErrorKind::WouldBlock.into()),
            end => Ok(end),
        });
        match checked {
            Ok(end) => return Ok(end),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
}

/// A second registration of the same connection, so that clearing its
/// readiness never touches the readiness that readers of the stream wait on.
struct Watcher(TcpStream);

impl Watcher {
    fn new(stream: &TcpStream) -> io::Result<Self> {
        let copy = std::net::TcpStream::from(dup(stream)?);
        // Already non-blocking: the flag lives on the shared socket.
        TcpStream::from_std(copy).map(Watcher)
    }
}

#[cfg(unix)]
fn dup(stream: &TcpStream) -> io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::AsFd;
    stream.as_fd().try_clone_to_owned()
}

#[cfg(windows)]
fn dup(stream: &TcpStream) -> io::Result<std::os::windows::io::OwnedSocket> {
    use std::os::windows::io::AsSocket;
    stream.as_socket().try_clone_to_owned()
}

#[cfg(not(any(unix, windows)))]
fn dup(_stream: &TcpStream) -> io::Result<std::os::fd::OwnedFd> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "closed(): no second registration here"))
}
