//! [`Keepalive`]: the tuning values, and what they imply.

use std::time::Duration;

/// Keepalive tuning: idle time, probe interval, probe count and a user
/// timeout (`TCP_USER_TIMEOUT` on Linux, its equivalent elsewhere).
///
/// Every value is optional. A value left unset is not touched: the socket keeps
/// what it had, which for a fresh socket is the OS default.
///
/// Given to [`KeepaliveExt::set_keepalive_config`](crate::KeepaliveExt::set_keepalive_config),
/// durations round **up** to the OS unit (whole seconds on most systems), so
/// 500 ms becomes 1 s and 1.5 s becomes 2 s; they are never truncated.
/// Zero, or anything above the OS limit, is refused with
/// [`InvalidInput`](std::io::ErrorKind::InvalidInput) before any system call.
///
/// Returned by [`KeepaliveExt::keepalive_config`](crate::KeepaliveExt::keepalive_config),
/// it holds the values in effect; `None` means the OS cannot report that value.
///
/// # Examples
///
/// ```
/// use std::io::ErrorKind;
/// use std::time::Duration;
/// use tcp_keepalive::{Keepalive, KeepaliveExt};
///
/// # fn main() -> std::io::Result<()> {
/// # let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// # let stream = std::net::TcpStream::connect(listener.local_addr()?)?;
/// let keepalive = Keepalive::new()
///     .with_idle(Duration::from_secs(30))
///     .with_interval(Duration::from_secs(10))
///     .with_retries(3);
/// // A dead idle peer is noticed after at most 30 s + 3 × 10 s.
/// # #[cfg(not(any(target_os = "illumos", target_os = "solaris")))]
/// assert_eq!(keepalive.idle_detection_bound(), Some(Duration::from_secs(60)));
///
/// match stream.set_keepalive_config(&keepalive) {
///     // This OS, or this release of it, lacks one of the settings (the probe
///     // count before Windows 10 1703; all of them on OpenBSD). Nothing was
///     // changed (see the `platforms` page for the exact promise).
///     Err(e) if e.kind() == ErrorKind::Unsupported => stream.set_keepalive(true)?,
///     other => other?,
/// }
/// assert!(stream.keepalive()?);
/// # #[cfg(target_os = "linux")]
/// assert_eq!(stream.keepalive_config()?, keepalive);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[must_use]
pub struct Keepalive {
    idle: Option<Duration>,
    interval: Option<Duration>,
    retries: Option<u32>,
    user_timeout: Option<Duration>,
    /// Read back on illumos and Solaris, whose kernels drop an unanswered idle
    /// connection this long after the idle time (`TCP_KEEPALIVE_ABORT_THRESHOLD`)
    /// instead of counting probes: set when that differs from interval × count
    /// (`TCP_KEEPCNT` alone leaves it as it was), for the detection bound.
    idle_abort: Option<Duration>,
}

impl Keepalive {
    /// A configuration that sets nothing: applying it only turns keepalive on.
    ///
    /// ```
    /// let k = tcp_keepalive::Keepalive::new();
    /// assert_eq!((k.idle(), k.interval(), k.retries(), k.user_timeout()), (None, None, None, None));
    /// ```
    pub const fn new() -> Self {
        Keepalive {
            idle: None,
            interval: None,
            retries: None,
            user_timeout: None,
            idle_abort: None,
        }
    }

    /// How long the connection must be idle before the first probe is sent
    /// (`TCP_KEEPIDLE`; `TCP_KEEPALIVE` on Apple systems).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let k = tcp_keepalive::Keepalive::new().with_idle(Duration::from_secs(60));
    /// assert_eq!(k.idle(), Some(Duration::from_secs(60)));
    /// ```
    pub const fn with_idle(mut self, idle: Duration) -> Self {
        self.idle = Some(idle);
        self
    }

    /// Time between two unanswered probes (`TCP_KEEPINTVL`).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let k = tcp_keepalive::Keepalive::new().with_interval(Duration::from_secs(5));
    /// assert_eq!(k.interval(), Some(Duration::from_secs(5)));
    /// ```
    pub const fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = Some(interval);
        self
    }

    /// How many unanswered probes end the connection (`TCP_KEEPCNT`).
    ///
    /// On Linux a [user timeout](Self::with_user_timeout), when set, takes its
    /// place for deciding when to give up; elsewhere the count still decides.
    ///
    /// ```
    /// let k = tcp_keepalive::Keepalive::new().with_retries(4);
    /// assert_eq!(k.retries(), Some(4));
    /// ```
    pub const fn with_retries(mut self, retries: u32) -> Self {
        self.retries = Some(retries);
        self
    }

    /// A bound on how long sent data may stay unacknowledged before the
    /// connection is dropped: the "user timeout". Keepalive never probes while
    /// data is in flight, so this is the only way to notice a peer that
    /// vanished mid-request.
    ///
    /// Each OS's own option, rounded up to its unit:
    ///
    /// | OS | option | unit | what it bounds |
    /// |---|---|---|---|
    /// | Linux, Android, Fuchsia | `TCP_USER_TIMEOUT` | ms | data in flight, **and** idle probing: it replaces the probe count |
    /// | Apple systems | `TCP_RXT_CONNDROPTIME` | s | data in flight only, counted from the first retransmission |
    /// | Windows | `TCP_MAXRT` | s | data in flight only |
    /// | FreeBSD 14+ | `TCP_MAXUNACKTIME` | s | data in flight only |
    /// | illumos, Solaris | `TCP_ABORT_THRESHOLD` | ms | data in flight only |
    ///
    /// Elsewhere setting it is [`Unsupported`](std::io::ErrorKind::Unsupported)
    /// (the `platforms` page says why, per OS). Where it bounds data in flight
    /// only, the kernel checks it when its retransmission timer fires, so the
    /// drop can come later than the limit; [`detection_bound`](Self::detection_bound)
    /// includes that delay. FreeBSD 14's `TCP_MAXUNACKTIME` counts from the
    /// last acknowledgement of new data; older FreeBSD answers `Unsupported`
    /// and nothing is changed.
    ///
    /// On Linux an idle connection is dropped at the first probe time at or
    /// after `user_timeout` of silence, once at least one probe went
    /// unanswered (net/ipv4/tcp_timer.c, `tcp_keepalive_timer`).
    ///
    /// Read back, `None` means no user timeout is set (the kernel's own
    /// retransmission limits apply).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let k = tcp_keepalive::Keepalive::new().with_user_timeout(Duration::from_secs(20));
    /// assert_eq!(k.user_timeout(), Some(Duration::from_secs(20)));
    /// ```
    pub const fn with_user_timeout(mut self, user_timeout: Duration) -> Self {
        self.user_timeout = Some(user_timeout);
        self
    }

    /// The idle time, if set or known.
    ///
    /// ```
    /// assert_eq!(tcp_keepalive::Keepalive::new().idle(), None);
    /// ```
    pub const fn idle(&self) -> Option<Duration> {
        self.idle
    }

    /// The probe interval, if set or known.
    ///
    /// ```
    /// assert_eq!(tcp_keepalive::Keepalive::new().interval(), None);
    /// ```
    pub const fn interval(&self) -> Option<Duration> {
        self.interval
    }

    /// The probe count, if set or known.
    ///
    /// ```
    /// assert_eq!(tcp_keepalive::Keepalive::new().retries(), None);
    /// ```
    pub const fn retries(&self) -> Option<u32> {
        self.retries
    }

    /// The user timeout, if set.
    ///
    /// ```
    /// assert_eq!(tcp_keepalive::Keepalive::new().user_timeout(), None);
    /// ```
    pub const fn user_timeout(&self) -> Option<Duration> {
        self.user_timeout
    }

    /// The worst case, on this OS, from the peer's last sign of life until
    /// the OS drops a dead connection and the next read or write fails with
    /// [`TimedOut`](std::io::ErrorKind::TimedOut), **whatever the program does
    /// meanwhile**, writes included. It never understates. Values are taken
    /// as the OS runs them: rounded up to its unit, raised to its minimum.
    ///
    /// A write while keepalive is probing matters: with data in flight, Linux
    /// (and, as far as this crate relies on, Windows, illumos, Solaris)
    /// stops probing, and only the [user timeout](Self::with_user_timeout)
    /// ends the connection, counted from that write. So there the bound is
    /// the [idle bound](Self::idle_detection_bound), for a write just before
    /// it, plus the user timeout, plus how late the kernel checks it (Linux
    /// before 4.19: one retransmission timeout, up to 120 s; Apple: 2 × 64 s;
    /// Windows, illumos, Solaris: 2 × 60 s; FreeBSD: 64 s). Without a user
    /// timeout it is `None` there: the system's retransmission limit
    /// decides (about 15 minutes on Linux, `net.ipv4.tcp_retries2`). On
    /// FreeBSD, NetBSD and Apple systems the keepalive drop counts from the
    /// last segment received even with data in flight, so it is the idle bound.
    ///
    /// `None` also when a value it needs is unknown. For the effective bound
    /// of a socket, call it on what
    /// [`keepalive_config`](crate::KeepaliveExt::keepalive_config) returns:
    /// that includes the OS defaults.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tcp_keepalive::Keepalive;
    ///
    /// let probes = Keepalive::new()
    ///     .with_idle(Duration::from_secs(60))
    ///     .with_interval(Duration::from_secs(10))
    ///     .with_retries(3);
    /// assert_eq!(probes.idle_detection_bound(), Some(Duration::from_secs(90)));
    /// # #[cfg(target_os = "linux")] {
    /// // A write during probing stands keepalive down: only a user timeout bounds it.
    /// assert_eq!(probes.detection_bound(), None);
    /// let bounded = probes.with_user_timeout(Duration::from_secs(30));
    /// // Idle: dropped at the first probe after 30 s of silence, at 70 s. A
    /// // write just before that is dropped 30 s later (120 s more before Linux 4.19).
    /// assert_eq!(bounded.idle_detection_bound(), Some(Duration::from_secs(70)));
    /// assert!(bounded.detection_bound() >= Some(Duration::from_secs(70 + 30)));
    /// # }
    /// ```
    pub fn detection_bound(&self) -> Option<Duration> {
        crate::sys::PLATFORM.detection_bound(self, crate::sys::kernel_release())
    }

    /// The worst case, on this OS, from the peer's last sign of life until
    /// the OS drops a dead connection **that stays idle**: the program writes
    /// nothing after that sign of life (reading, or waiting, is fine). The
    /// figure keepalive tuning is usually quoted by; it never understates
    /// that case. For a program that may write meanwhile, see
    /// [`detection_bound`](Self::detection_bound).
    ///
    /// - Without a user timeout, or where it does not touch probing:
    ///   `idle + interval × retries`; on illumos and Solaris one interval
    ///   more (their check is "silent for more than", made at probes), and
    ///   from a read-back, idle + their abort threshold + one interval.
    /// - With a user timeout on Linux: probes go out at `idle`,
    ///   `idle + interval`, …, and the connection is dropped at the first of
    ///   those times that is at or after the user timeout, but never before
    ///   `idle + interval`; the probe count no longer matters.
    ///
    /// A sum too large for a `Duration` is `Duration::MAX`. `None` when a
    /// value it needs is unknown.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tcp_keepalive::Keepalive;
    ///
    /// let linux_defaults = Keepalive::new()
    ///     .with_idle(Duration::from_secs(7200))
    ///     .with_interval(Duration::from_secs(75))
    ///     .with_retries(9);
    /// # #[cfg(not(any(target_os = "illumos", target_os = "solaris")))]
    /// assert_eq!(linux_defaults.idle_detection_bound(), Some(Duration::from_secs(7875)));
    ///
    /// # #[cfg(target_os = "linux")] {
    /// let with_user_timeout = linux_defaults.with_user_timeout(Duration::from_secs(7300));
    /// assert_eq!(with_user_timeout.idle_detection_bound(), Some(Duration::from_secs(7350)));
    /// # }
    /// assert_eq!(Keepalive::new().idle_detection_bound(), None);
    /// ```
    pub fn idle_detection_bound(&self) -> Option<Duration> {
        crate::sys::PLATFORM.idle_detection_bound(self)
    }

    /// The closest config that
    /// [`set_keepalive_config`](crate::KeepaliveExt::set_keepalive_config)
    /// accepts on this OS, for callers who must never fail a connection over
    /// tuning: each value out of the OS range becomes the nearest limit (after
    /// rounding up to the OS unit), settings the OS has no option for are
    /// dropped, and nothing else changes.
    ///
    /// [`check`](Self::check) still says exactly what the original config
    /// breaks, so it can be logged. On a listening socket, values that would
    /// kill it are still refused: use [`AcceptKeepalive`](crate::AcceptKeepalive)
    /// for servers.
    ///
    /// It knows this OS's limits, not the running system's: Windows before
    /// 10 1703 has no per-socket probe count, and a WASI host may clamp to
    /// limits of its own. There `set_keepalive_config` can still fail, and
    /// then changes nothing, so fall back to the plain switch:
    ///
    /// ```
    /// use std::time::Duration;
    /// use tcp_keepalive::{Keepalive, KeepaliveExt};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// # let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// # let stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// let config = Keepalive::new()
    ///     .with_idle(Duration::from_secs(30))
    ///     .with_retries(1000) // more than most systems allow
    ///     .with_user_timeout(Duration::from_secs(60));
    /// if let Err(e) = config.check() {
    ///     eprintln!("keepalive: {e}; using the nearest supported values");
    /// }
    /// if let Err(e) = stream.set_keepalive_config(&config.nearest_supported()) {
    ///     eprintln!("keepalive tuning not applied, OS defaults instead: {e}");
    ///     stream.set_keepalive(true)?;
    /// }
    /// assert!(stream.keepalive()?);
    /// # #[cfg(target_os = "linux")]
    /// assert_eq!(stream.keepalive_config()?.retries(), Some(127));
    /// # Ok(())
    /// # }
    /// ```
    pub fn nearest_supported(&self) -> Keepalive {
        crate::sys::PLATFORM.nearest_supported(self)
    }

    /// Checks every set value against this OS's limits and settings, as
    /// [`set_keepalive_config`](crate::KeepaliveExt::set_keepalive_config)
    /// does first, but without a socket: for refusing a bad configuration
    /// (a config file, command-line flags) before connecting anywhere.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tcp_keepalive::Keepalive;
    ///
    /// assert!(Keepalive::new().with_retries(0).check().is_err());
    /// let err = Keepalive::new().with_idle(Duration::ZERO).check().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// # #[cfg(target_os = "linux")]
    /// assert!(Keepalive::new().with_idle(Duration::from_secs(60)).check().is_ok());
    /// ```
    pub fn check(&self) -> std::io::Result<()> {
        crate::sys::check(self)
    }

    /// The config for a network path that forgets a flow idle for
    /// `path_idle_timeout` (a NAT, firewall or load balancer: see
    /// [`Middlebox`](crate::Middlebox) for known ones), which notices a dead
    /// peer within `detect_within` on this OS.
    ///
    /// - **Idle time**: strictly below the path timeout, by a margin: the
    ///   path's own error (1 % of its timeout, at least 1 s: its timer, a
    ///   measurement, a rounded figure in its documentation), and how late
    ///   this OS's keepalive timer may fire (on Linux, 12.7 % of the idle time
    ///   plus a jiffy: the kernel's timer wheel). It is a whole number of the
    ///   OS unit (half-seconds on NetBSD), so nothing rounds it up. At most
    ///   half of `detect_within`, and at most the OS maximum: a path that
    ///   waits longer is then kept alive all the more.
    /// - **Interval and retries**: 3 probes sharing the rest of
    ///   `detect_within`, each interval no longer than the longest idle time
    ///   the path allows (after a lost probe the next still comes in time);
    ///   fewer probes, then shorter values, when time is short. The result's
    ///   [`detection_bound`](Self::detection_bound) is at most `detect_within`
    ///   under this OS's semantics, and every value is within its limits.
    /// - **User timeout**: none, unless this OS's detection bound needs one
    ///   (to cover a write while keepalive probes); then one as long as the
    ///   idle time plus every probe, and the rest shortened to fit.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](std::io::ErrorKind::InvalidInput) when no config
    /// can do it: the message names the shortest path timeout, or the shortest
    /// detection time, this OS can meet. [`Unsupported`](std::io::ErrorKind::Unsupported)
    /// where the OS has no per-socket idle time, interval or count (OpenBSD,
    /// Haiku), or where nothing it has bounds the detection time.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tcp_keepalive::{Keepalive, KeepaliveExt, Middlebox};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// # let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// # let stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// let nat = Middlebox::named("aws-nat-gateway").unwrap(); // 350 s
    /// let within = Duration::from_secs(300);
    /// let config = match Keepalive::for_path(nat.idle_timeout, within) {
    ///     Ok(config) => config,
    ///     // No per-socket tuning (OpenBSD, Haiku), or nothing that bounds
    ///     // detection after a write (no user timeout: DragonFly, WASI).
    ///     Err(e) if e.kind() == std::io::ErrorKind::Unsupported => return Ok(()),
    ///     Err(e) => return Err(e),
    /// };
    /// assert!(config.idle().unwrap() < nat.idle_timeout);
    /// assert!(config.detection_bound().unwrap() <= within);
    /// match stream.set_keepalive_config(&config) {
    ///     // Windows before 10 1703 has no per-socket probe count. Nothing was
    ///     // changed: the times alone still keep the flow alive.
    ///     Err(e) if e.kind() == std::io::ErrorKind::Unsupported => {
    ///         let times = Keepalive::new().with_idle(config.idle().unwrap());
    ///         stream.set_keepalive_config(&times.with_interval(config.interval().unwrap()))?
    ///     }
    ///     other => other?,
    /// }
    ///
    /// // Too short for any config: the error names what this OS can do.
    /// let err = Keepalive::for_path(Duration::from_millis(500), within).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// assert!(err.to_string().contains("the shortest it can keep a flow alive through is"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn for_path(
        path_idle_timeout: Duration,
        detect_within: Duration,
    ) -> std::io::Result<Keepalive> {
        crate::sys::PLATFORM.for_path(path_idle_timeout, detect_within)
    }

    /// Whether, with keepalive on, this config sends its first probe on an
    /// idle connection before a path that forgets flows idle for
    /// `path_idle_timeout` does so: the idle time as this OS runs it (rounded
    /// up to its unit), fired as late as its keepalive timer may (see
    /// [`for_path`](Self::for_path)), is below the timeout. Each answered
    /// probe refreshes the flow, so the connection then survives the path.
    /// `None` when the idle time is unknown.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tcp_keepalive::Keepalive;
    ///
    /// let nat = Duration::from_secs(350);
    /// let linux_default = Keepalive::new().with_idle(Duration::from_secs(7200));
    /// assert_eq!(linux_default.probes_within(nat), Some(false));
    /// assert_eq!(Keepalive::new().probes_within(nat), None);
    /// if let Ok(planned) = Keepalive::for_path(nat, Duration::from_secs(300)) {
    ///     assert_eq!(planned.probes_within(nat), Some(true));
    /// }
    /// ```
    pub fn probes_within(&self, path_idle_timeout: Duration) -> Option<bool> {
        crate::sys::PLATFORM.probes_within(self, path_idle_timeout)
    }

    pub(crate) fn set(
        idle: Option<Duration>,
        interval: Option<Duration>,
        retries: Option<u32>,
        user_timeout: Option<Duration>,
    ) -> Self {
        Keepalive { idle, interval, retries, user_timeout, idle_abort: None }
    }

    /// A read-back whose kernel drops an idle connection `idle_abort` after
    /// the idle time, whatever the count says (illumos, Solaris).
    pub(crate) fn with_idle_abort(mut self, idle_abort: Duration) -> Self {
        self.idle_abort = Some(idle_abort);
        self
    }

    pub(crate) fn idle_abort(&self) -> Option<Duration> {
        self.idle_abort
    }
}
