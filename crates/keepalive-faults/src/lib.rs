//! Fault injection on the real kernel, shared by tcp-keepalive's tests, the
//! reliability suite and the `tcp-keepalive demo` command. Linux only.
//!
//! - [`silence`]: the peer's kernel stops answering on one socket (a classic BPF
//!   filter that drops every packet), so keepalive probes go unanswered.
//! - [`netns`]: network namespaces joined by veth pairs, for firewalls,
//!   middleboxes and dead hosts between two sockets (root, `ip`, `nft`).
//!
//! Nothing here fakes the kernel: a test that cannot get the privileges it
//! needs is told why, via [`Unavailable`], and must skip saying so.

#![deny(missing_docs)]
#![cfg(target_os = "linux")]

use std::fmt;
use std::io;
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsFd, AsRawFd};

pub mod netns;
mod userns;

pub use userns::enter_user_netns;

/// Why a fault cannot be injected on this machine, in words for a skip message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unavailable(pub String);

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unavailable {}

/// Attaches a classic BPF program of one instruction, `ret #0`, to `socket`:
/// the kernel drops every packet for it before TCP sees it. The peer's probes
/// and data go unanswered, exactly as if this host had lost power.
///
/// Needs CAP_NET_ADMIN on some kernels; see [`can_silence`].
pub fn silence<S: AsFd>(socket: &S) -> io::Result<()> {
    let mut drop_all =
        [libc::sock_filter { code: (libc::BPF_RET | libc::BPF_K) as u16, jt: 0, jf: 0, k: 0 }];
    let program = libc::sock_fprog { len: drop_all.len() as u16, filter: drop_all.as_mut_ptr() };
    // SAFETY: the fd is borrowed and open; `program` points at `drop_all`, which
    // lives until the call returns, and the kernel copies the program.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_fd().as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ATTACH_FILTER,
            (&raw const program).cast(),
            size_of::<libc::sock_fprog>() as libc::socklen_t,
        )
    };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Whether [`silence`] works here, tried on a throwaway loopback socket.
pub fn can_silence() -> Result<(), Unavailable> {
    let probe = || -> io::Result<()> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let _client = TcpStream::connect(listener.local_addr()?)?;
        let (server, _) = listener.accept()?;
        silence(&server)
    };
    probe().map_err(|e| {
        Unavailable(format!(
            "cannot attach a BPF drop filter ({e}): run as root, or inside `unshare -rn`"
        ))
    })
}

/// Whether this process is root (uid 0), which the namespace faults need.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Set in the environment of a test re-run by [`run_here_or_in_user_netns`].
const CHILD_MARK: &str = "KEEPALIVE_FAULTS_IN_USER_NETNS";

/// Decides where a test that needs [`silence`] runs; call it first in such a test.
///
/// - With CAP_NET_ADMIN (root): returns `true`, run the test body here.
/// - Without it: re-runs this one test (`test`, its name as the test harness
///   knows it) in a child process inside an unprivileged user + network
///   namespace (`unshare -rn`, loopback up), asserts that it passed, and
///   returns `false`. Inside that child it returns `true`.
/// - If neither works: prints why with [`skip`] and returns `false`.
pub fn run_here_or_in_user_netns(test: &str) -> bool {
    let Err(why) = can_silence() else { return true };
    if std::env::var_os(CHILD_MARK).is_some() {
        panic!("{test}: inside the user namespace and still {why}");
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut command = std::process::Command::new(exe);
    command.args([test, "--exact", "--nocapture", "--test-threads=1"]).env(CHILD_MARK, "1");
    let status = match userns::in_user_netns(&mut command).status() {
        Ok(status) => status,
        Err(e) => {
            let why = Unavailable(format!("{why}; a user namespace is not available either: {e}"));
            skip(test, &why);
            return false;
        }
    };
    assert!(status.success(), "{test} failed inside an unprivileged user+net namespace");
    say(&format!(
        "{test}: passed inside an unprivileged user+net namespace (no CAP_NET_ADMIN here)"
    ));
    false
}

/// Prints the standard skip line for a test that cannot run here. Tests call it
/// and return, so a skip is always visible in the output, never a silent pass.
pub fn skip(test: &str, why: &Unavailable) {
    say(&format!("SKIPPED {test}: {why}"));
}

/// Writes a line to the real stderr. The test harness captures `eprintln!` of
/// passing tests; a skip or a re-run must show, so this bypasses the capture.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}
