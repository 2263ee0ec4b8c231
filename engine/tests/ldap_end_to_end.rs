//! The probe against a real rustls server in memory, behind an LDAP StartTLS
//! preamble: request, extended response, handshake, chain capture, unbind
//! and close_notify, plus the LDAP failures as a caller sees them.

use std::time::{Duration, Instant};

use starttls_engine::ldap::{LdapError, NOTICE_OF_DISCONNECTION_OID};
use starttls_engine::{Config, Input, Output, Phase, Probe, ProbeError, Protocol};
use starttls_sim::ber::LengthForm;
use starttls_sim::faults::{Faults, Split, Turns};
use starttls_sim::personality::Personality;
use starttls_sim::Scenario;

/// A BER element, shortest length form (the simulator's encoder).
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    starttls_sim::ber::tlv(tag, content, LengthForm::Shortest)
}

/// An LDAPMessage carrying an extendedResp.
fn ext_resp(message_id: u8, code: u8, diagnostic: &str, name: Option<&str>) -> Vec<u8> {
    let mut body = tlv(0x0a, &[code]);
    body.extend(tlv(0x04, b""));
    body.extend(tlv(0x04, diagnostic.as_bytes()));
    if let Some(name) = name {
        body.extend(tlv(0x8a, name.as_bytes()));
    }
    let mut msg = tlv(0x02, &[message_id]);
    msg.extend(tlv(0x78, &body));
    tlv(0x30, &msg)
}

/// The error the check ends with against a server of `personality`'s
/// protocol that says only `turns` (the first attempt's, when the probe
/// also tried a legacy capture).
fn failure(personality: Personality, turns: Turns) -> ProbeError {
    let outcome = starttls_sim::run(&Scenario::new(personality).with_turns(turns));
    match outcome.first_attempt_error() {
        Some(error) => error.clone(),
        None => panic!("the scripted server passed: {:?}", outcome.result),
    }
}

#[test]
fn ldap_probe_captures_the_chain_and_unbinds() {
    // On the simulator's scenario runner: OpenLDAP answers without
    // responseName, Active Directory with the OID (testssl.sh PR #2297
    // captures), in pieces of each size.
    for personality in [Personality::OpenLdap, Personality::ActiveDirectory] {
        for piece in [1, 2, 7, 100, 100_000] {
            let scenario = Scenario::new(personality).with_faults(Faults {
                split: Split::Fixed(piece),
                ..Faults::none()
            });
            let probe = Probe::new(scenario.config.clone(), Instant::now());
            assert_eq!(probe.phase(), Phase::StartTls, "no greeting in LDAP");
            let outcome = starttls_sim::run(&scenario);
            let Ok(report) = outcome.result else {
                panic!(
                    "{personality:?} failed in pieces of {piece}: {:?}",
                    outcome.result
                )
            };
            assert!(!report.chain.is_empty());
            assert_eq!(report.protocol, Protocol::Ldap);
            assert_eq!(report.greeting, None);
            assert!(report.capabilities.is_empty());
            assert!(outcome.server_saw_goodbye, "unbind sent inside TLS");
            let phases: Vec<Phase> = report.timings.iter().map(|t| t.phase).collect();
            assert_eq!(
                phases,
                [Phase::StartTls, Phase::TlsHandshake, Phase::Closing]
            );
            let sum: Duration = report.timings.iter().map(|t| t.elapsed).sum();
            assert_eq!(sum, report.total, "phase timings add up to the total");
        }
    }
}

#[test]
fn the_first_output_is_the_start_tls_request() {
    let mut probe = Probe::new(Config::new(Protocol::Ldap), Instant::now());
    let Output::Transmit(bytes) = probe.poll_output() else {
        panic!("the client speaks first in LDAP")
    };
    assert_eq!(bytes.len(), 31);
    assert_eq!(
        &bytes[..9],
        [0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16]
    );
    assert!(matches!(probe.poll_output(), Output::Wait(_)));
}

#[test]
fn plaintext_after_the_extended_response_is_refused_in_any_split() {
    // On the simulator's scenario runner: OpenLDAP's answer followed by
    // injected bytes, cut into pieces of each size.
    for piece in [1, 3, 14, 1000] {
        let scenario = Scenario::new(Personality::OpenLdap).with_faults(Faults {
            split: Split::Fixed(piece),
            inject_after_starttls: Some(b"injected".to_vec()),
            ..Faults::none()
        });
        let result = starttls_sim::run(&scenario).result;
        let Err(ProbeError::PlaintextAfterStartTls { excerpt }) = &result else {
            panic!("injection not detected with pieces of {piece}: {result:?}")
        };
        // With a piece size that ends right after the reply, the injected
        // bytes arrive together with the server's first TLS record.
        let ok = excerpt.starts_with("injected") || "injected".starts_with(excerpt.as_str());
        assert!(!excerpt.is_empty() && ok, "{excerpt}");
    }
}

#[test]
fn refusals_reach_the_caller_with_code_name_and_diagnostic() {
    let cases = [
        (
            ext_resp(1, 2, "unsupported extended operation", None),
            "LDAP server refused StartTLS: protocolError (2): unsupported extended operation (StartTLS not supported)",
        ),
        (
            ext_resp(1, 52, "Could not initialize TLS", None),
            "LDAP server refused StartTLS: unavailable (52): Could not initialize TLS (no certificate configured, or TLS already active)",
        ),
        (
            ext_resp(1, 1, "TLS already started", None),
            "LDAP server refused StartTLS: operationsError (1): TLS already started (no certificate configured, or TLS already active)",
        ),
        (
            ext_resp(1, 9, "", None),
            "LDAP server refused StartTLS: unknown (9)",
        ),
        (
            ext_resp(0, 52, "shutting down", Some(NOTICE_OF_DISCONNECTION_OID)),
            "LDAP server sent a notice of disconnection instead of starting TLS: unavailable (52): shutting down",
        ),
        (
            ext_resp(5, 0, "", None),
            "LDAP server answered StartTLS with an extendedResp (message id 5) instead of an extendedResp with message id 1",
        ),
    ];
    for (reply, text) in cases {
        let err = failure(Personality::OpenLdap, Turns::then_close(&[&reply]));
        assert!(matches!(err, ProbeError::Ldap(_)), "{err:?}");
        assert_eq!(err.phase(), Phase::StartTls);
        assert_eq!(err.to_string(), text);
    }
}

#[test]
fn an_smtp_server_on_the_ldap_port_is_named() {
    let err = failure(
        Personality::OpenLdap,
        Turns::then_close(&[b"220 mail.example.com ESMTP Postfix\r\n"]),
    );
    assert_eq!(
        err,
        ProbeError::Ldap(LdapError::NotLdap {
            excerpt: "220 mail.example.com ESMTP Postfix".into(),
            looks_like: Some("SMTP"),
        })
    );
}

#[test]
fn a_gigabyte_length_fails_after_six_bytes() {
    let now = Instant::now();
    let mut probe = Probe::new(Config::new(Protocol::Ldap), now);
    while let Output::Transmit(_) = probe.poll_output() {}
    probe.handle_input(Input::Received(&[0x30, 0x84, 0x40, 0x00, 0x00]), now);
    assert!(!probe.is_done());
    probe.handle_input(Input::Received(&[0x00]), now);
    let Output::Done(Err(err)) = probe.poll_output() else {
        panic!("not refused")
    };
    assert_eq!(
        err,
        ProbeError::Ldap(LdapError::MessageTooLarge {
            claimed: 0x4000_0006,
            limit: 16 * 1024
        })
    );
}

#[test]
fn closing_or_silence_before_the_reply_names_the_starttls_phase() {
    let half = ext_resp(1, 0, "", None);
    let err = failure(Personality::OpenLdap, Turns::then_close(&[&half[..4]]));
    assert_eq!(
        err,
        ProbeError::ConnectionClosed {
            protocol: Protocol::Ldap,
            phase: Phase::StartTls
        }
    );
    let err = failure(Personality::OpenLdap, Turns::then_silence(&[]));
    assert!(matches!(
        err,
        ProbeError::Timeout {
            phase: Phase::StartTls,
            ..
        }
    ));
}

#[test]
fn a_tls_alert_instead_of_a_reply_suggests_ldaps() {
    // An LDAPS port (636) answers the plaintext request with a TLS alert.
    let err = failure(
        Personality::OpenLdap,
        Turns::then_close(&[&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]]),
    );
    assert!(
        err.to_string().contains("use ldaps, as on port 636"),
        "{err}"
    );
}
