//! The operating system's trust anchors, loaded once and only as far as
//! needed.
//!
//! On Linux and the BSDs the CA bundle file (`SSL_CERT_FILE`, else the first
//! bundle `openssl-probe` finds, such as Debian's
//! `/etc/ssl/certs/ca-certificates.crt`) is read alone; the certificate
//! directory (`SSL_CERT_DIR`, `/etc/ssl/certs`) is read only when there is
//! no usable bundle, since on Debian it holds the same CAs again (each one
//! twice, under its name and under its hash). Each certificate becomes a
//! trust anchor (subject, key and name constraints) without being parsed
//! further. On Windows and macOS the platform store comes through
//! `rustls-native-certs`. Unreadable entries are skipped, as every TLS
//! client does.

use starttls_engine::analysis::TrustStore;

/// Adds the system's CAs to `store` as trust anchors.
pub fn add_anchors(store: &mut TrustStore) {
    platform::add_anchors(store);
}

#[cfg(all(unix, not(target_os = "macos")))]
mod platform {
    use std::collections::HashSet;
    use std::path::Path;

    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;
    use starttls_engine::analysis::TrustStore;

    use super::super::bounded_file::{open_regular_file, MAX_CA_FILE};

    pub(super) fn add_anchors(store: &mut TrustStore) {
        let found = openssl_probe::probe();
        if let Some(bundle) = &found.cert_file {
            if add_pem_file(store, bundle, &mut None) > 0 {
                return;
            }
        }
        // No bundle: every file of the directories, each CA once.
        let mut seen = Some(HashSet::new());
        for dir in &found.cert_dir {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten() {
                add_pem_file(store, &entry.path(), &mut seen);
            }
        }
    }

    /// Adds every certificate of a PEM file; returns how many were added.
    /// The file is decoded as it is read, one certificate at a time, so the
    /// whole bundle is never in memory at once.
    fn add_pem_file(
        store: &mut TrustStore,
        path: &Path,
        seen: &mut Option<HashSet<Vec<u8>>>,
    ) -> usize {
        let Ok(reader) = open_regular_file(path, MAX_CA_FILE) else {
            return 0;
        };
        let mut added = 0;
        for der in CertificateDer::pem_reader_iter(reader).flatten() {
            if let Some(seen) = seen.as_mut() {
                if !seen.insert(der.as_ref().to_vec()) {
                    continue;
                }
            }
            if store.add_anchor_der(&der).is_ok() {
                added += 1;
            }
        }
        added
    }
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
mod platform {
    use starttls_engine::analysis::TrustStore;

    pub(super) fn add_anchors(store: &mut TrustStore) {
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = store.add_anchor_der(&cert);
        }
    }
}
