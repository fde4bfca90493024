//! What `idle-timeout` reports: its events, as JSON and as text, and the
//! keepalive settings it recommends.

use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;

use super::plan::{plan, Plan};
use super::planner::Planner;
use crate::output::{human_s, round_ms, secs, Event};
use crate::probe::stamp;
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
    /// The peer closed a connection that had been idle (no data) this long.
    Closed { connection: usize, elapsed_s: f64, idle_s: f64, state: TcpState },
    /// The answer.
    Result(Answer),
}

/// What the search found.
#[derive(Serialize, JsonSchema)]
pub struct Answer {
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
    pub plan: Option<Plan>,
    /// Why there is no plan: the peer itself closed idle connections (probes
    /// do not reset its timer), or `Keepalive::for_path` refused.
    pub plan_error: Option<String>,
    pub closed_by_peer: bool,
    pub anomalies: usize,
    pub elapsed_s: f64,
    pub connections: usize,
    pub probes: usize,
}

impl IdleTimeoutEvent {
    /// The `result` event of a finished search.
    pub fn result(
        planner: &Planner,
        elapsed: Duration,
        probes: usize,
        peer: &str,
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
            (Some(_), false) => plan(peer, f.lo, detect_within).map_err(Some),
        };
        let (plan, plan_error) = match planned {
            Ok(plan) => (Some(plan), None),
            Err(error) => (None, error),
        };
        let whole = |s: f64| s as u64;
        IdleTimeoutEvent::Result(Answer {
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
            anomalies: f.anomalies,
            elapsed_s: secs(elapsed),
            connections: planner.opened(),
            probes,
        })
    }
}

impl Event for IdleTimeoutEvent {
    fn text(&self) -> String {
        match self {
            IdleTimeoutEvent::Start { peer, max_s, grid_s, .. } => format!(
                "Measuring the idle timeout of the path to {peer}, up to {}, with keepalive probes only.\n\
                 {} connections hold still; each is probed once it has been idle {}…{}.",
                human_s(*max_s),
                grid_s.len(),
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
                "{}the peer closed a connection idle for {} ({state})",
                stamp(*elapsed_s),
                human_s(*idle_s)
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
                        "a probe after {lo}s idle was answered; a connection was {how} after {hi}s"
                    ),
                    None => format!("no probe was answered; a connection was {how} after {hi}s"),
                };
                // The same millisecond figures as the JSON.
                lines.push(format!("Idle timeout: {estimate}s ± {plus_minus}s ({evidence})."));
                match (&self.plan, &self.plan_error) {
                    _ if closed_by_peer => lines.push(match self.answered_s {
                        Some(lo) => format!(
                            "The peer itself closed idle connections: likely the server's own idle timeout, counted from the last data. \
                             Keepalive probes do not reset it; to keep such connections, send data at least every {} \
                             (below the {lo}s that were kept).",
                            human_s(below(lo))
                        ),
                        None => "The peer itself closed idle connections before any probe was answered: \
                                 keepalive cannot keep them; send data at once."
                            .to_string(),
                    }),
                    (Some(plan), _) => lines.push(plan.text()),
                    (None, error) => lines.push(format!(
                        "No keepalive plan: {}",
                        error.as_deref().unwrap_or("nothing was measured")
                    )),
                }
                lines.push(format!(
                    "Measured in {} ({:.1} × the timeout) with {connections} connections and {probes} probes.",
                    human_s(self.elapsed_s),
                    self.elapsed_s / estimate.max(0.001),
                ));
            }
            _ => lines.push(format!(
                "No idle timeout up to {}: the path kept connections idle that long (measured with {connections} connections).",
                human_s(self.answered_s.unwrap_or_default())
            )),
        }
        if anomalies > 0 {
            lines.push(format!(
                "Warning: {anomalies} answers contradicted the others (packet loss?); the result may be off."
            ));
        }
        lines.join("\n")
    }
}

/// A time safely below `lo` seconds, for advice: less the path's own error
/// (1 %, at least 1 s), and never more than half of it off.
fn below(lo: f64) -> f64 {
    round_ms((lo - (lo / 100.0).max(1.0)).max(lo / 2.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advice_stays_below_the_lower_end() {
        for lo in [0.02, 1.0, 1.5, 9.02, 60.0, 349.0] {
            assert!(below(lo) < lo && below(lo) > 0.0, "{lo}: {}", below(lo));
        }
        assert_eq!(below(9.02), 8.02);
    }

    fn answer(closed_by_peer: bool) -> Answer {
        let plan = (!closed_by_peer).then(|| plan("192.0.2.7:80", 8.989, None).unwrap());
        Answer {
            found: true,
            idle_timeout_s: Some(9.011),
            plus_minus_s: Some(0.022),
            answered_s: Some(8.989),
            forgotten_s: Some(9.033),
            recommended_idle_s: plan.as_ref().map(|p| p.idle_s as u64),
            recommended_interval_s: plan.as_ref().map(|p| p.interval_s as u64),
            plan,
            plan_error: None,
            closed_by_peer,
            anomalies: 0,
            elapsed_s: 12.0,
            connections: 20,
            probes: 10,
        }
    }

    /// The text gives the JSON's figures, and advises nothing at or past the
    /// lower end of the measured interval (8.989 s).
    #[test]
    fn the_text_agrees_with_the_json_and_stays_below_the_lower_end() {
        let text = answer(false).text();
        assert!(text.contains("Idle timeout: 9.011s ± 0.022s"), "{text}");
        let evidence =
            "(a probe after 8.989s idle was answered; a connection was forgotten after 9.033s)";
        assert!(text.contains(evidence), "{text}");
        assert!(text.contains("for a path timeout of 8.989s"), "{text}");
        assert!(text.contains("idle 7s, interval 3s, 3 retries"), "{text}");
        let watch = "tcp-keepalive watch 192.0.2.7:80 --idle 7s --interval 3s --retries 3";
        assert!(text.contains(watch), "{text}");
        assert!(text.contains("Keepalive::for_path(std::time::Duration::from_millis(8989), std::time::Duration::from_millis(17978))?;"), "{text}");
        let text = answer(true).text();
        assert!(text.contains("send data at least every 7.99s"), "{text}");
    }
}
