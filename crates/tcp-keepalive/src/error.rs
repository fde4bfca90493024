//! The errors this crate returns, inside [`std::io::Error`].
//!
//! Every error is an ordinary `io::Error` whose [`kind`](io::Error::kind) is
//! [`InvalidInput`](io::ErrorKind::InvalidInput) (a value outside what the OS
//! accepts) or [`Unsupported`](io::ErrorKind::Unsupported) (the OS has no such
//! per-socket option). Its message names the setting, the value and the limit.
//! Programs that want the details can downcast the inner error to
//! [`SettingError`].

use std::fmt;
use std::io;
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
/// use tcp_keepalive::{Keepalive, KeepaliveExt, Problem, SettingError};
///
/// # fn main() -> std::io::Result<()> {
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let huge = Keepalive::new().with_idle(Duration::from_secs(100 * 365 * 24 * 3600));
/// let err = listener.set_keepalive_config(&huge).unwrap_err();
/// let detail = err.get_ref().and_then(|e| e.downcast_ref::<SettingError>()).unwrap();
/// match detail.problem() {
///     Problem::TooLarge { max } => println!("at most {max} here"),
///     Problem::Unsupported => println!("no per-socket idle time on this OS"),
///     other => unreachable!("{other:?}"),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// Below the smallest value the OS accepts (zero is always refused).
    /// `min` is written in the option's unit, e.g. `"1s"`.
    TooSmall {
        /// The smallest accepted value, with its unit.
        min: String,
    },
    /// Above the largest value the OS accepts, after rounding up to the OS unit.
    TooLarge {
        /// The largest accepted value, with its unit.
        max: String,
    },
    /// The OS has no per-socket option for this setting.
    Unsupported,
}

/// The detail behind an `InvalidInput` or `Unsupported` error from this crate.
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
/// let detail = err.get_ref().and_then(|e| e.downcast_ref::<SettingError>()).unwrap();
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
    option: &'static str,
}

impl SettingError {
    pub(crate) fn new(
        setting: Setting,
        value: Value,
        problem: Problem,
        os: &'static str,
        option: &'static str,
    ) -> Self {
        SettingError { setting, value, problem, os, option }
    }

    /// The setting that was refused.
    ///
    /// ```
    /// # use tcp_keepalive::{Keepalive, KeepaliveExt, Setting, SettingError};
    /// # let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let err = listener.set_keepalive_config(&Keepalive::new().with_retries(0)).unwrap_err();
    /// let detail = err.get_ref().and_then(|e| e.downcast_ref::<SettingError>()).unwrap();
    /// assert_eq!(detail.setting(), Setting::Retries);
    /// ```
    pub fn setting(&self) -> Setting {
        self.setting
    }

    /// The value the caller asked for.
    ///
    /// ```
    /// # use tcp_keepalive::{Keepalive, KeepaliveExt, SettingError, Value};
    /// # let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let err = listener.set_keepalive_config(&Keepalive::new().with_retries(0)).unwrap_err();
    /// let detail = err.get_ref().and_then(|e| e.downcast_ref::<SettingError>()).unwrap();
    /// assert_eq!(detail.value(), Value::Count(0));
    /// ```
    pub fn value(&self) -> Value {
        self.value
    }

    /// Why it was refused.
    ///
    /// ```
    /// # use tcp_keepalive::{Keepalive, KeepaliveExt, Problem, SettingError};
    /// # let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let err = listener.set_keepalive_config(&Keepalive::new().with_retries(0)).unwrap_err();
    /// let detail = err.get_ref().and_then(|e| e.downcast_ref::<SettingError>()).unwrap();
    /// assert!(matches!(detail.problem(), Problem::TooSmall { .. } | Problem::Unsupported));
    /// ```
    pub fn problem(&self) -> &Problem {
        &self.problem
    }

    /// The OS socket option behind the setting (e.g. `"TCP_KEEPIDLE"`), or `""` when there is none.
    ///
    /// ```
    /// # use tcp_keepalive::{Keepalive, KeepaliveExt, SettingError};
    /// # let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let err = listener.set_keepalive_config(&Keepalive::new().with_retries(0)).unwrap_err();
    /// let detail = err.get_ref().and_then(|e| e.downcast_ref::<SettingError>()).unwrap();
    /// # #[cfg(target_os = "linux")]
    /// assert_eq!(detail.option(), "TCP_KEEPCNT");
    /// ```
    pub fn option(&self) -> &'static str {
        self.option
    }
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let SettingError { setting, value, os, option, .. } = self;
        match &self.problem {
            Problem::TooSmall { min } => {
                write!(f, "{setting} {value} is below the minimum of {min} ({option} on {os})")
            }
            Problem::TooLarge { max } => {
                write!(f, "{setting} {value} is above the maximum of {max} ({option} on {os})")
            }
            Problem::Unsupported => write!(
                f,
                "{setting} cannot be set per socket on {os}; only set_keepalive(bool) is available there"
            ),
        }
    }
}

impl std::error::Error for SettingError {}

impl From<SettingError> for io::Error {
    fn from(e: SettingError) -> io::Error {
        let kind = match e.problem {
            Problem::Unsupported => io::ErrorKind::Unsupported,
            _ => io::ErrorKind::InvalidInput,
        };
        io::Error::new(kind, e)
    }
}

/// Adds which option failed, and what had already been applied, to an OS error.
pub(crate) fn syscall_failed(option: &str, applied: &[&str], err: io::Error) -> io::Error {
    let kind = kind_of(&err);
    let hint = unsupported_hint(kind);
    let msg = if applied.is_empty() {
        format!("setting {option} failed, nothing was changed{hint}: {err}")
    } else {
        let applied = applied.join(", ");
        format!("setting {option} failed after {applied} had been applied{hint}: {err}")
    };
    io::Error::new(kind, msg)
}

/// Adds which option could not be read to an OS error.
pub(crate) fn read_failed(option: &str, err: io::Error) -> io::Error {
    let kind = kind_of(&err);
    let hint = unsupported_hint(kind);
    io::Error::new(kind, format!("reading {option} failed{hint}: {err}"))
}

fn kind_of(err: &io::Error) -> io::ErrorKind {
    match err.kind() {
        // ENOPROTOOPT / WSAENOPROTOOPT: this kernel (or this kind of socket) lacks the option.
        _ if is_no_such_option(err) => io::ErrorKind::Unsupported,
        k => k,
    }
}

fn unsupported_hint(kind: io::ErrorKind) -> &'static str {
    match kind {
        io::ErrorKind::Unsupported => " (not a TCP socket, or this kernel lacks the option)",
        _ => "",
    }
}

fn is_no_such_option(err: &io::Error) -> bool {
    crate::sys::is_no_such_option(err)
}
