//! The keepalive plan for a measured path: `Keepalive::for_path` with the
//! lower end of the measured interval as the path timeout, so the
//! measurement's own error is taken off before the library adds its margin,
//! and no advice reaches the lower end.

use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;
use tcp_keepalive::Keepalive;

use crate::output::secs;

/// The settings `idle-timeout` recommends, as `Keepalive::for_path` plans them.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Plan {
    /// The path timeout planned for: the lower end of the measured interval.
    pub path_timeout_s: f64,
    /// The detection time planned for (--detect-within).
    pub detect_within_s: f64,
    pub idle_s: f64,
    pub interval_s: f64,
    pub retries: u32,
    /// The worst case until a dead idle peer is noticed, with these settings.
    pub detection_bound_s: Option<f64>,
    /// The settings as `tcp-keepalive watch` arguments.
    pub watch: String,
    /// One line of Rust that makes this plan (on any OS, for that OS).
    pub rust: String,
}

/// The plan for a path that kept flows idle for `answered` seconds (the
/// lower end of the measured interval), measured on `peer`; the error to
/// show instead when `Keepalive::for_path` refuses.
pub fn plan(peer: &str, answered: f64, detect_within: Option<Duration>) -> Result<Plan, String> {
    // Whole milliseconds, rounded down: the Rust line reproduces it exactly,
    // and it never exceeds what was measured.
    let path = Duration::from_millis((answered.max(0.0) * 1000.0).floor() as u64);
    let detect = detect_within.unwrap_or(path * 2);
    let config = Keepalive::for_path(path, detect).map_err(|e| e.to_string())?;
    let (Some(idle), Some(interval), Some(retries)) =
        (config.idle(), config.interval(), config.retries())
    else {
        return Err(format!("Keepalive::for_path left a value unset: {config:?}"));
    };
    Ok(Plan {
        path_timeout_s: secs(path),
        detect_within_s: secs(detect),
        idle_s: secs(idle),
        interval_s: secs(interval),
        retries,
        detection_bound_s: config.idle_detection_bound().map(secs),
        watch: format!(
            "tcp-keepalive watch {peer} --idle {} --interval {} --retries {retries}",
            flag(idle),
            flag(interval)
        ),
        rust: format!(
            "let config = tcp_keepalive::Keepalive::for_path({}, {})?;",
            rust_duration(path),
            rust_duration(detect)
        ),
    })
}

impl Plan {
    /// The lines the text output ends with.
    pub fn text(&self) -> String {
        // The JSON's own figures, in seconds.
        let d = |s: f64| format!("{s}s");
        let bound = self.detection_bound_s.map_or("?".into(), d);
        format!(
            "Plan (Keepalive::for_path for a path timeout of {}, the lower end of the measurement, \
             and detection within {}): idle {}, interval {}, {} retries; a dead peer is noticed within {bound}.\n  {}\n  {}",
            d(self.path_timeout_s),
            d(self.detect_within_s),
            d(self.idle_s),
            d(self.interval_s),
            self.retries,
            self.watch,
            self.rust,
        )
    }
}

/// A duration as a command-line flag value: `12s`, `2500ms`.
fn flag(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// A duration as Rust source: `Duration::from_secs(12)`, `Duration::from_millis(12500)`.
fn rust_duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("std::time::Duration::from_secs({})", d.as_secs())
    } else {
        format!("std::time::Duration::from_millis({})", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_stays_below_the_lower_end_and_the_lines_agree_with_it() {
        for answered in [2.5, 4.6, 12.981, 60.0, 349.0, 1200.0] {
            let plan = plan("192.0.2.7:80", answered, None).unwrap();
            assert!(plan.idle_s < answered && plan.interval_s < answered, "{plan:?}");
            assert!(plan.detection_bound_s.unwrap() <= plan.detect_within_s, "{plan:?}");
            let idle = format!("--idle {}", flag(Duration::from_secs_f64(plan.idle_s)));
            assert!(plan.watch.contains(&idle), "{plan:?}");
            assert!(plan.watch.starts_with("tcp-keepalive watch 192.0.2.7:80 "), "{plan:?}");
            let ms = (answered * 1000.0).floor() as u64;
            assert!(
                plan.rust.contains(&format!("{ms}"))
                    || plan.rust.contains(&format!("{}", ms / 1000))
            );
        }
        let refused = plan("192.0.2.7:80", 1.2, None).unwrap_err();
        assert!(refused.contains("too short"), "{refused}");
        let refused = plan("192.0.2.7:80", 60.0, Some(Duration::from_millis(500))).unwrap_err();
        assert!(refused.contains("detection time"), "{refused}");
    }

    #[test]
    fn durations_are_written_exactly() {
        assert_eq!(flag(Duration::from_secs(12)), "12s");
        assert_eq!(flag(Duration::from_millis(2500)), "2500ms");
        assert_eq!(
            rust_duration(Duration::from_millis(12_981)),
            "std::time::Duration::from_millis(12981)"
        );
        assert_eq!(rust_duration(Duration::from_secs(25)), "std::time::Duration::from_secs(25)");
    }
}
