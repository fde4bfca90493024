//! The clock the micro-benches read. The machine the numbers come from is
//! shared, so by default they count this thread's CPU time
//! (`CLOCK_THREAD_CPUTIME_ID`: user + kernel time, system calls included), which
//! leaves out the time the thread spends preempted by other processes.
//! `KEEPALIVE_BENCH_CLOCK=wall` switches to wall-clock time.

use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
pub struct Clock {
    cpu: bool,
    epoch: Instant,
}

impl Clock {
    pub fn from_env() -> Self {
        let wall = std::env::var("KEEPALIVE_BENCH_CLOCK").is_ok_and(|v| v == "wall");
        Clock { cpu: !wall, epoch: Instant::now() }
    }

    pub fn name(&self) -> &'static str {
        if self.cpu {
            "thread CPU time"
        } else {
            "wall time"
        }
    }

    /// Time since an arbitrary fixed point; only differences mean anything.
    pub fn now(&self) -> Duration {
        if self.cpu {
            thread_cpu_time()
        } else {
            self.epoch.elapsed()
        }
    }
}

/// CPU time consumed by the calling thread.
pub fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a live, writable timespec; CLOCK_THREAD_CPUTIME_ID is
    // always available on Linux, so the call only writes `ts`.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}
