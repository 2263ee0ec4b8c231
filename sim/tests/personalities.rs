//! Every personality, certificate and key, clean network: working servers
//! give the exact chain, failing ones their specific error.

use starttls_engine::{CloseOutcome, HandshakeSignature};
use starttls_sim::certs::{CertKind, KeyKind, TestPki};
use starttls_sim::personality::{Personality, TlsStyle};
use starttls_sim::{run, Scenario};

#[test]
fn every_working_personality_yields_the_exact_chain_for_every_cert_and_key() {
    let pki = TestPki::shared();
    // The odd TLS personalities have their own tests (tests/legacy.rs).
    for p in Personality::working().filter(|p| p.tls() == TlsStyle::Rustls) {
        for &cert in CertKind::all() {
            for &key in KeyKind::all() {
                let outcome = run(&Scenario::new(p).with_cert(cert, key));
                let report = match outcome.result {
                    Ok(r) => r,
                    Err(e) => panic!("{p} {cert:?} {key:?}: {e}"),
                };
                assert_eq!(
                    report.chain,
                    pki.identity(cert, key).chain,
                    "{p} {cert:?} {key:?}"
                );
                assert_eq!(report.protocol, p.protocol());
                assert_eq!(report.handshake_signature, HandshakeSignature::Verified);
                // Every protocol's goodbye reaches the server inside TLS
                // (bare TLS's is close_notify).
                assert!(outcome.server_saw_goodbye, "{p}: goodbye inside TLS");
                // SMTP/LMTP: the reply to QUIT; LDAP: right after unbind;
                // bare TLS: the server's close_notify.
                assert_eq!(report.close, CloseOutcome::Clean, "{p}");
            }
        }
    }
}

#[test]
fn every_failure_personality_yields_its_specific_error() {
    for p in Personality::failing() {
        let expected = p.expected_failure().unwrap();
        let outcome = run(&Scenario::new(p));
        match outcome.result {
            Err(e) => assert!(
                expected.matches(&e),
                "{p}: expected {expected:?}, got {e:?}"
            ),
            Ok(_) => panic!("{p} succeeded"),
        }
    }
}

#[test]
fn smtp_personalities_send_what_the_engine_expects() {
    let outcome = run(&Scenario::new(Personality::Exim));
    let report = outcome.result.unwrap();
    assert_eq!(
        report.greeting.as_deref(),
        Some("mail.sim.test ESMTP Exim 4.97 Mon, 25 Nov 2024 12:00:00 +0000")
    );
    assert!(report.capabilities.contains(&"PIPE_CONNECT".to_owned()));
    let outcome = run(&Scenario::new(Personality::DovecotLmtp));
    assert_eq!(outcome.client_sent, b"LHLO probe.sim.test\r\nSTARTTLS\r\n");
}

#[test]
fn ldap_client_sends_the_well_known_starttls_request() {
    let outcome = run(&Scenario::new(Personality::OpenLdap));
    assert!(outcome.result.is_ok(), "{:?}", outcome.result);
    assert_eq!(
        outcome.client_sent,
        b"\x30\x1d\x02\x01\x01\x77\x18\x80\x161.3.6.1.4.1.1466.20037"
    );
}

#[test]
fn ftp_and_nntp_clients_ask_for_tls_after_the_whole_greeting() {
    let outcome = run(&Scenario::new(Personality::Proftpd));
    let report = outcome.result.unwrap();
    assert_eq!(
        report.greeting.as_deref(),
        Some("Welcome to the sim.test mirror."),
        "the first line of a multi-line greeting"
    );
    assert_eq!(outcome.client_sent, b"AUTH TLS\r\n");
    assert!(outcome.server_saw_goodbye, "QUIT inside TLS");
    let outcome = run(&Scenario::new(Personality::Inn));
    assert!(outcome.result.is_ok(), "{:?}", outcome.result);
    assert_eq!(outcome.client_sent, b"CAPABILITIES\r\nSTARTTLS\r\n");
    assert!(outcome
        .result
        .as_ref()
        .is_ok_and(|r| r.capabilities.contains(&"STARTTLS".to_owned())));
}

#[test]
fn xmpp_clients_send_a_stream_header_for_the_domain_then_starttls() {
    for (p, ns) in [
        (Personality::Prosody, "jabber:client"),
        (Personality::EjabberdS2s, "jabber:server"),
    ] {
        let outcome = run(&Scenario::new(p));
        let report = outcome.result.unwrap();
        assert_eq!(
            String::from_utf8(outcome.client_sent).unwrap(),
            format!(
                "<?xml version='1.0'?><stream:stream to='mail.sim.test' version='1.0' xmlns='{ns}' \
                 xmlns:stream='http://etherx.jabber.org/streams'>\
                 <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
            ),
            "{p}"
        );
        assert_eq!(report.greeting.as_deref(), Some("mail.sim.test"), "{p}");
        assert!(report.capabilities.contains(&"starttls".to_owned()), "{p}");
        assert!(
            outcome.server_saw_goodbye,
            "{p}: </stream:stream> inside TLS"
        );
    }
}

#[test]
fn ejabberd_requires_starttls_and_opens_a_new_stream_inside_tls() {
    // Captured from Debian 12 ejabberd 23.01: the features before TLS are
    // STARTTLS alone (required), and inside TLS the client's new header is
    // answered with a header and features before `</stream:stream>` is.
    for p in [Personality::Ejabberd, Personality::EjabberdS2s] {
        let outcome = run(&Scenario::new(p));
        let report = outcome.result.unwrap();
        assert_eq!(report.capabilities, ["starttls"], "{p}");
        assert!(
            outcome.server_saw_goodbye,
            "{p}: </stream:stream> inside TLS"
        );
        assert_eq!(report.close, CloseOutcome::Clean, "{p}");
    }
}
