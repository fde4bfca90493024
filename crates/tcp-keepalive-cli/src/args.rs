//! What the subcommands' arguments share: values that remember the text the
//! user typed ([`Typed`]), and the duration parser.

use std::fmt;
use std::time::Duration;

use tcp_keepalive::{Keepalive, Setting};

use crate::output::Failure;

/// A parsed value with the text the user typed for it, so that messages
/// echo what was typed (`0s`, not `0ns`).
#[derive(Clone, Debug, PartialEq)]
pub struct Typed<T> {
    /// The value.
    pub value: T,
    /// As typed.
    pub text: String,
}

impl<T> fmt::Display for Typed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Parses a human duration (humantime): `30s`, `1m30s`, `500ms`, `2h`.
///
/// Zero is accepted here on purpose: whether a value is allowed for a
/// keepalive setting is the library's decision (it names the OS limit).
pub fn duration(text: &str) -> Result<Typed<Duration>, String> {
    if text.trim_start().starts_with('-') {
        return Err(format!("{text:?} is negative; durations are positive, like 30s or 500ms"));
    }
    let value = humantime::parse_duration(text).map_err(|e| {
        format!("{text:?} is not a duration ({e}); write durations like 30s, 1m30s or 500ms")
    })?;
    Ok(Typed { value, text: text.to_string() })
}

/// Parses a count (`--retries`, `--connections`): a whole number, told
/// apart from a negative one or one too large for `T`.
pub fn count<T: TryFrom<u64> + fmt::Display + Bounded>(text: &str) -> Result<T, String> {
    whole(text, "a count", "like 3").and_then(|n| {
        T::try_from(n).map_err(|_| format!("{text:?} is above the maximum of {}", T::MAX))
    })
}

/// Parses a process id: 1 or more.
pub fn pid(text: &str) -> Result<u32, String> {
    let why = "process ids are whole numbers from 1";
    match whole(text, "a process id", why)? {
        0 => Err(format!("0 is not a process id: {why}")),
        n => u32::try_from(n).map_err(|_| format!("{text:?} is too large for a process id")),
    }
}

/// Parses a TCP port: 1 to 65535 (0 is no port a connection can have).
pub fn port(text: &str) -> Result<u16, String> {
    let why = "ports are 1 to 65535";
    match whole(text, "a port", why)? {
        n @ 1..=65535 => Ok(n as u16),
        _ => Err(format!("{text:?} is not a port: {why}")),
    }
}

/// A non-negative whole number; `what` and `hint` make the message.
fn whole(text: &str, what: &str, hint: &str) -> Result<u64, String> {
    if text.trim_start().starts_with('-') {
        return Err(format!("{text:?} is negative, not {what}: {hint}"));
    }
    text.parse().map_err(|_| format!("{text:?} is not {what}: {hint}"))
}

/// The largest value of a count's type, for its message.
pub trait Bounded {
    const MAX: Self;
}

impl Bounded for u32 {
    const MAX: u32 = u32::MAX;
}

impl Bounded for usize {
    const MAX: usize = usize::MAX;
}

/// The keepalive values a subcommand's flags ask for (`watch`, `apply`).
pub struct KeepaliveFlags<'a> {
    pub idle: &'a Typed<Duration>,
    pub interval: &'a Typed<Duration>,
    pub retries: u32,
    pub user_timeout: Option<&'a Typed<Duration>>,
}

impl KeepaliveFlags<'_> {
    /// The config, checked by the library before anything is touched: a
    /// refused value is bad input (exit code 2) naming the flag as typed.
    pub fn checked(&self) -> Result<Keepalive, Failure> {
        let mut config = Keepalive::new()
            .with_idle(self.idle.value)
            .with_interval(self.interval.value)
            .with_retries(self.retries);
        if let Some(user_timeout) = self.user_timeout {
            config = config.with_user_timeout(user_timeout.value);
        }
        config.check().map_err(|e| self.failure("invalid keepalive settings", e))?;
        Ok(config)
    }

    /// A failure to apply them, told with the flag and the text typed for
    /// the refused setting ([`Failure::setting`]).
    pub fn failure(&self, doing: impl fmt::Display, err: std::io::Error) -> Failure {
        Failure::setting(doing, err, |setting| self.typed(setting))
    }

    /// The flag and the text typed for `setting`.
    fn typed(&self, setting: Setting) -> Option<(&'static str, String)> {
        match setting {
            Setting::Idle => Some(("--idle", self.idle.text.clone())),
            Setting::Interval => Some(("--interval", self.interval.text.clone())),
            Setting::Retries => Some(("--retries", self.retries.to_string())),
            Setting::UserTimeout => self.user_timeout.map(|t| ("--user-timeout", t.text.clone())),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_like_the_docs_say() {
        assert_eq!(duration("1m30s").unwrap().value, Duration::from_secs(90));
        assert_eq!(duration("500ms").unwrap().value, Duration::from_millis(500));
        assert_eq!(duration("0s").unwrap().text, "0s");
        let err = duration("abc").unwrap_err();
        assert!(err.contains("\"abc\" is not a duration"), "{err}");
        assert!(duration("-1s").unwrap_err().contains("negative"));
    }
}
