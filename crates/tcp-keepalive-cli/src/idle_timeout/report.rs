//! What `idle-timeout` reports: its events, as JSON and as text, and the
//! keepalive settings it recommends.

use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;

use super::plan::{plan, Plan};
use super::planner::Planner;
use crate::output::{human_s, plural, round_ms, secs, secs_text, Event};
use crate::sampler::stamp;
use crate::tcp_info::TcpState;

/// The events of `idle-timeout`.
#[derive(Serialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum IdleTimeoutEvent {
    /// The coarse search starts: one connection per age of the grid.
    Start { peer: String, max_s: f64, grid_s: Vec<f64>, max_connections: usize },
    /// A probe's outcome, and the bracket after it.
    Probe {
        connection: usize,
        elapsed_s: f64,
        /// The idle age (since the last answer) the probe was sent at.
        idle_s: f64,
        answered: bool,
        /// The timeout is above `lo_s` and at most `hi_s` (null: not known yet).
        lo_s: f64,
        hi_s: Option<f64>,
    },
    /// The peer closed a connection that had been idle (no data) this long:
    /// told for the first one only; `result` counts them all.
    Closed { connection: usize, elapsed_s: f64, idle_s: f64, state: TcpState },
    /// The answer.
    Result(Answer),
}

/// What the search found.
#[derive(Serialize, JsonSchema)]
pub struct Answer {
    /// The address measured.
    pub peer: String,
    /// Whether a timeout was found below `--max`.
    pub found: bool,
    /// The estimate, the middle of `answered_s` (or 0) and `forgotten_s`.
    pub idle_timeout_s: Option<f64>,
    /// Half the bracket: the estimate's uncertainty.
    pub plus_minus_s: Option<f64>,
    /// The largest idle age a probe was answered at (null: none was).
    pub answered_s: Option<f64>,
    /// The smallest idle age at which a connection was forgotten or closed.
    pub forgotten_s: Option<f64>,
    /// The plan's idle time and interval, in whole seconds (null: no plan).
    pub recommended_idle_s: Option<u64>,
    pub recommended_interval_s: Option<u64>,
    /// `Keepalive::for_path`'s settings for the lower end of the measured
    /// interval (null: no plan, and `plan_error` says why).
    pub plan: Option<Box<Plan>>,
    /// Why there is no plan: the peer itself closed idle connections (probes
    /// do not reset its timer), or `Keepalive::for_path` refused.
    pub plan_error: Option<String>,
    pub closed_by_peer: bool,
    /// How many connections the peer closed itself.
    pub closed_connections: usize,
    pub anomalies: usize,
    pub elapsed_s: f64,
    pub connections: usize,
    pub probes: usize,
}

impl IdleTimeoutEvent {
    /// The `result` event of a search of `peer`, finished after `elapsed`,
    /// with the plan for `detect_within` (by default twice the lower end).
    pub fn result(
        planner: &Planner,
        peer: String,
        elapsed: Duration,
        probes: usize,
        closed_connections: usize,
        detect_within: Option<Duration>,
    ) -> IdleTimeoutEvent {
        let f = planner.finding();
        let planned = match (f.hi, f.closed_by_peer) {
            (None, _) => Err(None),
            // Probes do not reset a server application's own idle timer.
            (Some(_), true) => Err(Some(
                "the peer itself closed idle connections: keepalive probes do not reset its timer"
                    .to_string(),
            )),
            (Some(_), false) => plan(&peer, f.lo, detect_within).map_err(Some),
        };
        let (plan, plan_error) = match planned {
            Ok(plan) => (Some(Box::new(plan)), None),
            Err(error) => (None, error),
        };
        let whole = |s: f64| s as u64;
        IdleTimeoutEvent::Result(Answer {
            peer,
            found: f.hi.is_some(),
            idle_timeout_s: f.hi.map(|hi| round_ms((f.lo + hi) / 2.0)),
            plus_minus_s: f.hi.map(|hi| round_ms((hi - f.lo) / 2.0)),
            answered_s: f.answered.then_some(round_ms(f.lo)),
            forgotten_s: f.hi.map(round_ms),
            recommended_idle_s: plan.as_ref().map(|p| whole(p.idle_s)),
            recommended_interval_s: plan.as_ref().map(|p| whole(p.interval_s)),
            plan,
            plan_error,
            closed_by_peer: f.closed_by_peer,
            closed_connections,
            anomalies: f.anomalies,
            elapsed_s: secs(elapsed),
            connections: planner.opened(),
            probes,
        })
    }
}

/// A time safely below `lo` seconds, for advice: less the path's own error
/// (1 %, at least 1 s), and never more than half of it off.
fn below(lo: f64) -> f64 {
    round_ms((lo - (lo / 100.0).max(1.0)).max(lo / 2.0))
}

impl Event for IdleTimeoutEvent {
    fn text(&self) -> String {
        match self {
            IdleTimeoutEvent::Start { peer, max_s, grid_s, .. } => format!(
                "Measuring the idle timeout of the path to {peer}, up to {}, with keepalive probes only.\n\
                 {} hold still; each is probed once it has been idle {}…{}.",
                human_s(*max_s),
                plural(grid_s.len() as u64, "connection", "connections"),
                human_s(grid_s.first().copied().unwrap_or_default()),
                human_s(grid_s.last().copied().unwrap_or_default()),
            ),
            IdleTimeoutEvent::Probe { elapsed_s, idle_s, answered, .. } => format!(
                "{}probe after {} idle: {}",
                stamp(*elapsed_s),
                human_s(*idle_s),
                if *answered { "answered" } else { "no answer: forgotten" }
            ),
            IdleTimeoutEvent::Closed { elapsed_s, idle_s, state, .. } => format!(
                "{}the peer closed a connection idle for {} ({state}); the result counts any others",
                stamp(*elapsed_s),
                secs_text(*idle_s)
            ),
            IdleTimeoutEvent::Result(answer) => answer.text(),
        }
    }
}

impl Answer {
    fn text(&self) -> String {
        let Answer { closed_by_peer, connections, probes, anomalies, .. } = *self;
        let mut lines = Vec::new();
        match (self.idle_timeout_s, self.plus_minus_s, self.forgotten_s) {
            (Some(estimate), Some(plus_minus), Some(hi)) => {
                let how = if closed_by_peer { "closed" } else { "forgotten" };
                let evidence = match self.answered_s {
                    Some(lo) => format!(
                        "a probe after {} idle was answered; a connection was {how} after {}",
                        secs_text(lo),
                        secs_text(hi)
                    ),
                    None => format!(
                        "no probe was answered; a connection was {how} after {}",
                        secs_text(hi)
                    ),
                };
                lines.push(format!(
                    "Idle timeout: {} ± {} ({evidence}).",
                    secs_text(estimate),
                    secs_text(plus_minus)
                ));
                let closed = plural(self.closed_connections as u64, "idle connection", "idle connections");
                match (&self.plan, &self.plan_error) {
                    // Advice stays below the lower end of the measured interval.
                    _ if closed_by_peer => lines.push(match self.answered_s {
                        Some(lo) => format!(
                            "The peer itself closed {closed}: likely the server's own idle timeout, counted from the last data. \
                             Keepalive probes do not reset it; to keep such connections, send data at least every {} \
                             (below the {} that were kept).",
                            secs_text(below(lo)),
                            secs_text(lo)
                        ),
                        None => format!(
                            "The peer itself closed {closed} before any probe was answered: keepalive cannot keep them."
                        ),
                    }),
                    (Some(plan), _) => lines.push(plan.text()),
                    (None, error) => lines.push(format!(
                        "No keepalive plan: {}.",
                        error.as_deref().unwrap_or("nothing was measured")
                    )),
                }
                lines.push(format!(
                    "Measured in {} ({:.1} × the timeout) with {} and {}.",
                    human_s(self.elapsed_s),
                    self.elapsed_s / estimate.max(0.001),
                    plural(connections as u64, "connection", "connections"),
                    plural(probes as u64, "probe", "probes"),
                ));
            }
            _ => lines.push(format!(
                "No idle timeout up to {}: the path kept connections idle that long (measured with {}).",
                human_s(self.answered_s.unwrap_or_default()),
                plural(connections as u64, "connection", "connections")
            )),
        }
        if anomalies > 0 {
            lines.push(format!(
                "Warning: {} contradicted the others (packet loss?); the result may be off.",
                plural(anomalies as u64, "answer", "answers")
            ));
        }
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(closed_by_peer: bool) -> Answer {
        let plan =
            (!closed_by_peer).then(|| Box::new(plan("192.0.2.7:22", 349.489, None).unwrap()));
        Answer {
            peer: "192.0.2.7:22".into(),
            found: true,
            idle_timeout_s: Some(349.511),
            plus_minus_s: Some(0.022),
            answered_s: Some(349.489),
            forgotten_s: Some(349.533),
            recommended_idle_s: plan.as_ref().map(|p| p.idle_s as u64),
            recommended_interval_s: plan.as_ref().map(|p| p.interval_s as u64),
            plan,
            plan_error: None,
            closed_by_peer,
            closed_connections: if closed_by_peer { 21 } else { 0 },
            anomalies: 1,
            elapsed_s: 420.0,
            connections: 40,
            probes: 51,
        }
    }

    #[test]
    fn the_text_says_what_the_json_says_and_names_the_address_measured() {
        let text = answer(false).text();
        assert!(text.contains("349.511s ± 0.022s"), "{text}");
        assert!(text.contains("after 349.489s idle") && text.contains("after 349.533s"), "{text}");
        assert!(text.contains("1 answer contradicted"), "{text}");
        // The for_path plan for the lower end, 349.489 s: never at or past it.
        assert!(text.contains("for a path timeout of 349.489s"), "{text}");
        assert!(text.contains("idle 175s, interval 58s, 3 retries"), "{text}");
        let watch = "tcp-keepalive watch 192.0.2.7:22 --idle 175s --interval 58s --retries 3";
        assert!(text.contains(watch), "{text}");
        let rust = "Keepalive::for_path(std::time::Duration::from_millis(349489), std::time::Duration::from_millis(698978))?;";
        assert!(text.contains(rust), "{text}");
        let text = answer(true).text();
        assert!(text.contains("closed 21 idle connections"), "{text}");
        assert!(text.contains("send data at least every 345.994s (below the 349.489s"), "{text}");
    }

    #[test]
    fn advice_stays_below_the_lower_end() {
        for lo in [0.02, 1.0, 1.5, 9.02, 60.0, 349.0] {
            assert!(below(lo) < lo && below(lo) > 0.0, "{lo}: {}", below(lo));
        }
        assert_eq!(below(9.02), 8.02);
    }
}
