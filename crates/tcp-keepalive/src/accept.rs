//! [`AcceptKeepalive`]: one config for every connection a server accepts, on every OS.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};

#[cfg(all(test, target_os = "linux"))]
mod tests;

use crate::ext::SocketRef;
use crate::sys::table::{AcceptQueue, Plan, Platform};
use crate::{sys, Keepalive, KeepaliveExt, SettingError};

/// Gives every connection a listener accepts the same keepalive config, the
/// right way for each OS.
///
/// Make one per listener with [`new`](Self::new), then call
/// [`apply`](Self::apply) on each accepted stream:
///
/// - Where setting the values on a listener is safe, every accepted socket
///   copies them, and the listener reports its accept queue (Linux, Android,
///   FreeBSD), `new` configures the listener once. A connection that
///   completed before that was copied with the old values, so `new` also
///   counts the connections waiting in the queue (`tcp_info` on Linux,
///   `SO_LISTENQLEN` on FreeBSD), and `apply` sets the config on that many
///   streams, the first ones accepted. After that, `apply` makes **no system
///   call**. (std's `TcpListener::bind` already listens, and listeners from
///   systemd socket activation or a restart arrive with full queues.)
/// - On DragonFly BSD accepted sockets copy every value too, but no option
///   counts the queue. Its queue is first in, first out, and a connection
///   copies the listener when its handshake completes, so `new` configures
///   the listener, and `apply` reads each stream (`SO_KEEPALIVE`, then the
///   values) and writes the config on it, until the first stream that already
///   holds the whole config: every later one was copied from the configured
///   listener too. From then on, **0 system calls per accept**. Until then,
///   one to four reads per stream, plus the writes where it differs.
///   (Connections a closing `SO_REUSEPORT` listener hands over, and those an
///   accept filter holds back, can arrive later than their turn: `platforms`
///   has the details.)
/// - Everywhere else, `new` sets nothing on the listener and `apply` sets the
///   whole config on the stream. illumos copies every value too
///   (`tcp_init_values`), but when the SYN arrives, while its queue is in the
///   order the handshakes complete, and no option counts it: a stream
///   accepted after one holding the config may still hold the old values, so
///   there each stream is configured. On macOS 13 and older, on NetBSD and on
///   WASI a keepalive value on a listening socket arms a timer that makes the
///   kernel drop the listener, and accepted sockets do not inherit every
///   value anyway (`platforms` has the table).
///
/// The queued connections are counted or read in the order they are
/// accepted: with several threads accepting from one listener, call `apply`
/// on each stream right after its `accept`, so that the first `apply` calls go
/// to the first streams.
///
/// The config is checked once, in `new`: a bad value fails there, before any
/// system call, and `apply` can then only fail if the OS refuses a call.
///
/// # Examples
///
/// A std accept loop:
///
/// ```
/// use std::net::{TcpListener, TcpStream};
/// use std::time::Duration;
/// use tcp_keepalive::{AcceptKeepalive, Keepalive, KeepaliveExt};
///
/// # fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let config = Keepalive::new().with_idle(Duration::from_secs(30)).with_interval(Duration::from_secs(5));
/// let keepalive = AcceptKeepalive::new(&listener, &config)?;
/// # let _client = TcpStream::connect(listener.local_addr()?)?;
/// for stream in listener.incoming().take(1) {
///     let stream = stream?;
///     keepalive.apply(&stream)?;
///     assert!(stream.keepalive()?);
///     // ... serve `stream`: a dead client now ends its reads with TimedOut.
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct AcceptKeepalive {
    /// As given: errors name the values the caller asked for.
    config: Keepalive,
    plan: Plan,
    /// How many of the next accepted streams need the config written:
    /// [`PER_STREAM`] (all of them), [`UNTIL_INHERITED`] (each until one
    /// holds it), or, through the listener, those that completed before `new`
    /// configured it. Then 0: one load per `apply`.
    pending: AtomicUsize,
    /// Whether `pending` started above 0: when not, `apply` reads nothing else.
    writes: bool,
    /// Why `plan` must not reach a listening socket on this OS, if it must not.
    listener_refusal: Option<SettingError>,
}

/// `pending` where every stream is configured.
const PER_STREAM: usize = usize::MAX;

/// `pending` where the OS cannot count its queue, but accepts in order
/// ([`AcceptQueue::UntilInherited`]): each stream is read, and written unless
/// it already holds the plan; the first that does ends the writes.
const UNTIL_INHERITED: usize = usize::MAX - 1;

/// A clone starts from the count left now (or, where streams are read until
/// one inherited the config, from whether one was found): with clones in
/// several threads, each may write the config on up to that many streams,
/// never fewer.
impl Clone for AcceptKeepalive {
    fn clone(&self) -> Self {
        AcceptKeepalive {
            config: self.config,
            plan: self.plan,
            pending: AtomicUsize::new(self.pending.load(Ordering::Relaxed)),
            writes: self.writes,
            listener_refusal: self.listener_refusal.clone(),
        }
    }
}

impl AcceptKeepalive {
    /// Checks `config` and prepares `listener`: on the systems where accepted
    /// sockets inherit every value, it sets `config` on the listener.
    ///
    /// Fails with `InvalidInput` or `Unsupported`, before any system call, for
    /// a config that [`set_keepalive_config`](KeepaliveExt::set_keepalive_config)
    /// would refuse on a stream.
    ///
    /// ```
    /// use tcp_keepalive::{AcceptKeepalive, Keepalive};
    ///
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let err = AcceptKeepalive::new(&listener, &Keepalive::new().with_retries(0)).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// ```
    pub fn new<L: KeepaliveExt + ?Sized>(listener: &L, config: &Keepalive) -> io::Result<Self> {
        Self::on(sys::platform(), listener.socket_ref(), config)
    }

    /// `new` for the table of any OS: the unit tests pick another OS's strategy.
    /// `new`, then the per-stream strategy whatever the OS, for the instruction
    /// counts of `apply` on the systems that need it (`benches/instructions`,
    /// built with `--cfg tcp_keepalive_bench`; never part of the API).
    #[cfg(tcp_keepalive_bench)]
    #[doc(hidden)]
    pub fn per_stream<L: KeepaliveExt + ?Sized>(
        listener: &L,
        config: &Keepalive,
    ) -> io::Result<Self> {
        let mut accept = Self::new(listener, config)?;
        accept.pending = AtomicUsize::new(PER_STREAM);
        accept.writes = true;
        Ok(accept)
    }

    pub(crate) fn on(
        platform: &'static Platform,
        listener: SocketRef<'_>,
        config: &Keepalive,
    ) -> io::Result<Self> {
        let plan = platform.plan(config)?;
        let mut pending = PER_STREAM;
        if platform.accepted_sockets_inherit_all() {
            match platform.accept_queue {
                AcceptQueue::Counted(queue) => {
                    sys::write_plan(listener.handle, &plan, config)?;
                    // Counted after the write: a connection completing
                    // meanwhile is counted and written twice, never missed.
                    if let Some(queued) = sys::accept_queue_len(listener.handle, &queue)? {
                        pending = queued.min(UNTIL_INHERITED - 1);
                    }
                }
                // SO_KEEPALIVE is written last: a stream copied with it on
                // was copied after every value was written.
                AcceptQueue::UntilInherited => {
                    sys::write_plan(listener.handle, &plan, config)?;
                    pending = UNTIL_INHERITED;
                }
                AcceptQueue::Unknown => {}
            }
        }
        let listener_refusal = platform.listener_refusal(config);
        let writes = pending != 0;
        let pending = AtomicUsize::new(pending);
        Ok(AcceptKeepalive { config: *config, plan, pending, writes, listener_refusal })
    }

    /// Whether every stream is configured (not through the listener).
    #[cfg(all(test, target_os = "linux"))]
    pub(crate) fn per_stream(&self) -> bool {
        self.pending.load(Ordering::Relaxed) == PER_STREAM
    }

    /// Gives an accepted `stream` the config: nothing to do where it was
    /// inherited from the listener (once the connections queued before `new`
    /// were given it; on DragonFly, once a stream was read that holds it), one
    /// `setsockopt` per value plus `SO_KEEPALIVE` elsewhere. Like
    /// [`set_keepalive_config`](KeepaliveExt::set_keepalive_config), it refuses
    /// to put a value on a listening socket where that would kill it.
    ///
    /// ```
    /// use std::net::{TcpListener, TcpStream};
    /// use std::time::Duration;
    /// use tcp_keepalive::{AcceptKeepalive, Keepalive, KeepaliveExt};
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0")?;
    /// let config = Keepalive::new().with_idle(Duration::from_secs(45));
    /// let keepalive = AcceptKeepalive::new(&listener, &config)?;
    /// let _client = TcpStream::connect(listener.local_addr()?)?;
    /// let (stream, _) = listener.accept()?;
    /// keepalive.apply(&stream)?;
    /// # #[cfg(target_os = "linux")]
    /// assert_eq!(stream.keepalive_config()?.idle(), Some(Duration::from_secs(45)));
    /// # Ok(())
    /// # }
    /// ```
    #[inline]
    pub fn apply<S: KeepaliveExt + ?Sized>(&self, stream: &S) -> io::Result<()> {
        // Inherited, nothing queued at `new`: one test. Once a queue is
        // drained: one atomic load more.
        if !self.writes || self.pending.load(Ordering::Relaxed) == 0 {
            return Ok(());
        }
        self.write_if_pending(stream.socket_ref())
    }

    /// Writes the config on `stream`: always per stream, else while the
    /// streams queued before `new` are being accepted, counted or read.
    fn write_if_pending(&self, stream: SocketRef<'_>) -> io::Result<()> {
        // Per stream first, tested alone: its cost stays that of a write.
        let pending = self.pending.load(Ordering::Relaxed);
        if pending != PER_STREAM {
            if pending == UNTIL_INHERITED {
                return self.write_unless_inherited(stream);
            }
            let take = |n: usize| n.checked_sub(1).filter(|_| n < UNTIL_INHERITED);
            if self.pending.fetch_update(Ordering::Relaxed, Ordering::Relaxed, take).is_err() {
                return Ok(());
            }
        }
        sys::refuse_listener(self.listener_refusal.as_ref(), stream.handle, stream.role)?;
        sys::write_plan(stream.handle, &self.plan, &self.config)
    }

    /// Reads `stream`: where it holds the plan, it was copied from the
    /// configured listener, and so is every later one, so the writes end;
    /// else writes the plan on it. Cold: only the streams queued at `new`, and
    /// one more, come here (and the per-stream path stays as short).
    #[cold]
    #[inline(never)]
    fn write_unless_inherited(&self, stream: SocketRef<'_>) -> io::Result<()> {
        sys::refuse_listener(self.listener_refusal.as_ref(), stream.handle, stream.role)?;
        if sys::holds_plan(stream.handle, &self.plan)? {
            self.pending.store(0, Ordering::Relaxed);
            return Ok(());
        }
        sys::write_plan(stream.handle, &self.plan, &self.config)
    }
}
