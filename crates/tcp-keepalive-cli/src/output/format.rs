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

/// A duration for people: `350ms`, `4.06s`, `5 min 30 s`, `2 h 11 min`, `24 days 20 h`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs_f64();
    let whole = d.as_secs();
    let (min, hour, day) = (60, 3600, 86_400);
    if s < 1.0 {
        format!("{}ms", d.as_millis())
    } else if s < 120.0 {
        let text = format!("{s:.2}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        format!("{text}s")
    } else if whole < hour {
        pair(whole / min, "min", whole % min, "s")
    } else if whole < day {
        pair(whole / hour, "h", whole % hour / min, "min")
    } else {
        pair(whole / day, "days", whole % day / hour, "h")
    }
}

/// `2 h 11 min`, or `2 h` when the smaller unit is 0.
fn pair(big: u64, big_unit: &str, small: u64, small_unit: &str) -> String {
    match small {
        0 => format!("{big} {big_unit}"),
        _ => format!("{big} {big_unit} {small} {small_unit}"),
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
        assert_eq!(human(Duration::from_secs(7875)), "2 h 11 min");
        assert_eq!(human(Duration::from_secs(7200)), "2 h");
        assert_eq!(human(Duration::from_secs(2_147_483)), "24 days 20 h");
        assert_eq!(round_ms(1.23456), 1.235);
    }
}
