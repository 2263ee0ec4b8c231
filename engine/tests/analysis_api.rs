//! The analysis through its public API only, as the CLI uses it, and its
//! promise never to panic on whatever bytes a server sends.

use std::sync::OnceLock;

use proptest::prelude::*;
use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer,
    KeyPair, KeyUsagePurpose,
};
use rustls_pki_types::{CertificateDer, UnixTime};
use starttls_engine::analysis::{
    analyze, AnalysisOptions, KeyFamily, NameCheck, TrustStore, TrustVerdict,
};

/// 2026-01-01T00:00:00Z.
fn now() -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_767_225_600))
}

/// A root's PEM and a chain (leaf for `mx.example.net`, intermediate) it issues.
struct TestPki {
    root_pem: String,
    chain: Vec<CertificateDer<'static>>,
}

fn pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| {
        let ca = |cn: &str| {
            let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
            params.distinguished_name = DistinguishedName::new();
            params.distinguished_name.push(DnType::CommonName, cn);
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.key_usages = vec![KeyUsagePurpose::KeyCertSign];
            params.not_before = date_time_ymd(2024, 1, 1);
            params.not_after = date_time_ymd(2034, 1, 1);
            params
        };
        let root_params = ca("API Root");
        let root_key = KeyPair::generate().expect("key");
        let root = root_params.self_signed(&root_key).expect("root");
        let int_params = ca("API Intermediate");
        let int_key = KeyPair::generate().expect("key");
        let intermediate = int_params
            .signed_by(&int_key, &Issuer::from_params(&root_params, &root_key))
            .expect("intermediate");
        let mut leaf_params =
            CertificateParams::new(vec!["mx.example.net".to_owned()]).expect("params");
        leaf_params.not_before = date_time_ymd(2025, 6, 1);
        leaf_params.not_after = date_time_ymd(2026, 3, 1);
        let leaf = leaf_params
            .signed_by(
                &KeyPair::generate().expect("key"),
                &Issuer::from_params(&int_params, &int_key),
            )
            .expect("leaf");
        TestPki {
            root_pem: root.pem(),
            chain: vec![leaf.der().clone(), intermediate.der().clone()],
        }
    })
}

fn options() -> AnalysisOptions {
    let trust = TrustStore::from_pem(pki().root_pem.as_bytes()).expect("root pem");
    AnalysisOptions::new(now(), trust)
        .with_name("mx.example.net")
        .with_name_check("cn_san".parse::<NameCheck>().expect("mode"))
}

#[test]
fn the_cli_path_from_pem_file_to_a_report() {
    let report = analyze(&pki().chain, &options()).expect("report");
    assert_eq!(report.days_to_expiration, 59); // 2026-01-01 .. 2026-03-01
    assert_eq!(report.name_check.mode, NameCheck::CnSan);
    assert!(report.name_check.is_match());
    assert_eq!(report.public_key.bits, Some(256));
    assert_eq!(report.public_key.family(), KeyFamily::Ecc);
    assert_eq!(
        report.trust,
        TrustVerdict::Trusted {
            anchor: "CN=API Root".into()
        }
    );
    assert!(report.trust.is_trusted());
    assert!(!report.self_signed);
    assert_eq!(report.earliest_expiry.index, 0);
    assert_eq!(report.leaf.common_name(), Some("rcgen self signed cert"));
}

#[test]
fn the_report_does_not_depend_on_the_wall_clock() {
    let first = analyze(&pki().chain, &options()).expect("report");
    let second = analyze(&pki().chain, &options()).expect("report");
    assert_eq!(first, second);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(
        certs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..4)
    ) {
        let chain: Vec<CertificateDer<'_>> = certs.into_iter().map(CertificateDer::from).collect();
        let _ = analyze(&chain, &options());
    }

    #[test]
    fn mutated_certificates_never_panic(
        which in 0usize..2,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut chain = pki().chain.clone();
        let mut der = chain[which].to_vec();
        for (at, byte, kind) in edits {
            let i = at.index(der.len());
            match kind {
                0 => der[i] = byte,
                1 => der.insert(i, byte),
                _ => { der.remove(i); }
            }
            if der.is_empty() {
                der.push(byte);
            }
        }
        if let Some(cut) = cut {
            der.truncate(cut.index(der.len()).max(1));
        }
        chain[which] = CertificateDer::from(der);
        let _ = analyze(&chain, &options());
    }
}
