//! API semantics of the bool methods, the same as nightly std's, on every platform:
//! this file uses only std, so it builds for every target the crate supports.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use tcp_keepalive::{Keepalive, KeepaliveExt, Problem, Setting, SettingError, Value};

fn connected_pair() -> (TcpListener, TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (listener, client, server)
}

#[test]
fn a_fresh_stream_has_keepalive_off() {
    let (_listener, client, server) = connected_pair();
    assert!(!client.keepalive().unwrap());
    assert!(!server.keepalive().unwrap());
}

#[test]
fn set_keepalive_round_trips_both_ways() {
    let (_listener, client, _server) = connected_pair();
    client.set_keepalive(true).unwrap();
    assert!(client.keepalive().unwrap());
    client.set_keepalive(true).unwrap(); // idempotent
    assert!(client.keepalive().unwrap());
    client.set_keepalive(false).unwrap();
    assert!(!client.keepalive().unwrap());
}

#[test]
fn the_setting_belongs_to_one_socket() {
    let (_listener, client, server) = connected_pair();
    client.set_keepalive(true).unwrap();
    assert!(!server.keepalive().unwrap());
}

#[test]
fn a_listener_passes_keepalive_to_accepted_streams() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_keepalive(true).unwrap();
    assert!(listener.keepalive().unwrap());
    let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (accepted, _) = listener.accept().unwrap();
    assert!(accepted.keepalive().unwrap());

    listener.set_keepalive(false).unwrap();
    let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (accepted, _) = listener.accept().unwrap();
    assert!(!accepted.keepalive().unwrap());
}

// Where std has socket handle types to own a socket with.
#[cfg(any(unix, windows, all(target_os = "wasi", not(target_env = "p1"))))]
#[test]
fn a_borrowed_handle_works_on_any_socket_owner() {
    use tcp_keepalive::SocketRef;

    let (_listener, client, _server) = connected_pair();
    #[cfg(any(unix, target_os = "wasi"))]
    let owner = std::os::fd::OwnedFd::from(client);
    #[cfg(windows)]
    let owner = std::os::windows::io::OwnedSocket::from(client);

    let socket = SocketRef::from(&owner);
    assert!(!socket.keepalive().unwrap());
    socket.set_keepalive(true).unwrap();
    assert!(SocketRef::new(&owner).keepalive().unwrap());
    // The handle is a plain borrow: it reads the same socket through std again.
    assert!(TcpStream::from(owner).keepalive().unwrap());
}

#[test]
fn an_empty_config_only_turns_keepalive_on() {
    let (_listener, client, _server) = connected_pair();
    let before = client.keepalive_config();
    client.set_keepalive_config(&Keepalive::new()).unwrap();
    assert!(client.keepalive().unwrap());
    // Nothing else changed (where the OS can report it at all).
    if let Ok(before) = before {
        assert_eq!(client.keepalive_config().unwrap(), before);
    }
}

fn detail(err: &io::Error) -> &SettingError {
    SettingError::of(err).expect("a SettingError inside")
}

#[test]
fn zero_is_invalid_input_for_every_setting() {
    let (_listener, client, _server) = connected_pair();
    let cases = [
        (Keepalive::new().with_idle(Duration::ZERO), Setting::Idle),
        (Keepalive::new().with_interval(Duration::ZERO), Setting::Interval),
        (Keepalive::new().with_retries(0), Setting::Retries),
    ];
    for (config, setting) in cases {
        let err = client.set_keepalive_config(&config).unwrap_err();
        // Zero is refused everywhere, or the setting does not exist here at all.
        let detail = detail(&err);
        assert_eq!(detail.setting(), setting);
        match detail.problem() {
            Problem::TooSmall { min } => {
                assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
                assert!(err.to_string().contains("minimum"), "{err}");
                assert!(matches!(min, Value::Duration(_) | Value::Count(1)), "{min:?}");
            }
            Problem::Unsupported => assert_eq!(err.kind(), io::ErrorKind::Unsupported),
            other => panic!("unexpected {other:?} for {config:?}"),
        }
        assert!(!client.keepalive().unwrap(), "a refused config must not turn keepalive on");
    }
}

#[cfg(any(target_os = "openbsd", target_os = "haiku"))]
#[test]
fn tuning_is_unsupported_where_the_os_has_none() {
    let (_listener, client, _server) = connected_pair();
    let err = client
        .set_keepalive_config(&Keepalive::new().with_idle(Duration::from_secs(60)))
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::Unsupported);
    assert_eq!(client.keepalive_config().unwrap_err().kind(), io::ErrorKind::Unsupported);
    // The bool API keeps working.
    client.set_keepalive(true).unwrap();
    assert!(client.keepalive().unwrap());
}
