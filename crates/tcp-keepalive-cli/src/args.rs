//! What the subcommands' arguments share: values that remember the text the
//! user typed ([`Typed`]), and the duration parser.

use std::fmt;
use std::time::Duration;

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
