//! The `tokio` feature: the extension trait on tokio's socket types.
//!
//! They implement `AsFd` / `AsSocket` (since tokio 1.27), so each impl just
//! borrows the socket as a [`SocketRef`]. Tokio needs only its `net` feature.

use tokio::net::{TcpListener, TcpSocket, TcpStream};

use crate::ext::sealed;
use crate::{KeepaliveExt, SocketRef};

macro_rules! tokio_socket {
    ($($ty:ty),*) => {$(
        impl sealed::Socket for $ty {
            #[inline]
            fn socket_ref(&self) -> SocketRef<'_> {
                SocketRef::new(self)
            }
        }
        #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
        impl KeepaliveExt for $ty {}
    )*};
}

tokio_socket!(TcpStream, TcpListener, TcpSocket);
