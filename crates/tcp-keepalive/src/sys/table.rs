//! The shape of a platform table, and the logic every backend shares: turning a
//! [`Keepalive`] into raw option values, raw values back into a `Keepalive`,
//! what a listening socket may be given, and the detection bound.
//!
//! Everything here is plain data plus pure functions, so the unit tests run it
//! on Linux against every OS's table (`platform::every_os`).

use std::io;
use std::time::Duration;

mod path;
#[cfg(test)]
mod tests;

pub(crate) use path::TimerSlack;

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

/// What an option does on a listening socket, as read from each kernel's source.
#[allow(dead_code)] // Each OS uses only some.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OnListener {
    /// Harmless on a listener, and copied to every socket it accepts.
    Inherited,
    /// Harmless on a listener, but accepted sockets start from the OS default
    /// (or nobody has checked that they inherit it).
    NotInherited,
    /// Arms a keepalive timer on the listening socket itself; when it fires,
    /// the kernel drops the listener. `why` says so, for the error message.
    Kills { why: &'static str },
}

/// One socket option: where it lives, its unit, the range the OS accepts and
/// what it does on a listener.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TcpOption {
    pub name: &'static str,
    pub level: i32,
    pub id: i32,
    pub unit: Unit,
    pub min: u32,
    /// At most `i32::MAX`, so every accepted value fits the C `int` the OS takes.
    pub max: u32,
    pub on_listener: OnListener,
    /// Older releases of this OS lack the option (they answer ENOPROTOOPT);
    /// the table names the release that added it. Such options are written
    /// first, so that an older kernel refuses the config before anything
    /// changed. (A flag, not the name: plans stay small on the hot path.)
    pub added_later: bool,
}

// The constructors the tables in `platform/` use; each OS uses only some.
#[allow(dead_code)]
impl TcpOption {
    const fn new(name: &'static str, id: i32, unit: Unit, min: u32, max: u32) -> Self {
        let level = super::platform::IPPROTO_TCP;
        TcpOption {
            name,
            level,
            id,
            unit,
            min,
            max,
            on_listener: OnListener::NotInherited,
            added_later: false,
        }
    }

    pub const fn seconds(name: &'static str, id: i32, min: u32, max: u32) -> Self {
        Self::new(name, id, Unit::Seconds, min, max)
    }

    pub const fn millis(name: &'static str, id: i32, min: u32, max: u32) -> Self {
        Self::new(name, id, Unit::Millis, min, max)
    }

    pub const fn half_seconds(name: &'static str, id: i32, min: u32, max: u32) -> Self {
        Self::new(name, id, Unit::HalfSeconds, min, max)
    }

    pub const fn count(name: &'static str, id: i32, min: u32, max: u32) -> Self {
        Self::new(name, id, Unit::Count, min, max)
    }

    /// Sets what the option does on a listening socket (every table says it).
    pub const fn on_listener(mut self, on_listener: OnListener) -> Self {
        self.on_listener = on_listener;
        self
    }

    /// Marks the option as added in `_release` (named for the reader):
    /// older releases lack it.
    pub const fn since(mut self, _release: &'static str) -> Self {
        self.added_later = true;
        self
    }
}

impl TcpOption {
    /// A raw value in this option's unit, as the caller reads it ("32767s", "2147483647ms").
    pub fn with_unit(&self, n: u32) -> String {
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

    /// Units per second, and nanoseconds per unit, for a duration. Each unit
    /// divides a second, so rounding up needs no `u128` division.
    #[inline(always)]
    fn per_second(&self) -> (u32, u32) {
        match self.unit {
            Unit::Seconds => (1, 1_000_000_000),
            Unit::HalfSeconds => (2, 500_000_000),
            Unit::Millis | Unit::Count => (1_000, 1_000_000),
        }
    }

    /// The raw value to write, if `value` is within the OS range once rounded
    /// up (as [`raw`](Self::raw), in `u64`: the seconds are bounded first).
    #[inline(always)]
    fn raw_in_range(&self, value: Value) -> Option<i32> {
        let raw = match value {
            Value::Duration(d) => {
                let (per_second, nanos_per_unit) = self.per_second();
                // More whole seconds than the maximum in any unit: too large,
                // and below that the product cannot overflow. In seconds no
                // product is needed, and the sum's one overflow (u64::MAX s and
                // a fraction) wraps to 0, which is refused.
                if per_second > 1 && d.as_secs() > u64::from(self.max) {
                    return None;
                }
                d.as_secs()
                    .wrapping_mul(u64::from(per_second))
                    .wrapping_add(u64::from(d.subsec_nanos().div_ceil(nanos_per_unit)))
            }
            Value::Count(n) => u64::from(n),
        };
        let in_range = raw >= u64::from(self.smallest()) && raw <= u64::from(self.max);
        // `max` is at most i32::MAX, so an accepted value fits.
        in_range.then_some(raw as i32)
    }

    pub(crate) fn decode(&self, raw: u32) -> Value {
        match self.unit {
            Unit::Count => Value::Count(raw),
            _ => Value::Duration(self.duration(raw)),
        }
    }

    /// A raw value of a time option as a `Duration`.
    #[inline(always)]
    fn duration(&self, raw: u32) -> Duration {
        match self.unit {
            Unit::Seconds => Duration::from_secs(raw.into()),
            Unit::HalfSeconds => Duration::from_millis(u64::from(raw) * 500),
            Unit::Millis | Unit::Count => Duration::from_millis(raw.into()),
        }
    }

    #[inline(always)]
    fn smallest(&self) -> u32 {
        self.min.max(1)
    }

    /// The value as the OS will run it: rounded up, and clamped into the range.
    fn effective(&self, value: Value) -> Value {
        let raw = self.raw(value).clamp(self.smallest().into(), self.max.into());
        self.decode(raw as u32)
    }
}

/// What a user timeout bounds on an OS, from its kernel source.
#[allow(dead_code)] // Each OS uses one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UserTimeoutScope {
    /// Linux: unacknowledged data is dropped once it is this old, and it also
    /// replaces the probe count on an idle connection (net/ipv4/tcp_timer.c,
    /// `tcp_keepalive_timer` and `tcp_write_timeout`). From release
    /// `exact_since` the retransmission timer is clamped to the time left, so
    /// the drop comes at the limit; before, up to `late_before` after it.
    DataAndIdleProbes { exact_since: (u32, u32), late_before: Duration },
    /// Only retransmissions of unacknowledged data. The kernel compares the
    /// time against the limit only when its retransmission timer fires, so the
    /// drop may come up to `late_by` after the limit (the first retransmission
    /// timeout plus one maximum backed-off timeout).
    DataOnly { late_by: Duration },
}

impl UserTimeoutScope {
    /// For an OS without a user timeout.
    #[allow(dead_code)] // Each OS uses one.
    pub const NONE: Self = UserTimeoutScope::DataOnly { late_by: Duration::ZERO };
}

/// How the backend asks the kernel whether a socket is listening, where a
/// value would kill a listener and the caller's type does not say it.
#[allow(dead_code)] // Each OS uses one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ListenerProbe {
    /// `getsockopt(SOL_SOCKET, SO_ACCEPTCONN)` is non-zero.
    AcceptConn,
    /// The first byte of a TCP-level option that reports the connection's
    /// state is `listen` (Apple: `TCP_CONNECTION_INFO`'s `tcpi_state`, since
    /// xnu has no `SO_ACCEPTCONN`).
    TcpState { name: &'static str, id: i32, listen: u8 },
    /// `getpeername` fails with ENOTCONN: the socket is a listener or not yet
    /// connected, and counts as one a value would kill (NetBSD, which has no
    /// `SO_ACCEPTCONN` and whose keepalive options kill any socket not yet
    /// established).
    Unconnected,
}

/// How `AcceptKeepalive` finds the connections that completed before `new`
/// configured the listener: each is a copy of the listener as it was then, so
/// it needs the config written. Only used where every value is inherited.
#[allow(dead_code)] // Each OS uses one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AcceptQueue {
    /// The listener reports how many wait (read once by `new`): that many
    /// streams, the first accepted, are written.
    Counted(QueueLength),
    /// No option counts them, but each connection copies the listener when
    /// its handshake completes and the queue is first in, first out: the
    /// streams are read (`SO_KEEPALIVE`, then the plan's values) and written
    /// until the first that holds the whole plan; every later one does too.
    UntilInherited,
    /// Neither known: every accepted stream is written.
    Unknown,
}

/// Where a listening socket reports how many connections wait in its accept
/// queue, handshake completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct QueueLength {
    pub name: &'static str,
    /// `true`: at the socket level (`SOL_SOCKET`); `false`: `IPPROTO_TCP`.
    pub socket_level: bool,
    pub id: i32,
    /// Byte offset of the `u32` count in the option's value.
    pub offset: usize,
}

/// Everything a backend needs to know about one OS. One constant per OS, in `platform/`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Platform {
    pub os: &'static str,
    pub idle: Option<TcpOption>,
    pub interval: Option<TcpOption>,
    pub retries: Option<TcpOption>,
    pub user_timeout: Option<TcpOption>,
    pub user_timeout_scope: UserTimeoutScope,
    /// The OS may store another value than the one set, and still report
    /// success (WASI: the host clamps to its own limits). Then every value set
    /// is read back, and a changed one undone and refused.
    #[cfg_attr(windows, allow(dead_code))] // Read by the Unix/WASI backend only.
    pub host_clamps_silently: bool,
    #[cfg_attr(windows, allow(dead_code))] // Windows has SO_ACCEPTCONN.
    pub listener_probe: ListenerProbe,
    /// How the connections queued before `AcceptKeepalive::new` are found.
    pub accept_queue: AcceptQueue,
    /// The keepalive drop counts from the last segment received even while
    /// sent data waits for its acknowledgement, so a write never postpones
    /// it. Where false, a write during probing hands the connection to the
    /// user timeout (or the system's retransmission limit).
    pub keepalive_counts_through_writes: bool,
    /// The option that holds how long after the idle time an unanswered
    /// connection is dropped, where the kernel checks that time instead of
    /// counting probes (illumos, Solaris: `TCP_KEEPALIVE_ABORT_THRESHOLD`).
    pub keepalive_abort: Option<TcpOption>,
    /// How late the keepalive timer may fire (`Keepalive::for_path`'s margin).
    pub keepalive_timer_slack: TimerSlack,
}

/// The options to write, with their raw values. Built before any system
/// call, so that bad input never leaves a socket half-configured. Four
/// integers and the (static) table they belong to: nothing is copied, and
/// with the host's constant table each option's numbers are constants.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    platform: &'static Platform,
    /// Each setting's raw value, in the order of [`SETTINGS`]; 0 where the
    /// config leaves it unset (no OS accepts 0, so no set value is 0).
    raw: [i32; 4],
}

impl Plan {
    /// The plan of [`parts`](Self::parts).
    #[inline(always)]
    pub fn from_parts(platform: &'static Platform, raw: [i32; 4]) -> Self {
        Plan { platform, raw }
    }

    /// The table and the raw values apart: a backend that passes the values
    /// to the OS in place passes a copy, so that the table stays out of the
    /// memory the OS is given, and its options constants across the calls.
    #[inline(always)]
    #[cfg_attr(windows, allow(dead_code))] // The Windows backend orders its own writes.
    pub fn parts(&self) -> (&'static Platform, [i32; 4]) {
        (self.platform, self.raw)
    }

    /// Every slot, by value, in the order of [`SETTINGS`].
    pub fn slots(&self) -> [Option<(&'static TcpOption, i32)>; 4] {
        std::array::from_fn(|i| slot(self.platform, &self.raw, i).map(|(o, &raw)| (o, raw)))
    }
}

/// The option to write at `position` of `raw` (a plan's values, in the order
/// of [`SETTINGS`]) and its value, in place; `None` where nothing is to be written.
#[inline(always)]
pub(crate) fn slot<'a>(
    platform: &'static Platform,
    raw: &'a [i32; 4],
    position: usize,
) -> Option<(&'static TcpOption, &'a i32)> {
    let value = &raw[position];
    if *value == 0 {
        return None;
    }
    platform.option_in_table(SETTINGS[position]).map(|option| (option, value))
}

pub(crate) const SETTINGS: [Setting; 4] =
    [Setting::Idle, Setting::Interval, Setting::Retries, Setting::UserTimeout];

/// The values `config` sets, in the order of [`SETTINGS`].
pub(crate) fn requested(config: &Keepalive) -> [Option<Value>; 4] {
    let duration = |d: Option<Duration>| d.map(Value::Duration);
    [
        duration(config.idle()),
        duration(config.interval()),
        config.retries().map(Value::Count),
        duration(config.user_timeout()),
    ]
}

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
            user_timeout_scope: UserTimeoutScope::NONE,
            host_clamps_silently: false,
            listener_probe: ListenerProbe::AcceptConn,
            accept_queue: AcceptQueue::Unknown,
            keepalive_counts_through_writes: false,
            keepalive_abort: None,
            keepalive_timer_slack: TimerSlack::ASSUMED,
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

    fn options(&self) -> impl Iterator<Item = TcpOption> + '_ {
        SETTINGS.into_iter().filter_map(|s| self.option(s))
    }

    /// True when some option is missing from older releases of this OS: then
    /// those are written first. A constant per table, so the common case
    /// compiles to one pass.
    #[inline]
    #[cfg_attr(windows, allow(dead_code))] // The Windows backend orders its own writes.
    pub fn has_options_added_later(&self) -> bool {
        let later = |o: &Option<TcpOption>| matches!(o, Some(o) if o.added_later);
        later(&self.idle)
            || later(&self.interval)
            || later(&self.retries)
            || later(&self.user_timeout)
    }

    /// True when the OS has no per-socket tuning at all (OpenBSD, Haiku).
    #[inline]
    pub fn tunes_nothing(&self) -> bool {
        let [a, b, c, d] = [self.idle, self.interval, self.retries, self.user_timeout];
        a.is_none() && b.is_none() && c.is_none() && d.is_none()
    }

    /// True when setting every option on a listener is safe and every socket
    /// it accepts copies them all: then a listener configured once configures
    /// every connection (`AcceptKeepalive`'s cheap strategy).
    pub fn accepted_sockets_inherit_all(&self) -> bool {
        self.options().all(|o| o.on_listener == OnListener::Inherited)
    }

    /// The option behind `setting`, in the (static) table.
    #[inline(always)]
    pub(crate) fn option_in_table(&'static self, setting: Setting) -> Option<&'static TcpOption> {
        match setting {
            Setting::Idle => self.idle.as_ref(),
            Setting::Interval => self.interval.as_ref(),
            Setting::Retries => self.retries.as_ref(),
            Setting::UserTimeout => self.user_timeout.as_ref(),
        }
    }

    /// Checks every set value against this OS and converts it.
    pub fn plan(&'static self, config: &Keepalive) -> Result<Plan, SettingError> {
        self.try_plan(config).map_err(|setting| self.refusal(setting, config))
    }

    /// [`plan`](Self::plan) without the error: on a refusal, only which
    /// setting, so that the checks cost a few comparisons and the error is
    /// built by [`refusal`](Self::refusal) only when there is one. Unrolled,
    /// so that with the host's constant table each check is against constants.
    #[inline(always)]
    pub fn try_plan(&'static self, config: &Keepalive) -> Result<Plan, Setting> {
        let mut raw = [0; 4];
        self.try_plan_into(config, &mut raw)?;
        Ok(Plan { platform: self, raw })
    }

    /// [`try_plan`](Self::try_plan) into `raw`, which holds zeros: each set
    /// value is stored as soon as it is checked, so that where `raw` is the
    /// memory the values are passed to the OS from, each is stored once (not
    /// packed with the others), and an unset one costs nothing.
    #[inline(always)]
    pub fn try_plan_into(
        &'static self,
        config: &Keepalive,
        raw: &mut [i32; 4],
    ) -> Result<(), Setting> {
        let mut check = |position: usize, value: Option<Value>| -> Result<(), Setting> {
            let Some(value) = value else { return Ok(()) };
            let setting = SETTINGS[position];
            let option = self.option_in_table(setting).ok_or(setting)?;
            raw[position] = option.raw_in_range(value).ok_or(setting)?;
            Ok(())
        };
        check(0, config.idle().map(Value::Duration))?;
        check(1, config.interval().map(Value::Duration))?;
        check(2, config.retries().map(Value::Count))?;
        check(3, config.user_timeout().map(Value::Duration))
    }

    /// Why [`try_plan`](Self::try_plan) refused `setting` of `config`.
    #[cold]
    #[inline(never)]
    pub fn refusal(&self, setting: Setting, config: &Keepalive) -> SettingError {
        let position = SETTINGS.iter().position(|&s| s == setting).unwrap_or_default();
        let value = requested(config)[position].unwrap_or(Value::Count(0));
        let Some(option) = self.option(setting) else {
            return SettingError::new(setting, value, Problem::Unsupported, self.os, None);
        };
        let error = |problem, limit| {
            SettingError::new(setting, value, problem, self.os, Some(option.name))
                .with_limit_text(option.with_unit(limit))
        };
        if option.raw(value) < u128::from(option.smallest()) {
            let min = option.decode(option.smallest());
            return error(Problem::TooSmall { min }, option.smallest());
        }
        let max = option.decode(option.max);
        error(Problem::TooLarge { max }, option.max)
    }

    /// Whether some value in `config` would arm a keepalive timer on a
    /// listening socket of this OS. False at compile time for a table with no
    /// such option (most), so that streams pay nothing for the check.
    #[inline(always)]
    pub fn may_kill_listener(&self, config: &Keepalive) -> bool {
        let kills = |o: Option<TcpOption>, set: bool| {
            set && o.is_some_and(|o| matches!(o.on_listener, OnListener::Kills { .. }))
        };
        kills(self.idle, config.idle().is_some())
            || kills(self.interval, config.interval().is_some())
            || kills(self.retries, config.retries().is_some())
            || kills(self.user_timeout, config.user_timeout().is_some())
    }

    /// The first value in `config` that would arm a keepalive timer on a
    /// listening socket of this OS (which then drops the listener), as the
    /// refusal to return for a listener.
    pub fn listener_refusal(&self, config: &Keepalive) -> Option<SettingError> {
        if !self.may_kill_listener(config) {
            return None;
        }
        SETTINGS.into_iter().zip(requested(config)).find_map(|(setting, value)| {
            let option = self.option(setting)?;
            let OnListener::Kills { why } = option.on_listener else { return None };
            let problem = Problem::KillsListener { why };
            Some(SettingError::new(setting, value?, problem, self.os, Some(option.name)))
        })
    }

    /// The closest config that [`plan`](Self::plan) accepts: each value clamped
    /// into the OS range after rounding up, settings the OS lacks dropped.
    pub fn nearest_supported(&self, config: &Keepalive) -> Keepalive {
        let mut values = requested(config);
        for (value, setting) in values.iter_mut().zip(SETTINGS) {
            *value = value.zip(self.option(setting)).map(|(value, option)| {
                let raw = option.raw(value);
                let in_range = raw >= option.smallest().into() && raw <= option.max.into();
                if in_range {
                    value
                } else {
                    option.effective(value)
                }
            });
        }
        let [idle, interval, retries, user_timeout] = values;
        Keepalive::set(duration(idle), duration(interval), count(retries), duration(user_timeout))
    }

    /// Reads each option this OS has through `read`, which stores the raw
    /// value, or leaves 0 for an option the running kernel does not know. 0
    /// reads as unknown (`None`) either way: no OS accepts it as a setting,
    /// illumos reports 0 for an interval or count never set, and a Linux user
    /// timeout of 0 means none. The raw values are read into one array and
    /// decoded at the end, as a hand-written sequence of calls would.
    #[inline]
    pub fn read(
        &self,
        mut read: impl FnMut(&TcpOption, &mut i32) -> io::Result<()>,
    ) -> io::Result<Keepalive> {
        if self.tunes_nothing() {
            return Err(self.nothing_to_read());
        }
        let options = [&self.idle, &self.interval, &self.retries, &self.user_timeout];
        let mut raw = [0; 4];
        for (raw, option) in raw.iter_mut().zip(options) {
            if let Some(option) = option {
                read(option, raw)?;
            }
        }
        // Decoded straight into the field's type: no `Value` in between.
        let known = |option: Option<TcpOption>, raw: i32| {
            option.filter(|_| raw > 0).map(|option| (option, raw as u32))
        };
        let duration = |option, raw| known(option, raw).map(|(o, raw)| o.duration(raw));
        let idle = duration(self.idle, raw[0]);
        let interval = duration(self.interval, raw[1]);
        let mut retries = known(self.retries, raw[2]).map(|(_, raw)| raw);
        let user_timeout = duration(self.user_timeout, raw[3]);
        let Some(option) = self.keepalive_abort else {
            return Ok(Keepalive::set(idle, interval, retries, user_timeout));
        };
        // The kernel drops at idle + this threshold: keep it when interval ×
        // count does not say it. 0 means probing forever: then no count holds.
        let mut abort = 0;
        read(&option, &mut abort)?;
        let abort = duration(Some(option), abort);
        let counted = interval.zip(retries).and_then(|(i, n)| i.checked_mul(n));
        if abort.is_none() {
            retries = None;
        }
        let config = Keepalive::set(idle, interval, retries, user_timeout);
        Ok(match abort {
            Some(abort) if counted != Some(abort) => config.with_idle_abort(abort),
            _ => config,
        })
    }

    #[cold]
    #[inline(never)]
    fn nothing_to_read(&self) -> io::Error {
        let what = format!(
            "keepalive tuning cannot be read per socket on {}; only keepalive() is available there",
            self.os
        );
        io::Error::new(io::ErrorKind::Unsupported, what)
    }

    /// `value` of `setting` as the OS would run it, for the detection bound:
    /// rounded up to the OS unit and raised to its minimum, in nanoseconds (a
    /// count as is). Never lowered: a value above the OS maximum stays as
    /// large, so a bound computed from it cannot understate.
    fn as_run(&self, setting: Setting, value: Value) -> u128 {
        let Some(option) = self.option(setting) else {
            return match value {
                Value::Duration(d) => d.as_nanos(),
                Value::Count(n) => n.into(),
            };
        };
        option.raw(value).max(option.smallest().into()) * option.unit_nanos()
    }

    /// The worst case from the peer's last sign of life until the OS drops a
    /// dead connection that stays idle: no write after that sign of life.
    /// `None` when a value it needs is unknown.
    pub fn idle_detection_bound(&self, config: &Keepalive) -> Option<Duration> {
        self.idle_bound(config).map(from_nanos_saturating)
    }

    /// The worst case from the peer's last sign of life until the OS drops a
    /// dead connection, whatever the program does meanwhile: a write while
    /// keepalive probes stands keepalive down where the OS stops probing with
    /// data in flight, and the user timeout then counts from the write.
    /// `release`: the running kernel's (major, minor), where the table needs
    /// it. `None` when a value it needs is unknown, or when nothing in the
    /// config bounds that case (no user timeout: the system's retransmission
    /// limit decides).
    pub fn detection_bound(
        &self,
        config: &Keepalive,
        release: Option<(u32, u32)>,
    ) -> Option<Duration> {
        let idle_bound = self.idle_bound(config)?;
        if self.keepalive_counts_through_writes {
            return Some(from_nanos_saturating(idle_bound));
        }
        self.user_timeout?;
        let user_timeout =
            config.user_timeout().map(|d| self.as_run(Setting::UserTimeout, Value::Duration(d)))?;
        let late = match self.user_timeout_scope {
            UserTimeoutScope::DataAndIdleProbes { exact_since, late_before } => {
                if release.is_some_and(|running| running >= exact_since) {
                    0
                } else {
                    late_before.as_nanos()
                }
            }
            UserTimeoutScope::DataOnly { late_by } => late_by.as_nanos(),
        };
        // The last write can come just before the idle drop; the user timeout
        // counts from it.
        let bound = idle_bound.saturating_add(user_timeout).saturating_add(late);
        Some(from_nanos_saturating(bound))
    }

    /// [`idle_detection_bound`](Self::idle_detection_bound) in `u128`
    /// nanoseconds, saturating: the bound may only err upward.
    fn idle_bound(&self, config: &Keepalive) -> Option<u128> {
        let mut values = [None; 4];
        for ((slot, setting), value) in values.iter_mut().zip(SETTINGS).zip(requested(config)) {
            *slot = value.map(|v| self.as_run(setting, v));
        }
        let [idle, interval, retries, user_timeout] = values;
        let (idle, interval) = (idle?, interval?);
        let user_timeout = user_timeout.filter(|_| self.user_timeout.is_some());
        Some(match (self.user_timeout_scope, user_timeout) {
            // Linux: the probe count no longer matters; the connection is dropped
            // at the first probe tick (idle + k × interval, k ≥ 1) at or after
            // the user timeout.
            (UserTimeoutScope::DataAndIdleProbes { .. }, Some(limit)) => {
                let ticks = limit.saturating_sub(idle).div_ceil(interval.max(1));
                idle.saturating_add(interval.saturating_mul(ticks.max(1)))
            }
            // illumos, Solaris: dropped at the first probe that finds the
            // connection silent for more than idle + the abort threshold
            // (interval × count, unless read back otherwise): up to one
            // interval later, one more second where the interval was read
            // back truncated to seconds.
            _ if self.keepalive_abort.is_some() => {
                let window = match config.idle_abort() {
                    Some(abort) => abort.as_nanos().saturating_add(1_000_000_000),
                    None => interval.saturating_mul(retries?),
                };
                idle.saturating_add(window).saturating_add(interval)
            }
            _ => idle.saturating_add(interval.saturating_mul(retries?)),
        })
    }
}

fn duration(value: Option<Value>) -> Option<Duration> {
    match value {
        Some(Value::Duration(d)) => Some(d),
        _ => None,
    }
}

fn count(value: Option<Value>) -> Option<u32> {
    match value {
        Some(Value::Count(n)) => Some(n),
        _ => None,
    }
}

/// Durations add up in `u128` nanoseconds; anything past `Duration::MAX` is `Duration::MAX`.
fn from_nanos_saturating(nanos: u128) -> Duration {
    const NANOS_PER_SEC: u128 = 1_000_000_000;
    match u64::try_from(nanos / NANOS_PER_SEC) {
        Ok(secs) => Duration::new(secs, (nanos % NANOS_PER_SEC) as u32),
        Err(_) => Duration::MAX,
    }
}
