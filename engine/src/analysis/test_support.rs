//! Certificates for the unit tests: a root, intermediate and leaf made with
//! rcgen at fixed dates, keys of every kind, and the OpenSSL-made fixtures in
//! `testdata/`.

use rcgen::{
    date_time_ymd, BasicConstraints, Certificate, CertificateParams, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SerialNumber,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, UnixTime};

use super::options::AnalysisOptions;
use super::trust_store::TrustStore;

/// The pinned "now" of every test: 2026-01-01T00:00:00Z.
pub(crate) const NOW: i64 = 1_767_225_600;
/// 2030-01-01T00:00:00Z, the leaf's notAfter.
pub(crate) const LEAF_NOT_AFTER: i64 = 1_893_456_000;
/// 2028-01-01T00:00:00Z, the intermediate's notAfter.
pub(crate) const INTERMEDIATE_NOT_AFTER: i64 = 1_830_297_600;

/// A Unix time from seconds.
pub(crate) fn at(seconds: i64) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        u64::try_from(seconds).expect("test times are after 1970"),
    ))
}

/// Key types the tests sign with.
#[derive(Clone, Copy, Debug)]
pub(crate) enum KeyKind {
    P256,
    P384,
    Ed25519,
    Rsa2048,
    Rsa4096,
}

/// A key of the given kind (RSA keys come from `testdata/`: ring cannot
/// generate them).
pub(crate) fn key(kind: KeyKind) -> KeyPair {
    match kind {
        KeyKind::P256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
        KeyKind::P384 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384),
        KeyKind::Ed25519 => KeyPair::generate_for(&rcgen::PKCS_ED25519),
        KeyKind::Rsa2048 => KeyPair::from_pem(&fixture_text("rsa2048.pk8.pem")),
        KeyKind::Rsa4096 => KeyPair::from_pem(&fixture_text("rsa4096.pk8.pem")),
    }
    .expect("test key")
}

/// A file of `testdata/` as text.
pub(crate) fn fixture_text(name: &str) -> String {
    let path = format!(
        "{}/src/analysis/testdata/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).expect("fixture file")
}

/// The DER of the PEM certificate `name` in `testdata/`.
pub(crate) fn fixture_der(name: &str) -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(fixture_text(name).as_bytes()).expect("fixture certificate")
}

/// Leaf parameters: optional CN, SANs (IP addresses become IP SANs), valid
/// 2025-01-01 to 2030-01-01, server auth.
pub(crate) fn leaf_params(cn: Option<&str>, sans: &[&str]) -> CertificateParams {
    let mut params =
        CertificateParams::new(sans.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
            .expect("params");
    params.distinguished_name = DistinguishedName::new();
    if let Some(cn) = cn {
        params.distinguished_name.push(DnType::CommonName, cn);
    }
    params.not_before = date_time_ymd(2025, 1, 1);
    params.not_after = date_time_ymd(2030, 1, 1);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.serial_number = Some(SerialNumber::from(vec![0x00, 0x9a, 0x01]));
    params
}

/// CA parameters valid from 2024-01-01 until 1 January of `until_year`.
pub(crate) fn ca_params(cn: &str, until_year: i32) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, cn);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Example Test PKI");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = date_time_ymd(2024, 1, 1);
    params.not_after = date_time_ymd(until_year, 1, 1);
    params
}

/// A self-signed leaf for `sans` (CN = first SAN).
pub(crate) fn self_signed_leaf(kind: KeyKind, sans: &[&str]) -> Certificate {
    leaf_params(sans.first().copied(), sans)
        .self_signed(&key(kind))
        .expect("self-signed leaf")
}

/// A certificate whose issuer name equals its subject but whose signature
/// was made by another key.
pub(crate) fn self_issued_signed_by_other_key() -> Certificate {
    let params = leaf_params(Some("mail.example.com"), &["mail.example.com"]);
    let other = key(KeyKind::P256);
    let issuer = Issuer::from_params(&params, &other);
    params
        .signed_by(&key(KeyKind::P256), &issuer)
        .expect("self-issued")
}

/// Root (until 2035) → intermediate (until 2028) → leaf for
/// `mail.example.com` (until 2030), all P-256.
pub(crate) struct Pki {
    pub root: Certificate,
    pub root_params: CertificateParams,
    pub root_key: KeyPair,
    pub intermediate_params: CertificateParams,
    pub intermediate_key: KeyPair,
    pub intermediate: Certificate,
    pub leaf: Certificate,
}

impl Pki {
    /// The standard test PKI.
    pub(crate) fn new() -> Self {
        Self::with_intermediate(ca_params("Example Intermediate CA", 2028))
    }

    /// The test PKI with other intermediate parameters.
    pub(crate) fn with_intermediate(intermediate_params: CertificateParams) -> Self {
        let root_params = ca_params("Example Root CA", 2035);
        let root_key = key(KeyKind::P256);
        let root = root_params.self_signed(&root_key).expect("root");
        let intermediate_key = key(KeyKind::P256);
        let intermediate = intermediate_params
            .signed_by(
                &intermediate_key,
                &Issuer::from_params(&root_params, &root_key),
            )
            .expect("intermediate");
        let mut pki = Pki {
            root,
            root_params,
            root_key,
            intermediate_params,
            intermediate_key,
            intermediate,
            leaf: leaf_params(None, &[])
                .self_signed(&key(KeyKind::P256))
                .expect("tmp"),
        };
        pki.leaf = pki.issue(
            &leaf_params(Some("mail.example.com"), &["mail.example.com"]),
            &key(KeyKind::P256),
        );
        pki
    }

    /// Issues a certificate from the intermediate.
    pub(crate) fn issue(&self, params: &CertificateParams, key: &KeyPair) -> Certificate {
        params
            .signed_by(
                key,
                &Issuer::from_params(&self.intermediate_params, &self.intermediate_key),
            )
            .expect("issued certificate")
    }

    /// Leaf and intermediate, as a server sends them.
    pub(crate) fn chain(&self) -> Vec<CertificateDer<'static>> {
        vec![self.leaf.der().clone(), self.intermediate.der().clone()]
    }

    /// A store trusting only this PKI's root.
    pub(crate) fn trust(&self) -> TrustStore {
        let mut store = TrustStore::new();
        store.add_anchor_der(self.root.der()).expect("root anchor");
        store
    }

    /// Options at [`NOW`] trusting this PKI's root, checking CN and SANs
    /// against `mail.example.com`.
    pub(crate) fn options(&self) -> AnalysisOptions {
        AnalysisOptions::new(at(NOW), self.trust())
            .with_name("mail.example.com")
            .with_name_check(super::name_check::NameCheck::CnSan)
    }
}
