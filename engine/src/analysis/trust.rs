//! The Root Authority Trusted channel: does the chain *as the server sent it*
//! lead to a trusted root?
//!
//! webpki builds the path from the first certificate sent, using the other
//! certificates sent plus the store's extra intermediates, to one of the
//! store's anchors, for TLS server authentication, at the caller's time. The
//! old sensors validated the leaf alone, which calls every server behind an
//! intermediate CA untrusted; this does what a mail client does. Revocation
//! is not checked. Name matching is not part of this verdict (that is the
//! Common Name Check's job).
//!
//! When the chain is trusted, the certificates of the path webpki validated
//! (the leaf and the intermediates it used, not the anchor) are kept with
//! the verdict, so that expiry can be judged on the path that
//! matters: a server that still sends an expired cross-signed root beside a
//! valid path does not break clients that build the valid path.
//!
//! One exception to webpki: a server certificate that is itself a trust
//! anchor (same subject and key; typically a self-signed certificate the user
//! put in the CA file) is trusted while inside its validity period, even when
//! it is marked CA:TRUE as `openssl req -x509` does by default.

use std::fmt;

use rustls_pki_types::{CertificateDer, UnixTime};
use webpki::{EndEntityCert, KeyUsage};

use super::names;
use super::parsed::ParsedCert;
use super::signature::Signatures;
use super::time::{format_rfc3339_utc, unix_seconds};
use super::trust_store::TrustStore;

/// Whether the chain is trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrustVerdict {
    /// A valid path to a trust anchor exists.
    Trusted {
        /// Subject of the trust anchor the path ends at.
        anchor: String,
    },
    /// No valid path; the most specific reason webpki found.
    NotTrusted(UntrustedReason),
}

impl TrustVerdict {
    /// Whether the chain is trusted.
    pub fn is_trusted(&self) -> bool {
        matches!(self, TrustVerdict::Trusted { .. })
    }
}

impl fmt::Display for TrustVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrustVerdict::Trusted { anchor } => write!(f, "trusted via root '{anchor}'"),
            TrustVerdict::NotTrusted(reason) => write!(f, "not trusted: {reason}"),
        }
    }
}

/// A certificate a reason refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertRef {
    /// Position in the chain as sent (0 = leaf), or `None` for a certificate
    /// from the extra CA file.
    pub index: Option<usize>,
    /// Its subject, `CN=..., O=...`.
    pub subject: String,
}

impl fmt::Display for CertRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(0) => write!(f, "the server certificate '{}'", self.subject),
            Some(i) => write!(f, "certificate #{i} '{}'", self.subject),
            None => write!(f, "the CA file's certificate '{}'", self.subject),
        }
    }
}

/// Why a chain is not trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UntrustedReason {
    /// The trust store is empty.
    NoTrustAnchors,
    /// No path to a trusted root: an intermediate is missing or the root is
    /// not trusted.
    UnknownIssuer,
    /// The server certificate is self-signed and not a trust anchor.
    SelfSigned,
    /// The certificates sent form a complete chain up to a CA (a root that
    /// was sent, or the issuer named by the last CA certificate sent) that
    /// is not a trust anchor.
    UntrustedRoot {
        /// The root's subject, `CN=..., O=...`.
        subject: String,
    },
    /// A certificate on the path has expired.
    Expired {
        /// Which one, when it can be told (`None` if not found by date).
        certificate: Option<CertRef>,
        /// Its notAfter, Unix seconds.
        not_after: i64,
    },
    /// A certificate on the path is not valid yet.
    NotYetValid {
        /// Which one, when it can be told.
        certificate: Option<CertRef>,
        /// Its notBefore, Unix seconds.
        not_before: i64,
    },
    /// A signature on the path does not verify.
    BadSignature,
    /// A signature algorithm or key is not accepted (MD5, SHA-1, RSA below
    /// 2048 bits, P-521, Ed448 ...).
    UnsupportedSignatureAlgorithm,
    /// A CA's name constraints exclude the certificate's names.
    NameConstraintViolation,
    /// A CA's path length constraint is exceeded.
    PathLengthExceeded,
    /// The extended key usage does not allow TLS server authentication.
    NotForServerAuth,
    /// The server's certificate is a CA certificate.
    CaUsedAsLeaf,
    /// An end-entity certificate was used to issue another.
    LeafUsedAsCa,
    /// A CA key on the path is explicitly distrusted.
    Distrusted,
    /// A validity period is inverted (notAfter before notBefore).
    InvalidValidity,
    /// A certificate carries an unknown critical extension.
    UnsupportedCriticalExtension,
    /// A certificate is malformed for webpki (bad DER, not X.509 v3, bad
    /// extension ...).
    Malformed(String),
    /// Path building gave up (too many candidates or too deep).
    PathTooComplex,
    /// Anything else webpki reported, as its debug text.
    Other(String),
}

impl fmt::Display for UntrustedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use UntrustedReason as R;
        match self {
            R::NoTrustAnchors => f.write_str("no trusted root certificates are configured"),
            R::UnknownIssuer => f.write_str(
                "issued by an unknown authority (intermediate missing or root not trusted)",
            ),
            R::SelfSigned => f.write_str(
                "the certificate is self-signed and not among the trusted CAs \
                 (add it with --ca-trust to trust it)",
            ),
            R::UntrustedRoot { subject } => {
                write!(
                    f,
                    "the chain ends at '{subject}', which is not a trusted root"
                )
            }
            R::Expired {
                certificate,
                not_after,
            } => match certificate {
                Some(c) => write!(f, "{c} expired at {}", format_rfc3339_utc(*not_after)),
                None => write!(
                    f,
                    "a certificate of the chain expired at {}",
                    format_rfc3339_utc(*not_after)
                ),
            },
            R::NotYetValid {
                certificate,
                not_before,
            } => match certificate {
                Some(c) => write!(
                    f,
                    "{c} is not valid before {}",
                    format_rfc3339_utc(*not_before)
                ),
                None => write!(
                    f,
                    "a certificate of the chain is not valid before {}",
                    format_rfc3339_utc(*not_before)
                ),
            },
            R::BadSignature => f.write_str("a certificate signature does not verify"),
            R::UnsupportedSignatureAlgorithm => f.write_str(
                "a signature uses an algorithm or key that is not accepted \
                 (MD5, SHA-1, RSA below 2048 bits ...)",
            ),
            R::NameConstraintViolation => {
                f.write_str("the certificate's names violate a CA's name constraints")
            }
            R::PathLengthExceeded => f.write_str("a CA's path length constraint is exceeded"),
            R::NotForServerAuth => {
                f.write_str("the certificate's extended key usage does not allow TLS servers")
            }
            R::CaUsedAsLeaf => f.write_str("the server certificate is a CA certificate"),
            R::LeafUsedAsCa => f.write_str("an end-entity certificate is used as a CA"),
            R::Distrusted => f.write_str("a CA key on the path is explicitly distrusted"),
            R::InvalidValidity => f.write_str("a certificate's validity period is invalid"),
            R::UnsupportedCriticalExtension => {
                f.write_str("a certificate has an unsupported critical extension")
            }
            R::Malformed(detail) => write!(f, "a certificate is malformed ({detail})"),
            R::PathTooComplex => f.write_str("the chain is too complex to validate"),
            R::Other(detail) => write!(f, "validation failed ({detail})"),
        }
    }
}

/// One certificate of the validated path: the leaf, then each intermediate
/// up to (not including) the trust anchor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathCert {
    /// Position in the chain as sent (0 = leaf), or `None` for an
    /// intermediate that came from the extra CA file.
    pub index: Option<usize>,
    /// Its subject, `CN=..., O=...`.
    pub subject: String,
    /// Its first subject CN, if any.
    pub common_name: Option<String>,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
}

impl PathCert {
    fn from_parsed(index: Option<usize>, cert: &ParsedCert<'_>) -> Self {
        PathCert {
            index,
            subject: cert.subject.clone(),
            common_name: cert.common_names.first().cloned(),
            not_before: cert.not_before,
            not_after: cert.not_after,
        }
    }
}

/// The trust verdict and, when trusted, the path it rests on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Verification {
    /// Trusted or not, and why.
    pub verdict: TrustVerdict,
    /// The validated path, leaf first; empty when not trusted.
    pub path: Vec<PathCert>,
}

impl Verification {
    fn untrusted(reason: UntrustedReason) -> Self {
        Verification {
            verdict: TrustVerdict::NotTrusted(reason),
            path: Vec::new(),
        }
    }
}

/// Validates `chain` (leaf first as sent) against `store` at `now`;
/// `signatures` (made for `parsed`) words the reasons.
pub(crate) fn verify_chain(
    chain: &[CertificateDer<'_>],
    parsed: &[ParsedCert<'_>],
    signatures: &Signatures<'_, '_>,
    store: &TrustStore,
    now: UnixTime,
) -> Verification {
    if store.anchors().is_empty() {
        return Verification::untrusted(UntrustedReason::NoTrustAnchors);
    }
    let Some(leaf_der) = chain.first() else {
        return Verification::untrusted(UntrustedReason::Other("empty chain".into()));
    };
    if let Some(leaf) = parsed.first() {
        if let Some(verdict) = leaf_itself_trusted(leaf, store, unix_seconds(now)) {
            let path = if verdict.is_trusted() {
                vec![PathCert::from_parsed(Some(0), leaf)]
            } else {
                Vec::new()
            };
            return Verification { verdict, path };
        }
    }
    let leaf = match EndEntityCert::try_from(leaf_der) {
        Ok(leaf) => leaf,
        Err(e) => {
            return Verification::untrusted(refine(reason(e, parsed, store), parsed, signatures))
        }
    };
    let intermediates: Vec<CertificateDer<'_>> = chain
        .iter()
        .skip(1)
        .chain(store.intermediates())
        .map(|c| CertificateDer::from(c.as_ref()))
        .collect();
    match leaf.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        store.anchors(),
        &intermediates,
        now,
        KeyUsage::server_auth(),
        None,
        None,
    ) {
        Ok(path) => {
            let mut certs: Vec<PathCert> = parsed
                .first()
                .map(|leaf| PathCert::from_parsed(Some(0), leaf))
                .into_iter()
                .collect();
            certs.extend(
                path.intermediate_certificates()
                    .filter_map(|c| path_cert(c.der().as_ref(), parsed)),
            );
            Verification {
                verdict: TrustVerdict::Trusted {
                    anchor: names::format_name_contents(path.anchor().subject.as_ref()),
                },
                path: certs,
            }
        }
        Err(e) => Verification::untrusted(refine(reason(e, parsed, store), parsed, signatures)),
    }
}

/// Words that agree with the rest of the report: a self-signed server
/// certificate is untrusted because it is self-signed (whatever webpki
/// tripped over first), and an unknown issuer above a complete chain is an
/// untrusted root, not a certificate the server failed to send.
fn refine(
    reason: UntrustedReason,
    parsed: &[ParsedCert<'_>],
    signatures: &Signatures<'_, '_>,
) -> UntrustedReason {
    if parsed.is_empty() {
        return reason;
    }
    if signatures.is_self_signed(0) {
        return UntrustedReason::SelfSigned;
    }
    if reason != UntrustedReason::UnknownIssuer {
        return reason;
    }
    match top_of_sent_path(parsed.len(), signatures) {
        (top, true) => UntrustedReason::UntrustedRoot {
            subject: parsed[top].subject.clone(),
        },
        (top, false) if top > 0 && parsed[top].is_ca => UntrustedReason::UntrustedRoot {
            subject: parsed[top].issuer.clone(),
        },
        _ => reason,
    }
}

/// The last certificate on the issuer path among those sent, from the
/// leaf, and whether it is self-signed.
fn top_of_sent_path(len: usize, signatures: &Signatures<'_, '_>) -> (usize, bool) {
    let mut visited = vec![0];
    let mut current = 0;
    loop {
        if signatures.is_self_signed(current) {
            return (current, true);
        }
        let next =
            (0..len).find(|&j| !visited.contains(&j) && signatures.may_be_issued_by(current, j));
        match next {
            Some(j) => {
                visited.push(j);
                current = j;
            }
            None => return (current, false),
        }
    }
}

/// Describes an intermediate of the validated path: one the server sent
/// (found by its bytes), else one from the CA file.
fn path_cert(der: &[u8], parsed: &[ParsedCert<'_>]) -> Option<PathCert> {
    if let Some((index, cert)) = parsed.iter().enumerate().find(|(_, c)| c.der == der) {
        return Some(PathCert::from_parsed(Some(index), cert));
    }
    let cert = ParsedCert::parse(0, der).ok()?;
    Some(PathCert::from_parsed(None, &cert))
}

/// A server certificate that is itself a trust anchor (same subject and key,
/// e.g. a self-signed certificate the user put in the CA file) is trusted
/// while valid, even if it says CA:TRUE as `openssl req -x509` makes it,
/// which webpki would refuse as an end-entity certificate. `None` when the
/// leaf is not an anchor.
fn leaf_itself_trusted(
    leaf: &ParsedCert<'_>,
    store: &TrustStore,
    now: i64,
) -> Option<TrustVerdict> {
    let subject = names::der_contents(leaf.x509.subject().as_raw())?;
    let spki = names::der_contents(leaf.x509.public_key().raw)?;
    store
        .anchors()
        .iter()
        .find(|a| a.subject.as_ref() == subject && a.subject_public_key_info.as_ref() == spki)?;
    let this = || {
        Some(CertRef {
            index: Some(0),
            subject: leaf.subject.clone(),
        })
    };
    Some(if now > leaf.not_after {
        TrustVerdict::NotTrusted(UntrustedReason::Expired {
            certificate: this(),
            not_after: leaf.not_after,
        })
    } else if now < leaf.not_before {
        TrustVerdict::NotTrusted(UntrustedReason::NotYetValid {
            certificate: this(),
            not_before: leaf.not_before,
        })
    } else {
        TrustVerdict::Trusted {
            anchor: leaf.subject.clone(),
        }
    })
}

/// Translates a webpki error into a reason, finding the certificate an
/// expiry refers to by its date.
fn reason(error: webpki::Error, parsed: &[ParsedCert<'_>], store: &TrustStore) -> UntrustedReason {
    use webpki::Error as E;
    use UntrustedReason as R;
    match error {
        E::UnknownIssuer => R::UnknownIssuer,
        E::CertExpired { not_after, .. } => {
            let not_after = unix_seconds(not_after);
            R::Expired {
                certificate: find_cert(parsed, store, |c| c.not_after == not_after),
                not_after,
            }
        }
        E::CertNotValidYet { not_before, .. } => {
            let not_before = unix_seconds(not_before);
            R::NotYetValid {
                certificate: find_cert(parsed, store, |c| c.not_before == not_before),
                not_before,
            }
        }
        E::InvalidSignatureForPublicKey => R::BadSignature,
        E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            R::UnsupportedSignatureAlgorithm
        }
        E::NameConstraintViolation => R::NameConstraintViolation,
        E::PathLenConstraintViolated => R::PathLengthExceeded,
        E::RequiredEkuNotFoundContext(_) | E::EmptyEkuExtension => R::NotForServerAuth,
        E::CaUsedAsEndEntity => R::CaUsedAsLeaf,
        E::EndEntityUsedAsCa => R::LeafUsedAsCa,
        E::CertDistrusted => R::Distrusted,
        E::InvalidCertValidity => R::InvalidValidity,
        E::UnsupportedCriticalExtension => R::UnsupportedCriticalExtension,
        E::MaximumPathBuildCallsExceeded
        | E::MaximumPathDepthExceeded
        | E::MaximumSignatureChecksExceeded
        | E::MaximumNameConstraintComparisonsExceeded => R::PathTooComplex,
        e @ (E::BadDer
        | E::BadDerTime
        | E::TrailingData(_)
        | E::UnsupportedCertVersion
        | E::ExtensionValueInvalid
        | E::MalformedExtensions
        | E::MalformedNameConstraint
        | E::MalformedDnsIdentifier
        | E::InvalidSerialNumber
        | E::InvalidNetworkMaskConstraint) => R::Malformed(format!("{e:?}")),
        #[allow(deprecated)]
        E::UnsupportedSignatureAlgorithm | E::UnsupportedSignatureAlgorithmForPublicKey => {
            R::UnsupportedSignatureAlgorithm
        }
        other => R::Other(format!("{other:?}")),
    }
}

/// The first certificate (sent ones first, then the CA file's extras) for
/// which `matches` holds.
fn find_cert(
    parsed: &[ParsedCert<'_>],
    store: &TrustStore,
    matches: impl Fn(&ParsedCert<'_>) -> bool,
) -> Option<CertRef> {
    if let Some((index, cert)) = parsed.iter().enumerate().find(|(_, c)| matches(c)) {
        return Some(CertRef {
            index: Some(index),
            subject: cert.subject.clone(),
        });
    }
    store.intermediates().iter().find_map(|der| {
        let cert = ParsedCert::parse(0, der.as_ref()).ok()?;
        matches(&cert).then(|| CertRef {
            index: None,
            subject: cert.subject.clone(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::test_support::*;

    fn verify(chain: &[CertificateDer<'_>], store: &TrustStore, now: i64) -> Verification {
        let parsed: Vec<ParsedCert<'_>> = chain
            .iter()
            .enumerate()
            .map(|(i, c)| ParsedCert::parse(i, c.as_ref()).expect("parse"))
            .collect();
        verify_chain(
            chain,
            &parsed,
            &Signatures::new(&parsed, store),
            store,
            at(now),
        )
    }

    fn verdict(chain: &[CertificateDer<'_>], store: &TrustStore, now: i64) -> TrustVerdict {
        verify(chain, store, now).verdict
    }

    fn path(chain: &[CertificateDer<'_>], store: &TrustStore, now: i64) -> Vec<PathCert> {
        verify(chain, store, now).path
    }

    #[test]
    fn the_validated_path_names_the_sent_and_the_ca_file_certificates() {
        let pki = Pki::new();
        let sent = path(&pki.chain(), &pki.trust(), NOW);
        let indices: Vec<Option<usize>> = sent.iter().map(|c| c.index).collect();
        assert_eq!(indices, [Some(0), Some(1)]);
        assert_eq!(sent[1].not_after, INTERMEDIATE_NOT_AFTER);
        assert_eq!(
            sent[1].common_name.as_deref(),
            Some("Example Intermediate CA")
        );

        let mut store = pki.trust();
        store.add_der(pki.intermediate.der()).expect("intermediate");
        let from_file = path(&[pki.leaf.der().clone()], &store, NOW);
        let indices: Vec<Option<usize>> = from_file.iter().map(|c| c.index).collect();
        assert_eq!(indices, [Some(0), None]);

        assert!(path(&[pki.leaf.der().clone()], &pki.trust(), NOW).is_empty());
    }

    #[test]
    fn chain_with_its_intermediate_is_trusted() {
        let pki = Pki::new();
        let v = verdict(&pki.chain(), &pki.trust(), NOW);
        assert_eq!(
            v,
            TrustVerdict::Trusted {
                anchor: "CN=Example Root CA, O=Example Test PKI".into()
            }
        );
        assert!(v.is_trusted());
    }

    #[test]
    fn leaf_alone_has_an_unknown_issuer() {
        let pki = Pki::new();
        let v = verdict(&[pki.leaf.der().clone()], &pki.trust(), NOW);
        assert_eq!(v, TrustVerdict::NotTrusted(UntrustedReason::UnknownIssuer));
        assert!(!v.is_trusted());
    }

    #[test]
    fn intermediate_from_the_ca_file_completes_the_path() {
        let pki = Pki::new();
        let mut store = pki.trust();
        store.add_der(pki.intermediate.der()).expect("intermediate");
        let v = verdict(&[pki.leaf.der().clone()], &store, NOW);
        assert!(v.is_trusted(), "{v}");
    }

    #[test]
    fn expired_intermediate_is_named() {
        let pki = Pki::new();
        let v = verdict(&pki.chain(), &pki.trust(), INTERMEDIATE_NOT_AFTER + 1);
        assert_eq!(
            v,
            TrustVerdict::NotTrusted(UntrustedReason::Expired {
                certificate: Some(CertRef {
                    index: Some(1),
                    subject: "CN=Example Intermediate CA, O=Example Test PKI".into()
                }),
                not_after: INTERMEDIATE_NOT_AFTER,
            })
        );
        assert_eq!(
            v.to_string(),
            "not trusted: certificate #1 'CN=Example Intermediate CA, O=Example Test PKI' \
             expired at 2028-01-01T00:00:00Z"
        );
    }

    #[test]
    fn a_complete_chain_under_an_unknown_root_names_the_root() {
        let pki = Pki::new();
        let stranger = self_signed_leaf(KeyKind::P256, &["other.example.net"]);
        let other = TrustStore::from_pem(stranger.pem().as_bytes()).expect("store");
        let v = verdict(&pki.chain(), &other, NOW);
        assert_eq!(
            v,
            TrustVerdict::NotTrusted(UntrustedReason::UntrustedRoot {
                subject: "CN=Example Root CA, O=Example Test PKI".into()
            })
        );
        assert_eq!(
            v.to_string(),
            "not trusted: the chain ends at 'CN=Example Root CA, O=Example Test PKI', which is \
             not a trusted root"
        );
        let mut with_root = pki.chain();
        with_root.push(pki.root.der().clone());
        assert_eq!(verdict(&with_root, &other, NOW), v, "root sent too");
    }

    #[test]
    fn a_self_signed_leaf_is_untrusted_because_it_is_self_signed() {
        let leaf = self_signed_leaf(KeyKind::P256, &["mail.example.com"]);
        let v = verdict(&[leaf.der().clone()], &Pki::new().trust(), NOW);
        assert_eq!(v, TrustVerdict::NotTrusted(UntrustedReason::SelfSigned));
        assert_eq!(
            v.to_string(),
            "not trusted: the certificate is self-signed and not among the trusted CAs \
             (add it with --ca-trust to trust it)"
        );
    }

    #[test]
    fn empty_store_trusts_nothing() {
        let pki = Pki::new();
        let v = verdict(&pki.chain(), &TrustStore::new(), NOW);
        assert_eq!(v, TrustVerdict::NotTrusted(UntrustedReason::NoTrustAnchors));
    }

    #[test]
    fn tampered_signature_is_a_bad_signature() {
        let pki = Pki::new();
        let mut leaf = pki.leaf.der().to_vec();
        let last = leaf.len() - 1;
        leaf[last] ^= 0x01;
        let chain = [CertificateDer::from(leaf), pki.intermediate.der().clone()];
        let v = verdict(&chain, &pki.trust(), NOW);
        assert_eq!(v, TrustVerdict::NotTrusted(UntrustedReason::BadSignature));
    }

    #[test]
    fn name_constraints_are_enforced() {
        let mut params = ca_params("Constrained CA", 2028);
        params.name_constraints = Some(rcgen::NameConstraints {
            permitted_subtrees: vec![rcgen::GeneralSubtree::DnsName("example.org".into())],
            excluded_subtrees: vec![],
        });
        let pki = Pki::with_intermediate(params);
        let v = verdict(&pki.chain(), &pki.trust(), NOW);
        assert_eq!(
            v,
            TrustVerdict::NotTrusted(UntrustedReason::NameConstraintViolation)
        );
    }

    #[test]
    fn leaf_without_server_auth_usage_is_rejected() {
        let pki = Pki::new();
        let mut params = leaf_params(Some("mail.example.com"), &["mail.example.com"]);
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let leaf = pki.issue(&params, &key(KeyKind::P256));
        let chain = [leaf.der().clone(), pki.intermediate.der().clone()];
        let v = verdict(&chain, &pki.trust(), NOW);
        assert_eq!(
            v,
            TrustVerdict::NotTrusted(UntrustedReason::NotForServerAuth)
        );
    }

    #[test]
    fn a_self_signed_ca_leaf_in_the_ca_file_is_trusted_while_valid() {
        let mut params = ca_params("mail.example.com", 2030);
        params.not_before = rcgen::date_time_ymd(2025, 1, 1);
        let leaf = params.self_signed(&key(KeyKind::P256)).expect("leaf");
        let store = TrustStore::from_pem(leaf.pem().as_bytes()).expect("store");
        let chain = [leaf.der().clone()];
        assert_eq!(
            verdict(&chain, &store, NOW),
            TrustVerdict::Trusted {
                anchor: "CN=mail.example.com, O=Example Test PKI".into()
            }
        );
        assert!(matches!(
            verdict(&chain, &store, LEAF_NOT_AFTER + 1),
            TrustVerdict::NotTrusted(UntrustedReason::Expired {
                certificate: Some(CertRef { index: Some(0), .. }),
                ..
            })
        ));
        assert!(matches!(
            verdict(&chain, &store, NOW - 400 * 86_400),
            TrustVerdict::NotTrusted(UntrustedReason::NotYetValid { .. })
        ));
        // Not in the store: untrusted because self-signed (webpki itself
        // trips over CA:TRUE first).
        assert_eq!(
            verdict(&chain, &Pki::new().trust(), NOW),
            TrustVerdict::NotTrusted(UntrustedReason::SelfSigned)
        );
    }

    #[test]
    fn sha1_signed_chain_is_not_accepted() {
        let root = fixture_der("sha1-root.pem");
        let mut store = TrustStore::new();
        store.add_anchor_der(&root).expect("anchor");
        let v = verdict(&[fixture_der("sha1-leaf.pem")], &store, NOW);
        assert_eq!(
            v,
            TrustVerdict::NotTrusted(UntrustedReason::UnsupportedSignatureAlgorithm)
        );
    }
}
