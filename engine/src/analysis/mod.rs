//! Certificate analysis: from the chain a server sent, the user's options
//! and the current time, everything a monitoring user needs.
//!
//! A pure function, [`analyze`], computes what a certificate monitor shows
//! (days to expiration, the name check, public key kind and length, root
//! trust, self-signed), plus what the old
//! sensors never looked at: the earliest expiry on the validated path (or,
//! untrusted, in the chain as sent), the earliest expiry in the chain as
//! sent, chain problems, weak algorithms, and leaf and chain details for the
//! message text.
//!
//! Nothing here reads a clock, a file or the network: the caller passes the
//! time in [`AnalysisOptions::now`] and builds the [`TrustStore`] from bytes
//! it loaded (the OS store through `rustls-native-certs`, a PEM file).
//!
//! ```
//! use starttls_engine::analysis::{analyze, AnalysisOptions, AnalysisError, TrustStore};
//! use rustls_pki_types::UnixTime;
//!
//! let options = AnalysisOptions::new(UnixTime::since_unix_epoch(
//!     std::time::Duration::from_secs(1_767_225_600),
//! ), TrustStore::new());
//! assert_eq!(analyze(&[], &options), Err(AnalysisError::EmptyChain));
//! ```

mod analyze;
mod chain;
mod error;
mod expiry;
mod fingerprint;
mod name_check;
mod names;
#[cfg(feature = "native-roots")]
mod native_roots;
mod options;
mod parsed;
mod public_key;
mod report;
mod self_signed;
mod signature;
mod time;
mod trust;
mod trust_store;
mod weakness;

#[cfg(test)]
mod test_support;

pub use analyze::analyze;
pub use chain::ChainProblem;
pub use error::{AnalysisError, MAX_CHAIN_LEN};
pub use expiry::{ChainExpiry, EarliestExpiry, ExpiryScope};
pub use name_check::{dns_name_matches, NameCheck, NameCheckResult, UnknownNameCheck};
#[cfg(feature = "native-roots")]
pub use native_roots::{NativeRoots, NoNativeRoots};
pub use options::AnalysisOptions;
pub use public_key::{EcCurve, KeyAlgorithm, KeyFamily, PublicKeyInfo};
pub use report::{CertificateReport, CertificateSummary, LeafDetails};
pub use signature::WeakHash;
pub use time::{days_until, format_rfc3339_utc, unix_seconds, SECONDS_PER_DAY};
pub use trust::{CertRef, PathCert, TrustVerdict, UntrustedReason};
pub use trust_store::{TrustRole, TrustStore, TrustStoreError};
pub use weakness::{Weakness, MIN_RSA_BITS};
