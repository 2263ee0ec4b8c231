//! Servers rustls cannot finish a handshake with, and servers with keys it
//! cannot verify: every one reports its certificate, and says how it was read.

use rustls::{AlertDescription, CipherSuite, ProtocolVersion};
use starttls_engine::analysis::{analyze, AnalysisOptions, TrustStore, TrustVerdict};
use starttls_engine::{CloseOutcome, Handshake, HandshakeSignature, Phase, ProbeError, UnixTime};
use starttls_sim::certs::{CertKind, KeyKind, TestPki};
use starttls_sim::faults::{Faults, Split};
use starttls_sim::odd_keys::OddKey;
use starttls_sim::personality::{Personality, TlsStyle};
use starttls_sim::{run, Scenario};

fn scenario(p: Personality) -> Scenario {
    Scenario::new(p).with_cert(CertKind::Good, KeyKind::Rsa2048)
}

fn good_rsa_chain() -> Vec<starttls_engine::CertificateDer<'static>> {
    TestPki::shared()
        .identity(CertKind::Good, KeyKind::Rsa2048)
        .chain
        .clone()
}

#[test]
fn exchange_2010_tls10_is_read_from_its_hello_on_a_second_connection() {
    let outcome = run(&scenario(Personality::Exchange2010));
    let report = outcome.result.expect("certificate read");
    assert_eq!(report.chain, good_rsa_chain());
    assert_eq!(report.tls_version, ProtocolVersion::TLSv1_0);
    assert_eq!(
        report.cipher_suite,
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA
    );
    assert_eq!(report.close, CloseOutcome::Aborted);
    assert_eq!(outcome.connections, 2);
    assert_eq!(
        report.handshake_text(),
        "not completed: certificate read from the server's hello (TLS 1.0)"
    );
    let Handshake::NotCompleted(first) = &report.handshake else {
        panic!("completed?");
    };
    assert!(
        !first.server_aborted,
        "rustls refused TLS 1.0; the server did not abort"
    );
    // SChannel finds no plain-RSA suite in rustls' hello.
    assert_eq!(
        first.first_failure,
        ProbeError::TlsAlert {
            alert: AlertDescription::HandshakeFailure
        }
    );
    assert!(first
        .first_timings
        .iter()
        .any(|t| t.phase == Phase::TlsHandshake));
    assert!(report.timings.iter().any(|t| t.phase == Phase::Reconnect));
    assert!(matches!(
        report.handshake_signature,
        HandshakeSignature::NotVerifiable(_)
    ));
    // The same preamble ran again on the second connection.
    assert_eq!(outcome.client_sent, b"EHLO probe.sim.test\r\nSTARTTLS\r\n");
    assert!(report.greeting.unwrap().contains("Microsoft ESMTP"));
}

#[test]
fn a_2008r2_domain_controller_is_read_over_ldap_tls10() {
    let outcome = run(&scenario(Personality::DomainController2008R2));
    let report = outcome.result.expect("certificate read");
    assert_eq!(report.chain, good_rsa_chain());
    assert_eq!(report.tls_version, ProtocolVersion::TLSv1_0);
    assert_eq!(outcome.connections, 2);
}

#[test]
fn a_tls12_server_with_only_rsa_cbc_suites_is_read() {
    let outcome = run(&scenario(Personality::RsaCbcOnly));
    let report = outcome.result.expect("certificate read");
    assert_eq!(report.chain, good_rsa_chain());
    assert_eq!(report.tls_version, ProtocolVersion::TLSv1_2);
    assert_eq!(
        report.cipher_suite,
        CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA
    );
    let first = report.handshake.legacy().expect("legacy read");
    assert_eq!(
        first.first_failure,
        ProbeError::TlsAlert {
            alert: AlertDescription::HandshakeFailure
        }
    );
    assert!(!first.server_aborted);
}

#[test]
fn a_server_that_aborts_after_its_certificate_is_read_and_marked() {
    let outcome = run(&scenario(Personality::OpenSmtpdAbort));
    let report = outcome.result.expect("certificate read");
    assert_eq!(report.chain, good_rsa_chain());
    let first = report.handshake.legacy().expect("legacy read");
    assert!(first.server_aborted, "{:?}", first.first_failure);
    assert_eq!(
        first.first_failure,
        ProbeError::TlsAlert {
            alert: AlertDescription::InternalError
        }
    );
    assert_eq!(report.tls_version, ProtocolVersion::TLSv1_2);
    assert_eq!(
        report.cipher_suite,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
    );
}

#[test]
fn rsa_pss_and_ed448_servers_complete_tls13_with_the_signature_recorded() {
    for (p, key, scheme) in [
        (
            Personality::RsaPssTls13,
            OddKey::RsaPss,
            "rsa_pss_pss_sha256",
        ),
        (Personality::Ed448Tls13, OddKey::Ed448, "ED448"),
    ] {
        let outcome = run(&Scenario::new(p));
        let report = outcome.result.unwrap_or_else(|e| panic!("{p}: {e}"));
        assert_eq!(report.chain, key.chain());
        assert_eq!(report.tls_version, ProtocolVersion::TLSv1_3);
        assert_eq!(report.handshake, Handshake::Completed);
        assert_eq!(outcome.connections, 1);
        assert!(outcome.server_saw_goodbye);
        match &report.handshake_signature {
            HandshakeSignature::NotVerifiable(why) => assert!(why.contains(scheme), "{why}"),
            other => panic!("{p}: {other:?}"),
        }
    }
}

#[test]
fn chains_signed_with_algorithms_webpki_lacks_are_not_trusted_in_words() {
    // 2030-01-01: inside both chains' validity.
    let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_893_456_000));
    for key in [OddKey::RsaPss, OddKey::Ed448] {
        let mut store = TrustStore::new();
        store.add_anchor_der(&key.root()).expect("root");
        let options = AnalysisOptions::new(now, store).with_name("mail.sim.test");
        let cert = analyze(&key.chain(), &options).unwrap_or_else(|e| panic!("{key:?}: {e}"));
        let TrustVerdict::NotTrusted(reason) = &cert.trust else {
            panic!("{key:?} trusted");
        };
        assert!(
            reason.to_string().contains("algorithm"),
            "{key:?}: {reason}"
        );
        assert!(cert.days_to_expiration > 0);
        assert!(cert.name_check.is_match(), "{key:?}");
        let bits = match key {
            OddKey::RsaPss => 2048,
            OddKey::Ed448 => 448,
        };
        assert_eq!(
            cert.public_key.bits,
            Some(bits),
            "{key:?}: {}",
            cert.public_key
        );
    }
}

#[test]
fn modern_servers_never_pay_for_the_fallback() {
    for p in Personality::working().filter(|p| p.tls() == TlsStyle::Rustls) {
        let outcome = run(&Scenario::new(p));
        assert_eq!(outcome.connections, 1, "{p}");
        assert_eq!(outcome.result.unwrap().handshake, Handshake::Completed);
    }
}

#[test]
fn fragmentation_does_not_change_a_legacy_capture() {
    for &p in Personality::legacy() {
        let whole = run(&scenario(p)).result.expect("whole");
        for seed in 0..8 {
            let faults = Faults {
                split: Split::Random { max: 7 },
                ..Faults::none()
            };
            let outcome = run(&scenario(p).with_faults(faults).with_seed(seed));
            let report = outcome
                .result
                .unwrap_or_else(|e| panic!("{p} seed {seed}: {e}"));
            assert_eq!(report.chain, whole.chain, "{p} seed {seed}");
            assert_eq!(report.tls_version, whole.tls_version);
        }
    }
}

#[test]
fn the_retry_fits_in_the_overall_limit() {
    // A server too slow for the limit: the second attempt times out inside
    // the same overall limit and both failures are reported.
    let second = std::time::Duration::from_secs(1);
    let mut s = scenario(Personality::Exchange2010);
    s.faults.delay_between_pieces = Some((second, second));
    s.faults.split = Split::Fixed(512);
    // The clean capture takes 2 s here (its flight arrives in 512-byte
    // pieces a second apart): 1.5 s overall cannot hold it.
    let timeouts = starttls_engine::Timeouts {
        overall: second * 3 / 2,
        ..s.config.timeouts()
    };
    s.config = s
        .config
        .clone()
        .with_timeouts(timeouts)
        .expect("valid limits");
    let outcome = run(&s);
    let error = outcome.result.expect_err("too slow");
    assert_eq!(outcome.connections, 2);
    assert!(outcome.elapsed <= second * 3 / 2, "{:?}", outcome.elapsed);
    assert!(matches!(error, ProbeError::Legacy { .. }), "{error:?}");
    assert!(error.to_string().contains("second connection"), "{error}");
}
