//! The other runtimes, through the borrowed handle `SocketRef` (no feature
//! needed): async-io / smol and mio, on the real kernel. Each test configures a
//! listener of that runtime, accepts, and checks that the accepted stream
//! inherits `SO_KEEPALIVE` and every value; plus a stream configured before its
//! connection completes; and async-std, discontinued in favour of smol but still
//! building, with its `io_safety` feature.
//!
//! Values are read back through socket2 as well as this crate, so a bug in one
//! reader cannot hide itself.
#![cfg(target_os = "linux")]

mod support;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use async_io::Async;
use support::{assert_has_config, full_config};
use tcp_keepalive::{KeepaliveExt, SocketRef};

const LOOPBACK: ([u8; 4], u16) = ([127, 0, 0, 1], 0);

// ---- async-io (and smol, which re-exports it as `smol::Async`) ----

#[test]
fn async_io_listener_settings_are_inherited() {
    let config = full_config();
    async_io::block_on(async {
        let listener = Async::<TcpListener>::bind(LOOPBACK).unwrap();
        // Either through the borrowed handle, or on the std socket inside.
        SocketRef::from(&listener).set_keepalive(true).unwrap();
        assert!(listener.get_ref().keepalive().unwrap());
        listener.get_ref().set_keepalive_config(&config).unwrap();
        assert_has_config("Async<TcpListener>", &listener, &config);

        let addr = listener.get_ref().local_addr().unwrap();
        let client = Async::<TcpStream>::connect(addr).await.unwrap();
        let (accepted, _) = listener.accept().await.unwrap();
        assert_has_config("accepted Async<TcpStream>", &accepted, &config);
        assert!(!client.get_ref().keepalive().unwrap(), "client was not configured");
    });
}

#[test]
fn async_io_stream_configured_after_connect() {
    let config = full_config();
    async_io::block_on(async {
        let listener = Async::<TcpListener>::bind(LOOPBACK).unwrap();
        let addr = listener.get_ref().local_addr().unwrap();
        let client = Async::<TcpStream>::connect(addr).await.unwrap();
        SocketRef::from(&client).set_keepalive_config(&config).unwrap();
        assert_has_config("Async<TcpStream>", &client, &config);
        let (accepted, _) = listener.accept().await.unwrap();
        assert!(!accepted.get_ref().keepalive().unwrap(), "listener was not configured");
    });
}

#[test]
fn smol_net_listener_settings_are_inherited() {
    let config = full_config();
    smol::block_on(async {
        let listener = smol::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        SocketRef::from(&listener).set_keepalive_config(&config).unwrap();
        assert_has_config("smol::net::TcpListener", &listener, &config);

        let addr = listener.local_addr().unwrap();
        let client = smol::net::TcpStream::connect(addr).await.unwrap();
        let (accepted, _) = listener.accept().await.unwrap();
        assert_has_config("accepted smol::net::TcpStream", &accepted, &config);
        assert!(!SocketRef::from(&client).keepalive().unwrap());
    });
}

// ---- async-std ----

#[test]
fn async_std_listener_settings_are_inherited() {
    let config = full_config();
    async_std::task::block_on(async {
        let listener = async_std::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        SocketRef::from(&listener).set_keepalive_config(&config).unwrap();
        assert_has_config("async_std::net::TcpListener", &listener, &config);

        let addr = listener.local_addr().unwrap();
        let client = async_std::net::TcpStream::connect(addr).await.unwrap();
        let (accepted, _) = listener.accept().await.unwrap();
        assert_has_config("accepted async_std::net::TcpStream", &accepted, &config);
        assert!(!SocketRef::from(&client).keepalive().unwrap());
    });
}

// ---- mio ----

/// Accepts one connection on a non-blocking mio listener, waiting with `poll`.
fn mio_accept(listener: &mut mio::net::TcpListener) -> mio::net::TcpStream {
    use mio::{Events, Interest, Poll, Token};

    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(4);
    poll.registry().register(listener, Token(0), Interest::READABLE).unwrap();
    let give_up = Instant::now() + Duration::from_secs(10);
    let stream = loop {
        match listener.accept() {
            Ok((stream, _)) => break stream,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(Instant::now() < give_up, "no connection to accept after 10 s");
                poll.poll(&mut events, Some(Duration::from_secs(1))).unwrap();
            }
            Err(e) => panic!("accept: {e}"),
        }
    };
    poll.registry().deregister(listener).unwrap();
    stream
}

fn mio_listener() -> (mio::net::TcpListener, SocketAddr) {
    let listener = mio::net::TcpListener::bind(SocketAddr::from(LOOPBACK)).unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

#[test]
fn mio_listener_settings_are_inherited() {
    let config = full_config();
    let (mut listener, addr) = mio_listener();
    SocketRef::from(&listener).set_keepalive_config(&config).unwrap();
    assert_has_config("mio::net::TcpListener", &listener, &config);

    let client = mio::net::TcpStream::connect(addr).unwrap();
    let accepted = mio_accept(&mut listener);
    assert_has_config("accepted mio::net::TcpStream", &accepted, &config);
    assert!(!SocketRef::from(&client).keepalive().unwrap());
}

#[test]
fn mio_stream_configured_while_connecting_keeps_its_settings() {
    let config = full_config();
    let (mut listener, addr) = mio_listener();
    // mio's connect returns at once, the handshake possibly still in flight.
    let client = mio::net::TcpStream::connect(addr).unwrap();
    SocketRef::from(&client).set_keepalive_config(&config).unwrap();
    let accepted = mio_accept(&mut listener);
    assert_has_config("connected mio::net::TcpStream", &client, &config);
    assert!(!SocketRef::from(&accepted).keepalive().unwrap(), "listener was not configured");
}
