//! Building the trust store: the operating system's CAs, a user's PEM file,
//! or both. This is the I/O half; the engine's `TrustStore` is pure.

use std::fmt;
use std::path::{Path, PathBuf};

use starttls_engine::analysis::TrustStore;

/// Where trust comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustSources {
    /// Use the operating system's store (on Windows the Windows store;
    /// elsewhere the system bundle, or `SSL_CERT_FILE` / `SSL_CERT_DIR`).
    pub system: bool,
    /// An extra PEM file of CAs and intermediates.
    pub extra_file: Option<PathBuf>,
}

/// Why the trust store could not be built.
#[derive(Debug)]
pub enum TrustError {
    /// The extra file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        error: std::io::Error,
    },
    /// The extra file has no usable certificate.
    Parse {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },
    /// Neither source gave a single CA.
    Empty,
}

impl fmt::Display for TrustError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrustError::Read { path, error } => {
                write!(f, "cannot read CA file {}: {error}", path.display())
            }
            TrustError::Parse { path, detail } => {
                write!(f, "CA file {} is not usable: {detail}", path.display())
            }
            TrustError::Empty => write!(
                f,
                "no trusted CA certificates found in the system store; give a PEM file with --ca-trust"
            ),
        }
    }
}

impl std::error::Error for TrustError {}

/// Loads the store described by `sources`.
pub fn load(sources: &TrustSources) -> Result<TrustStore, TrustError> {
    let mut store = TrustStore::default();
    if sources.system {
        // Unreadable entries in the system store are skipped, as every TLS
        // client does; what matters is whether any CA is left.
        let native = rustls_native_certs::load_native_certs();
        for cert in native.certs {
            let _ = store.add_anchor_der(&cert);
        }
    }
    if let Some(path) = &sources.extra_file {
        store.extend(load_file(path)?);
    }
    if store.is_empty() {
        return Err(TrustError::Empty);
    }
    Ok(store)
}

fn load_file(path: &Path) -> Result<TrustStore, TrustError> {
    let bytes = std::fs::read(path).map_err(|error| TrustError::Read {
        path: path.to_owned(),
        error,
    })?;
    TrustStore::from_pem(&bytes).map_err(|e| TrustError::Parse {
        path: path.to_owned(),
        detail: e.to_string(),
    })
}
