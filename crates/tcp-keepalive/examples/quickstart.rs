//! README.md's first example (tests/readme.rs checks they are the same); it
//! connects to a server that only exists in the example, so it is built, not run.

use std::net::TcpStream;
use std::time::Duration;
use tcp_keepalive::{Keepalive, KeepaliveExt};

fn main() -> std::io::Result<()> {
    let stream = TcpStream::connect("db.internal:5432")?;
    stream.set_keepalive(true)?; // exactly std's API
    assert!(stream.keepalive()?);

    let config = Keepalive::new()
        .with_idle(Duration::from_secs(60)) // first probe after 60 s idle
        .with_interval(Duration::from_secs(10)) // then every 10 s
        .with_retries(3); // 3 unanswered probes: dead
    stream.set_keepalive_config(&config)?;
    // What the OS really uses (OS defaults for anything not set, rounded values;
    // None where the OS has no such value or does not report it):
    let effective = stream.keepalive_config()?;
    let idle: Option<Duration> = effective.idle(); // Some(60s)
    let interval: Option<Duration> = effective.interval(); // Some(10s)
    let retries: Option<u32> = effective.retries(); // Some(3)
    let user_timeout: Option<Duration> = effective.user_timeout(); // None: not set
    println!("{idle:?} {interval:?} {retries:?} {user_timeout:?}");
    // An idle connection's dead peer: Some(90s). With writes, see detection_bound().
    println!("dead idle peer found within {:?}", effective.idle_detection_bound());
    Ok(())
}
