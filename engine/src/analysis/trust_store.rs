//! The certificates the analysis trusts, built from bytes the caller read.
//!
//! Two sources feed a store, with different rules:
//! - **the operating system's store** ([`TrustStore::add_anchor_der`]): every
//!   certificate is a trust anchor, as the OS treats it;
//! - **a user's extra CA file** ([`TrustStore::from_pem`],
//!   [`TrustStore::add_der`]): a *self-signed* certificate (issuer equals
//!   subject and its own key verifies its signature) becomes a trust anchor;
//!   any other certificate is kept as an extra *intermediate* that path
//!   building may use to link the server's chain to an anchor, but it is not
//!   trusted on its own. So a file holding only a private intermediate does
//!   not make the chain trusted without its root. A self-signed server
//!   certificate added this way is trusted as itself (see `trust`).
//!
//! Loading files or the OS store is the caller's job; this module only
//! takes bytes.

use std::fmt;
use std::sync::Arc;

use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, TrustAnchor};

use super::parsed::ParsedCert;
use super::self_signed::is_self_signed;

/// An owned set of trust anchors plus extra intermediates.
///
/// Cloning is cheap: the certificates are shared (reference counted), so
/// every check of a long-running process can hold the store built once at
/// start; adding to a clone copies the lists first and leaves the others
/// alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustStore {
    anchors: Arc<Vec<TrustAnchor<'static>>>,
    intermediates: Arc<Vec<CertificateDer<'static>>>,
}

/// Where a certificate added with [`TrustStore::add_der`] went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrustRole {
    /// Self-signed: trusted as a root.
    Anchor,
    /// Not self-signed: offered to path building as an intermediate.
    Intermediate,
}

/// A certificate or file the trust store could not take.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrustStoreError {
    /// The PEM text is broken (e.g. a BEGIN line without END, bad base64).
    Pem(String),
    /// The PEM text holds no `CERTIFICATE` section.
    NoCertificates,
    /// A certificate is not valid DER X.509 or not usable as a trust anchor.
    BadCertificate {
        /// Position among the certificates given (0-based).
        index: usize,
        /// What the parser said.
        detail: String,
    },
}

impl fmt::Display for TrustStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrustStoreError::Pem(detail) => write!(f, "the CA file is not valid PEM: {detail}"),
            TrustStoreError::NoCertificates => {
                f.write_str("the CA file contains no PEM CERTIFICATE section")
            }
            TrustStoreError::BadCertificate { index, detail } => write!(
                f,
                "certificate #{} in the CA file cannot be used: {detail}",
                index + 1
            ),
        }
    }
}

impl std::error::Error for TrustStoreError {}

impl TrustStore {
    /// An empty store: nothing is trusted.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store from a PEM file's contents (user-supplied CAs and
    /// intermediates; see the module docs for the rule). Sections other than
    /// `CERTIFICATE` are skipped.
    pub fn from_pem(pem_bytes: &[u8]) -> Result<Self, TrustStoreError> {
        let mut store = Self::new();
        let mut count = 0;
        for (index, item) in CertificateDer::pem_slice_iter(pem_bytes).enumerate() {
            let der = item.map_err(|e| match e {
                pem::Error::NoItemsFound => TrustStoreError::NoCertificates,
                pem::Error::MissingSectionEnd { end_marker } => TrustStoreError::Pem(format!(
                    "missing line {}",
                    String::from_utf8_lossy(&end_marker)
                )),
                other => TrustStoreError::Pem(other.to_string()),
            })?;
            store.add_der_at(index, &der)?;
            count += 1;
        }
        if count == 0 {
            return Err(TrustStoreError::NoCertificates);
        }
        Ok(store)
    }

    /// Adds one user-supplied certificate: self-signed ones become anchors,
    /// the rest intermediates.
    pub fn add_der(&mut self, der: &CertificateDer<'_>) -> Result<TrustRole, TrustStoreError> {
        self.add_der_at(0, der)
    }

    fn add_der_at(
        &mut self,
        index: usize,
        der: &CertificateDer<'_>,
    ) -> Result<TrustRole, TrustStoreError> {
        let bad = |detail: String| TrustStoreError::BadCertificate { index, detail };
        let parsed = ParsedCert::parse(index, der.as_ref()).map_err(|e| bad(e.to_string()))?;
        if is_self_signed(&parsed) {
            self.push_anchor(index, der)?;
            Ok(TrustRole::Anchor)
        } else {
            Arc::make_mut(&mut self.intermediates).push(der.clone().into_owned());
            Ok(TrustRole::Intermediate)
        }
    }

    /// Adds a certificate as a trust anchor whatever it is (for the
    /// operating system's store).
    pub fn add_anchor_der(&mut self, der: &CertificateDer<'_>) -> Result<(), TrustStoreError> {
        self.push_anchor(0, der)
    }

    fn push_anchor(
        &mut self,
        index: usize,
        der: &CertificateDer<'_>,
    ) -> Result<(), TrustStoreError> {
        let anchor =
            webpki::anchor_from_trusted_cert(der).map_err(|e| TrustStoreError::BadCertificate {
                index,
                detail: format!("{e:?}"),
            })?;
        Arc::make_mut(&mut self.anchors).push(anchor.to_owned());
        Ok(())
    }

    /// Adds everything of `other` to this store.
    pub fn extend(&mut self, other: TrustStore) {
        if self.is_empty() {
            *self = other;
            return;
        }
        Arc::make_mut(&mut self.anchors).extend(other.anchors.iter().cloned());
        Arc::make_mut(&mut self.intermediates).extend(other.intermediates.iter().cloned());
    }

    /// Number of anchors plus intermediates.
    pub fn len(&self) -> usize {
        self.anchors.len() + self.intermediates.len()
    }

    /// Whether the store holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The trust anchors.
    pub fn anchors(&self) -> &[TrustAnchor<'static>] {
        &self.anchors
    }

    /// The extra intermediates offered to path building.
    pub fn intermediates(&self) -> &[CertificateDer<'static>] {
        &self.intermediates
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::test_support::*;

    #[test]
    fn self_signed_certificates_become_anchors_others_intermediates() {
        let pki = Pki::new();
        let mut pem = pki.root.pem();
        pem.push_str("junk between sections\n");
        pem.push_str(&pki.intermediate.pem());
        let store = TrustStore::from_pem(pem.as_bytes()).expect("store");
        assert_eq!(store.anchors().len(), 1);
        assert_eq!(store.intermediates().len(), 1);
        assert_eq!(store.len(), 2);
        assert!(!store.is_empty());
    }

    #[test]
    fn os_certificates_are_anchors_even_when_not_self_signed() {
        let pki = Pki::new();
        let mut store = TrustStore::new();
        store
            .add_anchor_der(pki.intermediate.der())
            .expect("anchor");
        assert_eq!(store.anchors().len(), 1);
        assert!(store.intermediates().is_empty());
        let mut other = TrustStore::new();
        assert_eq!(other.add_der(pki.root.der()), Ok(TrustRole::Anchor));
        store.extend(other);
        assert_eq!(store.anchors().len(), 2);
    }

    #[test]
    fn clones_share_the_certificates_until_one_is_changed() {
        let pki = Pki::new();
        let store = TrustStore::from_pem(pki.root.pem().as_bytes()).expect("store");
        let shared = store.clone();
        assert!(std::ptr::eq(store.anchors(), shared.anchors()));
        let mut grown = store.clone();
        assert_eq!(
            grown.add_der(pki.intermediate.der()),
            Ok(TrustRole::Intermediate)
        );
        assert_eq!(grown.len(), 2);
        assert_eq!(store.len(), 1, "the original is untouched");
        let mut empty = TrustStore::new();
        empty.extend(store.clone());
        assert_eq!(empty, store);
    }

    #[test]
    fn files_without_certificates_or_with_garbage_are_errors() {
        assert_eq!(
            TrustStore::from_pem(b""),
            Err(TrustStoreError::NoCertificates)
        );
        assert_eq!(
            TrustStore::from_pem(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
            Err(TrustStoreError::NoCertificates)
        );
        let bad = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            TrustStore::from_pem(bad),
            Err(TrustStoreError::BadCertificate { index: 0, .. })
        ));
        let unterminated = b"-----BEGIN CERTIFICATE-----\nAAAA\n";
        assert!(matches!(
            TrustStore::from_pem(unterminated),
            Err(TrustStoreError::Pem(_))
        ));
    }
}
