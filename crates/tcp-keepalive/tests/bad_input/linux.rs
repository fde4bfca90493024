//! Hostile input on Linux (see RELIABILITY.md): arbitrary durations and counts,
//! checked against raw `getsockopt` and Linux's own limits, and the wrong kinds
//! of socket through `SocketRef`.
//!
//! Every `set_keepalive_config` either applies exactly the rounded-up values,
//! as raw `getsockopt` shows, or returns `InvalidInput` naming the first bad
//! setting and its limit and leaves all five options as they were. Nothing
//! panics.

use std::io;
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use super::support::{raw_apply, raw_state, try_raw_get as raw_get, RawState};
use proptest::prelude::*;
use tcp_keepalive::{Keepalive, KeepaliveExt, Problem, Setting, SettingError, SocketRef, Value};

/// Linux's limits (include/net/tcp.h; TCP_USER_TIMEOUT is a C int of ms).
const MAX_IDLE_S: u64 = 32_767;
const MAX_INTERVAL_S: u64 = 32_767;
const MAX_COUNT: u32 = 127;
const MAX_USER_TIMEOUT_MS: u128 = i32::MAX as u128;

/// Rounded up to whole seconds / milliseconds, computed here independently of the crate.
fn ceil_secs(d: Duration) -> u128 {
    d.as_nanos().div_ceil(1_000_000_000)
}
fn ceil_millis(d: Duration) -> u128 {
    d.as_nanos().div_ceil(1_000_000)
}

/// What the kernel must show after `config`, or which setting must be refused
/// (the first bad one, in the order idle, interval, retries, user timeout).
/// A refusal: the setting, the problem, and the limit as the message writes it.
type Refusal = (Setting, Problem, &'static str);

fn expected(before: RawState, config: &Keepalive) -> Result<RawState, Refusal> {
    let secs = |s: u64| Value::Duration(Duration::from_secs(s));
    let millis = |ms: u64| Value::Duration(Duration::from_millis(ms));
    let too_small = |min: Value, text| (Problem::TooSmall { min }, text);
    let too_large = |max: Value, text| (Problem::TooLarge { max }, text);
    let refuse =
        |setting: Setting, (problem, text): (Problem, &'static str)| (setting, problem, text);
    let mut after = RawState { keepalive: 1, ..before };
    if let Some(idle) = config.idle() {
        match ceil_secs(idle) {
            0 => return Err(refuse(Setting::Idle, too_small(secs(1), "1s"))),
            s if s > u128::from(MAX_IDLE_S) => {
                return Err(refuse(Setting::Idle, too_large(secs(MAX_IDLE_S), "32767s")))
            }
            s => after.idle_s = s as i32,
        }
    }
    if let Some(interval) = config.interval() {
        match ceil_secs(interval) {
            0 => return Err(refuse(Setting::Interval, too_small(secs(1), "1s"))),
            s if s > u128::from(MAX_INTERVAL_S) => {
                return Err(refuse(Setting::Interval, too_large(secs(MAX_INTERVAL_S), "32767s")))
            }
            s => after.interval_s = s as i32,
        }
    }
    if let Some(retries) = config.retries() {
        match retries {
            0 => return Err(refuse(Setting::Retries, too_small(Value::Count(1), "1"))),
            n if n > MAX_COUNT => {
                return Err(refuse(Setting::Retries, too_large(Value::Count(MAX_COUNT), "127")))
            }
            n => after.count = n as i32,
        }
    }
    if let Some(user_timeout) = config.user_timeout() {
        match ceil_millis(user_timeout) {
            0 => return Err(refuse(Setting::UserTimeout, too_small(millis(1), "1ms"))),
            ms if ms > MAX_USER_TIMEOUT_MS => {
                return Err(refuse(
                    Setting::UserTimeout,
                    too_large(millis(MAX_USER_TIMEOUT_MS as u64), "2147483647ms"),
                ))
            }
            ms => after.user_timeout_ms = ms as i32,
        }
    }
    Ok(after)
}

/// Durations from every class: zero, sub-second, ordinary, at and around the
/// limits, huge, and `Duration::MAX`.
fn any_duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::MAX),
        Just(Duration::from_nanos(1)),
        Just(Duration::from_secs(MAX_IDLE_S)),
        Just(Duration::from_secs(MAX_IDLE_S) + Duration::from_nanos(1)),
        Just(Duration::from_secs(MAX_IDLE_S + 1)),
        Just(Duration::from_millis(i32::MAX as u64)),
        Just(Duration::from_millis(i32::MAX as u64) + Duration::from_nanos(1)),
        (0u32..1_000_000_000).prop_map(|n| Duration::new(0, n)),
        (0u64..=40_000, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        (0u64..=3_000_000, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
    ]
}

fn any_count() -> impl Strategy<Value = u32> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(MAX_COUNT),
        Just(MAX_COUNT + 1),
        Just(i32::MAX as u32),
        Just(i32::MAX as u32 + 1),
        Just(u32::MAX),
        0u32..=200,
        any::<u32>(),
    ]
}

fn any_config() -> impl Strategy<Value = Keepalive> {
    (
        proptest::option::of(any_duration()),
        proptest::option::of(any_duration()),
        proptest::option::of(any_count()),
        proptest::option::of(any_duration()),
    )
        .prop_map(|(idle, interval, retries, user_timeout)| {
            let mut k = Keepalive::new();
            if let Some(d) = idle {
                k = k.with_idle(d);
            }
            if let Some(d) = interval {
                k = k.with_interval(d);
            }
            if let Some(n) = retries {
                k = k.with_retries(n);
            }
            if let Some(d) = user_timeout {
                k = k.with_user_timeout(d);
            }
            k
        })
}

/// A random valid state to start from, so "unchanged" cannot pass by luck
/// of the defaults.
fn any_start_state() -> impl Strategy<Value = RawState> {
    (0..=1, 1..=32_767, 1..=32_767, 1..=127, 0..=i32::MAX).prop_map(
        |(keepalive, idle_s, interval_s, count, user_timeout_ms)| RawState {
            keepalive,
            idle_s,
            interval_s,
            count,
            user_timeout_ms,
        },
    )
}

fn connected() -> (TcpListener, TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (listener, client, server)
}

/// Checks one call against the kernel; returns a description of a mismatch.
fn check(socket: &impl AsFd, start: RawState, config: &Keepalive) -> Result<(), TestCaseError> {
    raw_apply(socket, start);
    let result = SocketRef::from(socket).set_keepalive_config(config);
    let after = raw_state(socket);
    match (expected(start, config), result) {
        (Ok(want), Ok(())) => {
            prop_assert_eq!(after, want, "applied values differ for {:?}", config);
            // And the crate reads back what the kernel has.
            let read = SocketRef::from(socket).keepalive_config().unwrap();
            prop_assert_eq!(read.idle(), Some(Duration::from_secs(want.idle_s as u64)));
            prop_assert_eq!(read.interval(), Some(Duration::from_secs(want.interval_s as u64)));
            prop_assert_eq!(read.retries(), Some(want.count as u32));
            let ut = (want.user_timeout_ms != 0)
                .then(|| Duration::from_millis(want.user_timeout_ms as u64));
            prop_assert_eq!(read.user_timeout(), ut);
        }
        (Err((setting, problem, limit)), Err(err)) => {
            prop_assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{}", err);
            prop_assert_eq!(after, start, "a refused config changed the socket: {:?}", config);
            let detail = SettingError::of(&err).expect("InvalidInput carries a SettingError");
            prop_assert_eq!(detail.setting(), setting);
            prop_assert_eq!(detail.problem(), &problem);
            let value = match setting {
                Setting::Idle => Value::Duration(config.idle().unwrap()),
                Setting::Interval => Value::Duration(config.interval().unwrap()),
                Setting::Retries => Value::Count(config.retries().unwrap()),
                _ => Value::Duration(config.user_timeout().unwrap()),
            };
            prop_assert_eq!(detail.value(), value);
            // The message names the value and the limit.
            let message = err.to_string();
            prop_assert!(message.contains(limit), "{} lacks {}", message, limit);
            prop_assert!(message.contains(&value.to_string()), "{} lacks {}", message, value);
        }
        (want, got) => {
            return Err(TestCaseError::fail(format!("{config:?}: expected {want:?}, got {got:?}")))
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn every_config_is_applied_exactly_or_refused_without_change(
        config in any_config(),
        start in any_start_state(),
    ) {
        let (_listener, client, _server) = connected();
        check(&client, start, &config)?;
    }

    /// Listeners take the same values (and pass them to accepted sockets).
    #[test]
    fn listeners_behave_the_same(config in any_config(), start in any_start_state()) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        check(&listener, start, &config)?;
    }

    /// Keepalive's own arithmetic never panics, whatever the values.
    #[test]
    fn detection_bound_never_panics(config in any_config()) {
        let _ = config.detection_bound();
        let _ = config.idle_detection_bound();
    }
}

#[test]
fn the_limits_themselves_are_accepted_and_one_past_is_refused() {
    let (_l, client, _s) = connected();
    let start = raw_state(&client);
    let max = Keepalive::new()
        .with_idle(Duration::from_secs(MAX_IDLE_S))
        .with_interval(Duration::from_secs(MAX_INTERVAL_S))
        .with_retries(MAX_COUNT)
        .with_user_timeout(Duration::from_millis(i32::MAX as u64));
    check(&client, start, &max).unwrap();
    for past in [
        max.with_idle(Duration::from_secs(MAX_IDLE_S + 1)),
        max.with_interval(Duration::from_secs(MAX_INTERVAL_S) + Duration::from_nanos(1)),
        max.with_retries(MAX_COUNT + 1),
        max.with_user_timeout(Duration::from_millis(i32::MAX as u64 + 1)),
        max.with_retries(u32::MAX),
        max.with_idle(Duration::MAX),
    ] {
        check(&client, start, &past).unwrap();
        assert!(client.set_keepalive_config(&past).is_err());
    }
    // Sub-unit values round up to one unit, never down to zero.
    let tiny = Keepalive::new()
        .with_idle(Duration::from_nanos(1))
        .with_interval(Duration::from_millis(1))
        .with_user_timeout(Duration::from_nanos(1));
    client.set_keepalive_config(&tiny).unwrap();
    let state = raw_state(&client);
    assert_eq!((state.idle_s, state.interval_s, state.user_timeout_ms), (1, 1, 1));
}

// ---- the wrong kinds of socket through SocketRef ----

fn one_setting() -> Keepalive {
    Keepalive::new().with_idle(Duration::from_secs(30))
}

/// UDP: `SO_KEEPALIVE` is a generic socket flag, so Linux stores and reports
/// it (it does nothing for UDP). Setting a TCP option is refused by the kernel
/// with ENOPROTOOPT, which the crate reports as `Unsupported` naming the
/// option (nothing changed); reading them fails with EOPNOTSUPP.
#[test]
fn udp_socket() {
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let socket = SocketRef::from(&udp);
    assert_flag_works_and_tuning_is_refused(&socket);
    assert_eq!(raw_get(&udp, libc::SOL_SOCKET, libc::SO_KEEPALIVE).unwrap(), 0);

    // An empty config only sets SO_KEEPALIVE, which UDP accepts.
    socket.set_keepalive_config(&Keepalive::new()).unwrap();
    assert!(socket.keepalive().unwrap());

    // Reading: getsockopt at the TCP level is EOPNOTSUPP on a UDP socket.
    assert_read_is_unsupported(&socket);
}

/// On a non-TCP socket: `SO_KEEPALIVE` toggles and reads back; a config with a
/// TCP option is Unsupported, names the option, and leaves keepalive off.
fn assert_flag_works_and_tuning_is_refused(socket: &SocketRef<'_>) {
    assert!(!socket.keepalive().unwrap());
    socket.set_keepalive(true).unwrap();
    assert!(socket.keepalive().unwrap());
    socket.set_keepalive(false).unwrap();

    let err = socket.set_keepalive_config(&one_setting()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::Unsupported, "{err}");
    assert_eq!(err.raw_os_error(), None);
    let message = err.to_string();
    assert!(
        message.contains("TCP_KEEPIDLE") && message.contains("nothing was changed"),
        "{message}"
    );
    assert!(!socket.keepalive().unwrap(), "a failed config left keepalive on");
}

/// Reading the TCP options of a non-TCP socket: Unsupported, naming the option.
fn assert_read_is_unsupported(socket: &SocketRef<'_>) {
    let read = socket.keepalive_config().unwrap_err();
    assert_eq!(read.kind(), io::ErrorKind::Unsupported, "{read}");
    let message = read.to_string();
    assert!(message.contains("reading TCP_KEEPIDLE failed"), "{message}");
    assert!(message.contains("not a TCP socket"), "{message}");
}

/// Unix stream: `SO_KEEPALIVE` is stored and reported as for any socket; the
/// TCP options do not exist at that level, EOPNOTSUPP from the kernel.
#[test]
fn unix_stream_socket() {
    let (a, _b) = UnixStream::pair().unwrap();
    let socket = SocketRef::from(&a);
    assert_flag_works_and_tuning_is_refused(&socket);
    assert_read_is_unsupported(&socket);
}

/// A listener is a TCP socket like any other: everything applies, reads back,
/// and is inherited by the sockets it accepts.
#[test]
fn listener_socket() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let config = Keepalive::new()
        .with_idle(Duration::from_secs(11))
        .with_interval(Duration::from_secs(3))
        .with_retries(4)
        .with_user_timeout(Duration::from_millis(2500));
    SocketRef::from(&listener).set_keepalive_config(&config).unwrap();
    assert_eq!(SocketRef::from(&listener).keepalive_config().unwrap(), config);
    let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (accepted, _) = listener.accept().unwrap();
    assert!(accepted.keepalive().unwrap());
    assert_eq!(accepted.keepalive_config().unwrap(), config);
}

/// A shut-down (half-closed both ways) TCP socket still holds its options:
/// configuring succeeds and reads back exactly, as with std's nightly
/// `set_keepalive`. The same after the peer closed too.
#[test]
fn shut_down_socket() {
    let (_l, client, server) = connected();
    let config = Keepalive::new()
        .with_idle(Duration::from_secs(5))
        .with_interval(Duration::from_secs(2))
        .with_retries(3)
        .with_user_timeout(Duration::from_secs(9));
    client.shutdown(Shutdown::Both).unwrap();
    SocketRef::from(&client).set_keepalive_config(&config).unwrap();
    assert_eq!(client.keepalive_config().unwrap(), config);
    drop(server);
    client.set_keepalive(false).unwrap();
    assert!(!client.keepalive().unwrap());
    client.set_keepalive_config(&config).unwrap();
    assert!(client.keepalive().unwrap());
    assert_eq!(client.keepalive_config().unwrap(), config);
}

/// A TCP socket that never connected (socket2, not yet bound): options are
/// per socket, so they apply before connect and read back.
#[test]
fn unconnected_socket() {
    let socket = socket2::Socket::new(socket2::Domain::IPV6, socket2::Type::STREAM, None).unwrap();
    let config = Keepalive::new().with_idle(Duration::from_secs(8)).with_retries(2);
    SocketRef::from(&socket).set_keepalive_config(&config).unwrap();
    let read = SocketRef::from(&socket).keepalive_config().unwrap();
    assert_eq!((read.idle(), read.retries()), (config.idle(), config.retries()));
}

// --- OS errors are kept -----------------------------------------------------------

/// The errno a plain libc call gets for `(level, name)` on `socket`.
fn raw_errno(socket: &impl AsFd, (level, name): (i32, i32), set: bool) -> i32 {
    let fd = socket.as_fd().as_raw_fd();
    let value: libc::c_int = 30;
    let mut out: libc::c_int = 0;
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: the descriptor is borrowed for the call (or is a number that
    // cannot be open, which the kernel answers with EBADF); the pointers
    // describe live c_ints.
    let rc = unsafe {
        if set {
            libc::setsockopt(fd, level, name, (&raw const value).cast(), len)
        } else {
            libc::getsockopt(fd, level, name, (&raw mut out).cast(), &mut len)
        }
    };
    assert_eq!(rc, -1, "expected ({level}, {name}) to fail on this descriptor");
    io::Error::last_os_error().raw_os_error().unwrap()
}

/// The OS error inside one of the crate's errors, through `source()`.
fn os_error_inside(err: &io::Error) -> &io::Error {
    use std::error::Error;
    err.source()
        .and_then(|e| e.downcast_ref::<io::Error>())
        .unwrap_or_else(|| panic!("no OS error kept in {err:?}"))
}

/// Both paths keep the errno that libc reports, as `source()`, and agree on
/// the kind: `set_keepalive_config` and `keepalive_config`, and, where the plain
/// flag fails too, `keepalive()`, which returns the OS error itself as std does.
fn assert_os_error_kept(what: &str, socket: &impl AsFd) {
    let set_errno = raw_errno(socket, super::support::TCP_KEEPIDLE, true);
    let get_errno = raw_errno(socket, super::support::TCP_KEEPIDLE, false);
    let kind_of = |errno| match io::Error::from_raw_os_error(errno) {
        e if errno == libc::ENOPROTOOPT => (io::ErrorKind::Unsupported, e),
        e => (e.kind(), e),
    };
    let socket = SocketRef::from(socket);

    let err = socket.set_keepalive_config(&one_setting()).unwrap_err();
    assert_eq!(os_error_inside(&err).raw_os_error(), Some(set_errno), "{what}: {err}");
    assert_eq!(err.kind(), kind_of(set_errno).0, "{what}: {err}");
    let message = err.to_string();
    assert!(message.contains("setting TCP_KEEPIDLE failed, nothing was changed"), "{message}");
    assert!(message.contains(&kind_of(set_errno).1.to_string()), "{what}: {message}");
    // The kernel refused the idle time: the detail says which, and that nothing was applied.
    let detail = SettingError::of(&err).expect("a refused setting has its detail");
    assert_eq!((detail.setting(), detail.problem()), (Setting::Idle, &Problem::Refused));
    assert!(detail.applied().is_empty(), "{what}: {detail:?}");

    let err = socket.keepalive_config().unwrap_err();
    assert_eq!(os_error_inside(&err).raw_os_error(), Some(get_errno), "{what}: {err}");
    assert_eq!(err.kind(), kind_of(get_errno).0, "{what}: {err}");
    assert!(err.to_string().contains("reading TCP_KEEPIDLE failed"), "{err}");

    if let Err(flag) = socket.keepalive() {
        assert_eq!(flag.raw_os_error(), Some(get_errno), "{what}: keepalive() is the OS error");
        let config = socket.keepalive_config().unwrap_err();
        assert_eq!(config.kind(), flag.kind(), "{what}: the two paths agree on the kind");
    }
}

#[test]
fn a_descriptor_that_is_not_open_keeps_ebadf() {
    // SAFETY: above the kernel's fs.nr_open ceiling, this number can never be an
    // open descriptor; the calls made on it only fail with EBADF.
    let closed = unsafe { std::os::fd::BorrowedFd::borrow_raw(i32::MAX - 1) };
    assert_os_error_kept("closed fd", &closed);
    let err = SocketRef::from(&closed).keepalive_config().unwrap_err();
    assert_eq!(os_error_inside(&err).raw_os_error(), Some(libc::EBADF));
}

#[test]
fn a_regular_file_keeps_enotsock() {
    let file = std::fs::File::open("/proc/self/status").unwrap();
    assert_os_error_kept("regular file", &file);
    let err = SocketRef::from(&file).set_keepalive_config(&one_setting()).unwrap_err();
    assert_eq!(os_error_inside(&err).raw_os_error(), Some(libc::ENOTSOCK));
}

#[test]
fn a_udp_socket_keeps_the_kernels_errors() {
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    assert_os_error_kept("UDP socket", &udp);
}

#[test]
fn a_unix_socket_keeps_the_kernels_errors() {
    let (a, _b) = UnixStream::pair().unwrap();
    assert_os_error_kept("Unix socket", &a);
}
