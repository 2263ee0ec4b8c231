//! The test PKI: a generated root and intermediate CA and, for every
//! [`CertKind`] × [`KeyKind`], a server chain and key, with fixed validity
//! dates so tests can pin "now".
//!
//! All private keys are checked in (`src/certs/*.pk8.der`, made once with
//! `openssl genpkey`, PKCS#8 DER): rcgen with the ring backend cannot
//! generate RSA keys, and fixed keys keep public keys, subject key
//! identifiers and serial numbers identical in every run. ECDSA *signatures*
//! (on the certificates and in the handshake) still differ from process to
//! process because ECDSA signing is randomised; within one process the PKI
//! is generated once ([`TestPki::shared`]) and every run sees the same
//! certificates. Tests should therefore compare chains with the chain the
//! PKI hands out, never with bytes written down elsewhere; runs that need
//! the same bytes in every process use
//! `deterministic::SeededPki` (Ed25519, feature `deterministic`) instead.

use std::fmt;
use std::sync::{Arc, OnceLock};

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SerialNumber, SignatureAlgorithm,
};
use rustls::ServerConfig;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The name in [`CertKind::Good`] certificates; also the SNI tests send.
pub const SERVER_NAME: &str = "mail.sim.test";
/// The name in [`CertKind::Wildcard`] certificates (matches [`SERVER_NAME`]).
pub const WILDCARD_NAME: &str = "*.sim.test";
/// The name in [`CertKind::WrongName`] certificates.
pub const WRONG_NAME: &str = "other.example.org";
/// The subject CN of [`CertKind::Hostile`] certificates: [`SERVER_NAME`]
/// followed by a terminal escape, BEL, NUL, a bidi override and `|`.
pub const HOSTILE_CN: &str = "mail.sim.test\u{1b}[31m\u{7}\u{0}\u{202e}gpj.exe|bad=1";
/// The subject O of [`CertKind::Hostile`] certificates (an OSC title escape).
pub const HOSTILE_ORG: &str = "Evil\u{1b}]0;pwned\u{7} Corp\r\nCRITICAL";
/// A SAN DNS name of [`CertKind::Hostile`] certificates (IA5: ASCII only).
pub const HOSTILE_SAN: &str = "x|y\u{1b}[2J\u{7}\u{0}.sim.test";
/// The CN of the intermediate of [`CertKind::IntermediateExpiring`].
pub const EXPIRING_INTERMEDIATE_CN: &str = "starttls-sim Expiring Intermediate CA";
/// The CN of the intermediate of [`CertKind::IntermediateNotYetValid`].
pub const FUTURE_INTERMEDIATE_CN: &str = "starttls-sim Future Intermediate CA";
/// The CN of the intermediate of [`CertKind::ExpiredIntermediate`].
pub const EXPIRED_INTERMEDIATE_CN: &str = "starttls-sim Expired Intermediate CA";

const ROOT_KEY: &[u8] = include_bytes!("certs/root_p256.pk8.der");
const INTERMEDIATE_KEY: &[u8] = include_bytes!("certs/intermediate_p256.pk8.der");
const LEAF_P256_KEY: &[u8] = include_bytes!("certs/leaf_p256.pk8.der");
const LEAF_P384_KEY: &[u8] = include_bytes!("certs/leaf_p384.pk8.der");
const LEAF_RSA_KEY: &[u8] = include_bytes!("certs/leaf_rsa2048.pk8.der");

/// What is right or wrong with the server certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CertKind {
    /// Leaf for [`SERVER_NAME`] + intermediate, chaining to the root; valid
    /// 2025-01-01 to 2035-01-01.
    Good,
    /// A self-signed leaf for [`SERVER_NAME`], sent alone; valid like `Good`.
    SelfSigned,
    /// Like `Good` but valid only 2020-01-01 to 2021-01-01.
    Expired,
    /// Like `Good` but valid only 2040-01-01 to 2041-01-01.
    NotYetValid,
    /// Like `Good` but for [`WRONG_NAME`].
    WrongName,
    /// Like `Good` but for [`WILDCARD_NAME`].
    Wildcard,
    /// A `Good` leaf under an intermediate ([`EXPIRING_INTERMEDIATE_CN`])
    /// valid 2024-01-01 to 2030-01-10: 9 days left on 2030-01-01.
    IntermediateExpiring,
    /// A `Good` leaf under an intermediate ([`EXPIRED_INTERMEDIATE_CN`])
    /// valid 2020-01-01 to 2024-06-01.
    ExpiredIntermediate,
    /// A `Good` leaf under an intermediate ([`FUTURE_INTERMEDIATE_CN`])
    /// valid 2031-01-01 to 2050-01-01.
    IntermediateNotYetValid,
    /// `Good`, plus the root re-issued by an old root ("cross-signed", as
    /// ISRG Root X1 by DST Root CA X3) and expired on 2024-09-30, sent third.
    CrossSignedExpiredRoot,
    /// Like `Good`, but the subject CN ([`HOSTILE_CN`]), O ([`HOSTILE_ORG`])
    /// and a SAN ([`HOSTILE_SAN`]) carry control and bidi characters and `|`;
    /// [`SERVER_NAME`] is also a SAN, so the name check matches.
    Hostile,
}

impl CertKind {
    /// Every kind, `Good` first.
    pub fn all() -> &'static [CertKind] {
        &[
            CertKind::Good,
            CertKind::SelfSigned,
            CertKind::Expired,
            CertKind::NotYetValid,
            CertKind::WrongName,
            CertKind::Wildcard,
            CertKind::IntermediateExpiring,
            CertKind::ExpiredIntermediate,
            CertKind::IntermediateNotYetValid,
            CertKind::CrossSignedExpiredRoot,
            CertKind::Hostile,
        ]
    }

    /// `(year, month, day)` of notBefore and notAfter (00:00:00 UTC).
    pub fn validity(self) -> ((i32, u8, u8), (i32, u8, u8)) {
        match self {
            CertKind::Expired => ((2020, 1, 1), (2021, 1, 1)),
            CertKind::NotYetValid => ((2040, 1, 1), (2041, 1, 1)),
            _ => ((2025, 1, 1), (2035, 1, 1)),
        }
    }

    /// The DNS name in the certificate's subject CN and SAN.
    pub fn name(self) -> &'static str {
        match self {
            CertKind::WrongName => WRONG_NAME,
            CertKind::Wildcard => WILDCARD_NAME,
            _ => SERVER_NAME,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The server's key type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyKind {
    /// ECDSA on P-256 (256 bits).
    EcdsaP256,
    /// ECDSA on P-384 (384 bits).
    EcdsaP384,
    /// RSA with a 2048-bit modulus.
    Rsa2048,
}

impl KeyKind {
    /// Every key kind.
    pub fn all() -> &'static [KeyKind] {
        &[KeyKind::EcdsaP256, KeyKind::EcdsaP384, KeyKind::Rsa2048]
    }

    /// The key size in bits.
    pub fn bits(self) -> u32 {
        match self {
            KeyKind::EcdsaP256 => 256,
            KeyKind::EcdsaP384 => 384,
            KeyKind::Rsa2048 => 2048,
        }
    }

    fn pkcs8(self) -> &'static [u8] {
        match self {
            KeyKind::EcdsaP256 => LEAF_P256_KEY,
            KeyKind::EcdsaP384 => LEAF_P384_KEY,
            KeyKind::Rsa2048 => LEAF_RSA_KEY,
        }
    }

    fn algorithm(self) -> &'static SignatureAlgorithm {
        match self {
            KeyKind::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            KeyKind::EcdsaP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
            KeyKind::Rsa2048 => &rcgen::PKCS_RSA_SHA256,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What a TLS server needs for one (`CertKind`, `KeyKind`): the chain in
/// the order it is sent, the private key, and a ready rustls configuration.
pub struct ServerIdentity {
    /// Leaf first, then the intermediate (none for `SelfSigned`).
    pub chain: Vec<CertificateDer<'static>>,
    key: PrivatePkcs8KeyDer<'static>,
    config: Arc<ServerConfig>,
}

impl ServerIdentity {
    /// An identity serving `chain` with `key` (ring, TLS 1.2 and 1.3).
    pub(crate) fn new(
        chain: Vec<CertificateDer<'static>>,
        key: PrivatePkcs8KeyDer<'static>,
    ) -> Result<ServerIdentity, PkiError> {
        let config =
            ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()?
                .with_no_client_auth()
                .with_single_cert(chain.clone(), PrivateKeyDer::Pkcs8(key.clone_key()))?;
        Ok(ServerIdentity {
            chain,
            key,
            config: Arc::new(config),
        })
    }

    /// The leaf's private key.
    pub fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(self.key.clone_key())
    }

    /// A rustls server configuration (TLS 1.2 and 1.3, ring) serving the chain.
    pub fn server_config(&self) -> Arc<ServerConfig> {
        self.config.clone()
    }

    /// This identity with the last certificate of its chain sent again and
    /// again until the chain is at least `bytes` long: over 65,535 bytes it
    /// no longer fits one TLS handshake message
    /// ([`Faults::chain_padded_to`](crate::faults::Faults::chain_padded_to)).
    pub fn padded_to(&self, bytes: usize) -> Result<ServerIdentity, PkiError> {
        let mut chain = self.chain.clone();
        if let Some(last) = self.chain.last().filter(|c| !c.is_empty()) {
            while chain.iter().map(|c| c.len()).sum::<usize>() < bytes {
                chain.push(last.clone());
            }
        }
        ServerIdentity::new(chain, self.key.clone_key())
    }
}

impl fmt::Debug for ServerIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerIdentity")
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

/// Why the PKI could not be built (only with broken key files).
#[derive(Debug)]
pub enum PkiError {
    /// rcgen refused a key or certificate.
    Rcgen(rcgen::Error),
    /// rustls refused the chain or key.
    Rustls(rustls::Error),
}

impl fmt::Display for PkiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PkiError::Rcgen(e) => write!(f, "generating test certificates: {e}"),
            PkiError::Rustls(e) => write!(f, "configuring the test TLS server: {e}"),
        }
    }
}

impl std::error::Error for PkiError {}

impl From<rcgen::Error> for PkiError {
    fn from(e: rcgen::Error) -> Self {
        PkiError::Rcgen(e)
    }
}

impl From<rustls::Error> for PkiError {
    fn from(e: rustls::Error) -> Self {
        PkiError::Rustls(e)
    }
}

/// A root CA, an intermediate CA and every server identity.
#[derive(Debug)]
pub struct TestPki {
    root_der: CertificateDer<'static>,
    root_pem: String,
    intermediate_der: CertificateDer<'static>,
    identities: Vec<ServerIdentity>,
}

impl TestPki {
    /// The per-process PKI, generated on first use (about 20 signatures)
    /// and shared by every later caller.
    ///
    /// # Panics
    /// If the checked-in keys cannot be used, which a unit test rules out.
    pub fn shared() -> &'static TestPki {
        static PKI: OnceLock<TestPki> = OnceLock::new();
        PKI.get_or_init(|| TestPki::generate().expect("checked-in test keys are valid"))
    }

    /// Generates a fresh PKI from the checked-in keys.
    pub fn generate() -> Result<TestPki, PkiError> {
        let root_key = ecdsa_p256(ROOT_KEY)?;
        let mut root = ca_params("starttls-sim Test Root CA", 1);
        root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let root_cert = root.self_signed(&root_key)?;
        let root_issuer = Issuer::new(root, root_key);

        let inter_key = ecdsa_p256(INTERMEDIATE_KEY)?;
        let mut inter = ca_params("starttls-sim Test Intermediate CA", 2);
        inter.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        let inter_cert = inter.signed_by(&inter_key, &root_issuer)?;
        let inter_issuer = Issuer::new(inter, inter_key);

        let (soon_cert, soon_issuer) = intermediate(
            EXPIRING_INTERMEDIATE_CN,
            3,
            (2024, 1, 1),
            (2030, 1, 10),
            &root_issuer,
        )?;
        let (expired_cert, expired_issuer) = intermediate(
            EXPIRED_INTERMEDIATE_CN,
            4,
            (2020, 1, 1),
            (2024, 6, 1),
            &root_issuer,
        )?;
        let (future_cert, future_issuer) = intermediate(
            FUTURE_INTERMEDIATE_CN,
            7,
            (2031, 1, 1),
            (2050, 1, 1),
            &root_issuer,
        )?;
        let cross_cert = cross_signed_root()?;

        let mut identities = Vec::new();
        for &cert in CertKind::all() {
            for &key in KeyKind::all() {
                let pkcs8 = PrivatePkcs8KeyDer::from(key.pkcs8().to_vec());
                let leaf_key = KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8, key.algorithm())?;
                let serial = 0x100 + (cert.index() * 16 + key.index()) as u64;
                let params = leaf_params(cert, key, serial)?;
                let (issuer, above) = match cert {
                    CertKind::IntermediateExpiring => (&soon_issuer, vec![soon_cert.der()]),
                    CertKind::ExpiredIntermediate => (&expired_issuer, vec![expired_cert.der()]),
                    CertKind::IntermediateNotYetValid => (&future_issuer, vec![future_cert.der()]),
                    CertKind::CrossSignedExpiredRoot => {
                        (&inter_issuer, vec![inter_cert.der(), cross_cert.der()])
                    }
                    _ => (&inter_issuer, vec![inter_cert.der()]),
                };
                let chain = if cert == CertKind::SelfSigned {
                    vec![params.self_signed(&leaf_key)?.der().clone()]
                } else {
                    let mut chain = vec![params.signed_by(&leaf_key, issuer)?.der().clone()];
                    chain.extend(above.into_iter().cloned());
                    chain
                };
                identities.push(ServerIdentity::new(chain, pkcs8)?);
            }
        }
        Ok(TestPki {
            root_pem: root_cert.pem(),
            root_der: root_cert.der().clone(),
            intermediate_der: inter_cert.der().clone(),
            identities,
        })
    }

    /// The server identity for `cert` with a `key` leaf key.
    pub fn identity(&self, cert: CertKind, key: KeyKind) -> &ServerIdentity {
        // Built for every combination in `generate`, in this order.
        &self.identities[cert.index() * KeyKind::all().len() + key.index()]
    }

    /// The root CA certificate (DER), to trust in tests.
    pub fn root_der(&self) -> &CertificateDer<'static> {
        &self.root_der
    }

    /// The root CA certificate as PEM, for an "extra trust" file.
    pub fn root_pem(&self) -> &str {
        &self.root_pem
    }

    /// The intermediate CA certificate (DER), as sent in chains.
    pub fn intermediate_der(&self) -> &CertificateDer<'static> {
        &self.intermediate_der
    }
}

fn ecdsa_p256(pkcs8: &[u8]) -> Result<KeyPair, rcgen::Error> {
    KeyPair::from_pkcs8_der_and_sign_algo(
        &PrivatePkcs8KeyDer::from(pkcs8),
        &rcgen::PKCS_ECDSA_P256_SHA256,
    )
}

/// An intermediate CA under the root with its own name and validity.
fn intermediate(
    name: &str,
    serial: u64,
    (y0, m0, d0): (i32, u8, u8),
    (y1, m1, d1): (i32, u8, u8),
    root: &Issuer<'static, KeyPair>,
) -> Result<(rcgen::Certificate, Issuer<'static, KeyPair>), rcgen::Error> {
    let key = ecdsa_p256(INTERMEDIATE_KEY)?;
    let mut params = ca_params(name, serial);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.not_before = date_time_ymd(y0, m0, d0);
    params.not_after = date_time_ymd(y1, m1, d1);
    let cert = params.signed_by(&key, root)?;
    Ok((cert, Issuer::new(params, key)))
}

/// The root's name and key, issued by an "old root" (with the P-384 leaf
/// key), valid 2020-01-01 to 2024-09-30.
fn cross_signed_root() -> Result<rcgen::Certificate, rcgen::Error> {
    let old_key = KeyPair::from_pkcs8_der_and_sign_algo(
        &PrivatePkcs8KeyDer::from(LEAF_P384_KEY),
        &rcgen::PKCS_ECDSA_P384_SHA384,
    )?;
    let mut old = ca_params("starttls-sim Old Root CA", 5);
    old.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    old.not_before = date_time_ymd(2015, 1, 1);
    let old_issuer = Issuer::new(old, old_key);
    let mut cross = ca_params("starttls-sim Test Root CA", 6);
    cross.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    cross.not_before = date_time_ymd(2020, 1, 1);
    cross.not_after = date_time_ymd(2024, 9, 30);
    cross.signed_by(&ecdsa_p256(ROOT_KEY)?, &old_issuer)
}

pub(crate) fn ca_params(name: &str, serial: u64) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "starttls-sim");
    params.not_before = date_time_ymd(2024, 1, 1);
    params.not_after = date_time_ymd(2050, 1, 1);
    params.serial_number = Some(SerialNumber::from(serial));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.use_authority_key_identifier_extension = true;
    params
}

pub(crate) fn leaf_params(
    cert: CertKind,
    key: KeyKind,
    serial: u64,
) -> Result<CertificateParams, rcgen::Error> {
    let mut params = if cert == CertKind::Hostile {
        let mut params =
            CertificateParams::new(vec![SERVER_NAME.to_owned(), HOSTILE_SAN.to_owned()])?;
        params
            .distinguished_name
            .push(DnType::CommonName, HOSTILE_CN);
        params
            .distinguished_name
            .push(DnType::OrganizationName, HOSTILE_ORG);
        params
    } else {
        let mut params = CertificateParams::new(vec![cert.name().to_owned()])?;
        params
            .distinguished_name
            .push(DnType::CommonName, cert.name());
        params
    };
    let ((y0, m0, d0), (y1, m1, d1)) = cert.validity();
    params.not_before = date_time_ymd(y0, m0, d0);
    params.not_after = date_time_ymd(y1, m1, d1);
    params.serial_number = Some(SerialNumber::from(serial));
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = match key {
        KeyKind::Rsa2048 => vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ],
        _ => vec![KeyUsagePurpose::DigitalSignature],
    };
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = cert != CertKind::SelfSigned;
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_identity_exists_with_the_right_chain_shape() {
        let pki = TestPki::shared();
        for &cert in CertKind::all() {
            for &key in KeyKind::all() {
                let id = pki.identity(cert, key);
                let expected = match cert {
                    CertKind::SelfSigned => 1,
                    CertKind::CrossSignedExpiredRoot => 3,
                    _ => 2,
                };
                assert_eq!(id.chain.len(), expected, "{cert:?} {key:?}");
                let standard = !matches!(
                    cert,
                    CertKind::IntermediateExpiring
                        | CertKind::ExpiredIntermediate
                        | CertKind::IntermediateNotYetValid
                );
                if expected >= 2 {
                    assert_eq!(&id.chain[1] == pki.intermediate_der(), standard);
                }
            }
        }
        assert!(pki.root_pem().starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(!pki.root_der().is_empty());
    }

    #[test]
    fn shared_pki_is_generated_once() {
        assert!(std::ptr::eq(TestPki::shared(), TestPki::shared()));
    }
}
