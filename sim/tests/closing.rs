//! The closing phase against simulated servers: no waiting where the
//! protocol needs none, and a byte budget against servers that stream.

use std::time::Duration;

use starttls_engine::{CloseOutcome, Phase, Protocol, CLOSING_BYTE_BUDGET};
use starttls_sim::faults::Faults;
use starttls_sim::personality::Personality;
use starttls_sim::scenario::Traffic;
use starttls_sim::{run, Scenario};

/// Personalities whose TLS handshake completes: a legacy capture has no TLS
/// session to close (it ends with an alert, `CloseOutcome::Aborted`).
fn completes_tls(p: Personality) -> bool {
    !Personality::legacy().contains(&p)
}

/// Protocols whose goodbye has no answer (LDAP unbind, with or without
/// STARTTLS).
fn unanswered(p: Personality) -> bool {
    matches!(p.protocol(), Protocol::Ldap | Protocol::Ldaps)
}

#[test]
fn ldap_ends_right_after_unbind_and_close_notify() {
    for p in Personality::working().filter(|p| unanswered(*p) && completes_tls(*p)) {
        let outcome = run(&Scenario::new(p));
        let report = outcome.result.expect("check succeeds");
        assert_eq!(report.close, CloseOutcome::Clean, "{p}");
        assert!(outcome.server_saw_goodbye, "{p}: unbind sent inside TLS");
        assert_eq!(report.timing(Phase::Closing), Some(Duration::ZERO), "{p}");
        let closed = outcome
            .server_log
            .iter()
            .any(|e| e.traffic == Traffic::ServerClosed);
        assert!(
            !closed,
            "{p}: the probe did not wait for the server's close"
        );
    }
}

/// `tls` says nothing after the handshake: close_notify is its goodbye, and
/// the probe reads until the server's close_notify before it ends. Closing
/// the socket with the server's session tickets unread would end the
/// connection in a reset (stunnel logs `TLS socket closed (write hangup)`).
#[test]
fn tls_sends_close_notify_and_reads_until_the_servers() {
    let tls: Vec<Personality> = Personality::working()
        .filter(|p| p.protocol() == Protocol::Tls && completes_tls(*p))
        .collect();
    assert!(!tls.is_empty(), "a tls personality exists");
    for p in tls {
        let outcome = run(&Scenario::new(p));
        let report = outcome.result.expect("check succeeds");
        assert_eq!(report.close, CloseOutcome::Clean, "{p}");
        assert!(
            outcome.server_saw_goodbye,
            "{p}: close_notify reached the server"
        );
        // The server's answer to close_notify (its own close_notify) came
        // after the probe's last write, and the probe took it in.
        let last_write = outcome
            .server_log
            .iter()
            .rposition(|e| matches!(e.traffic, Traffic::ToServer(_)))
            .expect("the probe wrote");
        let answered = outcome.server_log[last_write..]
            .iter()
            .any(|e| matches!(&e.traffic, Traffic::ToClient(bytes) if !bytes.is_empty()));
        assert!(
            answered,
            "{p}: the probe ended before the server answered close_notify"
        );
    }
}

#[test]
fn smtp_ends_at_the_reply_to_quit() {
    for p in Personality::working().filter(|p| !unanswered(*p) && completes_tls(*p)) {
        let outcome = run(&Scenario::new(p));
        let report = outcome.result.expect("check succeeds");
        assert_eq!(report.close, CloseOutcome::Clean, "{p}");
        assert!(outcome.server_saw_goodbye, "{p}");
    }
}

#[test]
fn a_server_streaming_after_the_handshake_costs_at_most_the_byte_budget() {
    for p in [
        Personality::Postfix,
        Personality::DovecotLmtp,
        Personality::OpenLdap,
    ] {
        let faults = Faults {
            stream_after_handshake: true,
            ..Faults::none()
        };
        let scenario = Scenario::new(p).with_faults(faults);
        let closing_limit = scenario.config.timeouts().closing;
        let outcome = run(&scenario);
        let report = outcome
            .result
            .expect("the certificate is in before the stream");
        assert!(!report.chain.is_empty());
        if p.protocol() == Protocol::Ldap {
            // LDAP reads nothing after the unbind.
            assert_eq!(report.close, CloseOutcome::Clean, "{p}");
            continue;
        }
        assert_eq!(report.close, CloseOutcome::BudgetExceeded, "{p}");
        assert!(
            outcome.elapsed < closing_limit / 10,
            "{p}: stopped after {:?}, not at the closing limit",
            outcome.elapsed
        );
        // What reached the probe after the handshake: at most two writes of
        // the stream (the probe reads a piece past the budget, then stops).
        let streamed: usize = outcome
            .server_log
            .iter()
            .filter_map(|e| match &e.traffic {
                Traffic::ToClient(bytes) if bytes.len() >= 16_000 => Some(bytes.len()),
                _ => None,
            })
            .sum();
        assert!(
            streamed <= 2 * (16_000 + 512) && streamed > CLOSING_BYTE_BUDGET - 16_000,
            "{p}: {streamed} bytes delivered"
        );
        // The unfinished reply is held within the reply limit (16 KiB).
        let reply_limit = scenario.config.limits().reply_bytes;
        assert!(
            outcome.max_buffered <= reply_limit + 2 * 1024,
            "{p}: {}",
            outcome.max_buffered
        );
    }
}
