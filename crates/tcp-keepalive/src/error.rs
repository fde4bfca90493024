//! The errors this crate returns, inside [`std::io::Error`].
//!
//! Every error is an ordinary `io::Error`.
//!
//! - A value this OS does not take is refused before any system call, as
//!   [`InvalidInput`](io::ErrorKind::InvalidInput) (outside the OS range) or
//!   [`Unsupported`](io::ErrorKind::Unsupported) (no such per-socket option on
//!   this OS, or a value that would kill a listening socket). The message names
//!   the setting, the value and the limit; [`SettingError::of`] gives the detail.
//! - A system call that fails keeps the OS error: the `io::Error` has its kind,
//!   its message names the option and what had already been applied, and its
//!   [`source`](std::error::Error::source) is the original OS error, whose
//!   [`raw_os_error`](io::Error::raw_os_error) is the errno. When the call set
//!   one of the settings, [`SettingError::of`] gives the detail too
//!   ([`Problem::Refused`], and [`SettingError::applied`]).

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

/// One tunable keepalive setting.
///
/// ```
/// use tcp_keepalive::Setting;
/// assert_eq!(Setting::Idle.to_string(), "keepalive idle time");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// Idle time before the first probe ([`Keepalive::with_idle`](crate::Keepalive::with_idle)).
    Idle,
    /// Time between probes ([`Keepalive::with_interval`](crate::Keepalive::with_interval)).
    Interval,
    /// Unanswered probes before the connection is dropped
    /// ([`Keepalive::with_retries`](crate::Keepalive::with_retries)).
    Retries,
    /// `TCP_USER_TIMEOUT` ([`Keepalive::with_user_timeout`](crate::Keepalive::with_user_timeout)).
    UserTimeout,
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Setting::Idle => "keepalive idle time",
            Setting::Interval => "keepalive interval",
            Setting::Retries => "keepalive retries",
            Setting::UserTimeout => "TCP user timeout",
        })
    }
}

/// A requested value, as the caller gave it.
///
/// ```
/// use std::time::Duration;
/// use tcp_keepalive::Value;
/// assert_eq!(Value::Duration(Duration::from_millis(1500)).to_string(), "1.5s");
/// assert_eq!(Value::Count(128).to_string(), "128");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    /// A duration (idle, interval, user timeout).
    Duration(Duration),
    /// A count (retries).
    Count(u32),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Duration(d) => write!(f, "{d:?}"),
            Value::Count(n) => write!(f, "{n}"),
        }
    }
}

/// Why a setting was refused.
///
/// ```
/// use std::time::Duration;
/// use tcp_keepalive::{Keepalive, KeepaliveExt, Problem, SettingError, Value};
///
/// # fn main() -> std::io::Result<()> {
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let stream = std::net::TcpStream::connect(listener.local_addr()?)?;
/// let huge = Keepalive::new().with_idle(Duration::from_secs(100 * 365 * 24 * 3600));
/// let err = stream.set_keepalive_config(&huge).unwrap_err();
/// match SettingError::of(&err).map(SettingError::problem) {
///     Some(Problem::TooLarge { max: Value::Duration(max) }) => println!("at most {max:?} here"),
///     Some(Problem::Unsupported) => println!("no per-socket idle time on this OS"),
///     other => unreachable!("{other:?}"),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// Below the smallest value the OS accepts (zero is always refused).
    TooSmall {
        /// The smallest accepted value.
        min: Value,
    },
    /// Above the largest value the OS accepts, after rounding up to the OS unit.
    TooLarge {
        /// The largest accepted value.
        max: Value,
    },
    /// The OS has no per-socket option for this setting.
    Unsupported,
    /// On this OS the setting arms a keepalive timer on a listening socket,
    /// and the kernel drops the listener when it fires. Configure accepted
    /// connections with [`AcceptKeepalive`](crate::AcceptKeepalive) instead.
    KillsListener {
        /// What the kernel does, e.g. "macOS drops a listening socket when its
        /// keepalive idle timer fires".
        why: &'static str,
    },
    /// The kernel refused the value: its system call failed although every
    /// check passed (an older kernel without the option, or a limit the
    /// running system has of its own). The OS error is the error's
    /// [`source`](std::error::Error::source), and
    /// [`applied`](SettingError::applied) lists the settings written before.
    Refused,
}

/// The detail behind an error about one setting: refused before any system
/// call (`InvalidInput` or `Unsupported`), or refused by the kernel
/// ([`Problem::Refused`], with the OS error's kind). Get it with
/// [`SettingError::of`].
///
/// ```
/// use std::time::Duration;
/// use tcp_keepalive::{Keepalive, KeepaliveExt, Problem, Setting, SettingError};
///
/// # fn main() -> std::io::Result<()> {
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let err = listener
///     .set_keepalive_config(&Keepalive::new().with_idle(Duration::ZERO))
///     .unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
/// let detail = SettingError::of(&err).unwrap();
/// assert_eq!(detail.setting(), Setting::Idle);
/// assert!(matches!(detail.problem(), Problem::TooSmall { .. }));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingError {
    setting: Setting,
    value: Value,
    problem: Problem,
    os: &'static str,
    option: Option<&'static str>,
    /// The limit in the option's own unit ("2147483647ms"), when it has one.
    limit_text: Option<String>,
    /// For [`Problem::Refused`]: the OS error, what had been applied, the
    /// message and kind to show. Behind a pointer: `check` stays small.
    refused: Option<Arc<KernelRefusal>>,
}

/// What the kernel answered when it refused a setting.
#[derive(Debug)]
pub(crate) struct KernelRefusal {
    /// The settings written before the kernel refused this one, in order.
    pub applied: Vec<Setting>,
    /// "setting TCP_KEEPINTVL failed after TCP_KEEPIDLE had been applied", with any hint.
    pub context: String,
    pub kind: io::ErrorKind,
    pub os: io::Error,
}

// Two refusals are the same when they say the same about the same errno.
impl PartialEq for KernelRefusal {
    fn eq(&self, other: &Self) -> bool {
        (&self.applied, &self.context, self.kind, self.os.raw_os_error())
            == (&other.applied, &other.context, other.kind, other.os.raw_os_error())
    }
}

impl Eq for KernelRefusal {}

// The OS error inside a refusal (an `io::Error`, not unwind-safe by itself) is
// never changed after the refusal is made, and nothing can reach it mutably:
// a `SettingError` stays what it was across a panic, as before it held one.
impl std::panic::UnwindSafe for SettingError {}
impl std::panic::RefUnwindSafe for SettingError {}

impl SettingError {
    pub(crate) fn new(
        setting: Setting,
        value: Value,
        problem: Problem,
        os: &'static str,
        option: Option<&'static str>,
    ) -> Self {
        SettingError { setting, value, problem, os, option, limit_text: None, refused: None }
    }

    /// The kernel refused `setting` (`Problem::Refused`), after `applied`.
    pub(crate) fn refused(
        setting: Setting,
        value: Value,
        os: &'static str,
        option: &'static str,
        refusal: KernelRefusal,
    ) -> Self {
        SettingError {
            refused: Some(Arc::new(refusal)),
            ..SettingError::new(setting, value, Problem::Refused, os, Some(option))
        }
    }

    pub(crate) fn with_limit_text(mut self, text: String) -> Self {
        self.limit_text = Some(text);
        self
    }

    /// The detail inside an error from this crate about one setting: refused
    /// before any system call, or refused by the kernel ([`Problem::Refused`]);
    /// `None` for any other error (a read, or `SO_KEEPALIVE` itself, failing).
    ///
    /// ```
    /// # use tcp_keepalive::{Keepalive, Setting, SettingError};
    /// let err = Keepalive::new().with_retries(0).check().unwrap_err();
    /// assert_eq!(SettingError::of(&err).unwrap().setting(), Setting::Retries);
    /// assert!(SettingError::of(&std::io::Error::other("something else")).is_none());
    /// ```
    pub fn of(err: &io::Error) -> Option<&SettingError> {
        err.get_ref()?.downcast_ref()
    }

    /// The setting that was refused.
    ///
    /// ```
    /// # use tcp_keepalive::{Keepalive, Setting, SettingError};
    /// let err = Keepalive::new().with_retries(0).check().unwrap_err();
    /// assert_eq!(SettingError::of(&err).unwrap().setting(), Setting::Retries);
    /// ```
    pub fn setting(&self) -> Setting {
        self.setting
    }

    /// The value the caller asked for.
    ///
    /// ```
    /// # use tcp_keepalive::{Keepalive, SettingError, Value};
    /// let err = Keepalive::new().with_retries(0).check().unwrap_err();
    /// assert_eq!(SettingError::of(&err).unwrap().value(), Value::Count(0));
    /// ```
    pub fn value(&self) -> Value {
        self.value
    }

    /// Why it was refused.
    ///
    /// ```
    /// # use tcp_keepalive::{Keepalive, Problem, SettingError};
    /// let err = Keepalive::new().with_retries(0).check().unwrap_err();
    /// let problem = SettingError::of(&err).unwrap().problem();
    /// assert!(matches!(problem, Problem::TooSmall { .. } | Problem::Unsupported));
    /// ```
    pub fn problem(&self) -> &Problem {
        &self.problem
    }

    /// The OS socket option behind the setting (e.g. `"TCP_KEEPIDLE"`), or
    /// `None` when this OS has none.
    ///
    /// ```
    /// # use tcp_keepalive::{Keepalive, SettingError};
    /// let err = Keepalive::new().with_retries(0).check().unwrap_err();
    /// # #[cfg(target_os = "linux")]
    /// assert_eq!(SettingError::of(&err).unwrap().option(), Some("TCP_KEEPCNT"));
    /// ```
    pub fn option(&self) -> Option<&'static str> {
        self.option
    }

    /// The settings that were written, in this order, before the kernel
    /// refused this one ([`Problem::Refused`]); they stay in effect. Empty for
    /// every other problem: those are found before any system call.
    ///
    /// The options an OS gained in a later release are written first, so that
    /// on an older kernel the refusal comes before anything changed.
    ///
    /// ```
    /// # use tcp_keepalive::{Keepalive, SettingError};
    /// let err = Keepalive::new().with_retries(0).check().unwrap_err();
    /// assert!(SettingError::of(&err).unwrap().applied().is_empty());
    /// ```
    pub fn applied(&self) -> &[Setting] {
        self.refused.as_ref().map_or(&[], |refusal| &refusal.applied)
    }
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let SettingError { setting, value, os, .. } = self;
        let option = self.option.unwrap_or("no option");
        let limit = |v: &Value| self.limit_text.clone().unwrap_or_else(|| v.to_string());
        match &self.problem {
            Problem::TooSmall { min } => {
                let min = limit(min);
                write!(f, "{setting} {value} is below the minimum of {min} ({option} on {os})")
            }
            Problem::TooLarge { max } => {
                let max = limit(max);
                write!(f, "{setting} {value} is above the maximum of {max} ({option} on {os})")
            }
            Problem::Unsupported => write!(
                f,
                "{setting} cannot be set per socket on {os}; only set_keepalive(bool) is available there"
            ),
            Problem::KillsListener { why } => write!(
                f,
                "{setting} {value} cannot be set on a listening socket on {os} ({option}): {why}; \
                 use AcceptKeepalive, which configures each accepted connection instead"
            ),
            Problem::Refused => match &self.refused {
                Some(refusal) => write!(f, "{}: {}", refusal.context, refusal.os),
                None => write!(f, "{setting} {value} was refused by the kernel ({option} on {os})"),
            },
        }
    }
}

impl std::error::Error for SettingError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.refused.as_ref().map(|r| &r.os as &(dyn std::error::Error + 'static))
    }
}

impl From<SettingError> for io::Error {
    fn from(e: SettingError) -> io::Error {
        let kind = match (&e.problem, &e.refused) {
            (Problem::Refused, Some(refusal)) => refusal.kind,
            (Problem::Unsupported | Problem::KillsListener { .. }, _) => io::ErrorKind::Unsupported,
            _ => io::ErrorKind::InvalidInput,
        };
        io::Error::new(kind, e)
    }
}
