//! The `tokio` feature on a real tokio runtime, against the real kernel:
//! listener settings inherited by accepted streams, a `TcpSocket` configured
//! before it connects, and a dead peer noticed by an `AsyncReadExt::read` while
//! the runtime keeps running other tasks.
//!
//! Values are read back twice: through this crate and through socket2, which
//! makes its own `getsockopt` calls, so a bug in one reader cannot hide itself.
#![cfg(all(target_os = "linux", feature = "tokio"))]

mod support;

use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use socket2::SockRef;
use support::{assert_has_config, full_config};
use tcp_keepalive::{AcceptKeepalive, Keepalive, KeepaliveExt};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpSocket, TcpStream};

async fn connect_and_accept(listener: &TcpListener) -> (TcpStream, TcpStream) {
    let addr = listener.local_addr().unwrap();
    let (client, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
    (client.unwrap(), accepted.unwrap().0)
}

#[tokio::test]
async fn listener_bool_is_inherited_by_accepted_streams() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    assert!(!listener.keepalive().unwrap(), "keepalive is off by default");
    listener.set_keepalive(true).unwrap();
    assert!(listener.keepalive().unwrap());

    let (client, accepted) = connect_and_accept(&listener).await;
    assert!(accepted.keepalive().unwrap(), "accepted stream did not inherit SO_KEEPALIVE");
    assert!(SockRef::from(&accepted).keepalive().unwrap());
    // The other end was never configured: the setting did not come from a default.
    assert!(!client.keepalive().unwrap());

    // And it can be switched off again on the accepted stream alone.
    accepted.set_keepalive(false).unwrap();
    assert!(!accepted.keepalive().unwrap());
    assert!(listener.keepalive().unwrap());
}

#[tokio::test]
async fn listener_config_is_inherited_by_accepted_streams() {
    let config = full_config();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.set_keepalive_config(&config).unwrap();
    assert_has_config("listener", &listener, &config);

    // Several connections, each accepted after the listener was configured.
    for i in 0..3 {
        let (client, accepted) = connect_and_accept(&listener).await;
        assert_has_config(&format!("accepted stream {i}"), &accepted, &config);
        assert!(!client.keepalive().unwrap());
    }
}

#[tokio::test]
async fn accept_keepalive_configures_every_accepted_tokio_stream() {
    let config = full_config();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let keepalive = AcceptKeepalive::new(&listener, &config).unwrap();
    for _ in 0..20 {
        let (_client, accepted) = connect_and_accept(&listener).await;
        keepalive.apply(&accepted).unwrap();
        assert_has_config("accepted tokio stream", &accepted, &config);
    }
}

#[tokio::test]
async fn tcp_socket_configured_before_connect_keeps_its_settings() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = full_config();

    let socket = TcpSocket::new_v4().unwrap();
    socket.set_keepalive_config(&config).unwrap();
    assert_has_config("unconnected TcpSocket", &socket, &config);

    let (stream, accepted) =
        tokio::join!(socket.connect(listener.local_addr().unwrap()), listener.accept());
    let (stream, (accepted, _)) = (stream.unwrap(), accepted.unwrap());
    assert_has_config("connected stream", &stream, &config);
    // The listener was not configured, so the server side is untouched.
    assert!(!accepted.keepalive().unwrap());
}

#[tokio::test]
async fn tcp_socket_configured_before_listen_passes_settings_on() {
    let config = full_config();
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_keepalive_config(&config).unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(16).unwrap();
    assert_has_config("listener from TcpSocket", &listener, &config);

    let (_client, accepted) = connect_and_accept(&listener).await;
    assert_has_config("accepted stream", &accepted, &config);
}

#[tokio::test]
async fn invalid_config_on_a_tokio_stream_is_refused_and_changes_nothing() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (client, _accepted) = connect_and_accept(&listener).await;
    let config = full_config();
    client.set_keepalive_config(&config).unwrap();

    let too_long = full_config().with_idle(Duration::from_secs(32_768));
    let err = client.set_keepalive_config(&too_long).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("32767"), "message names the limit: {err}");
    assert_has_config("stream after refused config", &client, &config);
}

/// Instants at which a task on the same runtime woke up.
type Ticks = Arc<Mutex<Vec<Instant>>>;

const TICK: Duration = Duration::from_millis(100);
/// The longest gap between two ticks that still counts as "the runtime kept
/// running": five ticks' worth, for a loaded CI machine.
const MAX_GAP: Duration = Duration::from_millis(500);

/// A dead peer ends a pending `read` with `TimedOut` within the detection
/// bound + 1.5 s, and the runtime, a single thread, keeps serving another task
/// all along: keepalive needs no blocking and no help from the runtime.
#[tokio::test(flavor = "current_thread")]
async fn dead_peer_ends_async_read_with_timed_out_and_runtime_stays_responsive() {
    const TEST: &str = "dead_peer_ends_async_read_with_timed_out_and_runtime_stays_responsive";
    if !keepalive_faults::run_here_or_in_user_netns(TEST) {
        return;
    }

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (mut client, server) = connect_and_accept(&listener).await;
    let config = Keepalive::new()
        .with_idle(Duration::from_secs(1))
        .with_interval(Duration::from_secs(1))
        .with_retries(2);
    client.set_keepalive_config(&config).unwrap();
    let bound = client.keepalive_config().unwrap().idle_detection_bound().unwrap();
    assert_eq!(bound, Duration::from_secs(3));
    let deadline = bound + Duration::from_millis(1500);

    // The server's kernel now drops everything for its socket: a vanished host.
    keepalive_faults::silence(&server).unwrap();

    let ticks: Ticks = Arc::default();
    let ticker = tokio::spawn({
        let ticks = Arc::clone(&ticks);
        async move {
            loop {
                ticks.lock().unwrap().push(Instant::now());
                tokio::time::sleep(TICK).await;
            }
        }
    });

    let start = Instant::now();
    let mut buf = [0u8; 64];
    let result = tokio::time::timeout(deadline, client.read(&mut buf)).await;
    let end = Instant::now();
    ticker.abort();

    match result {
        Err(_) => panic!("read still pending after {deadline:?} (bound {bound:?} + 1.5 s)"),
        Ok(Ok(n)) => panic!("read returned {n} bytes from a silent peer"),
        Ok(Err(e)) => assert_eq!(e.kind(), io::ErrorKind::TimedOut, "unexpected error: {e}"),
    }
    let waited = end - start;
    assert!(waited <= deadline, "TimedOut after {waited:?}, bound {bound:?} + 1.5 s");

    // The ticker ran throughout the wait: first tick right after spawn, no
    // stall anywhere, up to the moment the read ended.
    let ticks = ticks.lock().unwrap().clone();
    let mut points = vec![start];
    points.extend(ticks.iter().copied().filter(|t| *t >= start && *t <= end));
    points.push(end);
    let longest = points.windows(2).map(|w| w[1] - w[0]).max().unwrap();
    // Half of what an idle runtime would manage: generous, yet a runtime that
    // was blocked for most of the wait falls far short.
    let min_ticks = (waited.as_millis() / (2 * TICK.as_millis())) as usize;
    let count = points.len() - 2;
    eprintln!(
        "{TEST}: TimedOut after {waited:?} (bound {bound:?}); {count} ticks, longest gap {longest:?}"
    );
    assert!(
        longest <= MAX_GAP,
        "runtime stalled for {longest:?} while the read was pending ({count} ticks in {waited:?})"
    );
    assert!(
        count >= min_ticks,
        "only {count} ticks of {TICK:?} in {waited:?}: the runtime was not responsive"
    );

    drop(server);
}
