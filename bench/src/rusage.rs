//! CPU time of this process or thread, and the open-files limit.
//!
//! `getrusage(RUSAGE_SELF)` counts every thread of the calling process and
//! nothing of its children, so a client measured this way must not share its
//! process with the servers it talks to (see `child.rs`).

use std::time::Duration;

/// User and system CPU time consumed so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuTime {
    /// Time spent running our code.
    pub user: Duration,
    /// Time the kernel spent on our behalf (sockets, loopback TCP, memory).
    pub system: Duration,
}

impl CpuTime {
    /// User plus system time.
    pub fn total(self) -> Duration {
        self.user + self.system
    }

    /// The CPU time spent between `earlier` and `self`.
    pub fn since(self, earlier: CpuTime) -> CpuTime {
        CpuTime {
            user: self.user.saturating_sub(earlier.user),
            system: self.system.saturating_sub(earlier.system),
        }
    }
}

fn timeval(tv: libc::timeval) -> Duration {
    Duration::from_secs(tv.tv_sec.max(0) as u64) + Duration::from_micros(tv.tv_usec.max(0) as u64)
}

/// The CPU time of every thread of this process (`RUSAGE_SELF`).
pub fn process_cpu() -> CpuTime {
    // SAFETY: getrusage writes a plain C struct we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    if rc != 0 {
        return CpuTime::default();
    }
    CpuTime {
        user: timeval(usage.ru_utime),
        system: timeval(usage.ru_stime),
    }
}

/// The CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`), with
/// nanosecond resolution: for timing short stretches of pure computation.
pub fn thread_cpu() -> Duration {
    // SAFETY: clock_gettime writes a plain C struct we own.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        ts.tv_sec.max(0) as u64,
        ts.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

/// Raises the soft open-files limit towards `wanted` (never above the hard
/// limit) and returns the soft limit now in force.
pub fn raise_open_files(wanted: u64) -> u64 {
    // SAFETY: getrlimit/setrlimit read and write a plain C struct we own.
    let mut limit: libc::rlimit = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return 0;
    }
    let target = (wanted as libc::rlim_t).min(limit.rlim_max);
    if target > limit.rlim_cur {
        let raised = libc::rlimit {
            rlim_cur: target,
            rlim_max: limit.rlim_max,
        };
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            return target as u64;
        }
    }
    limit.rlim_cur as u64
}
