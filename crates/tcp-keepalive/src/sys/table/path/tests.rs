//! `for_path` against every OS's table: the margin, the detection bound, the
//! limits and the refusals, checked here independently of the code under test.

use std::io::ErrorKind;
use std::time::Duration;

use crate::sys::platform::every_os::ALL;
use crate::sys::table::{Platform, TcpOption};
use crate::{Keepalive, Middlebox, Value};

const S: fn(u64) -> Duration = Duration::from_secs;

fn table(os: &str) -> &'static Platform {
    ALL.iter().find(|p| p.os == os).unwrap_or_else(|| panic!("no table for {os}"))
}

fn tunable() -> impl Iterator<Item = &'static Platform> {
    ALL.iter().copied().filter(|p| p.idle.is_some() && p.interval.is_some() && p.retries.is_some())
}

/// The latest the first probe leaves, computed from the table's slack
/// without the code under test: idle, plus the slack's fraction and constant.
fn latest_probe(p: &Platform, idle: Duration) -> Duration {
    let slack = p.keepalive_timer_slack;
    let late = (idle.as_nanos() * u128::from(slack.per_mille)).div_ceil(1000);
    let late = Duration::from_nanos(late as u64);
    idle + late + slack.plus
}

fn allowance(path: Duration) -> Duration {
    (path / 100).max(S(1))
}

/// Everything `for_path` promises of a config it returns.
fn check_promises(p: &'static Platform, path: Duration, detect: Duration, k: &Keepalive) {
    let (idle, interval) = (k.idle().unwrap(), k.interval().unwrap());
    assert!(idle < path, "{}: idle {idle:?} for path {path:?}", p.os);
    assert!(
        latest_probe(p, idle) + allowance(path) <= path,
        "{}: the first probe may leave at {:?}, past {path:?} less the allowance",
        p.os,
        latest_probe(p, idle)
    );
    assert!(
        latest_probe(p, interval) + allowance(path) <= path,
        "{}: interval {interval:?} too long for path {path:?}",
        p.os
    );
    assert!(p.plan(k).is_ok(), "{}: {k:?} outside the OS limits", p.os);
    assert_eq!(p.nearest_supported(k), *k, "{}: nothing rounds or clamps {k:?}", p.os);
    let bound = p.detection_bound(k, super::release()).expect("every value set");
    assert!(bound <= detect, "{}: bound {bound:?} over {detect:?} for {k:?}", p.os);
    if k.user_timeout().is_some() {
        // Only where the bound needs one: without it, it would exceed the idle figure.
        let without = Keepalive::set(k.idle(), k.interval(), k.retries(), None);
        let figure = idle + interval * k.retries().unwrap();
        assert!(
            p.detection_bound(&without, super::release()).is_none_or(|b| b > figure),
            "{}: {k:?}",
            p.os
        );
    }
    assert_eq!(p.probes_within(k, path), Some(true), "{}: {k:?} for {path:?}", p.os);
}

#[test]
fn probes_within_counts_the_os_unit_and_timer_slack() {
    let linux = table("Linux");
    let idle = |d: Duration| Keepalive::new().with_idle(d);
    // 8 s fires by 9.026 s at the latest (12.7 % + 10 ms late).
    assert_eq!(linux.probes_within(&idle(S(8)), Duration::from_millis(9027)), Some(true));
    assert_eq!(linux.probes_within(&idle(S(8)), Duration::from_millis(9026)), Some(false));
    // 7.2 s runs as 8 s.
    assert_eq!(linux.probes_within(&idle(Duration::from_millis(7200)), S(9)), Some(false));
    assert_eq!(linux.probes_within(&idle(S(10)), S(5)), Some(false));
    assert_eq!(linux.probes_within(&Keepalive::new(), S(5)), None);
    let netbsd = table("NetBSD");
    // Half-seconds: 2.2 s runs as 2.5 s, latest 2.5 + 0.3175 + 0.5.
    assert_eq!(
        netbsd.probes_within(&idle(Duration::from_millis(2200)), Duration::from_millis(3318)),
        Some(true)
    );
    assert_eq!(
        netbsd.probes_within(&idle(Duration::from_millis(2200)), Duration::from_millis(3317)),
        Some(false)
    );
}

#[test]
fn known_paths_on_linux() {
    let linux = table("Linux");
    // docs/paths.md: 350 s on Linux gives an idle time of 307 s.
    // On Linux a write while keepalive probes stands it down: only a user
    // timeout bounds detection then, so the plan carries one.
    // The bound depends on the running kernel (before 4.19 the user timeout
    // may be one RTO late; elsewhere, under Wine or qemu's host, unknown):
    // the exact figures are for a Linux 4.19+ host.
    if crate::sys::kernel_release().is_some_and(|release| release >= (4, 19)) {
        let k = linux.for_path(S(350), S(3600)).unwrap();
        let probes = Keepalive::new().with_idle(S(307)).with_interval(S(307)).with_retries(3);
        assert_eq!(k, probes.with_user_timeout(S(1228)));
        let k = linux.for_path(S(350), S(60)).unwrap();
        let probes = Keepalive::new().with_idle(S(15)).with_interval(S(5)).with_retries(3);
        assert_eq!(k, probes.with_user_timeout(S(30)));
        assert_eq!(linux.detection_bound(&k, Some((6, 18))), Some(S(60)));
    }
    let k = linux.for_path(S(350), S(3600)).unwrap();
    assert_eq!(k.idle(), Some(S(307)), "{k:?}");
    // A path that waits longer than the OS maximum: within the maximum idle
    // time, and the idle bound plus the user timeout within the detection time.
    let k = linux.for_path(S(432_000), S(100_000)).unwrap();
    assert!(k.idle() <= Some(S(32_767)), "{k:?}");
    check_promises(linux, S(432_000), S(100_000), &k);
    for m in Middlebox::ALL {
        let k = linux.for_path(m.idle_timeout, S(600)).unwrap();
        check_promises(linux, m.idle_timeout, S(600), &k);
    }
}

#[test]
fn netbsd_plans_in_half_seconds() {
    let netbsd = table("NetBSD");
    let k = netbsd.for_path(S(5), S(60)).unwrap();
    // 5 s - 1 s allowance - 500 ms slack = 3.5 s; 3.5 / 1.127 = 3.11 s: 3 s.
    assert_eq!(k.idle(), Some(S(3)));
    let k = netbsd.for_path(Duration::from_millis(4400), S(60)).unwrap();
    assert_eq!(k.idle(), Some(Duration::from_millis(2500)));
    check_promises(netbsd, Duration::from_millis(4400), S(60), &k);
}

#[test]
fn refusals_name_what_this_os_can_meet() {
    for p in tunable() {
        let Some(shortest_detection) = shortest_detection(p) else {
            let err = p.for_path(S(3600), S(3600)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Unsupported, "{}: {err}", p.os);
            continue;
        };
        let shortest_path = p.shortest_path_timeout(&tuning(p));
        let shortest_path = Duration::from_nanos(shortest_path as u64);
        let ok = p.for_path(shortest_path, S(3600)).unwrap();
        check_promises(p, shortest_path, S(3600), &ok);
        let err = p.for_path(shortest_path - Duration::from_millis(1), S(3600)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        let message = err.to_string();
        assert!(message.contains(&format!("{shortest_path:?}")), "{}: {message}", p.os);
        assert!(message.contains(p.os) && message.contains("path idle timeout"), "{message}");

        let ok = p.for_path(S(3600), shortest_detection).unwrap();
        check_promises(p, S(3600), shortest_detection, &ok);
        let err = p.for_path(S(3600), shortest_detection - Duration::from_millis(1)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        let message = err.to_string();
        assert!(message.contains(&format!("{shortest_detection:?}")), "{}: {message}", p.os);
        assert!(message.contains("detection time"), "{message}");
    }
    assert_eq!(table("Linux").for_path(S(1), S(60)).unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(table("Linux").for_path(S(60), S(1)).unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(
        table("Linux").for_path(Duration::ZERO, Duration::ZERO).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

#[test]
fn an_os_without_tuning_says_unsupported() {
    for os in ["OpenBSD", "Haiku"] {
        let err = table(os).for_path(S(350), S(60)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{os}");
        assert!(err.to_string().contains(os), "{err}");
    }
}

/// The option's least value, as a duration.
fn least(option: Option<TcpOption>) -> Duration {
    let option = option.unwrap();
    match option.decode(option.min.max(1)) {
        Value::Duration(d) => d,
        other => panic!("{other:?}"),
    }
}

/// Detection with every value at the OS minimum and one probe, with a user
/// timeout as long as that where the bound needs one; `None` when no config
/// bounds it.
fn shortest_detection(p: &Platform) -> Option<Duration> {
    let figure = least(p.idle) + least(p.interval);
    let fastest =
        Keepalive::new().with_idle(least(p.idle)).with_interval(least(p.interval)).with_retries(1);
    match p.detection_bound(&fastest, super::release()) {
        Some(bound) if bound <= figure => Some(bound),
        _ => p
            .user_timeout
            .and_then(|_| p.detection_bound(&fastest.with_user_timeout(figure), super::release())),
    }
}

fn tuning(p: &Platform) -> super::Tuning {
    super::Tuning {
        idle: p.idle.unwrap(),
        interval: p.interval.unwrap(),
        retries: p.retries.unwrap(),
    }
}

// proptest is a Linux dev-dependency, left out by scripts/run-targets under qemu.
#[cfg(all(target_os = "linux", not(tcp_keepalive_no_linux_dev_deps)))]
mod property {
    use proptest::prelude::*;

    use super::*;

    fn any_duration() -> impl Strategy<Value = Duration> {
        prop_oneof![
            Just(Duration::ZERO),
            Just(Duration::MAX),
            (0u64..20, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
            (0u64..100_000, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
            (0u64..10_000_000).prop_map(S),
            any::<u64>().prop_map(S),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

        /// On every OS table, for any path timeout and detection time: either
        /// a config that keeps every promise, or a refusal exactly when the
        /// path timeout or the detection time is below what the OS can meet.
        #[test]
        fn for_path_keeps_its_promises_or_says_why_not(path in any_duration(), detect in any_duration()) {
            for p in tunable() {
                let shortest_path = p.shortest_path_timeout(&tuning(p));
                let Some(shortest_detection) = shortest_detection(p) else {
                    let refused = p.for_path(path, detect).unwrap_err();
                    prop_assert_eq!(refused.kind(), ErrorKind::Unsupported);
                    continue;
                };
                let possible = path.as_nanos() >= shortest_path && detect >= shortest_detection;
                match p.for_path(path, detect) {
                    Ok(k) => {
                        prop_assert!(possible, "{}: {path:?} {detect:?} gave {k:?}", p.os);
                        check_promises(p, path, detect, &k);
                    }
                    Err(e) => {
                        prop_assert!(!possible, "{}: {path:?} {detect:?} refused: {e}", p.os);
                        prop_assert_eq!(e.kind(), ErrorKind::InvalidInput);
                    }
                }
            }
        }
    }
}

#[test]
fn the_docs_example_plans_on_every_os_that_can_bound_a_write() {
    // config.rs's for_path example: the AWS NAT gateway, detection within 10 min.
    for p in ALL.iter().filter(|p| !p.tunes_nothing()) {
        let planned = p.for_path(S(350), S(600));
        if p.keepalive_counts_through_writes || p.user_timeout.is_some() {
            let k = planned.unwrap_or_else(|e| panic!("{}: {e}", p.os));
            check_promises(p, S(350), S(600), &k);
        } else {
            assert_eq!(planned.unwrap_err().kind(), std::io::ErrorKind::Unsupported, "{}", p.os);
        }
    }
}
