//! The configuration cannot be set to something a probe cannot honour:
//! huge limits saturate instead of overflowing, an absolute deadline ends
//! the check with the limit it stands for, and the SNI sent is reported.

use std::time::{Duration, Instant};

use starttls_engine::{
    Arrived, Config, Input, Output, Phase, Probe, ProbeError, Protocol, Timeouts,
};

/// The largest time limits there are.
fn endless() -> Timeouts {
    Timeouts {
        phase: Duration::MAX,
        overall: Duration::MAX,
        closing: Duration::MAX,
    }
}

#[test]
fn duration_max_limits_do_not_overflow_poll_output_or_handle_input() {
    let start = Instant::now();
    let config = Config::new(Protocol::Smtp)
        .with_timeouts(endless())
        .expect("any positive limit is accepted");
    let mut probe = Probe::new(config, start);
    let Output::Wait(deadline) = probe.poll_output() else {
        panic!("a fresh SMTP probe waits for the greeting")
    };
    assert!(deadline > start + Duration::from_secs(365 * 24 * 3600));
    // Time passing and data arriving recompute the deadline: no panic.
    let later = start + Duration::from_secs(3600);
    probe.handle_input(Input::Received(b"220 mx ESMTP\r\n"), later);
    assert!(matches!(probe.poll_output(), Output::Transmit(_)), "EHLO");
    probe.handle_input(Input::Timeout, later);
    assert!(matches!(probe.poll_output(), Output::Wait(_)));
    assert!(probe.deadline() > later);
}

#[test]
fn an_absolute_deadline_ends_the_check_with_the_limit_it_stands_for() {
    let driver_start = Instant::now();
    let connected = driver_start + Duration::from_secs(4);
    let config = Config::new(Protocol::Smtp).with_deadline(
        driver_start + Duration::from_secs(5),
        Duration::from_secs(5),
    );
    let mut probe = Probe::new(config, connected);
    assert_eq!(probe.deadline(), driver_start + Duration::from_secs(5));
    probe.handle_input(Input::Timeout, driver_start + Duration::from_secs(5));
    let Output::Done(Err(error)) = probe.poll_output() else {
        panic!("the deadline ends the check")
    };
    assert_eq!(
        error,
        ProbeError::Timeout {
            protocol: Protocol::Smtp,
            phase: Phase::Greeting,
            limit: Duration::from_secs(5),
            overall: true,
            arrived: Arrived::Nothing,
        }
    );
}

#[test]
fn the_earlier_of_deadline_and_overall_limit_wins() {
    let start = Instant::now();
    let config = Config::new(Protocol::Ldap)
        .with_timeouts(Timeouts {
            phase: Duration::from_secs(60),
            overall: Duration::from_secs(3),
            closing: Duration::ZERO,
        })
        .unwrap()
        .with_deadline(start + Duration::from_secs(3600), Duration::from_secs(3600));
    let probe = Probe::new(config, start);
    assert_eq!(probe.deadline(), start + Duration::from_secs(3));
}

#[test]
fn the_report_carries_the_sni_sent_and_none_for_an_ip_address() {
    use starttls_sim::personality::Personality;
    use starttls_sim::{run, Scenario};

    let named = run(&Scenario::new(Personality::Postfix));
    let report = named.result.expect("a clean run");
    assert_eq!(
        report.sni.as_deref(),
        Some(starttls_sim::certs::SERVER_NAME)
    );

    let mut by_address = Scenario::new(Personality::OpenLdap);
    by_address.config = Config::new(Protocol::Ldap)
        .with_server_name("192.0.2.7")
        .unwrap();
    let report = run(&by_address).result.expect("a clean run");
    assert_eq!(report.sni, None, "RFC 6066: no IP address in SNI");

    let mut unnamed = Scenario::new(Personality::Exim);
    unnamed.config = Config::new(Protocol::Smtp);
    assert_eq!(run(&unnamed).result.expect("a clean run").sni, None);
}

#[test]
fn endless_limits_run_whole_simulated_checks_without_overflow() {
    use starttls_sim::personality::Personality;
    use starttls_sim::{try_run, Scenario};

    for personality in [Personality::Postscreen, Personality::GreetingRefused] {
        let mut scenario = Scenario::new(personality);
        scenario.config = scenario.config.clone().with_timeouts(endless()).unwrap();
        let outcome = try_run(&scenario).expect("the run ends");
        assert_eq!(
            outcome.result.is_ok(),
            personality.expected_failure().is_none(),
            "{personality:?}: {:?}",
            outcome.result
        );
    }
}
