//! CPU time of this process, a thread or another process, and the
//! open-files limit.
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

/// Reads a CPU-time clock, nanosecond resolution.
fn read_clock(clock: libc::clockid_t) -> std::io::Result<Duration> {
    // SAFETY: clock_gettime writes a plain C struct we own.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(Duration::new(
        ts.tv_sec.max(0) as u64,
        ts.tv_nsec.clamp(0, 999_999_999) as u32,
    ))
}

/// The CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`), with
/// nanosecond resolution: for timing short stretches of pure computation.
pub fn thread_cpu() -> Duration {
    read_clock(libc::CLOCK_THREAD_CPUTIME_ID).unwrap_or(Duration::ZERO)
}

/// The CPU time of another process `pid`, every thread of it (those that
/// have ended too), from its CPU-time clock (`clock_getcpuclockid`), in
/// nanoseconds. /proc/PID/stat counts in clock ticks (10 ms at 100 Hz), too
/// coarse for a few dozen probes of well under a millisecond each: a quick
/// run read 0 µs.
pub fn process_cpu_of(pid: u32) -> Result<Duration, String> {
    let pid = libc::pid_t::try_from(pid).map_err(|_| format!("pid {pid} out of range"))?;
    let mut clock: libc::clockid_t = 0;
    // SAFETY: clock_getcpuclockid writes one clockid_t we own.
    let rc = unsafe { libc::clock_getcpuclockid(pid, &mut clock) };
    if rc != 0 {
        return Err(format!(
            "no CPU clock for pid {pid}: {}",
            std::io::Error::from_raw_os_error(rc)
        ));
    }
    read_clock(clock).map_err(|e| format!("cannot read the CPU clock of pid {pid}: {e}"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_clock_sees_work_finer_than_a_clock_tick() {
        let pid = std::process::id();
        let before = process_cpu_of(pid).expect("own CPU clock");
        // About a millisecond of work, a tenth of a 100 Hz tick.
        let mut x = 0u64;
        for i in 0..1_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
        }
        std::hint::black_box(x);
        let after = process_cpu_of(pid).expect("own CPU clock");
        assert!(after > before, "{after:?} after {before:?}");
    }

    #[test]
    fn a_process_that_does_not_exist_has_no_cpu_clock() {
        // A child that has ended and been reaped.
        let mut child = std::process::Command::new("true")
            .spawn()
            .expect("spawn true");
        child.wait().expect("wait for true");
        let err = process_cpu_of(child.id()).expect_err("no such process");
        assert!(err.contains("no CPU clock for pid"), "{err}");
    }
}
