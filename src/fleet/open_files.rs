//! How many sockets a run may open: the open-files limit, raised to its
//! hard limit where the system allows, less a reserve for everything else
//! the process opens (stdio, the CA files, DNS sockets of the resolver
//! workers, the event loop itself).

/// Descriptors kept back for everything but probe sockets.
pub const RESERVE: u64 = 64;

/// Where the system has no descriptor limit to ask (Windows), the most
/// probes run at once.
pub const NO_LIMIT_CAP: usize = 512;

/// The most probes this process can run at once: the soft open-files
/// limit (raised to the hard limit first if that helps `wanted`), less
/// [`RESERVE`]. At least 1.
pub fn probe_budget(wanted: usize) -> usize {
    budget_from(raise_soft_limit(wanted as u64 + RESERVE))
}

/// The budget for an open-files limit of `limit` (`None`: no such limit).
fn budget_from(limit: Option<u64>) -> usize {
    match limit {
        Some(limit) => usize::try_from(limit.saturating_sub(RESERVE))
            .unwrap_or(usize::MAX)
            .max(1),
        None => NO_LIMIT_CAP,
    }
}

/// Raises the soft `RLIMIT_NOFILE` towards `wanted`, within the hard
/// limit; returns the soft limit now in force.
#[cfg(unix)]
#[allow(clippy::unnecessary_cast)] // rlim_t is u64 on Linux, not everywhere
fn raise_soft_limit(wanted: u64) -> Option<u64> {
    // SAFETY: getrlimit and setrlimit only read and write the plain C
    // struct we own and pass by pointer.
    let mut limit: libc::rlimit = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        // Unknown: assume the common default of 1024.
        return Some(1024);
    }
    let current = limit.rlim_cur as u64;
    let target = (wanted as libc::rlim_t).min(limit.rlim_max);
    if target > limit.rlim_cur {
        let raised = libc::rlimit {
            rlim_cur: target,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            return Some(target as u64);
        }
    }
    Some(current)
}

/// Windows has no per-process descriptor limit to ask.
#[cfg(not(unix))]
fn raise_soft_limit(_wanted: u64) -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_leaves_the_reserve_and_never_reaches_zero() {
        assert_eq!(budget_from(Some(1024)), 1024 - RESERVE as usize);
        assert_eq!(budget_from(Some(10)), 1);
        assert_eq!(budget_from(None), NO_LIMIT_CAP);
        let budget = probe_budget(256);
        assert!(budget >= 1);
    }
}
