//! `HOST:PORT` arguments: parsing, resolving and connecting, with errors that
//! say which part is wrong.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::args::Typed;
use crate::output::{Exit, Failure};

/// A server to connect to: its addresses, and how long each try may take.
pub struct Target {
    addrs: Vec<SocketAddr>,
    timeout: Duration,
}

impl Target {
    /// Checks `HOST:PORT` and `--connect-timeout`, and resolves the host:
    /// everything that is bad input is found here, before connecting.
    pub fn new(target: &str, connect_timeout: &Typed<Duration>) -> Result<Target, Failure> {
        if connect_timeout.value.is_zero() {
            return Err(Failure::bad_input(format!(
                "--connect-timeout {connect_timeout} must be more than zero"
            )));
        }
        Ok(Target { addrs: resolve(target)?, timeout: connect_timeout.value })
    }

    /// Connects to the first address that answers.
    pub fn connect(&self) -> Result<TcpStream, Failure> {
        connect(&self.addrs, self.timeout)
    }
}

/// Resolves `HOST:PORT` to its addresses. A missing or bad port, or a host
/// that does not resolve, is bad input (exit code 2).
pub fn resolve(target: &str) -> Result<Vec<SocketAddr>, Failure> {
    let bad = |why: String| {
        Failure::new(
            Exit::BadInput,
            format!(
                "invalid address {target:?}: {why}; expected HOST:PORT, e.g. example.com:443, 192.0.2.7:22 or [::1]:8080"
            ),
        )
    };
    if let Ok(addr) = target.parse::<SocketAddr>() {
        if addr.port() == 0 {
            return Err(bad("port 0 cannot be connected to".into()));
        }
        return Ok(vec![addr]);
    }
    let Some((host, port)) = target.rsplit_once(':') else {
        return Err(bad("no port".into()));
    };
    if host.is_empty() {
        return Err(bad("no host".into()));
    }
    if host.contains(':') && !host.starts_with('[') {
        return Err(bad("an IPv6 address needs brackets".into()));
    }
    if host.starts_with('[') != host.ends_with(']') {
        return Err(bad("the brackets around the IPv6 address do not match: [ needs its ]".into()));
    }
    let port: u16 =
        port.parse().map_err(|_| bad(format!("port {port:?} is not a number from 1 to 65535")))?;
    if port == 0 {
        return Err(bad("port 0 cannot be connected to".into()));
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| {
            Failure::new(
                Exit::BadInput,
                format!("cannot resolve host {host:?} (from {target:?}): {e}"),
            )
        })?
        .collect();
    if addrs.is_empty() {
        return Err(Failure::new(
            Exit::BadInput,
            format!("host {host:?} (from {target:?}) has no address"),
        ));
    }
    Ok(addrs)
}

/// Connects to the first address that answers, each try bounded by
/// `timeout`; when none does, says what each one did.
fn connect(addrs: &[SocketAddr], timeout: Duration) -> Result<TcpStream, Failure> {
    let mut failed = Vec::new();
    for addr in addrs {
        match TcpStream::connect_timeout(addr, timeout) {
            Ok(stream) => return Ok(stream),
            Err(e) => failed.push(format!("{addr}: {e}")),
        }
    }
    Err(Failure::new(Exit::Error, format!("cannot connect to {}", failed.join("; "))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_addresses_say_what_is_wrong() {
        let msg = |t: &str| resolve(t).unwrap_err().message;
        assert!(msg("localhost").contains("no port"), "{}", msg("localhost"));
        assert!(msg("localhost:http").contains("port \"http\""));
        assert!(msg("localhost:70000").contains("1 to 65535"));
        assert!(msg("localhost:0").contains("port 0"));
        assert!(msg("127.0.0.1:0").contains("port 0"));
        assert!(msg("[::1:80").contains("[ needs its ]"), "{}", msg("[::1:80"));
        assert!(msg(":80").contains("no host"));
        assert!(msg("::1:80").contains("brackets"));
        assert_eq!(resolve("localhost").unwrap_err().exit, Exit::BadInput);
    }

    #[test]
    fn when_every_address_fails_each_is_named() {
        let closed = |addr: &str| {
            let listener = std::net::TcpListener::bind(addr).ok()?;
            listener.local_addr().ok() // closed when the listener is dropped
        };
        let addrs: Vec<SocketAddr> =
            ["127.0.0.1:0", "127.0.0.2:0"].iter().filter_map(|a| closed(a)).collect();
        assert_eq!(addrs.len(), 2);
        let failure = connect(&addrs, Duration::from_secs(2)).unwrap_err();
        for addr in &addrs {
            assert!(failure.message.contains(&addr.to_string()), "{}", failure.message);
        }
    }

    #[test]
    fn literal_addresses_need_no_lookup() {
        assert_eq!(resolve("[::1]:8080").unwrap(), vec!["[::1]:8080".parse().unwrap()]);
        assert_eq!(resolve("127.0.0.1:22").unwrap(), vec!["127.0.0.1:22".parse().unwrap()]);
    }
}
