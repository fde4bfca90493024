//! [`AcceptKeepalive`]: one config for every connection a server accepts, on every OS.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[cfg(all(test, target_os = "linux"))]
mod tests;

use crate::ext::SocketRef;
use crate::sys::table::{Plan, Platform};
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
/// - Everywhere else, `new` sets nothing on the listener and `apply` sets the
///   whole config on the stream. illumos copies every value too
///   (`tcp_init_values`), but has no option that counts its queue, so there
///   each stream is configured. On macOS 13 and older, on NetBSD and on WASI
///   a keepalive value on a listening socket arms a timer that makes the
///   kernel drop the listener, and accepted sockets do not inherit every value
///   anyway (`platforms` has the table).
///
/// The queued connections are counted, not identified: with several threads
/// accepting from one listener, call `apply` on each stream right after its
/// `accept`, so that the first `apply` calls go to the first streams.
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
#[derive(Clone, Debug)]
pub struct AcceptKeepalive {
    /// As given: errors name the values the caller asked for.
    config: Keepalive,
    plan: Plan,
    per_stream: bool,
    /// Why `plan` must not reach a listening socket on this OS, if it must not.
    listener_refusal: Option<SettingError>,
    /// Through the listener: how many of the next accepted streams completed
    /// before `new` configured it, and need the config written (shared by
    /// clones). `None` when there were none.
    queued: Option<Arc<AtomicUsize>>,
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
    pub(crate) fn on(
        platform: &Platform,
        listener: SocketRef<'_>,
        config: &Keepalive,
    ) -> io::Result<Self> {
        let plan = platform.plan(config)?;
        let queue = platform.accept_queue.filter(|_| platform.accepted_sockets_inherit_all());
        let mut per_stream = queue.is_none();
        let mut queued = None;
        if let Some(queue) = queue {
            sys::write_plan(listener.handle, &plan, config)?;
            // Counted after the write: a connection completing meanwhile is
            // counted and written twice, never missed.
            match sys::accept_queue_len(listener.handle, &queue)? {
                Some(0) => {}
                Some(n) => queued = Some(Arc::new(AtomicUsize::new(n))),
                None => per_stream = true,
            }
        }
        let listener_refusal = platform.listener_refusal(config);
        Ok(AcceptKeepalive { config: *config, plan, per_stream, listener_refusal, queued })
    }

    /// Whether this stream is one of those queued before `new`.
    #[inline]
    fn was_queued(&self) -> bool {
        let Some(queued) = &self.queued else { return false };
        queued.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_ok()
    }

    /// Gives an accepted `stream` the config: nothing to do where it was
    /// inherited from the listener (once the connections queued before `new`
    /// were given it), one `setsockopt` per value plus `SO_KEEPALIVE`
    /// elsewhere. Like
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
        if self.per_stream || self.was_queued() {
            let stream = stream.socket_ref();
            sys::refuse_listener(self.listener_refusal.as_ref(), stream.handle, stream.role)?;
            sys::write_plan(stream.handle, &self.plan, &self.config)?;
        }
        Ok(())
    }
}
