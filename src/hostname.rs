//! The name this machine gives itself, for EHLO/LHLO.

/// This machine's host name if it is usable in EHLO, else `localhost`.
///
/// Read from `COMPUTERNAME` on Windows, `/proc/sys/kernel/hostname`,
/// `/etc/hostname` or `HOSTNAME` elsewhere; never fails.
pub fn local() -> String {
    let candidates = [
        std::env::var("COMPUTERNAME").ok(),
        std::fs::read_to_string("/proc/sys/kernel/hostname").ok(),
        std::fs::read_to_string("/etc/hostname").ok(),
        std::env::var("HOSTNAME").ok(),
    ];
    candidates
        .into_iter()
        .flatten()
        .map(|n| n.trim().to_owned())
        .find(|n| usable(n))
        .unwrap_or_else(|| "localhost".to_owned())
}

/// A name fit for EHLO: letters, digits, hyphens and dots, at most 255.
fn usable(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_name_is_always_usable() {
        assert!(usable(&local()));
    }

    #[test]
    fn odd_names_are_not_usable() {
        assert!(!usable(""));
        assert!(!usable("my host"));
        assert!(!usable("host_name"));
        assert!(usable("probe-1.example.net"));
    }
}
