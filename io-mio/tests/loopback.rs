//! The driver against real loopback servers: success, many probes at once,
//! and every way a connection can fail.

mod support;

use std::time::{Duration, Instant};

use starttls_engine::{Arrived, CloseOutcome, Config, Phase, ProbeError, Protocol, Timeouts};
use starttls_io_mio::{check, check_many, CheckError, ConnectFailure, DriverOptions, Target};
use support::{dead_port, pki, start, start_on, Behavior};

fn config() -> Config {
    Config::new(Protocol::Smtp)
        .with_server_name("mail.example.com")
        .unwrap()
        .with_timeouts(Timeouts {
            phase: Duration::from_secs(5),
            ..Timeouts::default()
        })
        .unwrap()
}

fn options() -> DriverOptions {
    DriverOptions {
        connect_timeout: Duration::from_secs(5),
        overall_timeout: Duration::from_secs(10),
        max_in_flight: 256,
    }
}

fn target(addr: std::net::SocketAddr, config: Config) -> Target {
    Target::new(addr.ip().to_string(), addr.port(), config)
}

#[test]
fn one_check_returns_the_exact_chain() {
    let addr = start(Behavior::Smtp);
    let checked = check(target(addr, config()), &options()).unwrap();
    assert_eq!(
        checked.report.chain,
        pki().chain,
        "leaf and intermediate, in order"
    );
    assert_eq!(checked.peer, addr);
    assert_eq!(checked.report.close, CloseOutcome::Clean);
    assert_eq!(
        checked.report.greeting.as_deref(),
        Some("mail.example.com ESMTP loopback")
    );
    assert!(checked.connect_time <= checked.total_time);
    assert!(checked.report.total <= checked.total_time);
}

#[test]
fn hundreds_of_probes_at_once_come_back_in_input_order() {
    let servers: Vec<_> = (0..4).map(|_| start(Behavior::Smtp)).collect();
    let dead = dead_port();
    let expected: Vec<_> = (0..320)
        .map(|i| if i % 40 == 7 { dead } else { servers[i % 4] })
        .collect();
    let targets = expected.iter().map(|&a| target(a, config())).collect();
    let options = DriverOptions {
        max_in_flight: 200,
        overall_timeout: Duration::from_secs(30),
        ..options()
    };
    let started = Instant::now();
    let results = check_many(targets, &options);
    assert_eq!(results.len(), expected.len());
    for (i, (result, addr)) in results.iter().zip(&expected).enumerate() {
        if *addr == dead {
            assert!(
                matches!(result, Err(CheckError::Connect { attempts, .. }) if attempts == &[(dead, ConnectFailure::Refused)]),
                "#{i}: {result:?}"
            );
            continue;
        }
        let checked = result.as_ref().unwrap_or_else(|e| panic!("#{i}: {e}"));
        assert_eq!(checked.peer, *addr, "#{i} in input order");
        assert_eq!(checked.report.chain, pki().chain, "#{i}");
    }
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn a_closed_port_is_a_refused_connection() {
    let dead = dead_port();
    let err = check(target(dead, config()), &options()).unwrap_err();
    assert_eq!(
        err,
        CheckError::Connect {
            host: "127.0.0.1".into(),
            attempts: vec![(dead, ConnectFailure::Refused)]
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "could not connect to 127.0.0.1 port {}: 127.0.0.1 refused the connection",
            dead.port()
        )
    );
}

#[test]
fn an_unknown_name_is_a_dns_error() {
    let err = check(Target::new("name.invalid", 25, config()), &options()).unwrap_err();
    assert!(
        matches!(&err, CheckError::Resolve { host, .. } if host == "name.invalid"),
        "{err:?}"
    );
    assert!(err
        .to_string()
        .starts_with("DNS lookup of name.invalid failed: "));
}

#[test]
fn a_silent_server_runs_into_the_phase_limit() {
    let addr = start(Behavior::Silent);
    let config = config()
        .with_timeouts(Timeouts {
            phase: Duration::from_millis(300),
            ..Timeouts::default()
        })
        .unwrap();
    let started = Instant::now();
    let err = check(target(addr, config), &options()).unwrap_err();
    assert_eq!(
        err,
        CheckError::Probe {
            peer: addr,
            error: ProbeError::Timeout {
                protocol: Protocol::Smtp,
                phase: Phase::Greeting,
                limit: Duration::from_millis(300),
                overall: false,
                arrived: Arrived::Nothing
            }
        }
    );
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(4));
}

#[test]
fn the_overall_limit_cuts_a_slow_server_short() {
    let addr = start(Behavior::SlowGreeting(Duration::from_secs(3)));
    let options = DriverOptions {
        overall_timeout: Duration::from_millis(400),
        ..options()
    };
    let started = Instant::now();
    let err = check(target(addr, config()), &options).unwrap_err();
    assert_eq!(
        err,
        CheckError::Probe {
            peer: addr,
            error: ProbeError::Timeout {
                protocol: Protocol::Smtp,
                phase: Phase::Greeting,
                limit: Duration::from_millis(400),
                overall: true,
                arrived: Arrived::Nothing
            }
        },
        "the driver's limit is reported, not the rest of it the probe was given"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn a_server_closing_at_once_fails_in_the_greeting() {
    let addr = start(Behavior::CloseAtOnce);
    let err = check(target(addr, config()), &options()).unwrap_err();
    assert_eq!(
        err,
        CheckError::Probe {
            peer: addr,
            error: ProbeError::ConnectionClosed {
                protocol: Protocol::Smtp,
                phase: Phase::Greeting
            }
        }
    );
    assert_eq!(
        err.to_string(),
        "server closed the connection waiting for the greeting"
    );
}

#[test]
fn ipv6_literals_work_with_and_without_brackets() {
    let Ok(addr) = start_on("[::1]:0", Behavior::Smtp) else {
        eprintln!("no IPv6 loopback here; skipped");
        return;
    };
    for host in ["::1", "[::1]"] {
        let checked = check(Target::new(host, addr.port(), config()), &options())
            .unwrap_or_else(|e| panic!("{host}: {e}"));
        assert_eq!(checked.peer, addr);
    }
}

#[test]
fn mixed_failures_in_one_batch_keep_their_places() {
    let ok = start(Behavior::Smtp);
    let closing = start(Behavior::CloseAtOnce);
    let dead = dead_port();
    let targets = vec![
        Target::new("name.invalid", 25, config()),
        target(ok, config()),
        target(closing, config()),
        target(dead, config()),
        target(ok, config()),
    ];
    let results = check_many(targets, &options());
    assert!(
        matches!(results[0], Err(CheckError::Resolve { .. })),
        "{:?}",
        results[0]
    );
    assert!(results[1].is_ok(), "{:?}", results[1]);
    assert!(
        matches!(
            &results[2],
            Err(CheckError::Probe {
                error: ProbeError::ConnectionClosed { .. },
                ..
            })
        ),
        "{:?}",
        results[2]
    );
    assert!(
        matches!(results[3], Err(CheckError::Connect { .. })),
        "{:?}",
        results[3]
    );
    assert!(results[4].is_ok(), "{:?}", results[4]);
}
