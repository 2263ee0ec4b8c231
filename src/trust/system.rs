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
        add_anchors_from(store, found.cert_file.as_deref(), &found.cert_dir);
    }

    /// The bundle's CAs; the directories' only when the bundle gives none.
    pub(super) fn add_anchors_from(
        store: &mut TrustStore,
        bundle: Option<&Path>,
        dirs: &[std::path::PathBuf],
    ) {
        if let Some(bundle) = bundle {
            if add_pem_file(store, bundle, &mut None) > 0 {
                return;
            }
        }
        // No bundle: every file of the directories, each CA once.
        let mut seen = Some(HashSet::new());
        for dir in dirs {
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

#[cfg(all(test, unix, not(target_os = "macos")))]
mod tests {
    use super::platform::add_anchors_from;
    use starttls_engine::analysis::TrustStore;

    fn ca_pem(name: &str) -> String {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().pem()
    }

    #[test]
    fn the_bundle_alone_is_read_and_the_directory_only_without_one() {
        let dir = std::env::temp_dir().join(format!("system-trust-{}", std::process::id()));
        let certs = dir.join("certs");
        std::fs::create_dir_all(&certs).unwrap();
        let bundle = dir.join("bundle.pem");
        std::fs::write(&bundle, ca_pem("A") + &ca_pem("B")).unwrap();
        let c = ca_pem("C");
        // The same CA under two names, as /etc/ssl/certs has it.
        std::fs::write(certs.join("C.pem"), &c).unwrap();
        std::fs::write(certs.join("0123abcd.0"), &c).unwrap();
        std::fs::write(certs.join("D.pem"), ca_pem("D")).unwrap();
        let dirs = vec![certs.clone()];

        let mut store = TrustStore::default();
        add_anchors_from(&mut store, Some(&bundle), &dirs);
        assert_eq!(store.anchors().len(), 2, "bundle only, no double load");

        let mut store = TrustStore::default();
        add_anchors_from(&mut store, None, &dirs);
        assert_eq!(store.anchors().len(), 2, "directory, each CA once");

        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let mut store = TrustStore::default();
        add_anchors_from(&mut store, Some(&empty), &dirs);
        assert_eq!(
            store.anchors().len(),
            2,
            "an empty bundle falls back to the directory"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
