//! A trust store from the operating system's roots (feature `native-roots`).
//!
//! This is the one place of the engine that reads files: the rest of the
//! analysis takes bytes. It is a convenience for embedders; the probe never
//! calls it.

use std::fmt;

use super::trust_store::TrustStore;

/// What loading the operating system's roots found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NativeRoots {
    /// Every usable root, each a trust anchor.
    pub store: TrustStore,
    /// Certificates of the OS store that could not be used as anchors
    /// (skipped, as every TLS client skips them).
    pub skipped: usize,
    /// Problems reading the store (an unreadable file or directory), as
    /// one-line texts; the roots that could be read are still in `store`.
    pub problems: Vec<String>,
}

/// Not a single usable root was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoNativeRoots {
    /// Problems reading the store, as one-line texts (may be empty when the
    /// store simply holds nothing).
    pub problems: Vec<String>,
}

impl fmt::Display for NoNativeRoots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no usable trusted CA certificate in the operating system's store")?;
        if let Some(first) = self.problems.first() {
            write!(f, " ({first})")?;
        }
        Ok(())
    }
}

impl std::error::Error for NoNativeRoots {}

impl TrustStore {
    /// Loads the operating system's roots through `rustls-native-certs`: the
    /// Windows and macOS stores, elsewhere the system bundle and directory
    /// (`SSL_CERT_FILE` / `SSL_CERT_DIR` override them). Every certificate is
    /// a trust anchor, as the OS treats it.
    ///
    /// This reads files: call it once, outside any event loop, and share the
    /// store (`TrustStore` is `Clone`; `AnalysisOptions` owns one).
    pub fn from_native_roots() -> Result<NativeRoots, NoNativeRoots> {
        let loaded = rustls_native_certs::load_native_certs();
        let problems: Vec<String> = loaded.errors.iter().map(|e| e.to_string()).collect();
        let mut store = TrustStore::new();
        let mut skipped = 0;
        for cert in &loaded.certs {
            if store.add_anchor_der(cert).is_err() {
                skipped += 1;
            }
        }
        if store.is_empty() {
            return Err(NoNativeRoots { problems });
        }
        Ok(NativeRoots {
            store,
            skipped,
            problems,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_missing_store_error_names_the_first_problem() {
        let none = NoNativeRoots { problems: vec![] };
        assert_eq!(
            none.to_string(),
            "no usable trusted CA certificate in the operating system's store"
        );
        let some = NoNativeRoots {
            problems: vec!["cannot read /etc/ssl/certs".into(), "second".into()],
        };
        assert!(some.to_string().ends_with("(cannot read /etc/ssl/certs)"));
    }
}
