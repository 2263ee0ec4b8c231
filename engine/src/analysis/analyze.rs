//! The entry point: from the chain, the options and the time to the report.

use rustls_pki_types::CertificateDer;

use super::chain::chain_problems;
use super::error::{AnalysisError, MAX_CHAIN_LEN};
use super::expiry::{chain_expiry, earliest_expiry};
use super::name_check::check_name;
use super::options::AnalysisOptions;
use super::parsed::ParsedCert;
use super::report::{CertificateReport, CertificateSummary, LeafDetails};
use super::signature::Signatures;
use super::time::{days_until, unix_seconds};
use super::trust::verify_chain;
use super::weakness::weaknesses;

/// Analyses the certificate chain a server sent, in the order it sent it
/// (the server's own certificate first).
///
/// Pure: no clock, no file, no network. Every channel describes the first
/// certificate sent, as a TLS client sees it, even when the chain is
/// misordered (reported in [`CertificateReport::chain_problems`]).
///
/// Fails only when there is nothing to analyse: an empty chain, a
/// certificate that is not DER X.509, or more than [`MAX_CHAIN_LEN`]
/// certificates. Never panics, whatever the bytes.
pub fn analyze(
    chain: &[CertificateDer<'_>],
    options: &AnalysisOptions,
) -> Result<CertificateReport, AnalysisError> {
    if chain.len() > MAX_CHAIN_LEN {
        return Err(AnalysisError::ChainTooLong {
            len: chain.len(),
            max: MAX_CHAIN_LEN,
        });
    }
    let parsed = chain
        .iter()
        .enumerate()
        .map(|(index, der)| ParsedCert::parse(index, der.as_ref()))
        .collect::<Result<Vec<_>, _>>()?;
    let leaf = parsed.first().ok_or(AnalysisError::EmptyChain)?;
    let now = unix_seconds(options.now);
    // Every signature check below is made at most once.
    let signatures = Signatures::new(&parsed, &options.trust);
    let self_signed = signatures.self_signed();
    let earliest_expiry = earliest_expiry(&parsed, now).ok_or(AnalysisError::EmptyChain)?;
    let verification = verify_chain(chain, &parsed, &signatures, &options.trust, options.now);
    let chain_expiry = chain_expiry(&verification.path, &parsed, self_signed, now)
        .ok_or(AnalysisError::EmptyChain)?;

    Ok(CertificateReport {
        days_to_expiration: days_until(now, leaf.not_after),
        name_check: check_name(
            options.name_check,
            options.name.as_deref(),
            &leaf.common_names,
            &leaf.dns_names,
            &leaf.ip_addresses,
        ),
        public_key: leaf.public_key.clone(),
        trust: verification.verdict,
        self_signed: self_signed.first().copied().unwrap_or(false),
        earliest_expiry,
        chain_expiry,
        validated_path: verification.path,
        chain_problems: chain_problems(&parsed, &signatures, &options.trust),
        weaknesses: weaknesses(&parsed, self_signed),
        leaf: LeafDetails::from_parsed(leaf, now),
        chain: parsed
            .iter()
            .zip(self_signed)
            .enumerate()
            .map(|(index, (cert, &ss))| CertificateSummary::from_parsed(index, cert, ss, now))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::test_support::*;
    use crate::analysis::*;
    use rcgen::DnType;

    fn chain_of(certs: &[&rcgen::Certificate]) -> Vec<CertificateDer<'static>> {
        certs.iter().map(|c| c.der().clone()).collect()
    }

    fn report(chain: &[CertificateDer<'_>], options: &AnalysisOptions) -> CertificateReport {
        analyze(chain, options).expect("report")
    }

    #[test]
    fn a_good_chain_passes_every_check() {
        let pki = Pki::new();
        let r = report(&pki.chain(), &pki.options());
        assert_eq!(r.days_to_expiration, 1461); // 2026-01-01 .. 2030-01-01
        assert!(r.name_check.is_match());
        assert_eq!(r.public_key.bits, Some(256));
        assert_eq!(r.public_key.family(), KeyFamily::Ecc);
        assert!(r.trust.is_trusted());
        assert!(!r.self_signed);
        assert!(r.chain_problems.is_empty(), "{:?}", r.chain_problems);
        assert!(r.weaknesses.is_empty());
        assert_eq!(r.earliest_expiry.index, 1);
        assert_eq!(r.earliest_expiry.days, 730);
        assert_eq!(r.chain.len(), 2);
    }

    #[test]
    fn days_to_expiration_turns_negative_the_second_after_not_after() {
        let pki = Pki::new();
        let days_at = |now| {
            let mut options = pki.options();
            options.now = at(now);
            report(&pki.chain(), &options).days_to_expiration
        };
        assert_eq!(days_at(LEAF_NOT_AFTER - SECONDS_PER_DAY - 1), 1);
        assert_eq!(days_at(LEAF_NOT_AFTER - SECONDS_PER_DAY), 1);
        assert_eq!(days_at(LEAF_NOT_AFTER - 1), 0, "23:59:59 on the last day");
        assert_eq!(days_at(LEAF_NOT_AFTER), 0);
        assert_eq!(days_at(LEAF_NOT_AFTER + 1), -1, "00:00:01 after expiry");
        assert_eq!(days_at(LEAF_NOT_AFTER + 10 * SECONDS_PER_DAY), -10);
    }

    #[test]
    fn an_expired_leaf_is_negative_and_untrusted_naming_the_leaf() {
        let pki = Pki::new();
        let mut params = leaf_params(Some("mail.example.com"), &["mail.example.com"]);
        params.not_before = rcgen::date_time_ymd(2024, 1, 1);
        params.not_after = rcgen::date_time_ymd(2025, 6, 1);
        let leaf = pki.issue(&params, &key(KeyKind::P256));
        let r = report(&chain_of(&[&leaf, &pki.intermediate]), &pki.options());
        assert_eq!(r.days_to_expiration, -214);
        assert_eq!(r.earliest_expiry.index, 0);
        match &r.trust {
            TrustVerdict::NotTrusted(UntrustedReason::Expired {
                certificate: Some(CertRef { index: Some(0), .. }),
                not_after: 1_748_736_000,
            }) => {}
            other => panic!("unexpected verdict {other:?}"),
        }
    }

    #[test]
    fn an_expired_cross_signed_root_beside_a_valid_path_does_not_count() {
        let pki = Pki::new();
        // The root's subject and key, signed by an old root and expired
        // (as ISRG Root X1 cross-signed by DST Root CA X3).
        let old_root_params = ca_params("Old Root CA", 2030);
        let old_root_key = key(KeyKind::P256);
        let mut cross = pki.root_params.clone();
        cross.not_before = rcgen::date_time_ymd(2020, 1, 1);
        cross.not_after = rcgen::date_time_ymd(2025, 9, 30);
        let cross = cross
            .signed_by(
                &pki.root_key,
                &rcgen::Issuer::from_params(&old_root_params, &old_root_key),
            )
            .expect("cross-signed root");
        let chain = chain_of(&[&pki.leaf, &pki.intermediate, &cross]);
        let r = report(&chain, &pki.options());
        assert!(r.trust.is_trusted(), "{}", r.trust);
        assert_eq!(r.earliest_expiry.index, 2);
        assert!(r.earliest_expiry.days < 0);
        assert_eq!(r.chain_expiry.scope, ExpiryScope::ValidatedPath);
        assert_eq!(r.chain_expiry.index, Some(1));
        assert_eq!(r.chain_expiry.days, 730);
        let on_path: Vec<Option<usize>> = r.validated_path.iter().map(|c| c.index).collect();
        assert_eq!(on_path, [Some(0), Some(1)]);
        assert!(r.chain_problems.is_empty(), "{:?}", r.chain_problems);
    }

    #[test]
    fn an_expired_intermediate_is_the_chain_expiry_of_an_untrusted_chain() {
        let mut params = ca_params("Example Intermediate CA", 2025);
        params.not_after = rcgen::date_time_ymd(2025, 12, 1);
        let pki = Pki::with_intermediate(params);
        let r = report(&pki.chain(), &pki.options());
        assert!(!r.trust.is_trusted());
        assert!(r.validated_path.is_empty());
        assert_eq!(r.chain_expiry.scope, ExpiryScope::SentChain);
        assert_eq!(r.chain_expiry.index, Some(1));
        assert_eq!(r.chain_expiry.days, -31);
        assert_eq!(r.chain_expiry.display_name(), "Example Intermediate CA");
        assert!(r.chain_expiry.is_ca);
    }

    #[test]
    fn a_leaf_not_yet_valid_is_flagged() {
        let pki = Pki::new();
        let mut params = leaf_params(Some("mail.example.com"), &["mail.example.com"]);
        params.not_before = rcgen::date_time_ymd(2027, 1, 1);
        let leaf = pki.issue(&params, &key(KeyKind::P256));
        let r = report(&chain_of(&[&leaf, &pki.intermediate]), &pki.options());
        assert!(r.leaf.not_yet_valid);
        assert!(matches!(
            r.trust,
            TrustVerdict::NotTrusted(UntrustedReason::NotYetValid { .. })
        ));
        let r = report(&pki.chain(), &pki.options());
        assert!(!r.leaf.not_yet_valid);
        assert!(r.chain.iter().all(|c| !c.not_yet_valid));
    }

    #[test]
    fn an_intermediate_not_yet_valid_is_flagged_in_the_chain() {
        let mut params = ca_params("Example Intermediate CA", 2035);
        params.not_before = rcgen::date_time_ymd(2027, 1, 1);
        let pki = Pki::with_intermediate(params);
        let r = report(&pki.chain(), &pki.options());
        assert!(!r.leaf.not_yet_valid);
        assert!(!r.chain[0].not_yet_valid && r.chain[1].not_yet_valid);
        assert_eq!(
            r.chain[1].common_name.as_deref(),
            Some("Example Intermediate CA")
        );
        assert!(!r.trust.is_trusted());
    }

    #[test]
    fn key_lengths_and_families_for_every_key_type() {
        let pki = Pki::new();
        let cases = [
            (KeyKind::Rsa2048, KeyAlgorithm::Rsa, 2048, KeyFamily::Rsa),
            (KeyKind::Rsa4096, KeyAlgorithm::Rsa, 4096, KeyFamily::Rsa),
            (
                KeyKind::P256,
                KeyAlgorithm::Ec(EcCurve::P256),
                256,
                KeyFamily::Ecc,
            ),
            (
                KeyKind::P384,
                KeyAlgorithm::Ec(EcCurve::P384),
                384,
                KeyFamily::Ecc,
            ),
            (KeyKind::Ed25519, KeyAlgorithm::Ed25519, 256, KeyFamily::Ecc),
        ];
        for (kind, algorithm, bits, lookup) in cases {
            let params = leaf_params(Some("mail.example.com"), &["mail.example.com"]);
            let leaf = pki.issue(&params, &key(kind));
            let r = report(&chain_of(&[&leaf, &pki.intermediate]), &pki.options());
            assert_eq!(r.public_key.algorithm, algorithm, "{kind:?}");
            assert_eq!(r.public_key.bits, Some(bits), "{kind:?}");
            assert_eq!(r.public_key.family(), lookup, "{kind:?}");
            assert!(r.trust.is_trusted(), "{kind:?}: {}", r.trust);
            assert!(r.weaknesses.is_empty(), "{kind:?}");
        }
    }

    #[test]
    fn openssl_made_keys_get_exact_sizes() {
        let options = AnalysisOptions::new(at(NOW), TrustStore::new());
        let cases = [
            ("rsa1024-self.pem", KeyAlgorithm::Rsa, 1024),
            ("rsa2047-self.pem", KeyAlgorithm::Rsa, 2047),
            ("p521-self.pem", KeyAlgorithm::Ec(EcCurve::P521), 521),
            ("ed448-self.pem", KeyAlgorithm::Ed448, 448),
        ];
        for (file, algorithm, bits) in cases {
            let r = report(&[fixture_der(file)], &options);
            assert_eq!(r.public_key.algorithm, algorithm, "{file}");
            assert_eq!(r.public_key.bits, Some(bits), "{file}");
            assert!(r.self_signed, "{file}");
        }
        let r = report(&[fixture_der("rsa1024-self.pem")], &options);
        assert_eq!(
            r.weaknesses,
            vec![Weakness::SmallRsaKey {
                index: 0,
                bits: 1024
            }]
        );
    }

    #[test]
    fn a_self_signed_leaf_is_self_signed_and_untrusted_unless_added() {
        let leaf = self_signed_leaf(KeyKind::P256, &["mail.example.com"]);
        let chain = chain_of(&[&leaf]);
        let pki = Pki::new();
        let r = report(&chain, &pki.options());
        assert!(r.self_signed);
        assert_eq!(
            r.trust,
            TrustVerdict::NotTrusted(UntrustedReason::SelfSigned),
            "the trust reason agrees with the self-signed finding"
        );
        assert!(
            r.chain_problems.is_empty(),
            "a self-signed leaf misses nothing"
        );

        let mut options = pki.options();
        options.trust = TrustStore::from_pem(leaf.pem().as_bytes()).expect("pem");
        let r = report(&chain, &options);
        assert!(r.trust.is_trusted(), "{}", r.trust);
        assert!(r.self_signed, "the store's own verdict on the same bytes");
        assert!(r.chain[0].self_signed);
    }

    #[test]
    fn a_name_only_in_the_cn_of_a_certificate_with_dns_names_is_a_cn_san_mismatch() {
        let pki = Pki::new();
        let params = leaf_params(Some("mail.example.com"), &["smtp.example.com"]);
        let leaf = pki.issue(&params, &key(KeyKind::P256));
        let chain = chain_of(&[&leaf, &pki.intermediate]);
        let options = pki.options().with_name_check(NameCheck::CnSan);
        let r = report(&chain, &options);
        assert!(!r.name_check.is_match());
        assert!(r.name_check.only_in_ignored_cn);
        let options = pki.options().with_name_check(NameCheck::Cn);
        assert!(report(&chain, &options).name_check.is_match());
    }

    #[test]
    fn a_negative_serial_reads_as_openssl_shows_it() {
        let r = report(&[fixture_der("negative-serial.pem")], &Pki::new().options());
        assert_eq!(r.leaf.serial, "-FF", "openssl x509 -serial says serial=-FF");
    }

    #[test]
    fn a_self_issued_certificate_signed_by_another_key_is_not_self_signed() {
        let cert = self_issued_signed_by_other_key();
        let r = report(&chain_of(&[&cert]), &Pki::new().options());
        assert!(!r.self_signed);
        assert_eq!(r.leaf.subject, r.leaf.issuer);
    }

    #[test]
    fn wildcard_certificates_match_one_label() {
        let pki = Pki::new();
        let params = leaf_params(Some("*.example.com"), &["*.example.com"]);
        let leaf = pki.issue(&params, &key(KeyKind::P256));
        let chain = chain_of(&[&leaf, &pki.intermediate]);
        let check = |name: &str, mode| {
            let options = pki.options().with_name(name).with_name_check(mode);
            report(&chain, &options).name_check.is_match()
        };
        assert!(check("mta.example.com", NameCheck::CnSan));
        assert!(check("MTA.Example.com.", NameCheck::Cn));
        assert!(!check("a.mta.example.com", NameCheck::CnSan));
        assert!(!check("example.com", NameCheck::Cn));
        assert!(check("example.com", NameCheck::None));
        let r = report(&chain, &pki.options().with_name("mta.example.com"));
        assert_eq!(r.name_check.matched.as_deref(), Some("*.example.com"));
        assert!(r.trust.is_trusted());
    }

    #[test]
    fn an_ip_address_matches_an_ip_san() {
        let pki = Pki::new();
        let params = leaf_params(
            Some("mail.example.com"),
            &["mail.example.com", "192.0.2.25"],
        );
        let leaf = pki.issue(&params, &key(KeyKind::P256));
        let chain = chain_of(&[&leaf, &pki.intermediate]);
        let r = report(&chain, &pki.options().with_name("192.0.2.25"));
        assert_eq!(
            r.leaf.ip_addresses,
            vec!["192.0.2.25".parse::<std::net::IpAddr>().unwrap()]
        );
        assert!(r.name_check.is_match());
        let r = report(&chain, &pki.options().with_name("192.0.2.26"));
        assert!(!r.name_check.is_match());
        let options = pki
            .options()
            .with_name("192.0.2.25")
            .with_name_check(NameCheck::Cn);
        assert!(!report(&chain, &options).name_check.is_match());
    }

    #[test]
    fn a_certificate_without_a_cn_is_checked_by_its_sans() {
        let pki = Pki::new();
        let leaf = pki.issue(
            &leaf_params(None, &["mail.example.com"]),
            &key(KeyKind::P256),
        );
        let chain = chain_of(&[&leaf, &pki.intermediate]);
        let r = report(&chain, &pki.options());
        assert_eq!(r.leaf.common_name(), None);
        assert_eq!(r.leaf.subject, "");
        assert!(r.name_check.is_match());
        let options = pki.options().with_name_check(NameCheck::Cn);
        assert!(!report(&chain, &options).name_check.is_match());
    }

    #[test]
    fn a_certificate_with_several_cns_lists_them_all() {
        let pki = Pki::new();
        let mut params = leaf_params(Some("mail.example.com"), &[]);
        params
            .distinguished_name
            .push(DnType::CustomDnType(vec![2, 5, 4, 3]), "smtp.example.com");
        let leaf = pki.issue(&params, &key(KeyKind::P256));
        let chain = chain_of(&[&leaf, &pki.intermediate]);
        let mut cns = report(&chain, &pki.options()).leaf.common_names;
        cns.sort();
        assert_eq!(cns, vec!["mail.example.com", "smtp.example.com"]);
        for name in ["mail.example.com", "smtp.example.com"] {
            let options = pki.options().with_name(name).with_name_check(NameCheck::Cn);
            assert!(report(&chain, &options).name_check.is_match(), "{name}");
        }
    }

    #[test]
    fn a_cn_that_is_not_utf8_does_not_panic() {
        let leaf = self_signed_leaf(KeyKind::P256, &["zzzzzzzz.example"]);
        let mut der = leaf.der().to_vec();
        // Overwrite the CN's text in the subject (and issuer) with invalid UTF-8.
        let needle = b"zzzzzzzz.example";
        let mut start = 0;
        while let Some(pos) = der[start..].windows(needle.len()).position(|w| w == needle) {
            let at = start + pos;
            der[at..at + 8].copy_from_slice(&[0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28]);
            start = at + needle.len();
        }
        let chain = [CertificateDer::from(der)];
        let options = Pki::new().options().with_name_check(NameCheck::Cn);
        let r = analyze(&chain, &options).expect("a bad CN is no reason to give up");
        assert_eq!(r.leaf.common_names.len(), 1);
        assert!(r.leaf.common_names[0].contains('\u{fffd}'));
        assert!(!r.name_check.is_match());
        assert!(!r.self_signed, "the signature no longer verifies");
    }

    #[test]
    fn bmp_string_cns_are_decoded() {
        let mut params = leaf_params(None, &["mail.example.com"]);
        params.distinguished_name.push(
            DnType::CommonName,
            rcgen::DnValue::BmpString("mäil.example.com".try_into().expect("bmp")),
        );
        let leaf = params.self_signed(&key(KeyKind::P256)).expect("leaf");
        let r = report(&chain_of(&[&leaf]), &Pki::new().options());
        assert_eq!(r.leaf.common_names, vec!["mäil.example.com"]);
    }

    #[test]
    fn leaf_details_for_the_message_text() {
        let pki = Pki::new();
        let r = report(&pki.chain(), &pki.options());
        let der = pki.leaf.der().as_ref();
        let hex = |d: ring::digest::Digest| {
            d.as_ref()
                .iter()
                .map(|b| format!("{b:02X}"))
                .collect::<String>()
        };
        assert_eq!(r.leaf.common_name(), Some("mail.example.com"));
        assert_eq!(r.leaf.subject, "CN=mail.example.com");
        assert_eq!(r.leaf.dns_names, vec!["mail.example.com"]);
        assert_eq!(
            r.leaf.issuer,
            "CN=Example Intermediate CA, O=Example Test PKI"
        );
        assert_eq!(r.leaf.serial, "9A01");
        assert_eq!(
            r.leaf.sha1_fingerprint,
            hex(ring::digest::digest(
                &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
                der
            ))
        );
        assert_eq!(
            r.leaf.sha256_fingerprint,
            hex(ring::digest::digest(&ring::digest::SHA256, der))
        );
        assert_eq!(r.leaf.sha1_fingerprint.len(), 40);
        assert_eq!(r.leaf.not_before_rfc3339(), "2025-01-01T00:00:00Z");
        assert_eq!(r.leaf.not_after_rfc3339(), "2030-01-01T00:00:00Z");
        assert_eq!(r.leaf.not_after, LEAF_NOT_AFTER);
        assert_eq!(r.leaf.signature_algorithm, "ecdsa-with-SHA256");
    }

    #[test]
    fn the_chain_summary_describes_every_certificate_sent() {
        let pki = Pki::new();
        let mut chain = pki.chain();
        chain.push(pki.root.der().clone());
        let r = report(&chain, &pki.options());
        let subjects: Vec<_> = r.chain.iter().map(|c| c.subject.as_str()).collect();
        assert_eq!(
            subjects,
            [
                "CN=mail.example.com",
                "CN=Example Intermediate CA, O=Example Test PKI",
                "CN=Example Root CA, O=Example Test PKI"
            ]
        );
        assert_eq!(r.chain[1].not_after, INTERMEDIATE_NOT_AFTER);
        assert_eq!(r.chain[2].issuer, r.chain[2].subject);
        assert!(r.chain[2].self_signed && r.chain[2].is_ca);
        assert!(!r.chain[0].is_ca);
        assert_eq!(r.chain[0].sha256_fingerprint, r.leaf.sha256_fingerprint);
        assert!(r
            .chain
            .iter()
            .all(|c| c.signature_algorithm == "ecdsa-with-SHA256"));
        assert_eq!(
            r.chain.iter().map(|c| c.index).collect::<Vec<_>>(),
            [0, 1, 2]
        );
    }

    #[test]
    fn a_missing_intermediate_shows_in_trust_and_chain_problems() {
        let pki = Pki::new();
        let r = report(&chain_of(&[&pki.leaf]), &pki.options());
        assert_eq!(
            r.trust,
            TrustVerdict::NotTrusted(UntrustedReason::UnknownIssuer)
        );
        assert!(matches!(
            r.chain_problems.as_slice(),
            [ChainProblem::MissingIntermediate {
                index: 0,
                in_ca_file: false,
                ..
            }]
        ));
    }

    #[test]
    fn weak_signatures_are_reported_except_on_the_root() {
        let root = fixture_der("sha1-root.pem");
        let mut store = TrustStore::new();
        store.add_anchor_der(&root).expect("anchor");
        let options = AnalysisOptions::new(at(NOW), store);
        let r = report(&[fixture_der("sha1-leaf.pem"), root], &options);
        assert!(matches!(
            r.weaknesses.as_slice(),
            [Weakness::WeakSignature {
                index: 0,
                hash: WeakHash::Sha1,
                ..
            }]
        ));
        assert!(!r.trust.is_trusted());
        assert!(r.chain_problems.is_empty(), "{:?}", r.chain_problems);
    }

    #[test]
    fn unreadable_input_is_an_error() {
        let options = Pki::new().options();
        assert_eq!(analyze(&[], &options), Err(AnalysisError::EmptyChain));
        let pki = Pki::new();
        let chain = [
            pki.leaf.der().clone(),
            CertificateDer::from(vec![0x30, 0x00]),
        ];
        assert!(matches!(
            analyze(&chain, &options),
            Err(AnalysisError::MalformedCertificate { index: 1, .. })
        ));
        let mut trailing = pki.leaf.der().to_vec();
        trailing.push(0);
        assert!(matches!(
            analyze(&[CertificateDer::from(trailing)], &options),
            Err(AnalysisError::MalformedCertificate { index: 0, .. })
        ));
        let long = vec![pki.leaf.der().clone(); MAX_CHAIN_LEN + 1];
        assert_eq!(
            analyze(&long, &options),
            Err(AnalysisError::ChainTooLong {
                len: MAX_CHAIN_LEN + 1,
                max: MAX_CHAIN_LEN
            })
        );
    }
}
