//! Enables keepalive on a loopback connection and tunes it with socket2.

use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let stream = TcpStream::connect(listener.local_addr()?)?;
    let config = TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10))
        .with_retries(5);
    let socket = SockRef::from(&stream);
    socket.set_tcp_keepalive(&config)?;
    println!("keepalive: {}", socket.keepalive()?);
    Ok(())
}
