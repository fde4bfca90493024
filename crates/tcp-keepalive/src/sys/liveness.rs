//! `liveness()` as data plus two pure steps, shared by every backend: which
//! events to ask `poll` for, what its answer already says, and what a 1-byte
//! `MSG_PEEK` says when it does not. The backends make the two system calls;
//! the unit tests run these steps against every OS's table.

use std::io;

use crate::Liveness;

/// How an OS reports the end of a connection, and how to ask it without
/// reading. One constant per OS (`LIVENESS` in `platform/`), each citing the
/// kernel source its facts come from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LivenessCheck {
    /// `poll`'s bits on this OS: readable, hung up, error, invalid descriptor.
    pub pollin: i16,
    pub pollhup: i16,
    pub pollerr: i16,
    pub pollnval: i16,
    /// `POLLRDHUP`, where the OS has it and it is used: a FIN then shows in
    /// `poll`'s answer, even with data waiting, with no second system call.
    pub rdhup: Option<i16>,
    /// The `recv` flags of the 1-byte peek that tells data from the end
    /// (`MSG_PEEK`, with `MSG_DONTWAIT` where the OS has it); `None` where the
    /// OS cannot peek at a TCP stream.
    pub peek: Option<i32>,
    /// Whether that peek (or a read) takes the pending socket error, as
    /// `SO_ERROR` does: then only the first check reports `Dead`, and later
    /// ones see the end of the stream (`PeerClosed`).
    #[allow(dead_code)] // Documentation data: read by the tests and the platforms page.
    pub peek_takes_error: bool,
}

/// What `poll`'s answer says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AfterPoll {
    Known(Liveness),
    /// Readable or ended: only a peek tells data, FIN and error apart.
    Peek(i32),
}

impl LivenessCheck {
    /// The events to ask `poll` for; hang-up and error are always reported.
    #[inline]
    pub const fn events(&self) -> i16 {
        match self.rdhup {
            Some(rdhup) => self.pollin | rdhup,
            None => self.pollin,
        }
    }

    /// Reads `poll`'s `revents` (zero timeout). A healthy idle connection has
    /// none, which is the one-system-call case.
    #[inline]
    pub fn after_poll(&self, revents: i16) -> io::Result<AfterPoll> {
        if revents & self.pollnval != 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "liveness(): poll reports an invalid socket (POLLNVAL)",
            ));
        }
        let rdhup = self.rdhup.unwrap_or(0);
        if revents & (self.pollin | self.pollhup | self.pollerr | rdhup) == 0 {
            return Ok(AfterPoll::Known(Liveness::Open));
        }
        // With POLLRDHUP and no pending error, a FIN needs no peek, even with
        // data waiting. Readable without it is left to the peek all the same:
        // a kernel that does not report RDHUP (qemu-user passes sparc's 0x800
        // to an x86 host untranslated) must not make a FIN look like data.
        if self.rdhup.is_some() && revents & self.pollerr == 0 && revents & rdhup != 0 {
            return Ok(AfterPoll::Known(Liveness::PeerClosed));
        }
        match self.peek {
            Some(flags) => Ok(AfterPoll::Peek(flags)),
            None => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "liveness(): the socket is readable, and this OS cannot peek at a TCP stream \
                 to tell waiting data from the peer's FIN or an error; read to find out",
            )),
        }
    }
}

/// Reads the 1-byte peek's result: data waiting, the end of the stream, or the
/// connection's error. `Interrupted` is the caller's to retry.
#[inline]
pub(crate) fn after_peek(peeked: io::Result<usize>) -> io::Result<Liveness> {
    match peeked {
        Ok(0) => Ok(Liveness::PeerClosed),
        Ok(_) => Ok(Liveness::Open),
        // Readable a moment ago, empty now: another thread read it.
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(Liveness::Open),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
        Err(e) => Ok(Liveness::Dead(e.kind())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::platform::every_os;

    fn known(check: &LivenessCheck, revents: i16) -> Liveness {
        match check.after_poll(revents).unwrap() {
            AfterPoll::Known(liveness) => liveness,
            AfterPoll::Peek(_) => panic!("a peek was asked for revents {revents:#x}"),
        }
    }

    #[test]
    fn no_event_is_open_without_a_second_call_on_every_os() {
        for (os, check) in every_os::LIVENESS {
            assert_eq!(known(check, 0), Liveness::Open, "{os}");
            // Bits nobody asked for and that say nothing of the end (POLLOUT-like).
            let unrelated = !(check.pollin
                | check.pollhup
                | check.pollerr
                | check.pollnval
                | check.rdhup.unwrap_or(0));
            let lowest = unrelated & unrelated.wrapping_neg();
            assert_eq!(known(check, lowest), Liveness::Open, "{os}: {lowest:#x}");
        }
    }

    #[test]
    fn the_bits_of_each_os_are_distinct() {
        for (os, check) in every_os::LIVENESS {
            let bits = [check.pollin, check.pollhup, check.pollerr, check.pollnval];
            let all = bits.iter().chain(check.rdhup.as_ref());
            for (i, a) in all.clone().enumerate() {
                assert_eq!(a.count_ones(), 1, "{os}: {a:#x} is one bit");
                for b in all.clone().skip(i + 1) {
                    assert_ne!(a, b, "{os}: two events share {a:#x}");
                }
            }
        }
    }

    #[test]
    fn readable_ended_or_failed_asks_for_a_peek_where_poll_cannot_tell() {
        for (os, check) in every_os::LIVENESS.iter().filter(|(_, c)| c.rdhup.is_none()) {
            for revents in
                [check.pollin, check.pollhup, check.pollerr, check.pollin | check.pollhup]
            {
                match check.after_poll(revents) {
                    Ok(AfterPoll::Peek(flags)) => assert_eq!(Some(flags), check.peek, "{os}"),
                    Err(e) => {
                        assert!(check.peek.is_none(), "{os}: {e}");
                        assert_eq!(e.kind(), io::ErrorKind::Unsupported, "{os}");
                    }
                    other => panic!("{os}: {revents:#x} gave {other:?}"),
                }
            }
        }
    }

    #[test]
    fn with_pollrdhup_a_fin_needs_no_peek_but_data_and_an_error_do() {
        let mut with_rdhup = 0;
        for (os, check) in every_os::LIVENESS {
            let Some(rdhup) = check.rdhup else { continue };
            with_rdhup += 1;
            let peek = AfterPoll::Peek(check.peek.unwrap());
            assert_eq!(check.after_poll(check.pollin).unwrap(), peek, "{os}: data");
            assert_eq!(known(check, check.pollin | rdhup), Liveness::PeerClosed, "{os}: FIN");
            // Both directions shut, no error left: what Linux shows after a FIN
            // answered by our own close, or once an error was taken.
            let both = check.pollin | rdhup | check.pollhup;
            assert_eq!(known(check, both), Liveness::PeerClosed, "{os}");
            let error = check.after_poll(both | check.pollerr).unwrap();
            assert_eq!(error, peek, "{os}: error");
            // Hung up without a FIN: a socket that never connected; ask.
            assert!(matches!(check.after_poll(check.pollhup), Ok(AfterPoll::Peek(_))), "{os}");
        }
        assert!(with_rdhup > 0, "Linux has POLLRDHUP");
    }

    #[test]
    fn pollnval_is_an_error_not_an_answer() {
        for (os, check) in every_os::LIVENESS {
            let err = check.after_poll(check.pollnval).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{os}");
        }
    }

    #[test]
    fn the_peek_never_reports_data_as_an_end() {
        assert_eq!(after_peek(Ok(1)).unwrap(), Liveness::Open);
        assert_eq!(after_peek(Ok(0)).unwrap(), Liveness::PeerClosed);
        let would_block = io::Error::from(io::ErrorKind::WouldBlock);
        assert_eq!(after_peek(Err(would_block)).unwrap(), Liveness::Open);
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(after_peek(Err(reset)).unwrap(), Liveness::Dead(io::ErrorKind::ConnectionReset));
        let timed_out = io::Error::from(io::ErrorKind::TimedOut);
        assert_eq!(after_peek(Err(timed_out)).unwrap(), Liveness::Dead(io::ErrorKind::TimedOut));
        let interrupted = io::Error::from(io::ErrorKind::Interrupted);
        assert_eq!(after_peek(Err(interrupted)).unwrap_err().kind(), io::ErrorKind::Interrupted);
    }
}
