//! Both strategies of `AcceptKeepalive`, and the listener refusal, on real
//! Linux sockets. The per-stream strategy, and Apple's rules, are selected
//! through the tables of other OSes' shape: the public API has no knob for it.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsFd, BorrowedFd};
use std::time::{Duration, Instant};

use super::AcceptKeepalive;
use crate::ext::SocketRef;
use crate::sys::platform::every_os::{apple, dragonfly, linux, netbsd};
use crate::sys::table::{AcceptQueue, OnListener, Plan, Platform};
use crate::sys::Role;
use crate::{Keepalive, KeepaliveExt, Problem, SettingError};

fn config() -> Keepalive {
    Keepalive::new()
        .with_idle(Duration::from_secs(31))
        .with_interval(Duration::from_secs(7))
        .with_retries(4)
        .with_user_timeout(Duration::from_millis(45_000))
}

/// Linux's table, but with accepted sockets assumed to inherit nothing.
/// Static, as every table is (a plan points into its table).
fn linux_per_stream() -> &'static Platform {
    let mut p = linux::PLATFORM;
    for option in [&mut p.idle, &mut p.interval, &mut p.retries, &mut p.user_timeout] {
        option.as_mut().unwrap().on_listener = OnListener::NotInherited;
    }
    Box::leak(Box::new(p))
}

/// Linux's table, with DragonFly's way of finding the connections queued
/// before `new`: each stream is read until one inherited the whole plan.
fn linux_until_inherited() -> &'static Platform {
    let mut p = linux::PLATFORM;
    p.accept_queue = AcceptQueue::UntilInherited;
    Box::leak(Box::new(p))
}

fn plan_for(
    platform: &'static Platform,
    socket: SocketRef<'_>,
    config: &Keepalive,
) -> io::Result<Plan> {
    crate::sys::plan_for(platform, socket.handle, socket.role, config)
}

fn as_listener(listener: &TcpListener) -> SocketRef<'_> {
    SocketRef::new(listener).with_role(Role::Listener)
}

fn accept_many(platform: &'static Platform, n: usize) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let fresh = listener.keepalive_config().unwrap();
    let keepalive = AcceptKeepalive::on(platform, as_listener(&listener), &config()).unwrap();
    if !platform.accepted_sockets_inherit_all() {
        assert!(keepalive.per_stream(), "nothing inherited: every stream is written");
        assert!(!listener.keepalive().unwrap(), "per stream: the listener is left alone");
        assert_eq!(listener.keepalive_config().unwrap(), fresh);
    } else {
        assert_eq!(listener.keepalive_config().unwrap(), config());
        if keepalive.per_stream() {
            // The listener was written, but its accept queue could not be
            // counted (qemu-user answers TCP_INFO with one int): then every
            // stream is written too, which the loop below checks.
            println!(
                "SKIPPED accept::tests (0 writes per accept): the listener's accept queue \
                 cannot be read here (a short TCP_INFO, as under qemu-user); every stream is \
                 configured instead"
            );
        }
    }
    let addr = listener.local_addr().unwrap();
    for i in 0..n {
        let _client = TcpStream::connect(addr).unwrap();
        let (stream, _) = listener.accept().unwrap();
        keepalive.apply(&stream).unwrap();
        assert!(stream.keepalive().unwrap(), "connection {i}");
        assert_eq!(stream.keepalive_config().unwrap(), config(), "connection {i}");
    }
}

#[test]
fn through_the_listener_1000_accepted_connections_read_back_the_config() {
    assert!(linux::PLATFORM.accepted_sockets_inherit_all());
    accept_many(&linux::PLATFORM, 1000);
}

#[test]
fn until_inherited_1000_accepted_connections_read_back_the_config() {
    accept_many(linux_until_inherited(), 1000);
}

#[test]
fn per_stream_1000_accepted_connections_read_back_the_same_config() {
    let per_stream = linux_per_stream();
    assert!(!per_stream.accepted_sockets_inherit_all());
    accept_many(per_stream, 1000);
}

/// A descriptor number no process can have open (above the kernel's
/// `fs.nr_open` ceiling): any system call on it fails with EBADF, so an answer
/// other than EBADF proves that none was made.
fn never_open() -> crate::sys::Handle<'static> {
    // SAFETY: the number is only ever passed to getsockopt/setsockopt, which
    // report EBADF for it; it can never name an open file of this process.
    unsafe { BorrowedFd::borrow_raw(i32::MAX - 1) }.into()
}

/// A stream no process can have open: `apply` answers EBADF for it if, and
/// only if, it makes a system call.
fn never_open_stream() -> SocketRef<'static> {
    SocketRef { handle: never_open(), role: Role::Stream }
}

/// How many connections wait in `listener`'s accept queue (Linux `tcp_info`),
/// or `None` where the answer is too short to hold it (qemu-user).
fn queued(listener: &TcpListener) -> Option<usize> {
    let AcceptQueue::Counted(queue) = linux::PLATFORM.accept_queue else {
        unreachable!("Linux counts its accept queue")
    };
    crate::sys::accept_queue_len(listener.as_fd().into(), &queue).unwrap()
}

/// Connects `n` clients and waits until the kernel queued all of them, where
/// the queue can be read. (On loopback the handshake completes within
/// `connect`; the wait only makes that certain.)
fn queue_connections(listener: &TcpListener, n: usize) -> Vec<TcpStream> {
    let before = queued(listener);
    let addr = listener.local_addr().unwrap();
    let clients: Vec<_> = (0..n).map(|_| TcpStream::connect(addr).unwrap()).collect();
    if let Some(before) = before {
        let deadline = Instant::now() + Duration::from_secs(5);
        while queued(listener).unwrap() < before + n {
            assert!(Instant::now() < deadline, "only {:?} of {n} queued", queued(listener));
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    clients
}

/// Accepts the oldest queued connection and applies `keepalive` to it.
fn accept_and_apply(listener: &TcpListener, keepalive: &AcceptKeepalive) -> TcpStream {
    let (stream, _) = listener.accept().unwrap();
    keepalive.apply(&stream).unwrap();
    assert!(stream.keepalive().unwrap());
    assert_eq!(stream.keepalive_config().unwrap(), config());
    stream
}

#[test]
fn until_inherited_the_queue_at_new_is_written_then_no_system_call_is_made() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let _early = queue_connections(&listener, 5);
    let platform = linux_until_inherited();
    let keepalive = AcceptKeepalive::on(platform, as_listener(&listener), &config()).unwrap();
    assert_eq!(listener.keepalive_config().unwrap(), config(), "new configures the listener");
    let _late = queue_connections(&listener, 3);
    for i in 0..5 {
        let (stream, _) = listener.accept().unwrap();
        assert!(!stream.keepalive().unwrap(), "{i}: a copy of the listener before new");
        keepalive.apply(&stream).unwrap();
        assert!(stream.keepalive().unwrap(), "{i}");
        assert_eq!(stream.keepalive_config().unwrap(), config(), "{i}");
        // Not caught up: the next stream is still read.
        assert!(keepalive.apply(&never_open_stream()).is_err(), "caught up at {i}");
    }
    // The first stream that completed after `new` inherited the plan: from
    // there on `apply` makes no system call (none on this descriptor).
    accept_and_apply(&listener, &keepalive);
    keepalive.apply(&never_open_stream()).unwrap();
    accept_and_apply(&listener, &keepalive);
    accept_and_apply(&listener, &keepalive);
    let _later = queue_connections(&listener, 1);
    accept_and_apply(&listener, &keepalive);
}

#[test]
fn until_inherited_a_listener_keeping_alive_with_other_values_gets_its_queue_rewritten() {
    // SO_KEEPALIVE is copied on: only the values tell the queued streams
    // apart. Each differs from the plan in one value, the last one too.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut early = Vec::new();
    let others = [
        config().with_idle(Duration::from_secs(32)),
        config().with_user_timeout(Duration::from_secs(46)),
    ];
    for other in &others {
        as_listener(&listener).set_keepalive_config(other).unwrap();
        early.extend(queue_connections(&listener, 1));
    }
    let keepalive =
        AcceptKeepalive::on(linux_until_inherited(), as_listener(&listener), &config()).unwrap();
    let _late = queue_connections(&listener, 2);
    for other in &others {
        let (stream, _) = listener.accept().unwrap();
        assert!(stream.keepalive().unwrap());
        assert_eq!(stream.keepalive_config().unwrap(), *other, "queued before new");
        keepalive.apply(&stream).unwrap();
        assert_eq!(stream.keepalive_config().unwrap(), config());
        assert!(keepalive.apply(&never_open_stream()).is_err(), "caught up at {other:?}");
    }
    accept_and_apply(&listener, &keepalive);
    keepalive.apply(&never_open_stream()).unwrap();
    accept_and_apply(&listener, &keepalive);
}

fn idle_only() -> Keepalive {
    Keepalive::new().with_idle(Duration::from_secs(60))
}

fn assert_kills_listener(err: io::Error) {
    assert_eq!(err.kind(), io::ErrorKind::Unsupported, "{err}");
    let detail = SettingError::of(&err).unwrap_or_else(|| panic!("not a refusal: {err}"));
    assert!(matches!(detail.problem(), Problem::KillsListener { .. }), "{err}");
    assert!(err.to_string().contains("macOS"), "{err}");
}

#[test]
fn apple_listeners_are_refused_an_idle_time_before_any_system_call() {
    // With the role known (TcpListener, tokio's TcpListener), no call is made:
    // on a descriptor that cannot be open, the answer is the refusal, not EBADF.
    let listener = SocketRef { handle: never_open(), role: Role::Listener };
    let err = plan_for(&apple::PLATFORM, listener, &idle_only()).unwrap_err();
    assert_kills_listener(err);

    // The values that do not arm the timer are allowed on a listener.
    let safe = Keepalive::new().with_interval(Duration::from_secs(5)).with_retries(3);
    assert!(plan_for(&apple::PLATFORM, listener, &safe).is_ok());

    // A stream is never asked.
    let stream = SocketRef { handle: never_open(), role: Role::Stream };
    assert!(plan_for(&apple::PLATFORM, stream, &idle_only()).is_ok());
}

#[test]
fn a_socket_ref_is_asked_whether_it_listens_only_when_it_matters() {
    let unknown = SocketRef { handle: never_open(), role: Role::Unknown };
    // Linux's table has nothing that kills a listener: no call, no EBADF.
    assert!(plan_for(&linux::PLATFORM, unknown, &idle_only()).is_ok());
    // Apple's, with a safe value: no call either.
    let safe = Keepalive::new().with_retries(3);
    assert!(plan_for(&apple::PLATFORM, unknown, &safe).is_ok());
    // Apple's, with an idle time: SO_ACCEPTCONN is read, and fails on this descriptor.
    let err = plan_for(&apple::PLATFORM, unknown, &idle_only()).unwrap_err();
    assert!(err.to_string().contains("SO_ACCEPTCONN"), "{err}");

    // On real sockets, through SO_ACCEPTCONN: the listener is refused, a stream is not.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let err = plan_for(&apple::PLATFORM, SocketRef::new(&listener), &idle_only());
    assert_kills_listener(err.unwrap_err());
    assert!(plan_for(&apple::PLATFORM, SocketRef::new(&client), &idle_only()).is_ok());
    let err = plan_for(&netbsd::PLATFORM, SocketRef::new(&listener), &idle_only());
    assert!(err.unwrap_err().to_string().contains("NetBSD"));
}

#[test]
fn on_apple_accept_keepalive_leaves_the_listener_alone_and_never_applies_to_it() {
    // Apple's strategy is per stream. Only refusals are exercised here: Apple's
    // option numbers mean nothing to a Linux socket.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let keepalive = AcceptKeepalive::on(&apple::PLATFORM, as_listener(&listener), &idle_only());
    let keepalive = keepalive.unwrap();
    assert!(keepalive.per_stream());
    assert!(!listener.keepalive().unwrap(), "nothing was set on the listener");
    assert_kills_listener(keepalive.apply(&listener).unwrap_err());
    assert_kills_listener(keepalive.apply(&SocketRef::new(&listener)).unwrap_err());
}

#[test]
fn on_dragonfly_the_listener_takes_every_value_and_accepted_sockets_inherit_it() {
    // DragonFly arms the keepalive timer only once established
    // (tcp_timer_keep_activity) and syncache_socket copies every value, so
    // nothing is refused on a listener.
    let listener = SocketRef { handle: never_open(), role: Role::Listener };
    let full = Keepalive::new()
        .with_idle(Duration::from_secs(31))
        .with_interval(Duration::from_secs(7))
        .with_retries(4);
    assert!(plan_for(&dragonfly::PLATFORM, listener, &full).is_ok());
    assert!(dragonfly::PLATFORM.accepted_sockets_inherit_all());
    // No option counts the connections already queued, but the queue is
    // first in, first out: the streams are read until one inherited the plan.
    assert_eq!(dragonfly::PLATFORM.accept_queue, AcceptQueue::UntilInherited);
    // So `new` writes the listener: its first call, on this descriptor, fails.
    let err = AcceptKeepalive::on(&dragonfly::PLATFORM, listener, &full).unwrap_err();
    assert!(err.to_string().contains("setting TCP_KEEPIDLE failed"), "{err}");
    let os = std::error::Error::source(&err).and_then(|e| e.downcast_ref::<io::Error>());
    assert_eq!(os.and_then(io::Error::raw_os_error), Some(libc::EBADF), "{err}");
}

#[test]
fn a_bad_config_fails_in_new_before_any_system_call() {
    let listener = SocketRef { handle: never_open(), role: Role::Listener };
    let err = AcceptKeepalive::on(&linux::PLATFORM, listener, &Keepalive::new().with_retries(128))
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
}
