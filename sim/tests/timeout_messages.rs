//! Timeouts in virtual time say what had arrived: a silent server, a
//! greeting or reply that stopped halfway, a handshake that stalled after
//! some bytes. Servers stall through the `stall_at_byte` fault (sending
//! stops, the connection stays open) or, for postscreen, by design.

use std::time::Duration;

use starttls_engine::{Arrived, Phase, ProbeError, Protocol, Timeouts};
use starttls_sim::faults::Faults;
use starttls_sim::personality::Personality;
use starttls_sim::scenario::Traffic;
use starttls_sim::{run, Scenario};

fn stalling(personality: Personality, at: usize) -> Scenario {
    Scenario::new(personality).with_faults(Faults {
        stall_at_byte: Some(at),
        ..Faults::none()
    })
}

fn error_of(scenario: &Scenario) -> ProbeError {
    match run(scenario).result {
        Err(e) => e,
        Ok(_) => panic!("a stalled server passed the check"),
    }
}

/// Bytes the server sends before TLS in a clean run.
fn plaintext_len(personality: Personality) -> usize {
    let outcome = run(&Scenario::new(personality));
    let mut sent = 0;
    for entry in &outcome.server_log {
        match &entry.traffic {
            // The ClientHello ends the plaintext part.
            Traffic::ToServer(bytes) if bytes.first() == Some(&0x16) => break,
            Traffic::ToClient(bytes) => sent += bytes.len(),
            _ => {}
        }
    }
    sent
}

#[test]
fn a_silent_server_gets_the_smtps_hint() {
    let err = error_of(&stalling(Personality::Postfix, 0));
    assert_eq!(
        err.to_string(),
        "no greeting within the 10 s phase limit; a server that expects TLS at once \
         (SMTPS, port 465) never greets in plaintext"
    );
}

#[test]
fn postscreen_past_the_phase_limit_names_the_teaser_line_and_gives_no_hint() {
    let mut scenario = Scenario::new(Personality::Postscreen);
    let timeouts = Timeouts {
        phase: Duration::from_secs(5),
        ..scenario.config.timeouts()
    };
    scenario.config = scenario
        .config
        .clone()
        .with_timeouts(timeouts)
        .expect("a 5 s phase limit is valid");
    let outcome = run(&scenario);
    let err = outcome
        .result
        .expect_err("greet wait is longer than the limit");
    assert_eq!(
        err.to_string(),
        "greeting incomplete after 5 s (phase limit): 1 line received, the last \
         '220-mail.sim.test ESMTP Postfix'"
    );
    assert_eq!(outcome.elapsed, Duration::from_secs(5), "virtual time");
}

#[test]
fn a_line_cut_short_is_quoted_as_far_as_it_came() {
    let err = error_of(&stalling(Personality::Exim, 12));
    assert_eq!(
        err,
        ProbeError::Timeout {
            protocol: Protocol::Smtp,
            phase: Phase::Greeting,
            limit: Duration::from_secs(10),
            overall: false,
            arrived: Arrived::Lines {
                complete: 0,
                last: "220 mail.sim".into(),
                unfinished: true
            },
        }
    );
    assert!(!err.to_string().contains("465"));
}

#[test]
fn a_stalled_ehlo_reply_counts_its_lines() {
    let greeting = "220 mail.sim.test ESMTP Postfix\r\n".len();
    let err = error_of(&stalling(Personality::Postfix, greeting + 40));
    let text = err.to_string();
    assert!(
        text.starts_with("answer to EHLO/LHLO incomplete after 10 s (phase limit): "),
        "{text}"
    );
    assert!(matches!(
        err,
        ProbeError::Timeout {
            phase: Phase::Hello,
            arrived: Arrived::Lines { .. },
            ..
        }
    ));
}

#[test]
fn a_stalled_handshake_says_how_many_bytes_came() {
    let before_tls = plaintext_len(Personality::Postfix);
    let err = error_of(&stalling(Personality::Postfix, before_tls + 1234));
    assert_eq!(
        err.to_string(),
        "TLS handshake stalled after 1,234 bytes from the server (nothing more within the \
         10 s phase limit)"
    );
    let err = error_of(&stalling(Personality::Postfix, before_tls));
    assert_eq!(
        err.to_string(),
        "TLS handshake stalled: the server sent nothing after the ClientHello within the \
         10 s phase limit"
    );
}

#[test]
fn a_stalled_ldap_response_counts_its_bytes() {
    let err = error_of(&stalling(Personality::OpenLdap, 5));
    assert_eq!(
        err.to_string(),
        "answer to the STARTTLS request incomplete after 10 s (phase limit): 5 bytes received"
    );
    let err = error_of(&stalling(Personality::OpenLdap, 0));
    assert_eq!(
        err.to_string(),
        "no answer to the STARTTLS request within the 10 s phase limit"
    );
}

#[test]
fn silent_servers_of_other_protocols_get_their_own_hint_and_no_smtps_one() {
    let err = error_of(&stalling(Personality::MariaDb, 0)).to_string();
    assert_eq!(
        err,
        "no handshake packet within the 10 s phase limit; the server sent no handshake \
         packet: is this a MySQL port, and not one that expects TLS at once?"
    );
    let err = error_of(&stalling(Personality::Vsftpd, 0)).to_string();
    assert!(err.contains("is this an FTP control port"), "{err}");
    assert!(!err.contains("465") && !err.contains("SMTPS"), "{err}");
}
