//! The `tokio` feature on a real tokio runtime, against the real kernel:
//! listener settings inherited by accepted streams, a `TcpSocket` configured
//! before it connects, a dead peer noticed by an `AsyncReadExt::read` while
//! the runtime keeps running other tasks, and `tcp_keepalive::tokio::closed`:
//! its answers, cancel safety, and its cost while waiting (polls and CPU time).
//!
//! Values are read back twice: through this crate and through socket2, which
//! makes its own `getsockopt` calls, so a bug in one reader cannot hide itself.
#![cfg(all(target_os = "linux", feature = "tokio"))]

mod support;

use std::future::Future;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use socket2::SockRef;
use support::{assert_has_config, full_config};
use tcp_keepalive::{AcceptKeepalive, Keepalive, KeepaliveExt, Liveness};
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

// ---- tcp_keepalive::tokio::closed ----

/// Loopback delivers in microseconds; this is only the give-up point.
const ARRIVAL: Duration = Duration::from_secs(5);

#[tokio::test]
async fn closed_resolves_peer_closed_on_a_fin() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (client, server) = connect_and_accept(&listener).await;
    let waiting = tokio::spawn(async move {
        let answer = tcp_keepalive::tokio::closed(&client).await;
        (answer, client)
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!waiting.is_finished(), "closed() resolved on an open connection");
    drop(server);
    let (answer, mut client) = tokio::time::timeout(ARRIVAL, waiting).await.unwrap().unwrap();
    assert_eq!(answer.unwrap(), Liveness::PeerClosed);
    assert_eq!(client.read(&mut [0u8; 8]).await.unwrap(), 0);
}

#[tokio::test]
async fn closed_resolves_dead_connection_reset_on_a_reset() {
    use tokio::io::AsyncWriteExt;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (mut client, server) = connect_and_accept(&listener).await;
    // Closing with unread data makes the server's kernel send a reset.
    client.write_all(b"never read").await.unwrap();
    server.readable().await.unwrap();
    drop(server);
    let answer = tokio::time::timeout(ARRIVAL, tcp_keepalive::tokio::closed(&client)).await;
    assert_eq!(answer.unwrap().unwrap(), Liveness::Dead(io::ErrorKind::ConnectionReset));
}

#[tokio::test]
async fn closed_is_cancel_safe_and_consumes_nothing() {
    use tokio::io::AsyncWriteExt;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (mut client, mut server) = connect_and_accept(&listener).await;
    server.write_all(b"first").await.unwrap();
    // Cancelled by the timer, several times, while data waits.
    for _ in 0..3 {
        let raced = tokio::time::timeout(Duration::from_millis(30), async {
            tcp_keepalive::tokio::closed(&client).await
        });
        assert!(raced.await.is_err(), "closed() resolved on an open connection");
    }
    // And beside a read of the same stream in one select!, which gets the data:
    // closed() never takes the readiness the reader waits for.
    let mut buf = [0u8; 5];
    let read = async {
        loop {
            client.readable().await?;
            match client.try_read(&mut buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                other => return other,
            }
        }
    };
    tokio::select! {
        read = read => assert_eq!(read.unwrap(), 5),
        end = tcp_keepalive::tokio::closed(&client) => panic!("closed() resolved: {end:?}"),
    }
    assert_eq!(&buf, b"first");
    server.write_all(b"second").await.unwrap();
    let mut buf = [0u8; 6];
    tokio::time::timeout(ARRIVAL, client.read_exact(&mut buf)).await.unwrap().unwrap();
    assert_eq!(&buf, b"second", "the stream still reads after closed() was dropped");
}

#[tokio::test(flavor = "current_thread")]
async fn closed_finds_a_silenced_peer_dead_timed_out_within_the_bound() {
    const TEST: &str = "closed_finds_a_silenced_peer_dead_timed_out_within_the_bound";
    if !keepalive_faults::run_here_or_in_user_netns(TEST) {
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (client, server) = connect_and_accept(&listener).await;
    let config = Keepalive::new()
        .with_idle(Duration::from_secs(1))
        .with_interval(Duration::from_secs(1))
        .with_retries(2);
    client.set_keepalive_config(&config).unwrap();
    let bound = config.idle_detection_bound().unwrap();
    keepalive_faults::silence(&server).unwrap();
    let start = Instant::now();
    let deadline = bound + Duration::from_millis(1500);
    let answer = tokio::time::timeout(deadline, tcp_keepalive::tokio::closed(&client)).await;
    let waited = start.elapsed();
    let answer = answer.unwrap_or_else(|_| panic!("still pending after {deadline:?}"));
    assert_eq!(answer.unwrap(), Liveness::Dead(io::ErrorKind::TimedOut));
    assert!(waited >= bound - Duration::from_millis(500), "too early: {waited:?}");
    drop(server);
}

/// This thread's CPU time (user + system).
fn thread_cpu_time() -> Duration {
    // SAFETY: getrusage writes one rusage into the zeroed struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_THREAD, &mut usage), 0);
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

const WAIT: Duration = Duration::from_secs(5);
/// Data that arrives during the wait, and stays unread.
const ARRIVALS: usize = 5;

/// Waits in `closed()` for `WAIT` on a runtime of this one thread; returns how
/// often the future was polled and the thread's CPU time meanwhile.
async fn wait_in_closed(client: &TcpStream) -> (usize, Duration) {
    let mut polls = 0;
    let cpu = thread_cpu_time();
    let mut closed = std::pin::pin!(tcp_keepalive::tokio::closed(client));
    let counted = std::future::poll_fn(|cx| {
        polls += 1;
        closed.as_mut().poll(cx)
    });
    let outcome = tokio::time::timeout(WAIT, counted).await;
    assert!(outcome.is_err(), "closed() resolved on an open connection: {outcome:?}");
    (polls, thread_cpu_time() - cpu)
}

#[tokio::test(flavor = "current_thread")]
async fn closed_costs_no_wakeups_on_an_idle_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (client, _server) = connect_and_accept(&listener).await;
    let (polls, cpu) = wait_in_closed(&client).await;
    eprintln!("closed() idle for {WAIT:?}: polled {polls} times, {cpu:?} CPU");
    // The first poll and the timer's: 2 (3 allows one spurious wakeup; a
    // spinning future is polled thousands of times).
    assert!(polls <= 3, "polled {polls} times on an idle connection");
    // A spinning future burns the whole 5 s; near zero is well under 5 %.
    assert!(cpu < WAIT / 20, "{cpu:?} of CPU in {WAIT:?}");
}

#[tokio::test(flavor = "current_thread")]
async fn closed_does_not_spin_on_unread_data() {
    use std::io::Write as _;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (client, server) = connect_and_accept(&listener).await;
    let mut server = server.into_std().unwrap();
    server.set_nonblocking(false).unwrap();
    server.write_all(b"waiting before").unwrap();
    // More data during the wait, from another thread, all of it left unread.
    let sender = std::thread::spawn(move || {
        for _ in 0..ARRIVALS {
            std::thread::sleep(WAIT / (ARRIVALS as u32 + 1));
            server.write_all(b"more").unwrap();
        }
        server
    });
    let (polls, cpu) = wait_in_closed(&client).await;
    let _server = sender.join().unwrap();
    eprintln!(
        "closed() with unread data for {WAIT:?} ({ARRIVALS} arrivals): polled {polls} times, {cpu:?} CPU"
    );
    // The first poll, the registration's first edge, one per arrival and the
    // timer's: ARRIVALS + 3 (twice as many allowed; a spin is thousands).
    assert!(polls <= 2 * ARRIVALS + 3, "polled {polls} times: it spins on unread data");
    assert!(cpu < WAIT / 20, "{cpu:?} of CPU in {WAIT:?}");
    let mut buf = vec![0u8; 14 + 4 * ARRIVALS];
    let mut client = client;
    client.read_exact(&mut buf).await.unwrap();
    assert!(buf.starts_with(b"waiting before"), "the data stayed readable");
}
