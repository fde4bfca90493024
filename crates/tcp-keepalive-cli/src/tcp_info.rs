//! The kernel's view of a TCP connection (`TCP_INFO`, Linux): how many
//! keepalive probes are out unanswered, and how long ago the peer was last
//! heard from. Other systems have no such view here: [`read`] returns
//! `Unsupported` there and the commands do without it.

use std::io;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;

/// Defines [`TcpState`] and its numbering in one list.
macro_rules! tcp_states {
    ($($(#[$doc:meta])* $name:ident = $number:literal,)*) => {
        /// A TCP state, as named and numbered in include/net/tcp_states.h.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum TcpState {
            $($(#[$doc])* $name,)*
            /// A number this list does not know.
            Unknown,
        }

        impl TcpState {
            /// From `tcpi_state`.
            #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
            fn from_kernel(state: u8) -> TcpState {
                match state {
                    $($number => TcpState::$name,)*
                    _ => TcpState::Unknown,
                }
            }
        }
    };
}

tcp_states! {
    Established = 1, SynSent = 2, SynRecv = 3, FinWait1 = 4, FinWait2 = 5, TimeWait = 6,
    /// Closed, e.g. after a reset.
    Close = 7,
    /// The peer sent a FIN.
    CloseWait = 8,
    LastAck = 9, Listen = 10, Closing = 11, NewSynRecv = 12,
}

impl std::fmt::Display for TcpState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = serde_json::to_value(self).ok();
        f.write_str(name.as_ref().and_then(|v| v.as_str()).unwrap_or("UNKNOWN"))
    }
}

/// The parts of `struct tcp_info` the commands use.
#[derive(Clone, Copy, Debug)]
pub struct TcpInfo {
    /// The TCP state.
    pub state: TcpState,
    /// Keepalive (or zero-window) probes sent and not yet answered (`tcpi_probes`).
    pub probes: u8,
    /// Time since the last ACK was received (`tcpi_last_ack_recv`).
    pub last_ack_recv: Duration,
    /// Time since the last data was received, or since the connection was
    /// set up when none was (`tcpi_last_data_recv`).
    pub last_data_recv: Duration,
    /// Smoothed round-trip time (`tcpi_rtt`), read by idle-timeout's Linux driver.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub rtt: Duration,
}

impl TcpInfo {
    /// Whether the connection is still established (nothing received a FIN or RST).
    pub fn established(&self) -> bool {
        self.state == TcpState::Established
    }

    /// How long the connection has been idle as keepalive counts it: since
    /// the last packet received, ACK or data.
    pub fn idle(&self) -> Duration {
        self.last_ack_recv.min(self.last_data_recv)
    }
}

/// Reads `TCP_INFO` of `socket`.
#[cfg(target_os = "linux")]
pub fn read<S: std::os::fd::AsFd>(socket: &S) -> io::Result<TcpInfo> {
    use std::os::fd::AsRawFd;

    // SAFETY: tcp_info is a plain C struct of integers, for which all-zero bytes are valid.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = size_of::<libc::tcp_info>() as libc::socklen_t;
    // SAFETY: the fd is borrowed, so open for the call; the kernel writes at most
    // `len` bytes into `info`, which is that large and already initialised.
    let rc = unsafe {
        libc::getsockopt(
            socket.as_fd().as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&raw mut info).cast(),
            &mut len,
        )
    };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    let ms = |v: u32| Duration::from_millis(u64::from(v));
    Ok(TcpInfo {
        state: TcpState::from_kernel(info.tcpi_state),
        probes: info.tcpi_probes,
        last_ack_recv: ms(info.tcpi_last_ack_recv),
        last_data_recv: ms(info.tcpi_last_data_recv),
        rtt: Duration::from_micros(u64::from(info.tcpi_rtt)),
    })
}

/// `TCP_INFO` is Linux's: elsewhere this is `Unsupported`.
#[cfg(not(target_os = "linux"))]
pub fn read<S>(_socket: &S) -> io::Result<TcpInfo> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "TCP_INFO is only read on Linux"))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn a_fresh_connection_is_established_with_no_probes_out() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let info = super::read(&stream).unwrap();
        assert_eq!(info.state, super::TcpState::Established);
        assert_eq!(info.probes, 0);
        assert!(info.idle() < std::time::Duration::from_secs(5), "{info:?}");
        assert_eq!(super::read(&listener).unwrap().state, super::TcpState::Listen);
        assert_eq!(super::TcpState::CloseWait.to_string(), "CLOSE_WAIT");
    }
}
