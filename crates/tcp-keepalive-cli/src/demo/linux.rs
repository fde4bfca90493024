//! The demo on Linux: loopback connections, a silenced peer, `TCP_INFO`.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use tcp_keepalive::{Keepalive, KeepaliveExt, Liveness};

use super::DemoEvent;
use crate::output::{
    human, plural, round_ms, secs, Exit, Failure, KeepaliveFields, Outcome, Output,
};
use crate::sampler::{describe, Sample, Sampler, Seen};
use crate::tcp_info;

/// The demo's settings: a dead peer is detected within 1s + 3 × 1s.
const SETTINGS: Keepalive = Keepalive::new()
    .with_idle(Duration::from_secs(1))
    .with_interval(Duration::from_secs(1))
    .with_retries(3);

const TICK: Duration = Duration::from_millis(50);

/// Give up when nothing happened this long after the bound.
const GRACE: Duration = Duration::from_secs(5);

/// Runs `demo`.
pub fn run(out: &Output) -> Outcome {
    let silenced_by = prepare()?;
    // Only now: the handler is a thread, and entering a user namespace needs one thread.
    out.exit_on_ctrl_c();
    let bound = SETTINGS.idle_detection_bound().expect("the demo's settings are complete");

    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Failure::io("cannot listen on loopback", e))?;
    let addr =
        listener.local_addr().map_err(|e| Failure::io("cannot read the listener's address", e))?;
    let connect = || -> Result<(TcpStream, TcpStream), Failure> {
        let client =
            TcpStream::connect(addr).map_err(|e| Failure::io("cannot connect on loopback", e))?;
        let (server, _) =
            listener.accept().map_err(|e| Failure::io("cannot accept on loopback", e))?;
        Ok((client, server))
    };
    let (control, control_peer) = connect()?;
    let (checked, checked_peer) = connect()?;
    let (client, peer) = connect()?;
    let connected_at = Instant::now();
    for socket in [&checked, &client] {
        socket
            .set_keepalive_config(&SETTINGS)
            .map_err(|e| Failure::io("cannot apply the keepalive settings", e))?;
    }
    for socket in [&peer, &checked_peer, &control_peer] {
        keepalive_faults::silence(socket).map_err(|e| Failure::io("cannot silence the peer", e))?;
    }
    out.emit(&DemoEvent::DemoStart {
        silenced_by: silenced_by.into(),
        settings: describe(&SETTINGS),
        fields: KeepaliveFields::from(&SETTINGS),
        bound_s: secs(bound),
    })?;

    let detection = wait_for_death(&client, connected_at, bound, out)?;
    check_without_reading(&checked, connected_at, out)?;

    // The control connection: still established, and a read would block.
    let info = tcp_info::read(&control).map_err(|e| Failure::io("cannot read TCP_INFO", e))?;
    control
        .set_nonblocking(true)
        .map_err(|e| Failure::io("cannot make the control connection non-blocking", e))?;
    let hanging = matches!(
        (&control).read(&mut [0u8; 1]),
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock
    ) && info.established();
    let sample = Sample::new(connected_at.elapsed(), &info);
    out.emit(&DemoEvent::Control { sample, hanging })?;
    out.emit(&DemoEvent::Result {
        detection_s: secs(detection),
        bound_s: secs(bound),
        over_bound_s: round_ms(detection.as_secs_f64() - bound.as_secs_f64()),
        control_still_hanging: hanging,
    })?;
    drop((peer, checked_peer, control_peer));
    Ok(Exit::Success)
}

/// Reads on the keepalive connection until it fails, showing each probe;
/// returns the time from the connection's start to the failure.
fn wait_for_death(
    client: &TcpStream,
    connected_at: Instant,
    bound: Duration,
    out: &Output,
) -> Result<Duration, Failure> {
    let mut sampler = Sampler::new(client, TICK, connected_at)?;
    loop {
        out.check_stdout()?;
        let seen = sampler.next()?;
        let elapsed = sampler.elapsed();
        match seen {
            Seen::Dead(e) => {
                out.progress_done();
                let error = e.to_string();
                out.emit(&DemoEvent::Dead { elapsed_s: secs(elapsed), error })?;
                return Ok(elapsed);
            }
            Seen::Probe(sample) => out.emit(&DemoEvent::Probe(sample))?,
            Seen::Quiet(info) => {
                let probes = info.map_or(0, |i| i.probes);
                out.progress(|| {
                    format!(
                        "waiting in read(): {} unanswered, dead within {}",
                        plural(probes, "probe", "probes"),
                        human(bound)
                    )
                });
            }
            Seen::Answered(_) => {}
            Seen::Data(_) | Seen::Closed | Seen::Reset(_) => {
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
    }
}

/// Asks `liveness()` about the connection that is never read, which has the
/// same keepalive as the one that just failed, until the kernel's verdict
/// shows there too (its timers run a moment apart).
fn check_without_reading(
    checked: &TcpStream,
    connected_at: Instant,
    out: &Output,
) -> Result<(), Failure> {
    let give_up = Instant::now() + GRACE;
    let liveness = loop {
        let now = checked.liveness().map_err(|e| Failure::io("liveness() failed", e))?;
        if now != Liveness::Open || Instant::now() > give_up {
            break now;
        }
        std::thread::sleep(TICK);
    };
    let (liveness, error_kind) = match liveness {
        Liveness::Dead(kind) => ("dead", Some(format!("{kind:?}"))),
        Liveness::PeerClosed => ("peer_closed", None),
        _ => ("open", None),
    };
    out.emit(&DemoEvent::Checked {
        elapsed_s: secs(connected_at.elapsed()),
        liveness: liveness.into(),
        error_kind,
        reads: 0,
    })?;
    Ok(())
}

/// Makes sure a peer can be silenced here, entering an unprivileged user +
/// network namespace if needed. Returns how the peer will be silenced.
fn prepare() -> Result<&'static str, Failure> {
    let Err(why) = keepalive_faults::can_silence() else {
        return Ok("bpf");
    };
    if let Err(userns) = keepalive_faults::enter_user_netns() {
        return Err(Failure::new(
            Exit::NoPrivilege,
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
            Exit::NoPrivilege,
            format!(
                "inside a new user+network namespace the peer still cannot be silenced: {still}"
            ),
        )
    })?;
    Ok("bpf-in-user-namespace")
}
