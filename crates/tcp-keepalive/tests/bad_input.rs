//! Hostile input (see RELIABILITY.md) on every target the tests run on: zero,
//! sub-unit, boundary, huge and `Duration::MAX` values, alone and mixed with
//! good ones, against the target's own table. Each `set_keepalive_config` is
//! applied, or refused with exactly the error `Keepalive::check` gives and the
//! socket left as it was; nothing panics.
//!
//! On Linux, module `linux` also checks thousands of random configs against raw
//! `getsockopt` and Linux's own limits, and the wrong kinds of socket.

mod limits;
#[cfg(all(target_os = "linux", not(tcp_keepalive_no_linux_dev_deps)))]
#[path = "bad_input/linux.rs"]
mod linux;
#[cfg(all(target_os = "linux", not(tcp_keepalive_no_linux_dev_deps)))]
mod support;

use std::io;
use std::time::Duration;

use limits::{connected_pair, detail, range, seen, value_of, SETTINGS};
use tcp_keepalive::{Keepalive, KeepaliveExt, Value};

/// Durations from every class, around this target's limits and far from them.
fn hostile_durations() -> Vec<Duration> {
    let mut values = vec![
        Duration::ZERO,
        Duration::from_nanos(1),
        Duration::from_millis(999),
        Duration::from_millis(1500),
        Duration::from_secs(u64::from(u32::MAX)),
        Duration::from_secs(u64::MAX),
        Duration::MAX,
    ];
    for range in SETTINGS.iter().filter_map(|&s| range(s)) {
        if let Value::Duration(max) = range.max {
            values.extend([max, max + Duration::from_nanos(1), max + range.unit]);
        }
    }
    values
}

fn hostile_counts() -> Vec<u32> {
    let mut values = vec![0, 1, 128, 256, i32::MAX as u32, i32::MAX as u32 + 1, u32::MAX];
    for range in SETTINGS.iter().filter_map(|&s| range(s)) {
        if let Value::Count(max) = range.max {
            values.extend([max, max.saturating_add(1)]);
        }
    }
    values
}

/// Applied, or refused as `check` refuses it with the socket unchanged.
fn assert_applied_or_refused_unchanged(config: &Keepalive) {
    let (_listener, client, _server) = connected_pair();
    let before = seen(&client);
    let checked = config.check();
    match (client.set_keepalive_config(config), checked) {
        (Ok(()), Ok(())) => {
            assert!(client.keepalive().unwrap(), "{config:?}");
            assert_read_back_rounded_up(&client, config);
        }
        (Err(err), Err(expected)) => {
            assert_eq!(err.kind(), expected.kind(), "{config:?}: {err}");
            assert_eq!(detail(&err), detail(&expected), "{config:?}");
            assert_eq!(seen(&client), before, "{config:?} was refused but changed the socket");
        }
        // The table allows it but the running OS does not: it lacks the option
        // (Wine: TCP_KEEPCNT), or (WASI) the host would have changed the value.
        (Err(err), Ok(())) => {
            let host = cfg!(target_os = "wasi") && err.kind() == io::ErrorKind::InvalidInput;
            assert!(err.kind() == io::ErrorKind::Unsupported || host, "{config:?}: {err}");
            assert_eq!(seen(&client), before, "{config:?} failed but changed the socket");
        }
        (Ok(()), Err(expected)) => panic!("{config:?} applied, but check says {expected}"),
    }
}

/// Every value set reads back as given, rounded up to the OS unit (where the OS
/// reports it): never clamped, never truncated.
fn assert_read_back_rounded_up(client: &impl KeepaliveExt, config: &Keepalive) {
    let Ok(read) = client.keepalive_config() else { return };
    for setting in SETTINGS {
        let (Some(asked), Some(got), Some(range)) =
            (value_of(config, setting), value_of(&read, setting), range(setting))
        else {
            continue;
        };
        let exact = match (asked, got) {
            (Value::Duration(a), Value::Duration(g)) => a <= g && g - a < range.unit,
            (a, g) => a == g,
        };
        assert!(exact, "{setting} {asked} was applied but reads back as {got}");
    }
}

#[test]
fn every_hostile_duration_for_each_setting() {
    for value in hostile_durations() {
        for config in [
            Keepalive::new().with_idle(value),
            Keepalive::new().with_interval(value),
            Keepalive::new().with_user_timeout(value),
        ] {
            assert_applied_or_refused_unchanged(&config);
        }
    }
}

#[test]
fn every_hostile_count() {
    for value in hostile_counts() {
        assert_applied_or_refused_unchanged(&Keepalive::new().with_retries(value));
    }
}

/// Good values first and the bad one last: validation comes before any system call.
#[test]
fn one_bad_value_among_good_ones_changes_nothing() {
    let good =
        Keepalive::new().with_idle(Duration::from_secs(200)).with_interval(Duration::from_secs(20));
    let bad = [
        good.with_retries(0),
        good.with_retries(u32::MAX),
        good.with_user_timeout(Duration::ZERO),
        good.with_user_timeout(Duration::MAX),
        good.with_interval(Duration::MAX),
        Keepalive::new().with_idle(Duration::MAX).with_interval(Duration::from_secs(20)),
    ];
    for config in bad {
        assert!(config.check().is_err(), "{config:?} is not bad here");
        assert_applied_or_refused_unchanged(&config);
    }
}

#[test]
fn detection_bound_never_panics() {
    let durations = hostile_durations();
    for &a in &durations {
        for &b in &durations {
            for n in [0, 1, u32::MAX] {
                let k = Keepalive::new().with_idle(a).with_interval(b).with_retries(n);
                let _ = k.detection_bound();
                let _ = k.idle_detection_bound();
                let _ = k.with_user_timeout(a).detection_bound();
                let _ = k.with_user_timeout(b).detection_bound();
            }
        }
    }
}
