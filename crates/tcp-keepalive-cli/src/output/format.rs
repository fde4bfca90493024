//! Durations for JSON (seconds, rounded to milliseconds) and for people.

use std::time::Duration;

/// Rounds seconds to milliseconds: enough, and keeps the JSON short.
pub fn round_ms(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

/// A duration as JSON seconds.
pub fn secs(d: Duration) -> f64 {
    round_ms(d.as_secs_f64())
}

/// Seconds (as in the JSON events) for people.
pub fn human_s(seconds: f64) -> String {
    human(Duration::from_secs_f64(seconds.max(0.0)))
}

/// Seconds exactly as the JSON events carry them (milliseconds), for text
/// that must agree with them: `349.511s`, `0.022s`, `5s`.
pub fn secs_text(seconds: f64) -> String {
    let text = format!("{:.3}", round_ms(seconds));
    format!("{}s", text.trim_end_matches('0').trim_end_matches('.'))
}

/// A duration for people: `350ms`, `4.06s`, `5 min 30 s`, `2 h 11 min 15 s`,
/// `24 days 20 h 31 min 23 s`. Rounded up, never down: a worst case must not
/// read shorter than it is.
pub fn human(d: Duration) -> String {
    const MS: u128 = 1_000_000;
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".into();
    }
    if nanos < 1000 * MS {
        return format!("{}ms", nanos.div_ceil(MS));
    }
    if nanos < 120_000 * MS {
        let centis = nanos.div_ceil(10 * MS);
        let text = format!("{}.{:02}", centis / 100, centis % 100);
        return format!("{}s", text.trim_end_matches('0').trim_end_matches('.'));
    }
    let mut rest = u64::try_from(nanos.div_ceil(1000 * MS)).unwrap_or(u64::MAX);
    let mut parts = Vec::new();
    for (size, one, many) in
        [(86_400, "day", "days"), (3600, "h", "h"), (60, "min", "min"), (1, "s", "s")]
    {
        let count = rest / size;
        rest %= size;
        if count > 0 {
            parts.push(format!("{count} {}", if count == 1 { one } else { many }));
        }
    }
    parts.join(" ")
}

/// `1 connection`, `2 connections`: `n` and the word for that many.
pub fn plural(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The OS this runs on, as people write it (`Linux`, not `linux`).
pub fn os_name() -> &'static str {
    match std::env::consts::OS {
        "linux" => "Linux",
        "android" => "Android",
        "macos" => "macOS",
        "ios" => "iOS",
        "freebsd" => "FreeBSD",
        "netbsd" => "NetBSD",
        "openbsd" => "OpenBSD",
        "dragonfly" => "DragonFly BSD",
        "solaris" => "Solaris",
        "windows" => "Windows",
        "haiku" => "Haiku",
        "fuchsia" => "Fuchsia",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_for_people() {
        assert_eq!(human(Duration::from_millis(350)), "350ms");
        assert_eq!(human(Duration::from_millis(4060)), "4.06s");
        assert_eq!(human(Duration::from_secs(3)), "3s");
        assert_eq!(human(Duration::from_secs(330)), "5 min 30 s");
        assert_eq!(human(Duration::from_secs(7200)), "2 h");
        assert_eq!(round_ms(1.23456), 1.235);
    }

    #[test]
    fn durations_never_read_shorter_than_they_are() {
        assert_eq!(human(Duration::from_secs(7875)), "2 h 11 min 15 s");
        assert_eq!(human(Duration::from_secs(7299)), "2 h 1 min 39 s");
        assert_eq!(human(Duration::from_secs(2_147_483)), "24 days 20 h 31 min 23 s");
        assert_eq!(human(Duration::from_secs(86_400)), "1 day");
        assert_eq!(human(Duration::from_millis(130_400)), "2 min 11 s");
        assert_eq!(human(Duration::from_micros(4_061_001)), "4.07s");
        assert_eq!(human(Duration::from_micros(350_001)), "351ms");
        assert_eq!(human(Duration::ZERO), "0s");
        assert_eq!(human_s(4.06), "4.06s");
        assert_eq!(human_s(5.02), "5.02s");
        assert_eq!(secs_text(0.022), "0.022s");
        assert_eq!(secs_text(349.5), "349.5s");
        assert_eq!(secs_text(5.0), "5s");
    }

    #[test]
    fn one_is_singular() {
        assert_eq!(plural(1u32, "retry", "retries"), "1 retry");
        assert_eq!(plural(0u32, "retry", "retries"), "0 retries");
        assert_eq!(plural(2u8, "probe", "probes"), "2 probes");
    }
}
