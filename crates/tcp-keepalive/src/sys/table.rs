//! The shape of a platform table, and the checks every backend shares: turning a
//! [`Keepalive`] into raw option values, and raw values back into a `Keepalive`.

use std::io;
use std::time::Duration;

use crate::error::{Problem, Setting, SettingError, Value};
use crate::Keepalive;

/// What unit an option's integer is in.
// Not every OS has every unit (only Linux and Solaris have millisecond options,
// OpenBSD and Haiku have none at all), so some variants go unbuilt on some targets.
#[allow(dead_code)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    Seconds,
    Millis,
    /// NetBSD's slow-timer ticks: the kernel counts these options in units of
    /// 1 / PR_SLOWHZ = 500 ms, whatever its man page says.
    HalfSeconds,
    Count,
}

/// One socket option: where it lives, its unit and the range the OS accepts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TcpOption {
    pub name: &'static str,
    pub level: i32,
    pub id: i32,
    pub unit: Unit,
    pub min: u32,
    /// At most `i32::MAX`, so every accepted value fits the C `int` the OS takes.
    pub max: u32,
}

// The constructors the tables in `platform/` use; each OS uses only some.
#[allow(dead_code)]
impl TcpOption {
    pub const fn seconds(name: &'static str, level: i32, id: i32, min: u32, max: u32) -> Self {
        TcpOption { name, level, id, unit: Unit::Seconds, min, max }
    }

    pub const fn millis(name: &'static str, level: i32, id: i32, min: u32, max: u32) -> Self {
        TcpOption { name, level, id, unit: Unit::Millis, min, max }
    }

    pub const fn half_seconds(name: &'static str, level: i32, id: i32, min: u32, max: u32) -> Self {
        TcpOption { name, level, id, unit: Unit::HalfSeconds, min, max }
    }

    pub const fn count(name: &'static str, level: i32, id: i32, min: u32, max: u32) -> Self {
        TcpOption { name, level, id, unit: Unit::Count, min, max }
    }
}

impl TcpOption {
    fn with_unit(&self, n: u32) -> String {
        match self.unit {
            Unit::Seconds => format!("{n}s"),
            Unit::Millis => format!("{n}ms"),
            Unit::HalfSeconds if n % 2 == 0 => format!("{}s", n / 2),
            Unit::HalfSeconds => format!("{}.5s", n / 2),
            Unit::Count => n.to_string(),
        }
    }

    /// Rounds up to the option's unit: never truncates a non-zero value to 0.
    fn raw(&self, value: Value) -> u128 {
        match (value, self.unit) {
            (Value::Duration(d), Unit::Seconds) => {
                u128::from(d.as_secs()) + u128::from(d.subsec_nanos() > 0)
            }
            (Value::Duration(d), Unit::HalfSeconds) => d.as_nanos().div_ceil(500_000_000),
            (Value::Duration(d), _) => d.as_nanos().div_ceil(1_000_000),
            (Value::Count(n), _) => u128::from(n),
        }
    }

    pub(crate) fn decode(&self, raw: i32) -> Value {
        let raw = raw.max(0) as u32;
        match self.unit {
            Unit::Seconds => Value::Duration(Duration::from_secs(raw.into())),
            Unit::Millis => Value::Duration(Duration::from_millis(raw.into())),
            Unit::HalfSeconds => Value::Duration(Duration::from_millis(u64::from(raw) * 500)),
            Unit::Count => Value::Count(raw),
        }
    }
}

/// Everything a backend needs to know about one OS. One constant per OS, in `platform/`.
#[derive(Debug)]
pub(crate) struct Platform {
    pub os: &'static str,
    pub idle: Option<TcpOption>,
    pub interval: Option<TcpOption>,
    pub retries: Option<TcpOption>,
    pub user_timeout: Option<TcpOption>,
    /// The OS may store another value than the one set, and still report
    /// success (WASI: the host clamps to its own limits). Then every value set
    /// is read back, and a changed one undone and refused.
    #[cfg_attr(windows, allow(dead_code))] // Read by the Unix/WASI backend only.
    pub host_clamps_silently: bool,
}

/// The options to write, in order, with their raw values. Built before any
/// system call, so that bad input never leaves a socket half-configured.
pub(crate) type Plan = [Option<(TcpOption, i32)>; 4];

impl Platform {
    /// The table of an OS whose only keepalive control is `SO_KEEPALIVE`.
    #[allow(dead_code)] // Built only for such an OS.
    pub const fn bool_only(os: &'static str) -> Self {
        Platform {
            os,
            idle: None,
            interval: None,
            retries: None,
            user_timeout: None,
            host_clamps_silently: false,
        }
    }

    fn option(&self, setting: Setting) -> Option<TcpOption> {
        match setting {
            Setting::Idle => self.idle,
            Setting::Interval => self.interval,
            Setting::Retries => self.retries,
            Setting::UserTimeout => self.user_timeout,
        }
    }

    /// True when the OS has no per-socket tuning at all (OpenBSD, Haiku).
    pub fn tunes_nothing(&self) -> bool {
        [Setting::Idle, Setting::Interval, Setting::Retries, Setting::UserTimeout]
            .into_iter()
            .all(|s| self.option(s).is_none())
    }

    /// Checks every set value against this OS and converts it.
    pub fn plan(&self, config: &Keepalive) -> Result<Plan, SettingError> {
        let duration = |d: Option<Duration>| d.map(Value::Duration);
        let requested = [
            (Setting::Idle, duration(config.idle())),
            (Setting::Interval, duration(config.interval())),
            (Setting::Retries, config.retries().map(Value::Count)),
            (Setting::UserTimeout, duration(config.user_timeout())),
        ];
        let mut plan: Plan = [None; 4];
        for (slot, (setting, value)) in plan.iter_mut().zip(requested) {
            let Some(value) = value else { continue };
            let error = |problem| SettingError::new(setting, value, problem, self.os, "");
            let option = self.option(setting).ok_or_else(|| error(Problem::Unsupported))?;
            let error = |problem| SettingError::new(setting, value, problem, self.os, option.name);
            let raw = option.raw(value);
            if raw < u128::from(option.min.max(1)) {
                return Err(error(Problem::TooSmall { min: option.with_unit(option.min.max(1)) }));
            }
            if raw > u128::from(option.max) {
                return Err(error(Problem::TooLarge { max: option.with_unit(option.max) }));
            }
            *slot = Some((option, raw as i32));
        }
        Ok(plan)
    }

    /// Reads each option this OS has through `read`; an option the running
    /// kernel does not know (`Ok(None)` from `read`) reads as unknown, and so
    /// does 0, which no OS accepts as a setting: illumos reports 0 for an
    /// interval or count never set, and a Linux user timeout of 0 means none.
    pub fn read(
        &self,
        mut read: impl FnMut(&TcpOption) -> io::Result<Option<i32>>,
    ) -> io::Result<Keepalive> {
        if self.tunes_nothing() {
            let what = format!(
                "keepalive tuning cannot be read per socket on {}; only keepalive() is available there",
                self.os
            );
            return Err(io::Error::new(io::ErrorKind::Unsupported, what));
        }
        let mut get = |option: Option<TcpOption>| -> io::Result<Option<Value>> {
            let Some(option) = option else {
                return Ok(None);
            };
            Ok(read(&option)?.filter(|&raw| raw > 0).map(|raw| option.decode(raw)))
        };
        let duration = |v: Option<Value>| match v {
            Some(Value::Duration(d)) => Some(d),
            _ => None,
        };
        let idle = duration(get(self.idle)?);
        let interval = duration(get(self.interval)?);
        let retries = match get(self.retries)? {
            Some(Value::Count(n)) => Some(n),
            _ => None,
        };
        let user_timeout = duration(get(self.user_timeout)?);
        Ok(Keepalive::set(idle, interval, retries, user_timeout))
    }
}
