//! Limits read from each kernel's own source, asserted as numbers: a table
//! whose limits drift from its source fails here, not in the kernel.

use std::time::Duration;

use super::{table, with, S};
use crate::{Keepalive, Problem, Setting, Value};

/// Each setting's largest accepted value and the one past it that is refused.
fn assert_maxima(os: &str, maxima: [(Setting, Value, Value); 3]) {
    let p = table(os);
    for (setting, max, over) in maxima {
        assert!(p.plan(&with(setting, max)).is_ok(), "{os} {setting}: {max}");
        let err = p.plan(&with(setting, over)).unwrap_err();
        assert_eq!(err.problem(), &Problem::TooLarge { max }, "{os} {setting}");
    }
}

/// DragonFly's tcp_usrreq.c: MAXKEEPALIVE 32767 (idle, interval, seconds),
/// MAXKEEPCNT 127, EINVAL outside 1..=max. A larger value must not get past
/// the checks, and `nearest_supported` must never produce one.
#[test]
fn dragonfly_refuses_what_its_kernel_refuses() {
    let seconds = |n| Value::Duration(S(n));
    assert_maxima(
        "DragonFly BSD",
        [
            (Setting::Idle, seconds(32_767), seconds(32_768)),
            (Setting::Interval, seconds(32_767), seconds(32_768)),
            (Setting::Retries, Value::Count(127), Value::Count(128)),
        ],
    );
    let dragonfly = table("DragonFly BSD");
    let huge = Keepalive::new().with_idle(S(2_147_483)).with_retries(i32::MAX as u32);
    assert_eq!(
        dragonfly.nearest_supported(&huge),
        Keepalive::new().with_idle(S(32_767)).with_retries(127)
    );
    // Seconds since 5.8: 1.5 s is sent as 2, never as 1500 (the old milliseconds).
    let plan = dragonfly.plan(&Keepalive::new().with_idle(Duration::from_millis(1500))).unwrap();
    assert_eq!(plan.slots()[0].map(|(_, raw)| raw), Some(2));
}

/// Cygwin's fhandler/socket_inet.cc: MAX_TCP_KEEPIDLE and MAX_TCP_KEEPINTVL
/// 32767 s, MAX_TCP_KEEPCNT 255 (EINVAL outside 1..=max), in seconds.
#[test]
fn cygwin_refuses_what_cygwin_refuses() {
    let seconds = |n| Value::Duration(S(n));
    assert_maxima(
        "Cygwin",
        [
            (Setting::Idle, seconds(32_767), seconds(32_768)),
            (Setting::Interval, seconds(32_767), seconds(32_768)),
            (Setting::Retries, Value::Count(255), Value::Count(256)),
        ],
    );
    // Its user timeout does not run the value set on every Windows: left out.
    let err = table("Cygwin").plan(&Keepalive::new().with_user_timeout(S(30))).unwrap_err();
    assert_eq!(err.problem(), &Problem::Unsupported);
}
