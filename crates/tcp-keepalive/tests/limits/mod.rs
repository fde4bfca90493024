//! Helpers of the portable tests (tuning, bad_input), which run on every target
//! scripts/run-targets executes: this target's limits as its own table gives
//! them, learned through `Keepalive::check`, and what a socket shows of its
//! keepalive state. Only std and the crate's public API.
#![allow(dead_code)] // each test file uses a different subset

use std::io;
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use tcp_keepalive::{Keepalive, KeepaliveExt, Problem, Setting, SettingError, Value};

pub const SETTINGS: [Setting; 4] =
    [Setting::Idle, Setting::Interval, Setting::Retries, Setting::UserTimeout];

/// A listener on an ephemeral loopback port, a client connected to it, and the accepted side.
pub fn connected_pair() -> (TcpListener, TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (listener, client, server)
}

/// The crate's detail behind an error it returned.
pub fn detail(err: &io::Error) -> &SettingError {
    SettingError::of(err).unwrap_or_else(|| panic!("no SettingError inside {err:?}"))
}

/// The limit a refusal's message names, as written: "32767s", "2147483647ms".
pub fn limit_text(message: &str) -> &str {
    let start = message.find("imum of ").map(|i| i + "imum of ".len());
    let rest = &message[start.unwrap_or_else(|| panic!("no limit in {message:?}"))..];
    rest.split(" (").next().unwrap()
}

/// A config that sets only `setting`, to `value`.
pub fn only(setting: Setting, value: Value) -> Keepalive {
    match (setting, value) {
        (Setting::Idle, Value::Duration(d)) => Keepalive::new().with_idle(d),
        (Setting::Interval, Value::Duration(d)) => Keepalive::new().with_interval(d),
        (Setting::Retries, Value::Count(n)) => Keepalive::new().with_retries(n),
        (Setting::UserTimeout, Value::Duration(d)) => Keepalive::new().with_user_timeout(d),
        other => panic!("no such setting and value: {other:?}"),
    }
}

/// `setting`'s value in `config`.
pub fn value_of(config: &Keepalive, setting: Setting) -> Option<Value> {
    match setting {
        Setting::Idle => config.idle().map(Value::Duration),
        Setting::Interval => config.interval().map(Value::Duration),
        Setting::Retries => config.retries().map(Value::Count),
        _ => config.user_timeout().map(Value::Duration),
    }
}

/// Parses a limit as the crate writes it: "32767s", "0.5s", "2147483647ms", "127".
pub fn parse_limit(text: &str) -> Value {
    let number = |s: &str| -> f64 { s.parse().unwrap_or_else(|_| panic!("limit {text:?}")) };
    if let Some(ms) = text.strip_suffix("ms") {
        Value::Duration(Duration::from_millis(number(ms) as u64))
    } else if let Some(s) = text.strip_suffix('s') {
        Value::Duration(Duration::from_millis((number(s) * 1000.0) as u64))
    } else {
        Value::Count(number(text) as u32)
    }
}

/// One setting's range on this target, from its table.
#[derive(Clone, Copy, Debug)]
pub struct Range {
    pub min: Value,
    pub max: Value,
    /// The OS unit values round up to (a count's is 1, as a nanosecond here).
    pub unit: Duration,
    /// How the crate writes the limits, e.g. "1s" and "32767s".
    pub min_text: &'static str,
    pub max_text: &'static str,
}

/// `setting`'s range on this target, or `None` where the OS has no such
/// option (the crate says `Unsupported` before any system call).
pub fn range(setting: Setting) -> Option<Range> {
    let (zero, huge) = match setting {
        Setting::Retries => (Value::Count(0), Value::Count(u32::MAX)),
        _ => (Value::Duration(Duration::ZERO), Value::Duration(Duration::MAX)),
    };
    let problem = |value| {
        let err = only(setting, value).check().expect_err("refused by every table");
        (detail(&err).problem().clone(), err.to_string())
    };
    let (min, min_text) = match problem(zero) {
        (Problem::Unsupported, _) => return None,
        (Problem::TooSmall { min }, message) => (min, limit_text(&message).to_owned()),
        other => panic!("{setting} 0: {other:?}"),
    };
    let (max, max_text) = match problem(huge) {
        (Problem::TooLarge { max }, message) => (max, limit_text(&message).to_owned()),
        other => panic!("{setting} {huge}: {other:?}"),
    };
    assert_eq!((parse_limit(&min_text), parse_limit(&max_text)), (min, max), "{setting}");
    let unit = if matches!(setting, Setting::Retries) {
        Duration::from_nanos(1)
    } else if max_text.ends_with("ms") {
        Duration::from_millis(1)
    } else if min_text.ends_with(".5s") || max_text.ends_with(".5s") {
        Duration::from_millis(500)
    } else {
        Duration::from_secs(1)
    };
    Some(Range { min, max, unit, min_text: min_text.leak(), max_text: max_text.leak() })
}

/// What a socket shows of its keepalive state: the flag, and the values as far
/// as the OS reports them. A refused config must leave it as it was.
#[derive(Debug, PartialEq, Eq)]
pub struct Seen {
    pub on: bool,
    pub config: Option<Keepalive>,
}

pub fn seen(socket: &impl KeepaliveExt) -> Seen {
    Seen { on: socket.keepalive().unwrap(), config: socket.keepalive_config().ok() }
}

/// Whether the running kernel has the option behind `setting`: the crate's
/// table may name one that the running system lacks (Windows before 10 1703
/// and Wine have no TCP_KEEPCNT), which the system call reports as `Unsupported`.
pub fn running_os_has(setting: Setting, range: &Range) -> bool {
    let (_listener, client, _server) = connected_pair();
    match client.set_keepalive_config(&only(setting, range.min)) {
        Ok(()) => true,
        Err(e) if e.kind() == io::ErrorKind::Unsupported => {
            let note = format!("{setting}: the running OS lacks the option ({e})");
            let _ = io::Write::write_all(&mut io::stderr(), format!("NOTE {note}\n").as_bytes());
            false
        }
        Err(e) => panic!("{setting} {}: {e}", range.min),
    }
}
