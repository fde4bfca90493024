//! README.md's "Noticing a dead peer without reading" example (tests/readme.rs
//! checks they are the same): a pooled connection checked before reuse.

use std::net::TcpStream;
use std::time::Duration;
use tcp_keepalive::{Keepalive, KeepaliveExt, Liveness};

/// A connection from the pool, or a new one if the kernel says it is gone.
fn reuse_or_reconnect(idle: TcpStream, addr: &str) -> std::io::Result<TcpStream> {
    match idle.liveness()? {
        Liveness::Open => return Ok(idle), // unread data, if any, is still there
        Liveness::PeerClosed => eprintln!("the peer closed it"),
        Liveness::Dead(why) => eprintln!("keepalive or a reset ended it: {why}"),
        _ => {}
    }
    let fresh = TcpStream::connect(addr)?;
    fresh.set_keepalive_config(&Keepalive::new().with_idle(Duration::from_secs(30)))?;
    Ok(fresh)
}

fn main() -> std::io::Result<()> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?.to_string();
    let pooled = TcpStream::connect(&addr)?;
    drop(listener.accept()?); // the server closes its side
    std::thread::sleep(Duration::from_millis(100));
    let stream = reuse_or_reconnect(pooled, &addr)?;
    assert_eq!(stream.liveness()?, Liveness::Open);
    Ok(())
}
