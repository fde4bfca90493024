//! `Keepalive::for_path`: the config that keeps a flow alive through a path
//! that forgets idle flows, and notices a dead peer in time, on one OS's table.

use std::io;
use std::time::Duration;

use super::{from_nanos_saturating, Platform, TcpOption, Unit};
use crate::Keepalive;

#[cfg(test)]
mod tests;

const SECOND: u128 = 1_000_000_000;

/// The kernel release the bound is planned for: the running one. Unit tests
/// plan for a recent Linux (clamped retransmission timer) on every host, so
/// that the Linux table's plans do not depend on where they run.
fn release() -> Option<(u32, u32)> {
    if cfg!(test) {
        Some((6, 18))
    } else {
        crate::sys::kernel_release()
    }
}

/// How late an OS's keepalive timer may fire after the time it was armed
/// for: up to `per_mille` thousandths of that time, plus `plus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerSlack {
    pub per_mille: u32,
    pub plus: Duration,
}

impl TimerSlack {
    /// For an OS whose timer code was not read for this: as late as Linux's
    /// timer wheel (12.7 %), plus one slow tick of the BSDs' TCP timers (500 ms).
    pub const ASSUMED: TimerSlack = TimerSlack { per_mille: 127, plus: Duration::from_millis(500) };

    /// The latest the timer fires, armed for `nanos`.
    fn latest(&self, nanos: u128) -> u128 {
        nanos + (nanos * u128::from(self.per_mille)).div_ceil(1000) + self.plus.as_nanos()
    }
}

/// What the path's own timeout may be off by (its timer, a measurement, a
/// rounded figure in its documentation): 1 % of it, at least 1 s.
pub(crate) fn path_allowance(path_timeout: u128) -> u128 {
    (path_timeout / 100).max(SECOND)
}

/// Unanswered probes before giving up, when the detection time leaves room:
/// two lost probes are survived, and a dead peer is still noticed soon.
const PREFERRED_RETRIES: u32 = 3;

impl TcpOption {
    /// The option's unit in nanoseconds (1 for a count).
    pub(super) fn unit_nanos(&self) -> u128 {
        match self.unit {
            Unit::Seconds => SECOND,
            Unit::Millis => 1_000_000,
            Unit::HalfSeconds => SECOND / 2,
            Unit::Count => 1,
        }
    }

    /// The smallest value, in nanoseconds.
    fn smallest_nanos(&self) -> u128 {
        u128::from(self.smallest()) * self.unit_nanos()
    }

    /// `nanos` rounded down to whole units and clamped to the maximum (the
    /// caller checks the minimum).
    fn floor_raw(&self, nanos: u128) -> u32 {
        (nanos / self.unit_nanos()).min(self.max.into()) as u32
    }

    fn nanos(&self, raw: u32) -> u128 {
        u128::from(raw) * self.unit_nanos()
    }
}

/// The three options `for_path` sets.
struct Tuning {
    idle: TcpOption,
    interval: TcpOption,
    retries: TcpOption,
}

impl Platform {
    /// The config for a path that forgets a flow idle for `path_timeout`, that
    /// notices a dead peer within `detect_within`.
    pub fn for_path(
        &self,
        path_timeout: Duration,
        detect_within: Duration,
    ) -> io::Result<Keepalive> {
        let (Some(idle), Some(interval), Some(retries)) = (self.idle, self.interval, self.retries)
        else {
            let what = format!(
                "Keepalive::for_path needs the idle time, interval and probe count, which cannot be set per socket on {}",
                self.os
            );
            return Err(io::Error::new(io::ErrorKind::Unsupported, what));
        };
        let tuning = Tuning { idle, interval, retries };
        let (path, detect) = (path_timeout.as_nanos(), detect_within.as_nanos());
        let fits = |k: &Keepalive| self.bound(k).is_some_and(|b| b.as_nanos() <= detect);
        let fastest = self.candidate(&tuning, idle.smallest(), 0);
        let Some(shortest_detection) = self.bound(&fastest) else {
            let what = format!(
                "Keepalive::for_path cannot bound dead-peer detection on {}: a write while keepalive probes \
                 leaves the connection to the system's retransmission limit, and there is no per-socket user timeout",
                self.os
            );
            return Err(io::Error::new(io::ErrorKind::Unsupported, what));
        };
        let Some(idle_cap) = self.idle_cap(&tuning, path) else {
            let shortest = from_nanos_saturating(self.shortest_path_timeout(&tuning));
            return Err(refusal(format!(
                "path idle timeout {path_timeout:?} is too short for keepalive on {}: the shortest it can keep a flow alive through is {shortest:?} \
                 (the least idle time, {} {:?}, plus the margin for the OS timer and the path's own error)",
                self.os,
                idle.name,
                from_nanos_saturating(idle.smallest_nanos()),
            )));
        };
        if detect < shortest_detection.as_nanos() {
            return Err(refusal(format!(
                "detection time {detect_within:?} is too short on {}: the shortest this OS can meet is {shortest_detection:?} \
                 (idle, one probe interval and one probe, each at the OS minimum)",
                self.os
            )));
        }
        let planned = self.candidate(&tuning, idle_cap, detect);
        if fits(&planned) {
            return Ok(planned);
        }
        // The bound adds more than the idle figure (a user timeout after a
        // write): the largest idle budget, to the millisecond, that still fits.
        let (mut fitting, mut too_long) = (0, detect);
        while too_long - fitting > 1_000_000 {
            let middle = fitting + (too_long - fitting) / 2;
            match fits(&self.candidate(&tuning, idle_cap, middle)) {
                true => fitting = middle,
                false => too_long = middle,
            }
        }
        Ok(self.candidate(&tuning, idle_cap, fitting))
    }

    /// The detection bound `for_path` keeps within `detect_within`.
    fn bound(&self, config: &Keepalive) -> Option<Duration> {
        self.detection_bound(config, release())
    }

    /// Whether keepalive with `config` sends its first probe on an idle
    /// connection before a path with this idle timeout forgets the flow: the
    /// idle time as this OS runs it, fired as late as its timer may, is below
    /// `path_timeout`. `None` when the idle time is unknown.
    pub fn probes_within(&self, config: &Keepalive, path_timeout: Duration) -> Option<bool> {
        let idle = self.as_run(crate::Setting::Idle, crate::Value::Duration(config.idle()?));
        Some(self.keepalive_timer_slack.latest(idle) < path_timeout.as_nanos())
    }

    /// The largest idle time, in the idle option's units, whose probe still
    /// reaches a path with this timeout in time: the probe goes out at most
    /// the timer slack late, and the path may forget up to its allowance early.
    fn idle_cap(&self, tuning: &Tuning, path: u128) -> Option<u32> {
        let slack = self.keepalive_timer_slack;
        let fits = |raw: u32| slack.latest(tuning.idle.nanos(raw)) + path_allowance(path) <= path;
        let room = path.saturating_sub(path_allowance(path) + slack.plus.as_nanos());
        let per_mille = u128::from(slack.per_mille);
        let mut raw = tuning.idle.floor_raw(room * 1000 / (1000 + per_mille));
        while raw >= tuning.idle.smallest() && !fits(raw) {
            raw -= 1;
        }
        (raw >= tuning.idle.smallest()).then_some(raw)
    }

    /// The shortest path timeout that [`idle_cap`](Self::idle_cap) accepts.
    fn shortest_path_timeout(&self, tuning: &Tuning) -> u128 {
        let latest = self.keepalive_timer_slack.latest(tuning.idle.smallest_nanos());
        // The allowance is 1 s up to a 100 s path, 1 % above it.
        (latest + SECOND).max((latest * 100).div_ceil(99))
    }

    fn config(&self, tuning: &Tuning, idle: u32, interval: u32, retries: u32) -> Keepalive {
        let duration = |option: &TcpOption, raw| from_nanos_saturating(option.nanos(raw));
        Keepalive::new()
            .with_idle(duration(&tuning.idle, idle))
            .with_interval(duration(&tuning.interval, interval))
            .with_retries(retries.clamp(tuning.retries.smallest(), tuning.retries.max))
    }

    /// The config for an idle figure (idle time plus every probe) of
    /// `budget`: idle as long as the path allows but at most half of it; the
    /// rest split among [`PREFERRED_RETRIES`] probes, each interval no longer
    /// than the idle cap (so that after a lost probe the next still comes
    /// before the path forgets); fewer probes, then the OS minimums, when the
    /// budget is short. Where this OS's bound is more than the idle figure
    /// (a write while keepalive probes, bounded only by a user timeout), a
    /// user timeout as long as the idle figure.
    fn candidate(&self, tuning: &Tuning, idle_cap: u32, budget: u128) -> Keepalive {
        let Tuning { idle: idle_option, interval: interval_option, .. } = tuning;
        let smallest_interval = interval_option.smallest_nanos();
        let mut idle = idle_option.floor_raw(budget / 2).min(idle_cap).max(idle_option.smallest());
        if idle_option.nanos(idle) + smallest_interval > budget {
            let room = budget.saturating_sub(smallest_interval);
            idle = idle_option.floor_raw(room).max(idle_option.smallest());
        }
        let rest = budget.saturating_sub(idle_option.nanos(idle));
        let mut retries = PREFERRED_RETRIES.min(tuning.retries.max);
        let longest_interval = interval_option.floor_raw(idle_option.nanos(idle_cap));
        let interval = interval_option
            .floor_raw(rest / u128::from(retries))
            .min(longest_interval)
            .max(interval_option.smallest());
        if interval_option.nanos(interval) * u128::from(retries) > rest {
            retries = (rest / smallest_interval).clamp(1, retries.into()) as u32;
        }
        let probes = self.config(tuning, idle, interval, retries);
        let figure =
            idle_option.nanos(idle) + interval_option.nanos(interval) * u128::from(retries);
        match self.user_timeout {
            Some(option) if self.bound(&probes).is_none_or(|b| b.as_nanos() > figure) => {
                let raw = option.floor_raw(figure).max(option.smallest());
                probes.with_user_timeout(from_nanos_saturating(option.nanos(raw)))
            }
            _ => probes,
        }
    }
}

fn refusal(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}
