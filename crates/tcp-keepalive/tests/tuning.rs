//! Tuning on the real kernel of every target the tests run on (Linux here;
//! Wine, wasmtime and qemu-user through scripts/run-targets): each setting over
//! the boundaries of the target's own table, rounding up to the OS unit, and
//! that a value the OS would change is refused, never changed silently.
//!
//! On Linux, module `linux` also checks every value against raw getsockopt and
//! Linux's limits from its source, the sysctl defaults, inheritance and the
//! exact system calls made.

mod limits;
#[cfg(all(target_os = "linux", not(tcp_keepalive_no_linux_dev_deps)))]
#[path = "tuning/linux.rs"]
mod linux;
#[cfg(all(target_os = "linux", not(tcp_keepalive_no_linux_dev_deps)))]
mod support;

use std::io;
use std::time::Duration;

use limits::{connected_pair, detail, only, range, running_os_has, seen, value_of, Range};
use tcp_keepalive::{Keepalive, KeepaliveExt, Problem, Setting, Value};

const S: fn(u64) -> Duration = Duration::from_secs;

/// What one case must do.
#[derive(Debug)]
enum Expect {
    /// Applied, and read back as this (rounded up) value where the OS reports it.
    Applied(Value),
    /// Refused with `InvalidInput` before any system call: this problem.
    Refused(Problem),
}

/// The boundary cases of one setting, from its range on this target.
fn grid(setting: Setting, range: &Range) -> Vec<(Value, Expect)> {
    use Expect::*;
    let too_small = Refused(Problem::TooSmall { min: range.min });
    let (Value::Duration(min), Value::Duration(max)) = (range.min, range.max) else {
        let (Value::Count(min), Value::Count(max)) = (range.min, range.max) else {
            panic!("{setting}: {range:?}")
        };
        let mut cases = vec![
            (Value::Count(min), Applied(Value::Count(min))),
            (Value::Count(max), Applied(Value::Count(max))),
            (Value::Count(0), too_small),
        ];
        if min <= 9 && 9 <= max {
            cases.push((Value::Count(9), Applied(Value::Count(9))));
        }
        if max < u32::MAX {
            let too_large = || Refused(Problem::TooLarge { max: range.max });
            cases.push((Value::Count(max + 1), too_large()));
            cases.push((Value::Count(u32::MAX), too_large()));
        }
        return cases;
    };
    let unit = range.unit;
    let ns = Duration::from_nanos(1);
    let d = Value::Duration;
    let too_large = || Refused(Problem::TooLarge { max: range.max });
    let mut cases = vec![
        (d(min), Applied(d(min))),
        (d(min - ns), Applied(d(min))), // rounds up, never down to 0
        (d(min + unit / 2), Applied(d(min + unit))),
        (d(max), Applied(d(max))),
        (d(max - unit + ns), Applied(d(max))),
        (d(max + ns), too_large()),
        (d(max + unit), too_large()),
        (d(Duration::MAX), too_large()),
        (d(Duration::ZERO), too_small),
    ];
    if min < S(75) && S(75) < max {
        cases.push((d(S(75)), Applied(d(S(75)))));
    }
    if min == unit {
        cases.push((d(ns), Applied(d(unit))));
    }
    cases
}

/// Each case on a fresh connection: applied and read back, or refused naming the
/// value and the limit with nothing changed.
fn check_grid(setting: Setting) {
    let Some(range) = range(setting) else {
        // The crate refuses it up front on this OS; the zero test in api.rs covers that.
        println!("{setting}: Unsupported on this OS, no grid");
        return;
    };
    let os_has_it = running_os_has(setting, &range);
    for (value, expect) in grid(setting, &range) {
        let config = only(setting, value);
        let (_listener, client, _server) = connected_pair();
        let before = seen(&client);
        let result = client.set_keepalive_config(&config);
        match (&expect, result) {
            (Expect::Applied(want), Ok(())) => {
                assert!(os_has_it, "{config:?} applied, though the same option failed before");
                assert!(client.keepalive().unwrap(), "{config:?} must turn keepalive on");
                // Where the OS reports the value (not Wine, not Windows before 1709).
                let read = client.keepalive_config().ok().and_then(|k| value_of(&k, setting));
                if let Some(read) = read {
                    assert_eq!(read, *want, "read back of {config:?}");
                }
            }
            // A running OS without the option: the system call fails, nothing changed.
            (Expect::Applied(_), Err(err)) if !os_has_it => {
                assert_eq!(err.kind(), io::ErrorKind::Unsupported, "{config:?}: {err}");
                assert!(err.to_string().contains("nothing was changed"), "{err}");
                assert_eq!(seen(&client), before, "{config:?} failed but changed the socket");
            }
            // WASI: the host's limits lie below the table's; such a value is
            // refused, naming what the host would have made of it.
            (Expect::Applied(_), Err(err)) if cfg!(target_os = "wasi") => {
                assert_refused_without_change(&client, &config, setting, &err, &before);
            }
            (Expect::Refused(problem), Err(err)) => {
                assert_refused_without_change(&client, &config, setting, &err, &before);
                assert_eq!(detail(&err).problem(), problem, "{config:?}");
            }
            (Expect::Applied(want), Err(err)) => panic!("{config:?}: expected {want}, got {err}"),
            (Expect::Refused(problem), Ok(())) => {
                panic!("{config:?} should have been refused: {problem:?}")
            }
        }
    }
}

/// `InvalidInput` naming the setting, the value and the limit; the socket as it was.
fn assert_refused_without_change(
    client: &std::net::TcpStream,
    config: &Keepalive,
    setting: Setting,
    err: &io::Error,
    before: &limits::Seen,
) {
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{config:?}: {err}");
    let detail = detail(err);
    assert_eq!(detail.setting(), setting, "{err}");
    assert_eq!(Some(detail.value()), value_of(config, setting), "{err}");
    let limit = match detail.problem() {
        Problem::TooSmall { min } => min,
        Problem::TooLarge { max } => max,
        other => panic!("{config:?}: {other:?}"),
    };
    let message = err.to_string();
    assert!(message.contains(&detail.value().to_string()), "{message:?} names no value");
    assert_eq!(limits::parse_limit(limits::limit_text(&message)), *limit, "{message:?}");
    assert_eq!(&seen(client), before, "{config:?} was refused but changed the socket");
}

#[test]
fn idle_over_this_targets_boundaries() {
    check_grid(Setting::Idle);
}

#[test]
fn interval_over_this_targets_boundaries() {
    check_grid(Setting::Interval);
}

#[test]
fn retries_over_this_targets_boundaries() {
    check_grid(Setting::Retries);
}

#[test]
fn user_timeout_over_this_targets_boundaries() {
    check_grid(Setting::UserTimeout);
}

/// The promise behind the tables: a value is applied exactly (rounded up to the
/// unit) or refused with `InvalidInput`, never changed silently. These values
/// lie above Linux's limits, which WASI hosts on Linux clamp to without saying
/// so (retries 1000 reads back 127, idle 5000000 s reads back 32767 s).
#[test]
fn a_value_the_os_would_change_is_refused_not_changed() {
    let huge = [
        (Setting::Retries, Value::Count(1000)),
        (Setting::Idle, Value::Duration(S(5_000_000))),
        (Setting::Interval, Value::Duration(S(5_000_000))),
    ];
    for (setting, value) in huge {
        let config = only(setting, value);
        let (_listener, client, _server) = connected_pair();
        // Known values first, so that "unchanged" cannot pass by luck of the defaults.
        let known = Keepalive::new().with_idle(S(101)).with_interval(S(11));
        // Each on its own: an OS may lack one of them (Wine has no TCP_KEEPCNT).
        let _ = client.set_keepalive_config(&known);
        let _ = client.set_keepalive_config(&Keepalive::new().with_retries(7));
        client.set_keepalive(false).unwrap();
        let before = seen(&client);
        match client.set_keepalive_config(&config) {
            Ok(()) => {
                let read = client.keepalive_config().ok().and_then(|k| value_of(&k, setting));
                assert!(read.is_none() || read == Some(value), "{config:?} reads back {read:?}");
            }
            Err(err) if err.kind() == io::ErrorKind::Unsupported => {
                assert_eq!(seen(&client), before, "{config:?} failed but changed the socket");
            }
            Err(err) => {
                assert_refused_without_change(&client, &config, setting, &err, &before);
                let limit = match detail(&err).problem() {
                    Problem::TooLarge { max } => *max,
                    other => panic!("{config:?}: {other:?}"),
                };
                let below = match (limit, value) {
                    (Value::Count(a), Value::Count(b)) => a < b,
                    (Value::Duration(a), Value::Duration(b)) => a < b,
                    _ => false,
                };
                assert!(below, "{err}: the limit named is not below the value");
            }
        }
    }
}
