//! Building the trust store: the operating system's CAs, a user's PEM file,
//! or both. This is the I/O half; the engine's `TrustStore` is pure.
//!
//! The user's file is read and checked before the connection opens, so a
//! bad `--ca-trust` is reported at once. The system store, which only the
//! analysis after the handshake needs, loads on a thread of its own while
//! the check talks to the server ([`start`]; on Windows only when needed);
//! a check that fails never waits for it, and neither does one whose chain
//! the user's file already makes trusted ([`PendingTrust::file_only`]).

pub(crate) mod bounded_file;
mod system;

use std::fmt;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use starttls_engine::analysis::TrustStore;

pub use bounded_file::{read_regular_file, FileProblem, MAX_CA_FILE};

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
    /// The extra file could not be read: missing, unreadable, not a regular
    /// file, or larger than [`MAX_CA_FILE`].
    Read {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        problem: FileProblem,
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
            TrustError::Read { path, problem } => {
                write!(f, "cannot read CA file {}: {problem}", path.display())
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

/// A trust store on its way: the user's file is in, the system store may
/// still be loading, or be loaded only when needed.
#[derive(Debug)]
pub struct PendingTrust {
    extra: Option<TrustStore>,
    system: SystemStore,
}

/// The state of the system store.
#[derive(Debug)]
enum SystemStore {
    /// Not wanted (`--no-system-ca-trust`).
    Unwanted,
    /// Loading on its own thread.
    Loading(JoinHandle<TrustStore>),
    /// To be loaded when [`PendingTrust::wait`] needs it.
    Later,
}

impl PendingTrust {
    /// The user's file alone, when one was given and the system store is
    /// still to come: a chain it already makes trusted needs nothing more.
    pub fn file_only(&self) -> Option<&TrustStore> {
        match self.system {
            SystemStore::Unwanted => None,
            SystemStore::Loading(_) | SystemStore::Later => self.extra.as_ref(),
        }
    }

    /// The finished store.
    pub fn wait(self) -> Result<TrustStore, TrustError> {
        let mut store = match self.system {
            // A loader that panicked counts as an empty system store.
            SystemStore::Loading(handle) => handle.join().unwrap_or_default(),
            SystemStore::Later => system_store(),
            SystemStore::Unwanted => TrustStore::default(),
        };
        if let Some(extra) = self.extra {
            store.extend(extra);
        }
        if store.is_empty() {
            return Err(TrustError::Empty);
        }
        Ok(store)
    }
}

/// Reads the user's file now and starts loading the system store: in the
/// background on Linux and macOS; on Windows only once it is needed
/// ([`PendingTrust::wait`]), since a process that ends while another thread
/// enumerates the Windows store fails under Wine ("wine client error"), and
/// with `--ca-trust` the store is often not needed at all.
pub fn start(sources: &TrustSources) -> Result<PendingTrust, TrustError> {
    let extra = sources.extra_file.as_deref().map(load_file).transpose()?;
    let system = if !sources.system {
        SystemStore::Unwanted
    } else if cfg!(windows) {
        SystemStore::Later
    } else {
        std::thread::Builder::new()
            .name("trust-store".into())
            .spawn(system_store)
            // No thread to be had: load it when needed instead.
            .map_or(SystemStore::Later, SystemStore::Loading)
    };
    Ok(PendingTrust { extra, system })
}

/// Loads the store described by `sources`, all in this thread.
pub fn load(sources: &TrustSources) -> Result<TrustStore, TrustError> {
    let extra = sources.extra_file.as_deref().map(load_file).transpose()?;
    let mut store = if sources.system {
        system_store()
    } else {
        TrustStore::default()
    };
    if let Some(extra) = extra {
        store.extend(extra);
    }
    if store.is_empty() {
        return Err(TrustError::Empty);
    }
    Ok(store)
}

fn system_store() -> TrustStore {
    let mut store = TrustStore::default();
    system::add_anchors(&mut store);
    store
}

fn load_file(path: &Path) -> Result<TrustStore, TrustError> {
    let bytes =
        bounded_file::read_regular_file(path, MAX_CA_FILE).map_err(|problem| TrustError::Read {
            path: path.to_owned(),
            problem,
        })?;
    TrustStore::from_pem(&bytes).map_err(|e| TrustError::Parse {
        path: path.to_owned(),
        detail: e.to_string(),
    })
}
