//! The `tokio` feature: the extension trait on tokio's socket types.

use tokio::net::{TcpListener, TcpSocket, TcpStream};

use crate::ext::sealed;
use crate::{KeepaliveExt, SocketRef};

macro_rules! tokio_socket {
    ($($ty:ty),*) => {$(
        impl sealed::Socket for $ty {
            fn socket_ref(&self) -> SocketRef<'_> {
                SocketRef::new(self)
            }
        }
        impl KeepaliveExt for $ty {}
    )*};
}

tokio_socket!(TcpStream, TcpListener, TcpSocket);
