//! The backend (`set_keepalive_config`, `keepalive_config`, `AcceptKeepalive`)
//! run against each kernel model, with that OS's table: what Linux tests cannot
//! see, because it happens in other kernels.

use std::io;
use std::time::Duration;

use super::apple::Xnu;
use super::dragonfly::DragonFly;
use super::freebsd::FreeBsd;
use super::illumos::Illumos;
use super::netbsd::{
    NetBsd, TCP_KEEPCNT as NETBSD_KEEPCNT, TCP_KEEPIDLE as NETBSD_KEEPIDLE,
    TCP_KEEPINTVL as NETBSD_KEEPINTVL,
};
use super::wasi::Wasmtime;
use super::{fd, Kernel, KernelModel, Model, Refusing, State, EINVAL};
use crate::sys::platform::every_os::{apple, dragonfly, freebsd, illumos, netbsd, solaris, wasi};
use crate::sys::table::Platform;
use crate::sys::Role;
use crate::{AcceptKeepalive, Keepalive, KeepaliveExt, Problem, Setting, SettingError, SocketRef};

const S: fn(u64) -> Duration = Duration::from_secs;

fn full() -> Keepalive {
    Keepalive::new().with_idle(S(60)).with_interval(S(10)).with_retries(3)
}

/// A `SocketRef` of unknown role, as one built from any socket owner.
fn socket(n: i32) -> SocketRef<'static> {
    SocketRef { handle: fd(n).into(), role: Role::Unknown }
}

fn assert_kills_listener(err: &io::Error) {
    assert_eq!(err.kind(), io::ErrorKind::Unsupported, "{err}");
    let detail = SettingError::of(err).unwrap_or_else(|| panic!("not a refusal: {err}"));
    assert!(matches!(detail.problem(), Problem::KillsListener { .. }), "{err}");
}

// Item 1: xnu has no SO_ACCEPTCONN, and the listener check asked exactly that.

#[test]
fn apple_a_socket_ref_to_a_connected_socket_takes_an_idle_time() {
    let model = Model::install(&apple::PLATFORM, Xnu::default());
    model.kernel().sockets.open(1, State::Established);
    socket(1).set_keepalive_config(&full()).unwrap();
    assert!(socket(1).keepalive().unwrap());
    assert_eq!(socket(1).keepalive_config().unwrap(), full());
}

#[test]
fn apple_a_socket_ref_to_a_listener_is_refused_an_idle_time_and_left_alone() {
    let model = Model::install(&apple::PLATFORM, Xnu::default());
    model.kernel().sockets.open(1, State::Listen);
    let before = model.kernel().sockets.get(1).unwrap().clone();
    assert_kills_listener(&socket(1).set_keepalive_config(&full()).unwrap_err());
    assert_eq!(*model.kernel().sockets.get(1).unwrap(), before, "the listener was touched");
    // A socket not yet connected nor listening (tokio's TcpSocket) is not a listener.
    model.kernel().sockets.open(2, State::Closed);
    socket(2).set_keepalive_config(&full()).unwrap();
}

#[test]
fn apple_accept_keepalive_applies_through_a_socket_ref() {
    let model = Model::install(&apple::PLATFORM, Xnu::default());
    model.kernel().sockets.open(1, State::Listen);
    model.kernel().sockets.open(2, State::Established);
    let keepalive = AcceptKeepalive::new(&socket(1), &full()).unwrap();
    keepalive.apply(&socket(2)).unwrap();
    assert_eq!(socket(2).keepalive_config().unwrap(), full());
    assert_kills_listener(&keepalive.apply(&socket(1)).unwrap_err());
    assert!(!model.kernel().sockets.get(1).unwrap().listener_timer_armed);
}

// NetBSD's sogetopt1 has no SO_ACCEPTCONN either; there every keepalive
// option kills a socket that is not connected, so the question is getpeername.

#[test]
fn netbsd_a_socket_ref_to_a_connected_socket_takes_netbsd_values() {
    let model = Model::install(&netbsd::PLATFORM, NetBsd::default());
    model.kernel().sockets.open(1, State::Established);
    socket(1).set_keepalive_config(&full()).unwrap();
    assert!(socket(1).keepalive().unwrap());
    let stored = model.kernel().sockets.get(1).unwrap().tcp.clone();
    // tcp_ctloutput stores half-seconds: 60 s, 10 s, 3 probes.
    let want = [(NETBSD_KEEPIDLE, 120), (NETBSD_KEEPINTVL, 20), (NETBSD_KEEPCNT, 3)];
    assert_eq!(stored.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>(), want);
}

#[test]
fn netbsd_a_socket_ref_to_a_listener_is_refused_and_left_alone() {
    let model = Model::install(&netbsd::PLATFORM, NetBsd::default());
    for (fd, state) in [(1, State::Listen), (2, State::Closed)] {
        model.kernel().sockets.open(fd, state);
        let before = model.kernel().sockets.get(fd).unwrap().clone();
        assert_kills_listener(&socket(fd).set_keepalive_config(&full()).unwrap_err());
        assert_eq!(*model.kernel().sockets.get(fd).unwrap(), before, "{state:?} was touched");
    }
}

#[test]
fn netbsd_accept_keepalive_applies_through_a_socket_ref() {
    let model = Model::install(&netbsd::PLATFORM, NetBsd::default());
    model.kernel().sockets.open(1, State::Listen);
    model.kernel().sockets.open(2, State::Established);
    let keepalive = AcceptKeepalive::new(&socket(1), &full()).unwrap();
    keepalive.apply(&socket(2)).unwrap();
    assert!(model.kernel().sockets.get(2).unwrap().keepalive);
    assert_eq!(model.kernel().sockets.get(2).unwrap().tcp.len(), 3);
    assert_kills_listener(&keepalive.apply(&socket(1)).unwrap_err());
    assert!(!model.kernel().sockets.get(1).unwrap().listener_timer_armed);
}

// Item 4: illumos derives an interval from TCP_KEEPCNT alone, and drops at
// idle + TCP_KEEPALIVE_ABORT_THRESHOLD, which the count does not change.

#[test]
fn illumos_the_bound_of_a_read_back_config_covers_the_kernels_drop() {
    for config in [
        Keepalive::new().with_idle(S(60)).with_retries(3),
        Keepalive::new().with_idle(S(60)).with_retries(9),
        Keepalive::new().with_idle(S(60)).with_interval(S(7)),
        full(),
    ] {
        let model = Model::install(&illumos::PLATFORM, Illumos::gate());
        model.kernel().sockets.open(1, State::Established);
        socket(1).set_keepalive_config(&config).unwrap();
        let read = socket(1).keepalive_config().unwrap();
        let drop = model.kernel().idle_drop(1).unwrap();
        let bound = illumos::PLATFORM.idle_detection_bound(&read);
        assert!(
            bound.is_some_and(|b| b >= drop),
            "{config:?}: read {read:?}, bound {bound:?} < {drop:?}"
        );
    }
}

// Item 5: a kernel without an option this OS gained later refuses it before
// anything changed; a refusal midway says, and exposes, what was applied.

#[test]
fn solaris_before_11_4_refuses_the_interval_before_anything_changed() {
    let model = Model::install(&solaris::PLATFORM, Illumos::solaris(false));
    model.kernel().sockets.open(1, State::Established);
    let before = *model.kernel().state(1).unwrap();
    let err = socket(1).set_keepalive_config(&full()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::Unsupported, "{err}");
    assert!(err.to_string().contains("nothing was changed"), "{err}");
    assert_eq!(*model.kernel().state(1).unwrap(), before, "{err}");
    assert!(!model.kernel().sockets.get(1).unwrap().keepalive);
    // The idle time alone works there.
    socket(1).set_keepalive_config(&Keepalive::new().with_idle(S(60))).unwrap();
}

#[test]
fn a_refusal_midway_names_and_exposes_what_was_applied() {
    let option = super::apple::TCP_KEEPCNT;
    let xnu = Refusing { inner: Xnu::default(), option, socket_level: false, errno: EINVAL };
    let model = Model::install(&apple::PLATFORM, xnu);
    model.kernel().inner.sockets.open(1, State::Established);
    let err = socket(1).set_keepalive_config(&full()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
    let message = err.to_string();
    assert!(
        message.contains("TCP_KEEPCNT failed after TCP_KEEPALIVE, TCP_KEEPINTVL had been applied"),
        "{message}"
    );
    let detail = SettingError::of(&err).expect("the detail of a refusal midway");
    assert_eq!(detail.setting(), Setting::Retries);
    assert_eq!(detail.applied(), [Setting::Idle, Setting::Interval]);
    let os = std::error::Error::source(&err).and_then(|e| e.downcast_ref::<io::Error>());
    assert_eq!(os.and_then(io::Error::raw_os_error), Some(EINVAL));
}

/// The kernel refusing each option in turn (xnu writes them in table order):
/// the error names the option, what had been applied before it, and the
/// setting; keepalive stays off.
#[test]
fn a_refusal_of_any_option_names_what_was_applied_before_it() {
    use super::apple::{TCP_KEEPALIVE, TCP_KEEPCNT, TCP_KEEPINTVL, TCP_RXT_CONNDROPTIME};
    let options = [
        (TCP_KEEPALIVE, "TCP_KEEPALIVE", Setting::Idle),
        (TCP_KEEPINTVL, "TCP_KEEPINTVL", Setting::Interval),
        (TCP_KEEPCNT, "TCP_KEEPCNT", Setting::Retries),
        (TCP_RXT_CONNDROPTIME, "TCP_RXT_CONNDROPTIME", Setting::UserTimeout),
    ];
    let config = full().with_user_timeout(S(100));
    for (position, &(option, name, setting)) in options.iter().enumerate() {
        let xnu = Refusing { inner: Xnu::default(), option, socket_level: false, errno: EINVAL };
        let model = Model::install(&apple::PLATFORM, xnu);
        model.kernel().inner.sockets.open(1, State::Established);
        let err = socket(1).set_keepalive_config(&config).unwrap_err();
        let before = &options[..position];
        let expected = if before.is_empty() {
            format!("setting {name} failed, nothing was changed")
        } else {
            let names: Vec<&str> = before.iter().map(|&(_, name, _)| name).collect();
            format!("setting {name} failed after {} had been applied", names.join(", "))
        };
        assert!(err.to_string().contains(&expected), "{expected:?} not in: {err}");
        let detail = SettingError::of(&err).expect("the detail of a refusal");
        assert_eq!(detail.setting(), setting, "{err}");
        let applied: Vec<Setting> = before.iter().map(|&(_, _, setting)| setting).collect();
        assert_eq!(detail.applied(), applied, "{err}");
        assert!(!model.kernel().inner.sockets.get(1).unwrap().keepalive, "{err}");
    }
}

/// `SO_KEEPALIVE`, written last, refused: the error names every option
/// applied before it and keeps the OS error as its source.
#[test]
fn a_refused_so_keepalive_names_every_option_applied() {
    let option = crate::sys::platform::SO_KEEPALIVE;
    let xnu = Refusing { inner: Xnu::default(), option, socket_level: true, errno: EINVAL };
    let model = Model::install(&apple::PLATFORM, xnu);
    model.kernel().inner.sockets.open(1, State::Established);
    let err = socket(1).set_keepalive_config(&full()).unwrap_err();
    let expected = "setting SO_KEEPALIVE failed after TCP_KEEPALIVE, TCP_KEEPINTVL, TCP_KEEPCNT had been applied";
    assert!(err.to_string().contains(expected), "{err}");
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
    let os = std::error::Error::source(&err).and_then(|e| e.downcast_ref::<io::Error>());
    assert_eq!(os.and_then(io::Error::raw_os_error), Some(EINVAL));
}

/// The shared checks, on every model: a full config on a connection reads
/// back as set (where the OS reports it), its bound covers the kernel's drop,
/// and a listener is either refused or never given a timer that kills it.
fn every_model_case<K: KernelModel + 'static>(platform: &'static Platform, kernel: impl Fn() -> K) {
    let os = platform.os;
    let model = Model::install(platform, kernel());
    model.kernel().sockets().open(1, State::Established);
    model.kernel().sockets().open(2, State::Listen);
    socket(1).set_keepalive_config(&full()).unwrap_or_else(|e| panic!("{os}: {e}"));
    let read = socket(1).keepalive_config().unwrap();
    for (got, want) in [(read.idle(), full().idle()), (read.interval(), full().interval())] {
        assert!(got.is_none() || got == want, "{os}: {read:?}");
    }
    let drop = model.kernel().idle_drop(1).unwrap();
    let bound = platform.idle_detection_bound(&full()).unwrap();
    assert!(bound >= drop, "{os}: bound {bound:?} below the kernel's drop at {drop:?}");
    match socket(2).set_keepalive_config(&full()) {
        Err(e) => assert_kills_listener(&e),
        Ok(()) => assert!(!model.kernel().sockets().get(2).unwrap().listener_timer_armed, "{os}"),
    }
    assert!(!model.kernel().sockets().get(2).unwrap().listener_timer_armed, "{os}");
}

#[test]
fn every_model_runs_the_shared_backend() {
    every_model_case(&apple::PLATFORM, Xnu::default);
    every_model_case(&dragonfly::PLATFORM, DragonFly::default);
    every_model_case(&freebsd::PLATFORM, || FreeBsd::new(true));
    every_model_case(&freebsd::PLATFORM, || FreeBsd::new(false));
    every_model_case(&illumos::PLATFORM, Illumos::gate);
    every_model_case(&solaris::PLATFORM, || Illumos::solaris(true));
    every_model_case(&netbsd::PLATFORM, NetBsd::default);
    every_model_case(&wasi::PLATFORM, Wasmtime::default);
}

#[allow(dead_code)]
fn assert_kernel<K: Kernel>() {}

// Issue 24, correction 2: FreeBSD 14's TCP_MAXUNACKTIME is the user timeout;
// FreeBSD 13 answers ENOPROTOOPT, before anything changed.

#[test]
fn freebsd_14_takes_a_user_timeout_and_13_refuses_it_unchanged() {
    let config = full().with_user_timeout(S(30));
    let model = Model::install(&freebsd::PLATFORM, FreeBsd::new(true));
    model.kernel().sockets.open(1, State::Established);
    socket(1).set_keepalive_config(&config).unwrap();
    assert_eq!(socket(1).keepalive_config().unwrap(), config);
    drop(model);

    let model = Model::install(&freebsd::PLATFORM, FreeBsd::new(false));
    model.kernel().sockets.open(1, State::Established);
    let before = model.kernel().sockets.get(1).unwrap().clone();
    let err = socket(1).set_keepalive_config(&config).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::Unsupported, "{err}");
    let message = err.to_string();
    assert!(
        message.contains("TCP_MAXUNACKTIME") && message.contains("nothing was changed"),
        "{message}"
    );
    assert_eq!(*model.kernel().sockets.get(1).unwrap(), before, "{message}");
    // Without a user timeout, FreeBSD 13 takes the rest.
    socket(1).set_keepalive_config(&full()).unwrap();
    assert_eq!(socket(1).keepalive_config().unwrap().user_timeout(), None);
}

// Item 2: connections completed before `new` were copied with the old values.

#[test]
fn freebsd_accept_keepalive_configures_the_connections_queued_before_new() {
    let model = Model::install(&freebsd::PLATFORM, FreeBsd::new(true));
    model.kernel().sockets.open(1, State::Listen);
    model.kernel().complete_handshake(1);
    model.kernel().complete_handshake(1);
    let keepalive = AcceptKeepalive::new(&socket(1), &full()).unwrap();
    model.kernel().complete_handshake(1);
    for fd in 10..13 {
        model.kernel().sockets.accept(1, fd);
        keepalive.apply(&socket(fd)).unwrap();
        assert_eq!(socket(fd).keepalive_config().unwrap(), full(), "accepted {fd}");
        assert!(socket(fd).keepalive().unwrap());
    }
    // The third inherited it: no write was needed, and none was counted for it.
    assert_eq!(socket(1).keepalive_config().unwrap(), full());
}

#[test]
fn illumos_cannot_count_its_queue_so_each_stream_is_configured() {
    let model = Model::install(&illumos::PLATFORM, Illumos::gate());
    model.kernel().sockets.open(1, State::Listen);
    model.kernel().sockets.open(2, State::Established);
    let keepalive = AcceptKeepalive::new(&socket(1), &full()).unwrap();
    assert!(!model.kernel().sockets.get(1).unwrap().keepalive, "the listener is left alone");
    keepalive.apply(&socket(2)).unwrap();
    assert_eq!(socket(2).keepalive_config().unwrap().retries(), Some(3));
}

// Issue 24: DragonFly cannot count its accept queue, but its queue is first
// in, first out, and each connection copies the listener as it completes.

/// Accepts the oldest connection of listener 1 as `fd` and applies `keepalive`
/// to it; returns the `setsockopt` and `getsockopt` calls `apply` made.
fn accept_and_apply(
    model: &Model<DragonFly>,
    keepalive: &AcceptKeepalive,
    fd: i32,
) -> (usize, usize) {
    model.kernel().sockets.accept(1, fd);
    keepalive.apply(&socket(fd)).unwrap();
    let calls = model.kernel().calls_on(fd);
    assert_eq!(socket(fd).keepalive_config().unwrap(), full(), "accepted {fd}");
    assert!(socket(fd).keepalive().unwrap(), "accepted {fd}");
    calls
}

#[test]
fn dragonfly_accept_keepalive_writes_the_queue_at_new_until_a_stream_inherited_it() {
    let model = Model::install(&dragonfly::PLATFORM, DragonFly::default());
    model.kernel().sockets.open(1, State::Listen);
    model.kernel().complete_handshake(1);
    model.kernel().complete_handshake(1);
    let keepalive = AcceptKeepalive::new(&socket(1), &full()).unwrap();
    assert_eq!(socket(1).keepalive_config().unwrap(), full(), "new configures the listener");
    for _ in 0..3 {
        model.kernel().complete_handshake(1);
    }
    // Queued before `new`, SO_KEEPALIVE off: read once, then the three
    // values and SO_KEEPALIVE written.
    assert_eq!(accept_and_apply(&model, &keepalive, 10), (4, 1));
    assert_eq!(accept_and_apply(&model, &keepalive, 11), (4, 1));
    // The first that inherited everything is read (SO_KEEPALIVE, three
    // values), not written; the ones after it are not asked anything.
    assert_eq!(accept_and_apply(&model, &keepalive, 12), (0, 4));
    assert_eq!(accept_and_apply(&model, &keepalive, 13), (0, 0));
    assert_eq!(accept_and_apply(&model, &keepalive, 14), (0, 0));
}

#[test]
fn dragonfly_a_listener_already_keeping_alive_with_other_values_still_gets_its_queue_rewritten() {
    // SO_KEEPALIVE is copied on, so only the values tell the queued streams
    // apart: each differs from the plan in one value, the last one read too.
    let others = [full().with_idle(S(61)), full().with_retries(4)];
    let model = Model::install(&dragonfly::PLATFORM, DragonFly::default());
    model.kernel().sockets.open(1, State::Listen);
    for (i, other) in others.iter().enumerate() {
        socket(1).set_keepalive_config(other).unwrap();
        model.kernel().complete_handshake(1);
        assert!(model.kernel().sockets.get(1).unwrap().queue[i].keepalive);
    }
    let keepalive = AcceptKeepalive::new(&socket(1), &full()).unwrap();
    model.kernel().complete_handshake(1);
    let (written, _) = accept_and_apply(&model, &keepalive, 10);
    assert_eq!(written, 4, "its idle time differs");
    let (written, _) = accept_and_apply(&model, &keepalive, 11);
    assert_eq!(written, 4, "its probe count differs");
    assert_eq!(accept_and_apply(&model, &keepalive, 12), (0, 4));
    model.kernel().complete_handshake(1);
    assert_eq!(accept_and_apply(&model, &keepalive, 13), (0, 0));
}
