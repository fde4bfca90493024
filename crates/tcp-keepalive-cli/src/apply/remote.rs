//! `apply --remote HOST[:PORT]`: which peers a connection may have to match.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use crate::output::Failure;
use crate::target;

/// The peer addresses to match, and the port if one was given.
#[derive(Debug, PartialEq)]
pub struct Remote {
    ips: Vec<IpAddr>,
    port: Option<u16>,
}

impl Remote {
    /// Parses and resolves `text`; anything wrong is bad input (exit code 2).
    pub fn parse(text: &str) -> Result<Remote, Failure> {
        let bare = text.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok(Remote { ips: vec![ip], port: None });
        }
        let has_port = text.rsplit_once(':').is_some_and(|(host, port)| {
            !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && (!host.contains(':') || host.ends_with(']'))
        });
        if has_port {
            let addrs = target::resolve(text)?;
            let port = addrs.first().map(SocketAddr::port);
            return Ok(Remote { ips: addrs.iter().map(SocketAddr::ip).collect(), port });
        }
        let addrs = (text, 0).to_socket_addrs().map_err(|e| {
            Failure::bad_input(format!("--remote {text}: cannot resolve host {text:?}: {e}"))
        })?;
        let ips: Vec<IpAddr> = addrs.map(|a| a.ip()).collect();
        if ips.is_empty() {
            return Err(Failure::bad_input(format!("--remote {text}: {text:?} has no address")));
        }
        Ok(Remote { ips, port: None })
    }

    /// Whether a connection to `peer` matches (an IPv4 peer seen through an
    /// IPv6 socket matches its IPv4 address).
    pub fn matches(&self, peer: SocketAddr) -> bool {
        let ip = match peer.ip() {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        self.ips.contains(&ip) && self.port.is_none_or(|port| port == peer.port())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_addresses_and_ports_are_told_apart() {
        let peer: SocketAddr = "127.0.0.1:5432".parse().unwrap();
        for text in ["127.0.0.1", "127.0.0.1:5432", "localhost:5432"] {
            assert!(Remote::parse(text).unwrap().matches(peer), "{text}");
        }
        assert!(!Remote::parse("127.0.0.1:80").unwrap().matches(peer));
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:5432".parse().unwrap();
        assert!(Remote::parse("127.0.0.1").unwrap().matches(mapped));
        let v6 = Remote::parse("[::1]").unwrap();
        assert!(v6.matches("[::1]:9".parse().unwrap()));
        assert!(Remote::parse("[::1]:80").unwrap().matches("[::1]:80".parse().unwrap()));
        assert_eq!(
            Remote::parse("127.0.0.1:99999").unwrap_err().exit,
            crate::output::Exit::BadInput
        );
    }
}
