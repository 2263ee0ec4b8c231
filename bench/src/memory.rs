//! Resident memory of this process from `/proc/self/status`, and resetting
//! its high-water mark so a peak can be measured around one stretch of work.

/// A `kB` field of `/proc/self/status` (`VmRSS`, `VmHWM`), in bytes.
fn status_field(name: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(name))?;
    let kb: u64 = line
        .trim_start_matches(name)
        .trim_start_matches(':')
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// Resident set size now, in bytes (0 when unknown).
pub fn rss() -> u64 {
    status_field("VmRSS").unwrap_or(0)
}

/// The largest resident set size since start or the last [`reset_peak`],
/// in bytes (0 when unknown).
pub fn peak_rss() -> u64 {
    status_field("VmHWM").unwrap_or(0)
}

/// Hands free heap memory back to the system (glibc `malloc_trim`), so
/// that the next peak measures new allocations, not reused ones.
pub fn trim_heap() {
    // SAFETY: malloc_trim only releases memory malloc itself owns and no
    // longer uses.
    #[cfg(target_env = "gnu")]
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Resets `VmHWM` to the current RSS (writing `5` to `/proc/self/clear_refs`).
/// Returns whether the kernel accepted it.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}
