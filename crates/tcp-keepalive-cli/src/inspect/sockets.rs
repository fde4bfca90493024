//! The TCP sockets of the current network namespace, from the kernel's
//! sock_diag interface (netlink, as `ss` uses; Documentation/networking and
//! include/uapi/linux/inet_diag.h): addresses, state, owner uid, inode, the
//! pending timer and `tcp_info`. Needs no privilege.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use netlink_packet_core::{
    NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_DUMP, NLM_F_REQUEST,
};
use netlink_packet_sock_diag::constants::{AF_INET, AF_INET6, IPPROTO_TCP};
use netlink_packet_sock_diag::inet::nlas::Nla;
use netlink_packet_sock_diag::inet::{
    ExtensionFlags, InetRequest, InetResponse, SocketId, StateFlags, Timer,
};
use netlink_packet_sock_diag::SockDiagMessage;
use netlink_sys::protocols::NETLINK_SOCK_DIAG;
use netlink_sys::{Socket, SocketAddr as NetlinkAddr};

use crate::tcp_info::TcpState;

/// Which timer the kernel has pending on a socket (`idiag_timer`, and
/// `idiag_expires` where it tells something), net/ipv4/inet_diag.c
/// (inet_sk_diag_fill), which reports only one timer: a retransmission or
/// zero-window probe timer hides the keepalive timer behind it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PendingTimer {
    None,
    /// `sk_timer`, which for an established socket is the keepalive timer:
    /// armed by SO_KEEPALIVE (net/ipv4/tcp_timer.c, tcp_keepalive_timer),
    /// due in this long.
    Keepalive(Duration),
    /// Retransmission: data is in flight and unacknowledged.
    Retransmit,
    /// Zero-window probe (ICSK_TIME_PROBE0): the peer's window is zero and
    /// data waits to be sent; the probes out are window probes, answered by
    /// a live peer that stopped reading (tcp_probe_timer).
    ZeroWindowProbe,
}

/// One socket as sock_diag reports it.
#[derive(Clone, Debug)]
pub struct DiagSocket {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    pub state: TcpState,
    pub uid: u32,
    /// 0 for sockets no file refers to any more (TIME_WAIT, orphans).
    pub inode: u64,
    pub timer: PendingTimer,
    /// From `tcp_info`: keepalive probes out and unanswered.
    pub probes: Option<u8>,
    /// From `tcp_info`: since the last data was received.
    pub last_data_recv: Option<Duration>,
    /// From `tcp_info`: since the last ACK was received.
    pub last_ack_recv: Option<Duration>,
}

/// Every TCP socket (IPv4 and IPv6) in one of `states`.
pub fn dump(established_only: bool) -> io::Result<Vec<DiagSocket>> {
    let states = match established_only {
        true => StateFlags::ESTABLISHED,
        false => StateFlags::all(),
    };
    let mut found = Vec::new();
    for family in [AF_INET, AF_INET6] {
        dump_family(family, states.clone(), &mut found)?;
    }
    Ok(found)
}

fn dump_family(family: u8, states: StateFlags, into: &mut Vec<DiagSocket>) -> io::Result<()> {
    let mut socket = Socket::new(NETLINK_SOCK_DIAG)?;
    socket.bind_auto()?;
    socket.connect(&NetlinkAddr::new(0, 0))?;
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | NLM_F_DUMP;
    let socket_id = match family {
        AF_INET => SocketId::new_v4(),
        _ => SocketId::new_v6(),
    };
    let request = SockDiagMessage::InetRequest(InetRequest {
        family,
        protocol: IPPROTO_TCP,
        extensions: ExtensionFlags::INFO,
        states,
        socket_id,
    });
    let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(request));
    packet.finalize();
    let mut buf = vec![0; packet.buffer_len()];
    packet.serialize(&mut buf);
    socket.send(&buf, 0)?;

    let mut received = Vec::with_capacity(1 << 16);
    loop {
        received.clear();
        let size = socket.recv(&mut received, 0)?;
        let mut offset = 0;
        while offset < size {
            let message = NetlinkMessage::<SockDiagMessage>::deserialize(&received[offset..size])
                .map_err(|e| {
                io::Error::other(format!("cannot decode a sock_diag reply: {e}"))
            })?;
            let length = message.header.length as usize;
            match message.payload {
                NetlinkPayload::InnerMessage(SockDiagMessage::InetResponse(response)) => {
                    into.push(from_response(&response));
                }
                NetlinkPayload::Done(_) => return Ok(()),
                NetlinkPayload::Error(e) if e.code.is_some() => {
                    return Err(io::Error::other(format!("sock_diag refused the dump: {e}")))
                }
                _ => {}
            }
            if length == 0 {
                break;
            }
            offset += length;
        }
    }
}

fn from_response(response: &InetResponse) -> DiagSocket {
    let header = &response.header;
    let id = &header.socket_id;
    let timer = match header.timer {
        None | Some(Timer::TimeWait) => PendingTimer::None,
        Some(Timer::KeepAlive(due)) => PendingTimer::Keepalive(due),
        Some(Timer::Retransmit(..)) => PendingTimer::Retransmit,
        Some(Timer::Probe(_)) => PendingTimer::ZeroWindowProbe,
    };
    let info = response.nlas.iter().find_map(|nla| match nla {
        Nla::TcpInfo(info) => Some(info),
        _ => None,
    });
    DiagSocket {
        local: SocketAddr::new(id.source_address, id.source_port),
        remote: SocketAddr::new(id.destination_address, id.destination_port),
        state: TcpState::from_kernel(header.state),
        uid: header.uid,
        inode: u64::from(header.inode),
        timer,
        probes: info.map(|i| i.probes),
        last_data_recv: info.map(|i| Duration::from_millis(u64::from(i.last_data_recv))),
        last_ack_recv: info.map(|i| Duration::from_millis(u64::from(i.last_ack_recv))),
    }
}

#[cfg(test)]
mod tests {
    use std::net::{TcpListener, TcpStream};
    use tcp_keepalive::KeepaliveExt;

    use super::*;

    #[test]
    fn a_loopback_connection_is_listed_with_its_inode_and_timer() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        stream.set_keepalive(true).unwrap();
        let local = stream.local_addr().unwrap();
        let inode = rustix::fs::fstat(&stream).unwrap().st_ino;
        let all = dump(true).unwrap();
        let ours = all.iter().find(|s| s.local == local).expect("our connection");
        assert_eq!(ours.inode, inode);
        assert_eq!(ours.remote, listener.local_addr().unwrap());
        assert_eq!(ours.state, TcpState::Established);
        assert!(matches!(ours.timer, PendingTimer::Keepalive(_)), "{ours:?}");
        assert_eq!(ours.probes, Some(0));
        assert!(dump(false).unwrap().iter().any(|s| s.state == TcpState::Listen));
    }
}
