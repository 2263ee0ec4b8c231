//! The probe against a real rustls server in memory: SMTP and LMTP preamble,
//! handshake, chain capture and goodbye, plus the probe-level failures.

use std::time::{Duration, Instant};

use starttls_engine::{
    Arrived, CloseOutcome, Config, HandshakeSignature, Input, Output, Phase, Probe, ProbeError,
    Protocol, Timeouts,
};
use starttls_sim::faults::{Faults, GoodbyeAnswer, Split, Turns};
use starttls_sim::personality::Personality;
use starttls_sim::Scenario;

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
fn smtp_probe_captures_the_chain_and_says_goodbye() {
    // On the simulator's scenario runner: Postfix in pieces of each size.
    for piece in [1, 2, 7, 100, 100_000] {
        let scenario = Scenario::new(Personality::Postfix).with_faults(Faults {
            split: Split::Fixed(piece),
            ..Faults::none()
        });
        let outcome = starttls_sim::run(&scenario);
        let Ok(report) = outcome.result else {
            panic!("check failed with pieces of {piece}: {:?}", outcome.result)
        };
        assert!(!report.chain.is_empty());
        assert_eq!(report.protocol, Protocol::Smtp);
        assert!(report.sni.is_some(), "SNI sent");
        assert_eq!(
            report.greeting.as_deref(),
            Some("mail.sim.test ESMTP Postfix")
        );
        assert!(report.capabilities.iter().any(|c| c == "STARTTLS"));
        assert_eq!(report.handshake_signature, HandshakeSignature::Verified);
        assert!(outcome.server_saw_goodbye, "QUIT sent inside TLS");
        assert_eq!(report.close, CloseOutcome::Clean);
        let phases: Vec<Phase> = report.timings.iter().map(|t| t.phase).collect();
        assert_eq!(
            phases,
            [
                Phase::Greeting,
                Phase::Hello,
                Phase::StartTls,
                Phase::TlsHandshake,
                Phase::Closing
            ]
        );
        let sum: Duration = report.timings.iter().map(|t| t.elapsed).sum();
        assert_eq!(sum, report.total, "phase timings add up to the total");
    }
}

#[test]
fn lmtp_probe_captures_the_chain() {
    let scenario = Scenario::new(Personality::DovecotLmtp).with_faults(Faults {
        split: Split::Fixed(5),
        ..Faults::none()
    });
    let outcome = starttls_sim::run(&scenario);
    let report = outcome.result.expect("LMTP check");
    assert_eq!(report.protocol, Protocol::Lmtp);
    assert!(!report.chain.is_empty());
    assert!(outcome.server_saw_goodbye, "QUIT sent inside TLS");
    assert!(
        String::from_utf8_lossy(&outcome.client_sent).starts_with("LHLO "),
        "LHLO, not EHLO"
    );
}

#[test]
fn plaintext_after_starttls_agreement_is_refused_in_any_split() {
    // On the simulator's scenario runner: Postfix's dialogue with the
    // injection fault, its output cut into pieces of each size.
    for piece in [1, 3, 1000] {
        let scenario = Scenario::new(Personality::Postfix).with_faults(Faults {
            split: Split::Fixed(piece),
            inject_after_starttls: Some(b"250 injected\r\n".to_vec()),
            ..Faults::none()
        });
        let result = starttls_sim::run(&scenario).result;
        let Err(ProbeError::PlaintextAfterStartTls { excerpt }) = &result else {
            panic!("injection not detected with pieces of {piece}: {result:?}")
        };
        assert!(
            !excerpt.is_empty() && "250 injected??".starts_with(excerpt.as_str()),
            "{excerpt}"
        );
    }
}

#[test]
fn a_chain_over_64_kib_is_said_in_words() {
    // Postfix sending its intermediate again and again: 70,000 bytes of
    // chain cannot fit one TLS handshake message.
    let scenario = Scenario::new(Personality::Postfix).with_faults(Faults {
        chain_padded_to: Some(70_000),
        ..Faults::none()
    });
    let Err(err) = starttls_sim::run(&scenario).result else {
        panic!("an oversized chain was accepted")
    };
    assert_eq!(err, ProbeError::HandshakeMessageTooLarge { limit: 0xffff });
    assert_eq!(
        err.to_string(),
        "the server's certificate chain is larger than 64 KiB, the largest TLS handshake \
         message this check accepts"
    );
    // The same server with its chain sent once passes.
    assert!(starttls_sim::run(&Scenario::new(Personality::Postfix))
        .result
        .is_ok());
}

#[test]
fn tls_alert_instead_of_a_handshake_is_named() {
    // handshake_failure alert, TLS 1.2 record.
    let err = failure(
        Personality::Postfix,
        Turns::then_close(&[
            b"220 mx\r\n",
            b"250-mx\r\n250 STARTTLS\r\n",
            b"220 go\r\n",
            &[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28],
        ]),
    );
    assert_eq!(
        err,
        ProbeError::TlsAlert {
            alert: rustls::AlertDescription::HandshakeFailure
        }
    );
    assert!(err.to_string().contains("HandshakeFailure"));
}

#[test]
fn plaintext_instead_of_a_handshake_is_refused() {
    let err = failure(
        Personality::Postfix,
        Turns::then_close(&[
            b"220 mx\r\n",
            b"250-mx\r\n250 STARTTLS\r\n",
            b"220 go\r\n",
            b"500 huh?\r\n",
        ]),
    );
    assert!(
        matches!(err, ProbeError::PlaintextAfterStartTls { .. }),
        "{err}"
    );
}

#[test]
fn closing_in_each_phase_names_the_phase() {
    let cases: [(&[&[u8]], Phase); 4] = [
        (&[], Phase::Greeting),
        (&[b"220 mx\r\n"], Phase::Hello),
        (
            &[b"220 mx\r\n", b"250-mx\r\n250 STARTTLS\r\n"],
            Phase::StartTls,
        ),
        (
            &[b"220 mx\r\n", b"250-mx\r\n250 STARTTLS\r\n", b"220 go\r\n"],
            Phase::TlsHandshake,
        ),
    ];
    for (script, phase) in cases {
        let err = failure(Personality::Postfix, Turns::then_close(script));
        assert_eq!(
            err,
            ProbeError::ConnectionClosed {
                protocol: Protocol::Smtp,
                phase
            }
        );
    }
}

#[test]
fn timeouts_name_the_phase_the_limit_and_what_arrived() {
    let err = failure(Personality::Postfix, Turns::then_silence(&[]));
    assert_eq!(
        err,
        ProbeError::Timeout {
            protocol: Protocol::Smtp,
            phase: Phase::Greeting,
            limit: Duration::from_secs(10),
            overall: false,
            arrived: Arrived::Nothing,
        }
    );
    assert_eq!(
        err.to_string(),
        "no greeting within the 10 s phase limit; \
         a server that expects TLS at once (SMTPS, port 465) never greets in plaintext"
    );
    let err = failure(
        Personality::Postfix,
        Turns::then_silence(&[b"220-slow greeting\r\n"]),
    );
    assert_eq!(
        err.to_string(),
        "greeting incomplete after 10 s (phase limit): 1 line received, the last '220-slow greeting'",
        "no SMTPS hint once something arrived"
    );
    let err = failure(
        Personality::Postfix,
        Turns::then_silence(&[b"220 mx\r\n", b"250-mx\r\n250 STARTTLS\r\n"]),
    );
    assert!(matches!(
        err,
        ProbeError::Timeout {
            phase: Phase::StartTls,
            ..
        }
    ));
}

#[test]
fn overall_deadline_wins_over_a_trickling_server() {
    // A server that sends one greeting line every 9 s with a 60 s phase
    // limit is stopped by the 30 s overall limit.
    let start = Instant::now();
    let config = Config::new(Protocol::Smtp)
        .with_timeouts(Timeouts {
            phase: Duration::from_secs(60),
            ..Timeouts::default()
        })
        .unwrap();
    let mut probe = Probe::new(config, start);
    let mut now = start;
    for _ in 0..10 {
        now += Duration::from_secs(9);
        probe.handle_input(Input::Received(b"220-still here\r\n"), now);
        if probe.is_done() {
            break;
        }
    }
    let Output::Done(Err(err)) = probe.poll_output() else {
        panic!("not done")
    };
    assert_eq!(
        err,
        ProbeError::Timeout {
            protocol: Protocol::Smtp,
            phase: Phase::Greeting,
            limit: Duration::from_secs(30),
            overall: true,
            arrived: Arrived::Lines {
                complete: 4,
                last: "220-still here".into(),
                unfinished: false
            },
        }
    );
    assert!(now - start <= Duration::from_secs(36));
}

#[test]
fn early_timeout_input_is_ignored_and_done_is_repeatable() {
    let start = Instant::now();
    let mut probe = Probe::new(Config::new(Protocol::Smtp), start);
    probe.handle_input(Input::Timeout, start + Duration::from_secs(1));
    assert!(matches!(probe.poll_output(), Output::Wait(_)));
    probe.handle_input(
        Input::Received(b"421 busy\r\n"),
        start + Duration::from_secs(2),
    );
    let first = probe.poll_output();
    assert!(matches!(
        first,
        Output::Done(Err(ProbeError::Smtp(
            starttls_engine::smtp::SmtpError::Rejected { .. }
        )))
    ));
    assert_eq!(probe.poll_output(), first, "Done is repeatable");
    probe.handle_input(Input::Received(b"more"), start + Duration::from_secs(3));
    assert_eq!(
        probe.poll_output(),
        first,
        "input after Done changes nothing"
    );
}

#[test]
fn the_reply_to_quit_is_a_clean_end_whatever_the_transport_does_next() {
    let cases = [
        (GoodbyeAnswer::AsScripted, CloseOutcome::Clean),
        (GoodbyeAnswer::ReplyThenClose, CloseOutcome::Clean),
        (GoodbyeAnswer::Close, CloseOutcome::ServerClosed),
    ];
    for (goodbye, expected) in cases {
        for piece in [1, 5, 100_000] {
            let scenario = Scenario::new(Personality::Postfix).with_faults(Faults {
                split: Split::Fixed(piece),
                goodbye,
                ..Faults::none()
            });
            let outcome = starttls_sim::run(&scenario);
            let Ok(report) = outcome.result else {
                panic!("{goodbye:?}, pieces of {piece}: {:?}", outcome.result)
            };
            assert_eq!(report.close, expected, "{goodbye:?}, pieces of {piece}");
            assert!(outcome.server_saw_goodbye, "QUIT sent inside TLS");
            assert!(
                !outcome.close_notify_with_goodbye,
                "close_notify follows the reply, not QUIT"
            );
            // Virtual time: waiting out the closing limit would show here.
            let closing = report.timing(Phase::Closing).expect("closing timed");
            assert!(
                closing < scenario.config.timeouts().closing,
                "the probe waits for the reply, not the closing limit: {closing:?}"
            );
        }
    }
}

/// A clock that cannot tell the time: rustls must ask it, and fail.
#[derive(Debug)]
struct NoClock;

impl rustls::time_provider::TimeProvider for NoClock {
    fn current_time(&self) -> Option<starttls_engine::UnixTime> {
        None
    }
}

#[test]
fn the_callers_time_source_is_the_one_rustls_asks() {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let crypto = starttls_engine::Crypto::new(provider, std::sync::Arc::new(NoClock));
    let mut scenario = Scenario::new(Personality::Postfix);
    scenario.config = scenario.config.clone().with_crypto(crypto);
    assert_eq!(
        starttls_sim::run(&scenario).result,
        Err(ProbeError::Tls {
            error: rustls::Error::FailedToGetCurrentTime
        }),
        "a probe whose clock has no time must fail"
    );
    // With the default crypto the same server passes.
    assert!(starttls_sim::run(&Scenario::new(Personality::Postfix))
        .result
        .is_ok());
}
