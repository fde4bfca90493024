//! The shared logic run against every OS's table, on any host: limits and
//! rounding, listeners, `nearest_supported` and the detection bound.

use std::time::Duration;

use super::{OnListener, Platform, TcpOption, Unit, UserTimeoutScope, SETTINGS};
use crate::sys::platform::every_os::{self, ALL};
use crate::{Keepalive, Problem, Setting, Value};

mod from_source;

const S: fn(u64) -> Duration = Duration::from_secs;

fn table(os: &str) -> &'static Platform {
    ALL.iter().find(|p| p.os == os).unwrap_or_else(|| panic!("no table for {os}"))
}

fn with(setting: Setting, value: Value) -> Keepalive {
    let k = Keepalive::new();
    match (setting, value) {
        (Setting::Idle, Value::Duration(d)) => k.with_idle(d),
        (Setting::Interval, Value::Duration(d)) => k.with_interval(d),
        (Setting::Retries, Value::Count(n)) => k.with_retries(n),
        (Setting::UserTimeout, Value::Duration(d)) => k.with_user_timeout(d),
        other => panic!("{other:?}"),
    }
}

fn get(config: &Keepalive, setting: Setting) -> Option<Value> {
    match setting {
        Setting::Idle => config.idle().map(Value::Duration),
        Setting::Interval => config.interval().map(Value::Duration),
        Setting::Retries => config.retries().map(Value::Count),
        _ => config.user_timeout().map(Value::Duration),
    }
}

/// A raw value of `option`, as the caller would write it, computed here
/// independently of the crate's own conversion.
fn value_of(option: &TcpOption, raw: u64) -> Value {
    match option.unit {
        Unit::Seconds => Value::Duration(S(raw)),
        Unit::Millis => Value::Duration(Duration::from_millis(raw)),
        Unit::HalfSeconds => Value::Duration(Duration::from_millis(raw * 500)),
        Unit::Count => Value::Count(raw as u32),
    }
}

/// The smallest step of the option's unit, as a value.
fn one_unit(option: &TcpOption) -> Value {
    value_of(option, 1)
}

fn plus(value: Value, extra: Value) -> Value {
    match (value, extra) {
        (Value::Duration(a), Value::Duration(b)) => Value::Duration(a + b),
        (Value::Count(a), Value::Count(b)) => Value::Count(a + b),
        other => panic!("{other:?}"),
    }
}

fn options(p: &Platform) -> Vec<(Setting, TcpOption)> {
    SETTINGS.into_iter().filter_map(|s| Some((s, p.option(s)?))).collect()
}

#[test]
fn every_table_accepts_its_limits_and_refuses_one_unit_past_them() {
    for p in ALL {
        for (setting, option) in options(p) {
            let min = value_of(&option, option.min.max(1).into());
            let max = value_of(&option, option.max.into());
            assert!(p.plan(&with(setting, min)).is_ok(), "{} {setting}: min {min}", p.os);
            assert!(p.plan(&with(setting, max)).is_ok(), "{} {setting}: max {max}", p.os);
            let over = plus(max, one_unit(&option));
            let err = p.plan(&with(setting, over)).unwrap_err();
            assert_eq!(err.problem(), &Problem::TooLarge { max }, "{} {setting}", p.os);
            let message = err.to_string();
            assert!(message.contains(option.name) && message.contains(p.os), "{message}");
            let zero = match option.unit {
                Unit::Count => Value::Count(0),
                _ => Value::Duration(Duration::ZERO),
            };
            let err = p.plan(&with(setting, zero)).unwrap_err();
            assert_eq!(err.problem(), &Problem::TooSmall { min }, "{} {setting}", p.os);
        }
    }
}

#[test]
fn durations_round_up_to_each_tables_unit() {
    let linux = table("Linux");
    let plan = linux.plan(&Keepalive::new().with_idle(Duration::from_millis(1500))).unwrap();
    assert_eq!(plan.slots()[0].map(|(_, raw)| raw), Some(2));
    let netbsd = table("NetBSD");
    let plan = netbsd.plan(&Keepalive::new().with_interval(Duration::from_millis(1200))).unwrap();
    assert_eq!(plan.slots()[1].map(|(_, raw)| raw), Some(3), "NetBSD counts half-seconds");
    let solaris = table("Solaris");
    let plan =
        solaris.plan(&Keepalive::new().with_idle(Duration::from_micros(10_000_001))).unwrap();
    assert_eq!(plan.slots()[0].map(|(_, raw)| raw), Some(10_001), "Solaris's threshold is in ms");
    let apple = table("Apple systems");
    let plan = apple.plan(&Keepalive::new().with_user_timeout(Duration::from_millis(1))).unwrap();
    assert_eq!(plan.slots()[3].map(|(o, raw)| (o.name, raw)), Some(("TCP_RXT_CONNDROPTIME", 1)));
}

#[test]
fn user_timeout_maps_to_each_oss_own_option() {
    let names: Vec<(&str, Option<&str>)> =
        ALL.iter().map(|p| (p.os, p.user_timeout.map(|o| o.name))).collect();
    assert_eq!(
        names,
        [
            ("Apple systems", Some("TCP_RXT_CONNDROPTIME")),
            ("Cygwin", None),
            ("DragonFly BSD", None),
            ("FreeBSD", Some("TCP_MAXUNACKTIME")),
            ("Haiku", None),
            ("illumos", Some("TCP_ABORT_THRESHOLD")),
            ("Linux", Some("TCP_USER_TIMEOUT")),
            ("NetBSD", None),
            ("OpenBSD", None),
            ("Solaris", Some("TCP_ABORT_THRESHOLD")),
            ("WASI", None),
            ("Windows", Some("TCP_MAXRT")),
        ]
    );
    let refused = table("NetBSD").plan(&Keepalive::new().with_user_timeout(S(5))).unwrap_err();
    assert_eq!(refused.problem(), &Problem::Unsupported);
    assert_eq!(refused.option(), None);
}

#[test]
fn only_where_every_value_is_inherited_does_the_listener_configure_accepted_sockets() {
    let through_listener: Vec<&str> = ALL
        .iter()
        .filter(|p| !p.tunes_nothing() && p.accepted_sockets_inherit_all())
        .map(|p| p.os)
        .collect();
    assert_eq!(through_listener, ["DragonFly BSD", "FreeBSD", "illumos", "Linux"]);
}

#[test]
fn a_listener_refuses_exactly_the_values_that_arm_its_keepalive_timer() {
    let full = Keepalive::new()
        .with_idle(S(60))
        .with_interval(S(10))
        .with_retries(5)
        .with_user_timeout(S(30));
    let killers = |p: &Platform| -> Vec<Setting> {
        SETTINGS
            .into_iter()
            .filter(|&s| p.listener_refusal(&with(s, get(&full, s).unwrap())).is_some())
            .collect()
    };
    assert_eq!(killers(table("Apple systems")), [Setting::Idle]);
    let three = [Setting::Idle, Setting::Interval, Setting::Retries];
    assert_eq!(killers(table("NetBSD")), three);
    assert_eq!(killers(table("WASI")), three);
    let safe = ["Linux", "FreeBSD", "DragonFly BSD", "illumos", "Solaris", "Windows", "OpenBSD"];
    for os in safe.into_iter().chain(["Cygwin", "Haiku"]) {
        assert_eq!(killers(table(os)), [], "{os}");
    }

    let refusal = table("Apple systems").listener_refusal(&full).unwrap();
    assert_eq!(refusal.setting(), Setting::Idle);
    assert_eq!(refusal.option(), Some("TCP_KEEPALIVE"));
    let Problem::KillsListener { why } = refusal.problem() else { panic!("{refusal:?}") };
    assert!(why.starts_with("macOS"), "{why}");
    let message = refusal.to_string();
    assert!(
        message.contains("listening socket") && message.contains("AcceptKeepalive"),
        "{message}"
    );
    assert_eq!(std::io::Error::from(refusal).kind(), std::io::ErrorKind::Unsupported);
}

#[test]
fn every_option_says_what_it_does_on_a_listener() {
    // The Apple idle time kills, interval and count are inherited (xnu tcp_input.c).
    let apple = table("Apple systems");
    assert!(matches!(apple.idle.unwrap().on_listener, OnListener::Kills { .. }));
    assert_eq!(apple.interval.unwrap().on_listener, OnListener::Inherited);
    assert_eq!(apple.retries.unwrap().on_listener, OnListener::Inherited);
    assert_eq!(apple.user_timeout.unwrap().on_listener, OnListener::NotInherited);
    let linux = every_os::linux::PLATFORM.user_timeout_scope;
    assert!(matches!(linux, UserTimeoutScope::DataAndIdleProbes { exact_since: (4, 19), .. }));
}

#[test]
fn nearest_supported_clamps_each_value_into_every_tables_range() {
    for p in ALL {
        for (setting, option) in options(p) {
            let min = value_of(&option, option.min.max(1).into());
            let max = value_of(&option, option.max.into());
            let huge = match option.unit {
                Unit::Count => Value::Count(u32::MAX),
                _ => Value::Duration(Duration::MAX),
            };
            let zero = match option.unit {
                Unit::Count => Value::Count(0),
                _ => Value::Duration(Duration::ZERO),
            };
            for (asked, nearest) in [
                (zero, min),
                (min, min),
                (max, max),
                (plus(max, one_unit(&option)), max),
                (huge, max),
            ] {
                let config = with(setting, asked);
                let got = p.nearest_supported(&config);
                assert_eq!(get(&got, setting), Some(nearest), "{} {setting} {asked}", p.os);
                assert!(p.plan(&got).is_ok(), "{} accepts the nearest {got:?}", p.os);
                assert_eq!(p.plan(&config).is_ok(), asked == nearest, "{} {asked}", p.os);
            }
        }
        // Settings the OS lacks are dropped; the others are left alone.
        let everything = Keepalive::new()
            .with_idle(S(60))
            .with_interval(S(10))
            .with_retries(5)
            .with_user_timeout(S(600));
        let got = p.nearest_supported(&everything);
        for setting in SETTINGS {
            let expected = p.option(setting).and_then(|_| get(&everything, setting));
            assert_eq!(get(&got, setting), expected, "{} {setting}", p.os);
        }
        assert!(p.plan(&got).is_ok(), "{}: {got:?}", p.os);
    }
}

#[test]
fn nearest_supported_keeps_values_that_round_into_range() {
    let linux = table("Linux");
    let asked = Keepalive::new().with_idle(Duration::from_millis(500)).with_retries(127);
    assert_eq!(linux.nearest_supported(&asked), asked);
    // 32767.5 s rounds up to 32768 s, one past the limit.
    let asked = Keepalive::new().with_idle(Duration::from_millis(32_767_500));
    assert_eq!(linux.nearest_supported(&asked).idle(), Some(S(32_767)));
}

/// A recent Linux kernel, whose retransmission timer is clamped to the user timeout.
const CLAMPED: Option<(u32, u32)> = Some((6, 18));

#[test]
fn the_idle_detection_bound_follows_each_oss_semantics() {
    let defaults = Keepalive::new().with_idle(S(7200)).with_interval(S(75)).with_retries(9);
    for p in ALL.iter().filter(|p| p.idle.is_some()) {
        // illumos and Solaris check "silent for more than idle + interval ×
        // count" at probes: the drop may come one interval later.
        let late = if p.keepalive_abort.is_some() { 75 } else { 0 };
        assert_eq!(p.idle_detection_bound(&defaults), Some(S(7875 + late)), "{}", p.os);
    }
    let linux = table("Linux");
    // Linux: the user timeout replaces the count, at the next probe tick.
    assert_eq!(linux.idle_detection_bound(&defaults.with_user_timeout(S(7300))), Some(S(7350)));
    assert_eq!(linux.idle_detection_bound(&defaults.with_user_timeout(S(1))), Some(S(7275)));
    assert_eq!(linux.idle_detection_bound(&defaults.with_user_timeout(S(9000))), Some(S(9000)));
    // Elsewhere the user timeout does not touch idle probing.
    for os in ["Apple systems", "Windows", "FreeBSD", "NetBSD"] {
        let bound = table(os).idle_detection_bound(&defaults.with_user_timeout(S(30)));
        assert_eq!(bound, Some(S(7875)), "{os}");
    }
    // Unknown values: no bound.
    assert_eq!(linux.idle_detection_bound(&Keepalive::new().with_idle(S(1))), None);
}

#[test]
fn a_write_during_probing_is_covered_by_the_detection_bound() {
    // The example: idle 60 s, interval 10 s, user timeout 30 s, a write
    // at 65 s: Linux drops at about 95 s; the idle figure says 70 s.
    let config = Keepalive::new().with_idle(S(60)).with_interval(S(10)).with_retries(3);
    let timed = config.with_user_timeout(S(30));
    let linux = table("Linux");
    assert_eq!(linux.idle_detection_bound(&timed), Some(S(70)));
    assert_eq!(linux.detection_bound(&timed, CLAMPED), Some(S(100)));
    // Before Linux 4.19 (and when the release is unknown): one RTO, up to 120 s, late.
    assert_eq!(linux.detection_bound(&timed, Some((4, 14))), Some(S(220)));
    assert_eq!(linux.detection_bound(&timed, None), Some(S(220)));
    // Without a user timeout the retransmission limit decides: no bound.
    assert_eq!(linux.detection_bound(&config, CLAMPED), None);
    assert_eq!(linux.idle_detection_bound(&config), Some(S(90)));
    // Where keepalive keeps counting from the last segment received, a write
    // changes nothing: the idle figure holds, user timeout or not.
    for os in ["Apple systems", "FreeBSD", "NetBSD"] {
        let p = table(os);
        assert_eq!(p.detection_bound(&config, None), Some(S(90)), "{os}");
        assert_eq!(p.detection_bound(&timed.with_user_timeout(S(9000)), None), Some(S(90)), "{os}");
    }
    // Where it stands down, each OS's lateness is added to the user timeout.
    assert_eq!(table("Windows").detection_bound(&timed, None), Some(S(90 + 30 + 120)));
    assert_eq!(table("illumos").detection_bound(&timed, None), Some(S(100 + 30 + 120)));
    assert_eq!(table("WASI").detection_bound(&config, None), None);
}

#[test]
fn the_detection_bound_never_understates_extreme_values() {
    let linux = table("Linux");
    // 1 ns runs as the OS's 1 s.
    let tiny =
        Keepalive::new().with_idle(S(10)).with_interval(Duration::from_nanos(1)).with_retries(3);
    assert_eq!(linux.idle_detection_bound(&tiny), Some(S(13)));
    let netbsd = table("NetBSD");
    assert_eq!(netbsd.idle_detection_bound(&tiny), Some(Duration::from_millis(11_500)));
    // Past Duration's range: saturates upward.
    let huge =
        Keepalive::new().with_idle(S(10)).with_interval(Duration::MAX).with_retries(u32::MAX);
    for p in ALL {
        assert_eq!(p.idle_detection_bound(&huge), Some(Duration::MAX), "{}", p.os);
    }
    let forever = tiny.with_user_timeout(Duration::MAX);
    assert_eq!(linux.detection_bound(&forever, CLAMPED), Some(Duration::MAX));
    assert_eq!(table("Windows").detection_bound(&forever, None), Some(Duration::MAX));
    let many = Keepalive::new().with_idle(S(1)).with_interval(S(1)).with_retries(u32::MAX);
    assert_eq!(linux.idle_detection_bound(&many), Some(S(1 + u64::from(u32::MAX))));
}

// proptest is a Linux dev-dependency, left out by scripts/run-targets under qemu.
#[cfg(all(target_os = "linux", not(tcp_keepalive_no_linux_dev_deps)))]
mod property {
    use proptest::prelude::*;

    use super::*;

    fn any_duration() -> impl Strategy<Value = Duration> {
        prop_oneof![
            Just(Duration::ZERO),
            Just(Duration::from_nanos(1)),
            Just(Duration::MAX),
            (0u64..100_000, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
            any::<u64>().prop_map(S),
        ]
    }

    fn any_config() -> impl Strategy<Value = Keepalive> {
        let count = prop_oneof![Just(0u32), Just(u32::MAX), Just(u32::MAX - 1), 0u32..300];
        (
            proptest::option::of(any_duration()),
            proptest::option::of(any_duration()),
            proptest::option::of(count),
            proptest::option::of(any_duration()),
        )
            .prop_map(|(idle, interval, retries, user_timeout)| {
                Keepalive::set(idle, interval, retries, user_timeout)
            })
    }

    /// A duration as the OS runs it: rounded up to the option's unit, at least
    /// its minimum (computed here, not by the crate).
    fn run(option: Option<TcpOption>, d: Duration) -> u128 {
        let Some(option) = option else { return d.as_nanos() };
        let unit: u128 = match option.unit {
            Unit::Seconds => 1_000_000_000,
            Unit::Millis => 1_000_000,
            Unit::HalfSeconds => 500_000_000,
            Unit::Count => 1,
        };
        d.as_nanos().div_ceil(unit).max(option.min.max(1).into()) * unit
    }

    fn at_least(bound: Duration, nanos: u128) -> bool {
        bound == Duration::MAX || bound.as_nanos() >= nanos
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

        /// For any config, on every OS: the bound is at least the idle time
        /// plus every interval between the probes that OS sends, and at least
        /// the user timeout when the OS has one.
        #[test]
        fn the_bound_is_never_below_what_the_os_waits(config in any_config()) {
            for p in ALL {
                let bound = p.idle_detection_bound(&config);
                let any = p.detection_bound(&config, None);
                let (Some(idle), Some(interval)) = (config.idle(), config.interval()) else {
                    prop_assert_eq!(bound, None);
                    prop_assert_eq!(any, None);
                    continue;
                };
                let idle = run(p.idle, idle);
                let interval = run(p.interval, interval);
                let user_timeout =
                    config.user_timeout().filter(|_| p.user_timeout.is_some()).map(|d| run(p.user_timeout, d));
                // How many probes go out, spaced `interval`, before the OS gives up.
                let probes = match (p.user_timeout_scope, user_timeout) {
                    (UserTimeoutScope::DataAndIdleProbes { .. }, Some(limit)) => {
                        // Tick by tick while that is cheap; past it, the user
                        // timeout itself is the lower bound checked below.
                        let mut k: u128 = 1;
                        while idle + k * interval < limit && k < 10_000 {
                            k += 1;
                        }
                        Some(if idle + k * interval < limit { 1 } else { k })
                    }
                    _ => config.retries().map(u128::from),
                };
                let Some(probes) = probes else {
                    prop_assert_eq!(bound, None);
                    continue;
                };
                let bound = bound.expect("a bound when every value is known");
                let idle_wait = idle + interval * probes;
                prop_assert!(at_least(bound, idle_wait), "{}: {:?} for {:?}", p.os, bound, config);
                if let (UserTimeoutScope::DataAndIdleProbes { .. }, Some(limit)) = (p.user_timeout_scope, user_timeout) {
                    prop_assert!(at_least(bound, limit), "{}: {:?} below the user timeout", p.os, bound);
                }
                // Whatever the program does: where a write stands keepalive
                // down, a write just before the idle drop plus the user timeout.
                match (any, user_timeout) {
                    (Some(any), _) if p.keepalive_counts_through_writes => prop_assert_eq!(any, bound),
                    (Some(any), Some(limit)) => {
                        prop_assert!(at_least(any, idle_wait + limit), "{}: {:?} for {:?}", p.os, any, config)
                    }
                    (None, None) => {}
                    (any, limit) => prop_assert!(false, "{}: {:?} with user timeout {:?}", p.os, any, limit),
                }
            }
        }

        /// `nearest_supported` is always accepted, and leaves an accepted config unchanged.
        #[test]
        fn nearest_supported_is_always_accepted(config in any_config()) {
            for p in ALL {
                let nearest = p.nearest_supported(&config);
                prop_assert!(p.plan(&nearest).is_ok(), "{}: {:?} -> {:?}", p.os, config, nearest);
                if p.plan(&config).is_ok() {
                    prop_assert_eq!(nearest, config);
                }
            }
        }
    }
}
