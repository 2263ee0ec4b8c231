//! Problems in how the server sends its chain: duplicates, the leaf not
//! first, wrong order, unrelated extras, a missing intermediate.
//!
//! The path is followed from the leaf through the certificates sent: the
//! issuer of a certificate is one whose subject names it and whose key
//! verifies its signature (or whose algorithm cannot be checked here),
//! preferring the next certificate sent. The walk stops at a self-signed
//! certificate or when no issuer was sent. Many clients tolerate these
//! problems, but not all: a chain that works in a browser (which fetches or
//! caches intermediates) can fail for a mail server's TLS client.

use std::fmt;

use super::names;
use super::parsed::ParsedCert;
use super::signature::Signatures;
use super::trust_store::TrustStore;

/// How a certificate's position is named in messages: `the server
/// certificate` for 0, else `certificate #i` (0-based, as sent).
pub(crate) fn position(index: usize) -> String {
    if index == 0 {
        "the server certificate".to_owned()
    } else {
        format!("certificate #{index}")
    }
}

/// One problem of the chain as sent. Indices are positions as sent, 0-based.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChainProblem {
    /// The same certificate was sent twice.
    Duplicate {
        /// The repeated copy.
        index: usize,
        /// The first copy.
        first_index: usize,
    },
    /// The first certificate is a CA and an end-entity certificate comes
    /// later. (All channels still describe the first certificate, as clients
    /// do.)
    LeafNotFirst {
        /// Where the end-entity certificate is.
        leaf_index: usize,
    },
    /// A certificate's issuer is sent, but not right after it.
    WrongOrder {
        /// The certificate.
        index: usize,
        /// Where its issuer was sent.
        issuer_index: usize,
    },
    /// A certificate that is not on the path from the leaf.
    Unrelated {
        /// Where it was sent.
        index: usize,
        /// Its subject.
        subject: String,
    },
    /// The last certificate on the path is not self-signed and its issuer is
    /// neither sent nor a trust anchor.
    MissingIntermediate {
        /// The certificate whose issuer is missing.
        index: usize,
        /// The missing issuer's name.
        issuer: String,
        /// The extra CA file holds it (so clients without that file fail).
        in_ca_file: bool,
    },
}

impl fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainProblem::Duplicate { index, first_index } => write!(
                f,
                "certificate #{index} is a duplicate of {}",
                position(*first_index)
            ),
            ChainProblem::LeafNotFirst { leaf_index } => write!(
                f,
                "the server certificate is sent at position #{leaf_index} instead of first"
            ),
            ChainProblem::WrongOrder {
                index,
                issuer_index,
            } => write!(
                f,
                "the issuer of {} is sent at position #{issuer_index} instead of #{}",
                position(*index),
                index + 1
            ),
            ChainProblem::Unrelated { index, subject } => write!(
                f,
                "certificate #{index} '{subject}' does not belong to the server certificate's chain"
            ),
            ChainProblem::MissingIntermediate {
                index,
                issuer,
                in_ca_file: true,
            } => write!(
                f,
                "the server does not send '{issuer}', the issuer of {} (only the CA file has it)",
                position(*index)
            ),
            ChainProblem::MissingIntermediate {
                index,
                issuer,
                in_ca_file: false,
            } => write!(
                f,
                "the server does not send '{issuer}', the issuer of {}, and it is not a trusted root \
                 (missing intermediate or unknown CA)",
                position(*index)
            ),
        }
    }
}

/// Finds the problems of `chain`, asking `signatures` (made for `chain`)
/// which certificate is self-signed and which signed which.
pub(crate) fn chain_problems(
    chain: &[ParsedCert<'_>],
    signatures: &Signatures<'_, '_>,
    store: &TrustStore,
) -> Vec<ChainProblem> {
    let mut problems = Vec::new();
    let mut duplicate = vec![false; chain.len()];
    for (index, cert) in chain.iter().enumerate() {
        if let Some(first_index) = chain[..index].iter().position(|c| c.der == cert.der) {
            duplicate[index] = true;
            problems.push(ChainProblem::Duplicate { index, first_index });
        }
    }

    let mut leaf = 0;
    if chain.first().is_some_and(|c| c.is_ca) {
        if let Some(found) = (1..chain.len()).find(|&i| !duplicate[i] && !chain[i].is_ca) {
            leaf = found;
            problems.push(ChainProblem::LeafNotFirst { leaf_index: found });
        }
    }

    let path = issuer_path(chain.len(), signatures, &duplicate, leaf);
    for step in path.windows(2) {
        if let [index, issuer_index] = *step {
            if issuer_index != index + 1 {
                problems.push(ChainProblem::WrongOrder {
                    index,
                    issuer_index,
                });
            }
        }
    }
    for (index, cert) in chain.iter().enumerate() {
        if !duplicate[index] && !path.contains(&index) {
            problems.push(ChainProblem::Unrelated {
                index,
                subject: cert.subject.clone(),
            });
        }
    }

    if let Some(&last) = path.last() {
        let cert = &chain[last];
        if !signatures.is_self_signed(last)
            && !issuer_is_anchor(cert, store)
            && !is_anchor_itself(cert, store)
        {
            let in_ca_file = store.intermediates().iter().any(|der| {
                ParsedCert::parse(0, der.as_ref())
                    .is_ok_and(|extra| names::names_match(extra.x509.subject(), cert.x509.issuer()))
            });
            // Above a CA certificate the chain is complete as servers send
            // it: an unknown issuer there is an untrusted root, which the
            // trust verdict names ("the chain ends at ...").
            if in_ca_file || !cert.is_ca {
                problems.push(ChainProblem::MissingIntermediate {
                    index: last,
                    issuer: cert.issuer.clone(),
                    in_ca_file,
                });
            }
        }
    }
    problems
}

/// Indices from `leaf` up the issuer links among the certificates sent.
fn issuer_path(
    len: usize,
    signatures: &Signatures<'_, '_>,
    duplicate: &[bool],
    leaf: usize,
) -> Vec<usize> {
    let mut path = vec![leaf];
    let mut current = leaf;
    while !signatures.is_self_signed(current) {
        let is_candidate = |j: usize| {
            !duplicate[j] && !path.contains(&j) && signatures.may_be_issued_by(current, j)
        };
        let next = Some(current + 1)
            .filter(|&j| j < len && is_candidate(j))
            .or_else(|| (0..len).find(|&j| is_candidate(j)));
        match next {
            Some(j) => {
                path.push(j);
                current = j;
            }
            None => break,
        }
    }
    path
}

/// Whether a trust anchor's subject is byte-identical to `cert`'s issuer
/// (webpki compares names the same way).
fn issuer_is_anchor(cert: &ParsedCert<'_>, store: &TrustStore) -> bool {
    let Some(issuer) = names::der_contents(cert.x509.issuer().as_raw()) else {
        return false;
    };
    store
        .anchors()
        .iter()
        .any(|anchor| anchor.subject.as_ref() == issuer)
}

/// Whether `cert` has the subject and key of a trust anchor: a cross-signed
/// root (like ISRG Root X1 signed by DST Root CA X3) that clients trust as
/// the anchor itself, so its own issuer is not missing.
fn is_anchor_itself(cert: &ParsedCert<'_>, store: &TrustStore) -> bool {
    let (Some(subject), Some(spki)) = (
        names::der_contents(cert.x509.subject().as_raw()),
        names::der_contents(cert.x509.public_key().raw),
    ) else {
        return false;
    };
    store
        .anchors()
        .iter()
        .any(|a| a.subject.as_ref() == subject && a.subject_public_key_info.as_ref() == spki)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::test_support::*;
    use rustls_pki_types::CertificateDer;

    fn problems(chain: &[CertificateDer<'_>], store: &TrustStore) -> Vec<ChainProblem> {
        let parsed: Vec<_> = chain
            .iter()
            .enumerate()
            .map(|(i, c)| ParsedCert::parse(i, c.as_ref()).expect("parse"))
            .collect();
        chain_problems(&parsed, &Signatures::new(&parsed, store), store)
    }

    #[test]
    fn a_proper_chain_has_no_problems_with_or_without_the_root() {
        let pki = Pki::new();
        assert_eq!(problems(&pki.chain(), &pki.trust()), vec![]);
        let mut with_root = pki.chain();
        with_root.push(pki.root.der().clone());
        assert_eq!(problems(&with_root, &pki.trust()), vec![]);
        assert_eq!(problems(&with_root, &TrustStore::new()), vec![]);
    }

    #[test]
    fn a_missing_intermediate_is_reported() {
        let pki = Pki::new();
        let found = problems(&[pki.leaf.der().clone()], &pki.trust());
        assert_eq!(
            found,
            vec![ChainProblem::MissingIntermediate {
                index: 0,
                issuer: "CN=Example Intermediate CA, O=Example Test PKI".into(),
                in_ca_file: false
            }]
        );
        let mut store = pki.trust();
        store.add_der(pki.intermediate.der()).expect("extra");
        let found = problems(&[pki.leaf.der().clone()], &store);
        assert!(matches!(
            found.as_slice(),
            [ChainProblem::MissingIntermediate {
                in_ca_file: true,
                ..
            }]
        ));
    }

    #[test]
    fn a_complete_chain_under_an_untrusted_root_misses_nothing() {
        let pki = Pki::new();
        let stranger = self_signed_leaf(KeyKind::P256, &["other.example.net"]);
        let store = TrustStore::from_pem(stranger.pem().as_bytes()).expect("store");
        assert_eq!(
            problems(&pki.chain(), &store),
            vec![],
            "the trust verdict names the root; nothing is missing"
        );
        assert!(matches!(
            problems(&[pki.leaf.der().clone()], &store).as_slice(),
            [ChainProblem::MissingIntermediate { index: 0, .. }]
        ));
    }

    #[test]
    fn wrong_order_is_reported() {
        let pki = Pki::new();
        let chain = [
            pki.leaf.der().clone(),
            pki.root.der().clone(),
            pki.intermediate.der().clone(),
        ];
        assert_eq!(
            problems(&chain, &pki.trust()),
            vec![
                ChainProblem::WrongOrder {
                    index: 0,
                    issuer_index: 2
                },
                ChainProblem::WrongOrder {
                    index: 2,
                    issuer_index: 1
                },
            ]
        );
    }

    #[test]
    fn leaf_not_first_duplicates_and_unrelated_certificates_are_reported() {
        let pki = Pki::new();
        let stranger = self_signed_leaf(KeyKind::P256, &["other.example.net"]);
        let chain = [
            pki.intermediate.der().clone(),
            pki.leaf.der().clone(),
            pki.intermediate.der().clone(),
            stranger.der().clone(),
        ];
        let found = problems(&chain, &pki.trust());
        assert_eq!(
            found,
            vec![
                ChainProblem::Duplicate {
                    index: 2,
                    first_index: 0
                },
                ChainProblem::LeafNotFirst { leaf_index: 1 },
                ChainProblem::WrongOrder {
                    index: 1,
                    issuer_index: 0
                },
                ChainProblem::Unrelated {
                    index: 3,
                    subject: "CN=other.example.net".into()
                },
            ]
        );
        for p in &found {
            assert!(!p.to_string().is_empty());
        }
    }

    #[test]
    fn a_same_named_certificate_with_another_key_is_not_the_issuer() {
        let pki = Pki::new();
        // An intermediate with the right name but a different key.
        let impostor = ca_params("Example Intermediate CA", 2028)
            .self_signed(&key(KeyKind::P256))
            .expect("impostor");
        let chain = [pki.leaf.der().clone(), impostor.der().clone()];
        let found = problems(&chain, &pki.trust());
        assert!(found.contains(&ChainProblem::Unrelated {
            index: 1,
            subject: "CN=Example Intermediate CA, O=Example Test PKI".into()
        }));
    }
}
