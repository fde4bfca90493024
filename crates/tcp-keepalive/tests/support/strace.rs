//! Counting the exact system calls a test makes: the test re-runs one of its
//! own (ignored) child tests under `strace`, which marks the region to count
//! with `close(-N)` calls, a system call nothing else makes.

use std::process::{Command, Stdio};

/// Set in the traced child's environment.
pub const TRACE_CHILD: &str = "TCP_KEEPALIVE_TRACE_CHILD";

/// Marks a point in the strace log.
pub fn marker(n: i32) {
    // SAFETY: closing an invalid descriptor only fails with EBADF.
    unsafe { libc::close(-n) };
}

/// Panics unless this process is the traced child.
pub fn assert_traced() {
    assert!(std::env::var_os(TRACE_CHILD).is_some(), "run by a strace test");
}

/// The child's trace, one `(thread, call)` per line.
pub struct Trace {
    text: String,
}

/// Runs the ignored test `child` of this test binary under strace. `None` (and
/// a printed skip) when strace is missing.
pub fn run(test: &str, child: &str) -> Option<Trace> {
    if Command::new("strace").arg("-V").output().is_err() {
        let why = keepalive_faults::Unavailable("strace is not installed".into());
        keepalive_faults::skip(test, &why);
        return None;
    }
    let log = std::env::temp_dir().join(format!("ka-strace-{}-{child}.log", std::process::id()));
    let status = Command::new("strace")
        .args(["-f", "-qq", "-o"])
        .arg(&log)
        .arg(std::env::current_exe().unwrap())
        .args([child, "--exact", "--ignored", "--test-threads=1"])
        .env(TRACE_CHILD, "1")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    assert!(status.success(), "the traced child failed:\n{text}");
    Some(Trace { text })
}

impl Trace {
    /// The calls the marking thread made between markers `from` and `to`,
    /// without their results. strace pads the thread id to a column, so split
    /// on the first space and trim.
    pub fn between(&self, from: i32, to: i32) -> Vec<String> {
        let lines: Vec<(&str, &str)> = self
            .text
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(tid, rest)| (tid, rest.trim()))
            .collect();
        let start = format!("close(-{from})");
        let end = format!("close(-{to})");
        let (tid, _) = lines
            .iter()
            .find(|(_, call)| call.starts_with(&start))
            .unwrap_or_else(|| panic!("marker {from} missing:\n{}", self.text));
        lines
            .iter()
            .filter(|(t, _)| t == tid)
            .map(|(_, call)| *call)
            .skip_while(|call| !call.starts_with(&start))
            .skip(1)
            .take_while(|call| !call.starts_with(&end))
            .map(|call| call.split(" =").next().unwrap().to_string())
            .collect()
    }
}
