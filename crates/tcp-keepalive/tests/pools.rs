//! The connection-pool recipes of examples/pools.rs (deadpool and bb8, with
//! `liveness()` in their checkout checks) against the real kernel: once the
//! peer of a pooled idle connection is silenced (BPF: a host that lost power),
//! after the detection bound the pool hands out only a live connection, never
//! the dead one, and nothing was ever read from the pooled connection.
#![cfg(all(target_os = "linux", feature = "tokio"))]

#[path = "../examples/pools.rs"]
#[allow(dead_code)] // the example's main is not run here
mod example;

use example::recipes as pools;

use std::future::Future;
use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::ops::DerefMut;
use std::sync::mpsc;
use std::time::Duration;

use tcp_keepalive::{KeepaliveExt, Liveness};
use tokio::io::AsyncWriteExt;

/// A server that accepts every connection and hands its side to the test.
fn server() -> (SocketAddr, mpsc::Receiver<TcpStream>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (accepted, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            if accepted.send(stream.unwrap()).is_err() {
                return;
            }
        }
    });
    (addr, receiver)
}

fn next_accepted(server: &mpsc::Receiver<TcpStream>) -> TcpStream {
    server.recv_timeout(Duration::from_secs(5)).expect("the pool connected")
}

/// The scenario both pools go through: one pooled connection, returned idle;
/// its peer silenced; after the detection bound + 1.5 s, `get` must hand out
/// a new connection (not the dead one), open, that carries data to the
/// server's new side. `get` checks a connection out of the pool under test.
async fn silence_the_pooled_peer_then_check_out<F, C>(
    server: &mpsc::Receiver<TcpStream>,
    get: impl Fn() -> F,
) where
    F: Future<Output = C>,
    C: DerefMut<Target = tokio::net::TcpStream>,
{
    let first = get().await;
    let dead = first.local_addr().unwrap();
    drop(first); // back into the pool, idle
    let silenced = next_accepted(server);
    keepalive_faults::silence(&silenced).unwrap();

    let bound = pools::KEEPALIVE.idle_detection_bound().unwrap();
    tokio::time::sleep(bound + Duration::from_millis(1500)).await;
    let mut handed_out = get().await;
    let local = handed_out.local_addr().unwrap();
    assert_ne!(local, dead, "the pool handed out the connection whose peer is dead");
    assert_eq!(handed_out.liveness().unwrap(), Liveness::Open);
    handed_out.write_all(b"ping").await.unwrap();
    let mut peer = next_accepted(server);
    assert_eq!(peer.peer_addr().unwrap(), local);
    peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 4];
    peer.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping");
    drop(silenced);
}

#[tokio::test(flavor = "current_thread")]
async fn deadpool_hands_out_only_live_connections_after_the_bound() {
    if !keepalive_faults::run_here_or_in_user_netns(
        "deadpool_hands_out_only_live_connections_after_the_bound",
    ) {
        return;
    }
    let (addr, server) = server();
    let pool = pools::with_deadpool::Pool::builder(pools::with_deadpool::Manager(addr))
        .max_size(1)
        .build()
        .unwrap();
    silence_the_pooled_peer_then_check_out(&server, || async { pool.get().await.unwrap() }).await;
}

#[tokio::test(flavor = "current_thread")]
async fn bb8_hands_out_only_live_connections_after_the_bound() {
    if !keepalive_faults::run_here_or_in_user_netns(
        "bb8_hands_out_only_live_connections_after_the_bound",
    ) {
        return;
    }
    let (addr, server) = server();
    // One connection, checked on every checkout (also bb8's default).
    let pool = bb8::Pool::builder()
        .max_size(1)
        .test_on_check_out(true)
        .build(pools::with_bb8::Manager(addr))
        .await
        .unwrap();
    silence_the_pooled_peer_then_check_out(&server, || async { pool.get().await.unwrap() }).await;
}

#[tokio::test(flavor = "current_thread")]
async fn before_the_bound_the_idle_connection_is_handed_out_again() {
    // The control: a live pooled connection is reused, so the tests above
    // show the check at work, not a pool that always reconnects.
    let (addr, server) = server();
    let pool = pools::with_deadpool::Pool::builder(pools::with_deadpool::Manager(addr))
        .max_size(1)
        .build()
        .unwrap();
    let first = pool.get().await.unwrap().local_addr().unwrap();
    let _peer = next_accepted(&server);
    assert_eq!(pool.get().await.unwrap().local_addr().unwrap(), first);
    let bb8 = bb8::Pool::builder().max_size(1).build(pools::with_bb8::Manager(addr)).await.unwrap();
    let first = bb8.get().await.unwrap().local_addr().unwrap();
    let _peer = next_accepted(&server);
    assert_eq!(bb8.get().await.unwrap().local_addr().unwrap(), first);
}
