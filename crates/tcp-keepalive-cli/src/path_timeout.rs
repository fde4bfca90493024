//! `--path-timeout DURATION|NAME`: the idle timeout of a path (NAT, firewall,
//! load balancer), typed as a duration or named after a known middlebox (the
//! library's [`Middlebox`] table), and the `Keepalive::for_path` plan for it.
//! Shared by every subcommand that takes a path timeout.

use std::fmt;
use std::time::Duration;

use tcp_keepalive::{Keepalive, Middlebox};

use crate::args::{duration, Typed};
use crate::output::{human, Failure};

/// A path's idle timeout, as typed.
#[derive(Clone, Debug, PartialEq)]
pub struct PathTimeout {
    /// The timeout.
    pub value: Duration,
    /// As typed.
    pub text: String,
    /// The middlebox it names, if it is a name.
    pub middlebox: Option<&'static Middlebox>,
}

impl fmt::Display for PathTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.middlebox {
            Some(m) => write!(f, "{} ({})", m.name, human(m.idle_timeout)),
            None => f.write_str(&self.text),
        }
    }
}

/// Parses a path timeout: a known middlebox's name, or a duration above zero.
pub fn path_timeout(text: &str) -> Result<PathTimeout, String> {
    if let Some(middlebox) = Middlebox::named(text) {
        let value = middlebox.idle_timeout;
        return Ok(PathTimeout { value, text: text.to_string(), middlebox: Some(middlebox) });
    }
    if !text.trim_start().starts_with(|c: char| c.is_ascii_digit() || c == '-') {
        return Err(format!(
            "{text:?} is neither a duration nor a known middlebox; give a duration like 350s or 20m, or one of:\n{}",
            names()
        ));
    }
    let Typed { value, text } = duration(text)?;
    if value.is_zero() {
        return Err(format!(
            "{text:?}: a path that forgets flows at once cannot be kept alive; give a duration above zero"
        ));
    }
    Ok(PathTimeout { value, text, middlebox: None })
}

/// The names accepted, with their timeouts, one per line.
fn names() -> String {
    let rows = Middlebox::ALL
        .iter()
        .map(|m| format!("  {:<20} {:>10}  {}", m.name, human(m.idle_timeout), m.description));
    rows.collect::<Vec<_>>().join("\n")
}

/// The `--path-timeout` long help of `inspect` (and of any subcommand that
/// checks connections against a path): the names, and what `survives_path` means.
pub fn inspect_help() -> String {
    format!(
        "A path (NAT, firewall, load balancer) that forgets flows idle this long: a duration, \
         or one of these names (each vendor's default; the sources are in the library's \
         `paths` docs):\n{}\n\n\
         Each connection then gets `survives_path`: true when keepalive is on and its first \
         probe leaves before the path forgets the flow (the idle time as the OS runs it, \
         fired as late as the OS keepalive timer may), false otherwise; null when the values \
         are not known exactly, and for listening sockets. Exit code 10 when a listed \
         connection would be dropped.",
        names()
    )
}

/// `--path-timeout` with `--detect-within` (by default twice the path
/// timeout), as `Keepalive::for_path` plans them; its refusal is bad input.
pub fn plan(
    path: &PathTimeout,
    detect_within: Option<&Typed<Duration>>,
) -> Result<Keepalive, Failure> {
    let detect = detect_within.map_or(path.value.saturating_mul(2), |d| d.value);
    Keepalive::for_path(path.value, detect).map_err(|e| {
        let detect = detect_within.map_or(String::new(), |d| format!(" --detect-within {d}"));
        Failure::bad_input(format!("--path-timeout {path}{detect}: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_timeouts_are_durations_or_known_names() {
        let named = path_timeout("aws-nat-gateway").unwrap();
        assert_eq!(named.value, Duration::from_secs(350));
        assert_eq!(named.to_string(), "aws-nat-gateway (5 min 50 s)");
        assert_eq!(path_timeout("90s").unwrap().value, Duration::from_secs(90));
        let unknown = path_timeout("aws-nat").unwrap_err();
        assert!(unknown.contains("\"aws-nat\" is neither") && unknown.contains("aws-nat-gateway"));
        assert!(path_timeout("0s").unwrap_err().contains("above zero"));
        assert!(path_timeout("-5s").unwrap_err().contains("negative"));
    }
}
