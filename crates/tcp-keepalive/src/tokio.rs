//! The `tokio` feature: the extension trait on tokio's socket types.
//!
//! They implement `AsFd` / `AsSocket` (since tokio 1.27), so each impl just
//! borrows the socket as a [`SocketRef`]. Tokio needs only its `net` feature.

use tokio::net::{TcpListener, TcpSocket, TcpStream};

use crate::ext::sealed;
use crate::sys::Role;
use crate::{KeepaliveExt, SocketRef};

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
