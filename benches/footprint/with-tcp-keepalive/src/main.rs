//! Enables keepalive on a loopback connection and tunes it with tcp-keepalive.

use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use tcp_keepalive::{Keepalive, KeepaliveExt};

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let stream = TcpStream::connect(listener.local_addr()?)?;
    let config = Keepalive::new()
        .with_idle(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10))
        .with_retries(5);
    stream.set_keepalive_config(&config)?;
    println!("keepalive: {}", KeepaliveExt::keepalive(&stream)?);
    Ok(())
}
