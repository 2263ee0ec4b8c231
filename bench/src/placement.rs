//! Where the part 2 client and server run: free to use every core, or both
//! pinned to one.
//!
//! On a virtual machine, waking a process that sleeps on another virtual
//! CPU costs an inter-processor interrupt, which the hypervisor handles
//! with a VM exit, and the kernel bills it to whoever does the waking. Over
//! loopback, every client write wakes the server that way. Sharing one
//! core turns those wake-ups into ordinary local ones, so the client's CPU
//! time is closer to what it costs against a remote server; running free
//! shows what an unpinned process pays on this machine.

use std::fmt;

/// How the client and the server process are placed on CPUs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Placement {
    /// No pinning: the scheduler spreads them over the cores.
    Free,
    /// Both pinned to the same CPU.
    OneCore,
}

impl Placement {
    /// Both placements, in table order.
    pub const ALL: [Placement; 2] = [Placement::Free, Placement::OneCore];

    /// The name used on the command line and in tables.
    pub fn name(self) -> &'static str {
        match self {
            Placement::Free => "free",
            Placement::OneCore => "one-core",
        }
    }

    /// Parses [`Placement::name`].
    pub fn parse(text: &str) -> Result<Placement, String> {
        Placement::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| format!("unknown placement {text:?} (free, one-core)"))
    }
}

impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The CPUs a thread may run on (`pid` 0: the calling thread).
pub fn affinity(pid: i32) -> Result<libc::cpu_set_t, String> {
    // SAFETY: a zeroed cpu_set_t is an empty set; the kernel fills it.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<libc::cpu_set_t>();
    if unsafe { libc::sched_getaffinity(pid, size, &mut set) } != 0 {
        return Err(format!(
            "cannot read the CPU affinity of {pid}: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(set)
}

/// The lowest-numbered CPU in `set`.
pub fn first_cpu(set: &libc::cpu_set_t) -> Option<usize> {
    // SAFETY: CPU_ISSET reads the set within its fixed size.
    (0..libc::CPU_SETSIZE as usize).find(|&cpu| unsafe { libc::CPU_ISSET(cpu, set) })
}

/// Restricts thread `pid` (0: the calling thread) to the CPUs in `set`.
pub fn set_affinity(pid: i32, set: &libc::cpu_set_t) -> Result<(), String> {
    let size = std::mem::size_of::<libc::cpu_set_t>();
    // SAFETY: the set is a valid cpu_set_t of that size.
    if unsafe { libc::sched_setaffinity(pid, size, set) } != 0 {
        return Err(format!(
            "cannot set the CPU affinity of {pid}: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}

/// Restricts thread `pid` (0: the calling thread) to the one CPU `cpu`.
pub fn pin(pid: i32, cpu: usize) -> Result<(), String> {
    if cpu >= libc::CPU_SETSIZE as usize {
        return Err(format!("there is no CPU {cpu}"));
    }
    // SAFETY: a zeroed cpu_set_t is an empty set; CPU_SET stays within it.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    unsafe { libc::CPU_SET(cpu, &mut set) };
    set_affinity(pid, &set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        for p in Placement::ALL {
            assert_eq!(Placement::parse(p.name()), Ok(p));
        }
        assert!(Placement::parse("two").unwrap_err().contains("one-core"));
    }

    #[test]
    fn a_thread_can_be_pinned_and_released() {
        let handle = std::thread::spawn(|| -> Result<(), String> {
            let all = affinity(0)?;
            let cpu = first_cpu(&all).ok_or("no CPU")?;
            pin(0, cpu)?;
            let now = affinity(0)?;
            assert_eq!(first_cpu(&now), Some(cpu));
            // SAFETY: counting the set's members.
            assert_eq!(unsafe { libc::CPU_COUNT(&now) }, 1);
            set_affinity(0, &all)
        });
        handle.join().unwrap().unwrap();
    }
}
