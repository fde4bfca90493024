//! Tuning on the real Linux kernel: every value checked against raw getsockopt
//! and Linux's limits as written in its source (independent of the crate's
//! table), read-back of the sysctl defaults, inheritance, and the exact system
//! calls made.

use std::io;
use std::time::Duration;

use super::support::strace::{self, marker};
use super::support::{connected_pair, ipv4_sysctl, raw_state, RawState};
use tcp_keepalive::{Keepalive, KeepaliveExt, Setting, SettingError};

const S: fn(u64) -> Duration = Duration::from_secs;
const MS: fn(u64) -> Duration = Duration::from_millis;

#[test]
fn a_fresh_socket_reads_back_the_sysctl_defaults() {
    let (_listener, client, _server) = connected_pair();
    let effective = client.keepalive_config().unwrap();
    let expected = Keepalive::new()
        .with_idle(S(ipv4_sysctl("tcp_keepalive_time") as u64))
        .with_interval(S(ipv4_sysctl("tcp_keepalive_intvl") as u64))
        .with_retries(ipv4_sysctl("tcp_keepalive_probes") as u32);
    assert_eq!(effective, expected);
    assert_eq!(effective.user_timeout(), None);
}

enum Expect {
    /// Applied, and the kernel reports this raw value.
    Raw(i32),
    /// Refused with InvalidInput, naming this limit.
    Invalid(&'static str),
}

fn config_for(setting: Setting, value: Duration, count: u32) -> Keepalive {
    match setting {
        Setting::Idle => Keepalive::new().with_idle(value),
        Setting::Interval => Keepalive::new().with_interval(value),
        Setting::Retries => Keepalive::new().with_retries(count),
        _ => Keepalive::new().with_user_timeout(value),
    }
}

fn raw_of(state: &RawState, setting: Setting) -> i32 {
    match setting {
        Setting::Idle => state.idle_s,
        Setting::Interval => state.interval_s,
        Setting::Retries => state.count,
        _ => state.user_timeout_ms,
    }
}

/// Each case on a fresh socket: the value lands exactly (rounded up), or the call
/// fails with InvalidInput naming the value and the limit and nothing changes.
fn check_grid(setting: Setting, cases: &[(Duration, u32, Expect)]) {
    for (duration, count, expect) in cases {
        let (_listener, client, _server) = connected_pair();
        let before = raw_state(&client);
        let config = config_for(setting, *duration, *count);
        let result = client.set_keepalive_config(&config);
        let after = raw_state(&client);
        match (expect, result) {
            (Expect::Raw(raw), Ok(())) => {
                assert_eq!(raw_of(&after, setting), *raw, "{config:?}");
                assert_eq!(after.keepalive, 1, "{config:?} must turn keepalive on");
                let read = client.keepalive_config().unwrap();
                let read = match setting {
                    Setting::Idle => read.idle().map(|d| d.as_secs() as i32),
                    Setting::Interval => read.interval().map(|d| d.as_secs() as i32),
                    Setting::Retries => read.retries().map(|n| n as i32),
                    _ => read.user_timeout().map(|d| d.as_millis() as i32),
                };
                assert_eq!(read, Some(*raw), "read back of {config:?}");
            }
            (Expect::Invalid(limit), Err(err)) => {
                assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{config:?}: {err}");
                let message = err.to_string();
                let value = match setting {
                    Setting::Retries => count.to_string(),
                    _ => format!("{duration:?}"),
                };
                assert!(message.contains(&value), "{message:?} should name {value}");
                assert!(message.contains(limit), "{message:?} should name the limit {limit}");
                let detail = SettingError::of(&err).unwrap();
                assert_eq!(detail.setting(), setting);
                assert_eq!(after, before, "{config:?} was refused but changed the socket");
            }
            (Expect::Raw(raw), Err(err)) => panic!("{config:?}: expected {raw}, got {err}"),
            (Expect::Invalid(_), Ok(())) => panic!("{config:?} should have been refused"),
        }
    }
}

fn seconds_grid() -> Vec<(Duration, u32, Expect)> {
    use Expect::*;
    vec![
        (S(1), 0, Raw(1)),
        (MS(500), 0, Raw(1)),
        (Duration::from_nanos(1), 0, Raw(1)),
        (MS(1500), 0, Raw(2)),
        (MS(1999), 0, Raw(2)),
        (S(75), 0, Raw(75)),
        (MS(32_766_001), 0, Raw(32_767)),
        (S(32_767), 0, Raw(32_767)),
        (S(32_767) + Duration::from_nanos(1), 0, Invalid("32767s")),
        (S(32_768), 0, Invalid("32767s")),
        (S(u64::from(u32::MAX)), 0, Invalid("32767s")),
        (Duration::MAX, 0, Invalid("32767s")),
        (Duration::ZERO, 0, Invalid("1s")),
    ]
}

#[test]
fn idle_round_trips_over_the_boundaries() {
    check_grid(Setting::Idle, &seconds_grid());
}

#[test]
fn interval_round_trips_over_the_boundaries() {
    check_grid(Setting::Interval, &seconds_grid());
}

#[test]
fn retries_round_trip_over_the_boundaries() {
    use Expect::*;
    let z = Duration::ZERO;
    check_grid(
        Setting::Retries,
        &[
            (z, 1, Raw(1)),
            (z, 9, Raw(9)),
            (z, 127, Raw(127)),
            (z, 128, Invalid("127")),
            (z, u32::MAX, Invalid("127")),
            (z, 0, Invalid("1")),
        ],
    );
}

#[test]
fn user_timeout_round_trips_over_the_boundaries() {
    use Expect::*;
    let max = i32::MAX as u64;
    check_grid(
        Setting::UserTimeout,
        &[
            (MS(1), 0, Raw(1)),
            (Duration::from_micros(1500), 0, Raw(2)),
            (Duration::from_nanos(1), 0, Raw(1)),
            (S(30), 0, Raw(30_000)),
            (MS(max), 0, Raw(i32::MAX)),
            (MS(max + 1), 0, Invalid("2147483647ms")),
            (Duration::MAX, 0, Invalid("2147483647ms")),
            (Duration::ZERO, 0, Invalid("1ms")),
        ],
    );
}

#[test]
fn a_config_with_one_bad_value_changes_nothing() {
    let (_listener, client, _server) = connected_pair();
    let good = Keepalive::new()
        .with_idle(S(100))
        .with_interval(S(10))
        .with_retries(5)
        .with_user_timeout(MS(7000));
    client.set_keepalive_config(&good).unwrap();
    let known = raw_state(&client);
    assert_eq!(
        known,
        RawState { keepalive: 1, idle_s: 100, interval_s: 10, count: 5, user_timeout_ms: 7000 }
    );

    // Valid values first and the bad one last: validation must come before any syscall.
    let other = Keepalive::new().with_idle(S(200)).with_interval(S(20)).with_retries(6);
    let bad = [
        other.with_user_timeout(Duration::ZERO),
        other.with_user_timeout(MS(i32::MAX as u64 + 1)),
        other.with_retries(128),
        other.with_interval(S(40_000)),
        Keepalive::new().with_idle(Duration::MAX).with_interval(S(20)),
    ];
    for config in bad {
        let err = client.set_keepalive_config(&config).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{config:?}");
        assert_eq!(raw_state(&client), known, "{config:?} half-applied");
    }

    // Keepalive that was off stays off after a refused config.
    client.set_keepalive(false).unwrap();
    client.set_keepalive_config(&other.with_retries(1000)).unwrap_err();
    assert_eq!(raw_state(&client), RawState { keepalive: 0, ..known });
}

#[test]
fn unset_values_are_left_alone() {
    let (_listener, client, _server) = connected_pair();
    let full = Keepalive::new().with_idle(S(100)).with_interval(S(10)).with_retries(5);
    client.set_keepalive_config(&full).unwrap();
    client.set_keepalive_config(&Keepalive::new().with_interval(S(3))).unwrap();
    let state = raw_state(&client);
    assert_eq!((state.idle_s, state.interval_s, state.count), (100, 3, 5));
}

#[test]
fn accepted_connections_inherit_every_value_from_the_listener() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let config = Keepalive::new()
        .with_idle(S(11))
        .with_interval(S(12))
        .with_retries(13)
        .with_user_timeout(MS(14_000));
    listener.set_keepalive_config(&config).unwrap();
    assert_eq!(listener.keepalive_config().unwrap(), config);

    let _client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (accepted, _) = listener.accept().unwrap();
    assert_eq!(
        raw_state(&accepted),
        RawState { keepalive: 1, idle_s: 11, interval_s: 12, count: 13, user_timeout_ms: 14_000 }
    );
    assert!(accepted.keepalive().unwrap());
    assert_eq!(accepted.keepalive_config().unwrap(), config);
}

#[test]
fn the_effective_detection_bound_follows_the_sysctls() {
    let (_listener, client, _server) = connected_pair();
    let expected = ipv4_sysctl("tcp_keepalive_time")
        + ipv4_sysctl("tcp_keepalive_intvl") * ipv4_sysctl("tcp_keepalive_probes");
    let bound = client.keepalive_config().unwrap().idle_detection_bound();
    assert_eq!(bound, Some(S(expected as u64)));
}

// --- The exact system calls, counted with strace --------------------------------

#[test]
#[ignore = "run by one_syscall_per_value_and_nothing_else, under strace"]
fn syscall_trace_child() {
    strace::assert_traced();
    let (_listener, client, _server) = connected_pair();
    let full = Keepalive::new().with_idle(S(30)).with_interval(S(5)).with_retries(4);
    let with_timeout = full.with_user_timeout(S(40));
    marker(7001);
    client.set_keepalive_config(&full).unwrap();
    marker(7002);
    let _ = client.keepalive_config().unwrap();
    marker(7003);
    client.set_keepalive_config(&with_timeout).unwrap();
    marker(7004);
    client.set_keepalive(false).unwrap();
    marker(7005);
    client.keepalive().unwrap();
    marker(7006);
}

#[test]
fn one_syscall_per_value_and_nothing_else() {
    let name = "one_syscall_per_value_and_nothing_else";
    let Some(trace) = strace::run(name, "linux::syscall_trace_child") else { return };
    let between = |from, to| trace.between(from, to);
    let set = between(7001, 7002);
    assert_eq!(set.len(), 4, "{set:#?}");
    for (call, option) in
        set.iter().zip(["TCP_KEEPIDLE, [30]", "TCP_KEEPINTVL, [5]", "TCP_KEEPCNT, [4]"])
    {
        assert!(call.starts_with("setsockopt(") && call.contains(option), "{call}");
    }
    assert!(set[3].starts_with("setsockopt(") && set[3].contains("SO_KEEPALIVE, [1]"), "{set:#?}");

    let get = between(7002, 7003);
    assert_eq!(get.len(), 4, "one getsockopt per value: {get:#?}");
    assert!(get.iter().all(|c| c.starts_with("getsockopt(")), "{get:#?}");

    let with_timeout = between(7003, 7004);
    assert_eq!(with_timeout.len(), 5, "{with_timeout:#?}");
    assert!(with_timeout[3].contains("TCP_USER_TIMEOUT, [40000]"), "{with_timeout:#?}");

    assert_eq!(between(7004, 7005).len(), 1);
    assert_eq!(between(7005, 7006).len(), 1);
}
