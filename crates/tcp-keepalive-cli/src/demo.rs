//! `tcp-keepalive demo`: keepalive detecting a dead peer, live, on loopback,
//! in about four seconds, beside a connection without keepalive that never
//! notices.
//!
//! Two loopback connections are opened: `keepalive` (idle 1s, interval 1s,
//! 3 retries, so a dead peer is detected within 4s) and `control` (keepalive
//! off). Then the peer of both goes silent: a BPF filter that drops every
//! packet is attached to the server-side sockets (`keepalive_faults::silence`),
//! which is what a peer that lost power looks like from the client. The
//! demo samples `TCP_INFO` to show each probe going out unanswered, reports
//! when the blocked read fails with `ETIMEDOUT` against the configured
//! bound, and shows that the control connection is still `ESTABLISHED`.
//!
//! Attaching the filter needs CAP_NET_ADMIN. Without it the demo moves
//! itself into a new unprivileged user + network namespace (`unshare(2)`,
//! then uid/gid maps and loopback up; the same as `unshare -rn`), where it
//! has that capability over its own loopback. If that is not possible
//! either, it exits with code 5 and says what is missing.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use serde::Serialize;
use tcp_keepalive::{Keepalive, KeepaliveExt};

use crate::output::{human, secs, Exit, Failure, Outcome, Output};
use crate::tcp_info;
use crate::watch::{describe, is_keepalive_death, is_tick, Change, ProbeEvent, Tracker};

/// The demo's settings: a dead peer is detected within 1s + 3 × 1s.
const SETTINGS: Keepalive = Keepalive::new()
    .with_idle(Duration::from_secs(1))
    .with_interval(Duration::from_secs(1))
    .with_retries(3);

const TICK: Duration = Duration::from_millis(50);

/// Give up when nothing happened this long after the bound.
const GRACE: Duration = Duration::from_secs(5);

#[derive(Serialize)]
struct Start {
    event: &'static str,
    /// `"bpf"`, or `"bpf-in-user-namespace"` when the demo had to enter one.
    silenced_by: &'static str,
    idle_s: f64,
    interval_s: f64,
    retries: u32,
    bound_s: f64,
}

#[derive(Serialize)]
struct Dead {
    event: &'static str,
    connection: &'static str,
    elapsed_s: f64,
    error: String,
}

#[derive(Serialize)]
struct Control {
    event: &'static str,
    connection: &'static str,
    elapsed_s: f64,
    state: &'static str,
    unanswered: u8,
    last_ack_recv_s: f64,
    /// A read would wait forever: the connection does not know its peer is gone.
    hanging: bool,
}

#[derive(Serialize)]
struct Result {
    event: &'static str,
    /// From the peer's last answer (the handshake) to the failed read.
    detection_s: f64,
    /// The configured worst case, `Keepalive::detection_bound`.
    bound_s: f64,
    /// detection - bound: timer and scheduling slack when positive.
    over_bound_s: f64,
    control_still_hanging: bool,
}

/// Runs `demo`.
pub fn run(out: &Output) -> Outcome {
    let silenced_by = prepare()?;
    let bound = SETTINGS.detection_bound().expect("the demo's settings are complete");

    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Failure::io("cannot listen on loopback", e))?;
    let addr =
        listener.local_addr().map_err(|e| Failure::io("cannot read the listener's address", e))?;
    let connect = || -> std::result::Result<(TcpStream, TcpStream), Failure> {
        let client =
            TcpStream::connect(addr).map_err(|e| Failure::io("cannot connect on loopback", e))?;
        let (server, _) =
            listener.accept().map_err(|e| Failure::io("cannot accept on loopback", e))?;
        Ok((client, server))
    };
    let (control, control_peer) = connect()?;
    let (client, peer) = connect()?;
    let connected_at = Instant::now();
    client
        .set_keepalive_config(&SETTINGS)
        .map_err(|e| Failure::io("cannot apply the keepalive settings", e))?;
    for socket in [&peer, &control_peer] {
        keepalive_faults::silence(socket).map_err(|e| Failure::io("cannot silence the peer", e))?;
    }

    out.event(
        &Start {
            event: "demo_start",
            silenced_by,
            idle_s: 1.0,
            interval_s: 1.0,
            retries: 3,
            bound_s: secs(bound),
        },
        || {
            format!(
                "Two loopback connections; then their peer goes silent, like a host that lost power.\n  \
                 keepalive: {}, so a dead peer is detected within {}\n  \
                 control:   keepalive off\n\
                 Peer silenced ({}). Nothing answers any more; the clients just wait in read().",
                describe(&SETTINGS),
                human(bound),
                if silenced_by == "bpf" {
                    "a BPF drop-all filter on its sockets"
                } else {
                    "a BPF drop-all filter, inside an unprivileged user+network namespace"
                }
            )
        },
    );

    let (detected_at, error) = wait_for_death(&client, connected_at, bound, out)?;
    let detection = detected_at - connected_at;

    // The control connection: still established, and a read would block.
    let info = tcp_info::read(&control).map_err(|e| Failure::io("cannot read TCP_INFO", e))?;
    control
        .set_nonblocking(true)
        .map_err(|e| Failure::io("cannot make the control connection non-blocking", e))?;
    let hanging = matches!(
        (&control).read(&mut [0u8; 1]),
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock
    ) && info.established();
    let elapsed = connected_at.elapsed();
    out.event(
        &Control {
            event: "control",
            connection: "control",
            elapsed_s: secs(elapsed),
            state: info.state,
            unanswered: info.probes,
            last_ack_recv_s: secs(info.last_ack_recv),
            hanging,
        },
        || {
            format!(
                "[{}] control:   still {}, last answer {} ago, no probe sent; {}",
                human(elapsed),
                info.state,
                human(info.last_ack_recv),
                if hanging {
                    "its read() would wait forever"
                } else {
                    "but it is no longer waiting"
                }
            )
        },
    );

    let over = detection.as_secs_f64() - bound.as_secs_f64();
    out.event(
        &Result {
            event: "result",
            detection_s: secs(detection),
            bound_s: secs(bound),
            over_bound_s: (over * 1000.0).round() / 1000.0,
            control_still_hanging: hanging,
        },
        || {
            let slack = if over > 0.0 {
                format!("; the {} past it is timer and scheduling slack", human(Duration::from_secs_f64(over)))
            } else {
                String::new()
            };
            format!(
                "Result: keepalive detected the dead peer after {} (bound {} = {} + {} × {}{slack}).\n\
                 The read failed with: {error}\n\
                 Without keepalive, the control connection would wait forever.",
                human(detection),
                human(bound),
                human(Duration::from_secs(1)),
                3,
                human(Duration::from_secs(1)),
            )
        },
    );
    drop((peer, control_peer));
    Ok(Exit::Success)
}

/// Reads on the keepalive connection until it fails, showing each probe.
fn wait_for_death(
    mut client: &TcpStream,
    connected_at: Instant,
    bound: Duration,
    out: &Output,
) -> std::result::Result<(Instant, std::io::Error), Failure> {
    client.set_read_timeout(Some(TICK)).map_err(|e| Failure::io("cannot set a read timeout", e))?;
    let mut tracker = Tracker::new();
    let mut buf = [0u8; 64];
    loop {
        let read = client.read(&mut buf);
        let now = Instant::now();
        let elapsed = now - connected_at;
        match read {
            Err(e) if is_tick(&e) => {}
            Err(e) if is_keepalive_death(&e) => {
                out.progress_done();
                out.event(
                    &Dead {
                        event: "dead",
                        connection: "keepalive",
                        elapsed_s: secs(elapsed),
                        error: e.to_string(),
                    },
                    || {
                        format!(
                            "[{}] keepalive: the peer was declared dead; read() failed: {e}",
                            human(elapsed)
                        )
                    },
                );
                return Ok((now, e));
            }
            Err(e) => return Err(Failure::io("the keepalive connection failed unexpectedly", e)),
            Ok(_) => {
                return Err(Failure::new(
                    Exit::Error,
                    "the silenced peer sent data or closed: the BPF filter did not hold",
                ))
            }
        }
        if elapsed > bound + GRACE {
            return Err(Failure::new(
                Exit::Error,
                format!(
                    "keepalive did not detect the dead peer within {} (bound {}): something on this machine delays TCP timers",
                    human(elapsed),
                    human(bound)
                ),
            ));
        }
        let info = tcp_info::read(&client).map_err(|e| Failure::io("cannot read TCP_INFO", e))?;
        if let Some(Change::Probe) = tracker.sample(&info, now) {
            out.event(
                &ProbeEvent {
                    event: "probe",
                    connection: Some("keepalive"),
                    elapsed_s: secs(elapsed),
                    unanswered: info.probes,
                    last_ack_recv_s: secs(info.last_ack_recv),
                    state: info.state,
                },
                || {
                    format!(
                        "[{}] keepalive: probe {} sent, unanswered (last answer {} ago)",
                        human(elapsed),
                        info.probes,
                        human(info.last_ack_recv)
                    )
                },
            );
        }
        out.progress(|| {
            format!(
                "waiting in read(): {} probe(s) unanswered, dead within {}",
                info.probes,
                human(bound)
            )
        });
    }
}

/// Makes sure a peer can be silenced here, entering an unprivileged user +
/// network namespace if needed. Returns how the peer will be silenced.
fn prepare() -> std::result::Result<&'static str, Failure> {
    let Err(why) = keepalive_faults::can_silence() else {
        return Ok("bpf");
    };
    if let Err(userns) = userns::enter() {
        return Err(Failure::new(
            Exit::Unavailable,
            format!(
                "the demo must make a loopback peer go silent, and cannot here.\n  \
                 - {why}\n  \
                 - entering an unprivileged user+network namespace instead failed: {userns}\n\
                 Run it as root (sudo), or allow unprivileged user namespaces \
                 (sysctl user.max_user_namespaces > 0; on Debian also kernel.unprivileged_userns_clone=1; \
                 on Ubuntu 24.04+ kernel.apparmor_restrict_unprivileged_userns=0)."
            ),
        ));
    }
    keepalive_faults::can_silence().map_err(|still| {
        Failure::new(
            Exit::Unavailable,
            format!(
                "inside a new user+network namespace the peer still cannot be silenced: {still}"
            ),
        )
    })?;
    Ok("bpf-in-user-namespace")
}

/// The unprivileged user + network namespace, as `unshare -rn` makes it.
mod userns {
    use std::fs;
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

    /// Moves this process into a new user namespace where it is root, and a
    /// new network namespace with loopback up. Must run while the process
    /// has a single thread (a kernel rule for CLONE_NEWUSER).
    pub(super) fn enter() -> Result<(), String> {
        // SAFETY: getuid/getgid have no preconditions and cannot fail.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        // SAFETY: unshare only takes flags; the demo calls this before
        // starting any thread.
        if unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET) } == -1 {
            return Err(format!(
                "unshare(CLONE_NEWUSER | CLONE_NEWNET): {}",
                io::Error::last_os_error()
            ));
        }
        let write = |path: &str, text: String| {
            fs::write(path, &text).map_err(|e| format!("writing {text:?} to {path}: {e}"))
        };
        // Needed before gid_map by unprivileged processes (absent on old kernels).
        if fs::metadata("/proc/self/setgroups").is_ok() {
            write("/proc/self/setgroups", "deny".into())?;
        }
        write("/proc/self/uid_map", format!("0 {uid} 1"))?;
        write("/proc/self/gid_map", format!("0 {gid} 1"))?;
        loopback_up().map_err(|e| format!("bringing loopback up: {e}"))
    }

    /// `ip link set lo up`, with the SIOCGIFFLAGS / SIOCSIFFLAGS ioctls.
    fn loopback_up() -> io::Result<()> {
        // SAFETY: socket takes plain integers and returns a new fd or -1.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
        if fd == -1 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd was just returned by socket() and nothing else owns it.
        let socket = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: ifreq is a plain C struct (and union) for which zero bytes are valid.
        let mut request: libc::ifreq = unsafe { std::mem::zeroed() };
        for (dst, src) in request.ifr_name.iter_mut().zip(b"lo") {
            *dst = *src as libc::c_char;
        }
        // SAFETY: the fd is open; SIOCGIFFLAGS reads the name and writes the
        // flags into `request`, which lives for the call.
        if unsafe { libc::ioctl(socket.as_raw_fd(), libc::SIOCGIFFLAGS as _, &raw mut request) }
            == -1
        {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: SIOCGIFFLAGS just wrote ifru_flags, the union field read here.
        unsafe { request.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short };
        // SAFETY: as above; SIOCSIFFLAGS reads the name and flags from `request`.
        if unsafe { libc::ioctl(socket.as_raw_fd(), libc::SIOCSIFFLAGS as _, &raw const request) }
            == -1
        {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}
