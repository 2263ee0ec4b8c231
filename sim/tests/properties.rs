//! The properties the engine is proven on, each stated by its name.
//!
//! Case counts: 512 for each property (about 2 s for the whole file in a
//! debug build on 2 cores); every case is one or two complete simulated
//! checks, most with a rustls handshake.

use std::time::Duration;

use proptest::prelude::*;
use starttls_engine::{Handshake, ProbeError, Protocol, Report, Timeouts};
use starttls_sim::certs::{CertKind, KeyKind};
use starttls_sim::faults::{Endless, Faults, GoodbyeAnswer, Split};
use starttls_sim::personality::{Personality, TlsStyle};
use starttls_sim::scenario::{LogEntry, Traffic};
use starttls_sim::{run, try_run, Scenario};

const CASES: u32 = 512;

/// The most a probe may hold, with default limits, whatever the server
/// sends: one SMTP reply (`reply_bytes`, 16 KiB) plus its unfinished line
/// (`reply_line`, 1 KiB, which a growing Vec may double), or one LDAP
/// message (`ldap_message`, 16 KiB) with the same slack, or the XMPP
/// conversation's XML (`xml_bytes`, 16 KiB in all), plus the unsent
/// output (a ClientHello of ~250 bytes, EHLO, STARTTLS: under 4 KiB
/// including BytesMut's spare capacity). Counted: `Probe::buffered()`,
/// i.e. the preamble's reply/message buffers and the unsent output buffer;
/// not counted: rustls' own buffers (bounded by rustls itself) and the
/// `Vec<String>` headers of already-parsed reply lines.
const MEMORY_BOUND: usize = 16 * 1024 + 2 * 1024 + 4 * 1024;

fn personality() -> impl Strategy<Value = Personality> {
    prop::sample::select(Personality::all().to_vec())
}

fn working() -> impl Strategy<Value = Personality> {
    prop::sample::select(Personality::working().collect::<Vec<_>>())
}

fn failing() -> impl Strategy<Value = Personality> {
    prop::sample::select(Personality::failing().collect::<Vec<_>>())
}

fn cert() -> impl Strategy<Value = CertKind> {
    prop::sample::select(CertKind::all().to_vec())
}

fn key() -> impl Strategy<Value = KeyKind> {
    prop::sample::select(KeyKind::all().to_vec())
}

fn split() -> impl Strategy<Value = Split> {
    prop_oneof![
        Just(Split::Whole),
        (1usize..80).prop_map(Split::Fixed),
        (1usize..80).prop_map(|max| Split::Random { max }),
    ]
}

/// Delays small enough that no phase limit is reached even when a 4 KB
/// handshake flight arrives one byte at a time (at most 1.5 ms a piece).
fn short_delays() -> impl Strategy<Value = Option<(Duration, Duration)>> {
    prop::option::of(
        (0u64..500, 0u64..1000)
            .prop_map(|(a, b)| (Duration::from_micros(a), Duration::from_micros(a + b))),
    )
}

fn endless() -> impl Strategy<Value = Endless> {
    prop_oneof![
        Just(Endless::LineNeverEnds),
        Just(Endless::MultilineNeverEnds),
        Just(Endless::OneBytePerSecond),
    ]
}

/// Any combination of every fault.
fn any_faults() -> impl Strategy<Value = Faults> {
    (
        split(),
        prop::option::of(
            (0u64..2000, 0u64..3000)
                .prop_map(|(a, b)| (Duration::from_millis(a), Duration::from_millis(a + b))),
        ),
        prop::option::of(0usize..4000),
        prop::option::of(0usize..4000),
        prop::option::of(prop::collection::vec(any::<u8>(), 1..300)),
        prop::option::of(endless()),
        prop::option::of(prop::collection::vec(any::<u8>(), 1..100)),
        any::<bool>(),
        any::<bool>(),
        prop_oneof![
            Just(GoodbyeAnswer::AsScripted),
            Just(GoodbyeAnswer::ReplyThenClose),
            Just(GoodbyeAnswer::Close),
        ],
    )
        .prop_map(
            |(
                split,
                delay,
                close_at,
                stall_at,
                garbage,
                endless,
                inject,
                alert,
                stream,
                goodbye,
            )| Faults {
                split,
                delay_between_pieces: delay,
                close_at_byte: close_at,
                stall_at_byte: stall_at,
                garbage,
                endless,
                inject_after_starttls: inject,
                alert_instead_of_handshake: alert,
                stream_after_handshake: stream,
                goodbye,
                // Chains over 64 KiB have their own test (engine/tests).
                chain_padded_to: None,
                // Scripted turns replace the personality being tested.
                turns: None,
            },
        )
}

/// The report without its timings, for runs whose delays differ.
fn timeless(mut r: Report) -> Report {
    r.timings.clear();
    r.total = Duration::ZERO;
    if let Handshake::NotCompleted(first) = &mut r.handshake {
        first.first_timings.clear();
    }
    r
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn splitting_the_server_output_never_changes_the_report(
        p in personality(), cert in cert(), key in key(),
        a in split(), b in split(), delays in short_delays(), seed in any::<u64>(),
    ) {
        let base = Scenario::new(p).with_cert(cert, key).with_seed(seed);
        let whole = run(&base.clone().with_faults(Faults { split: a, ..Faults::none() }));
        let pieces = run(&base.with_faults(Faults {
            split: b,
            delay_between_pieces: delays,
            ..Faults::none()
        }));
        match (whole.result, pieces.result) {
            (Ok(x), Ok(y)) if delays.is_none() => prop_assert_eq!(x, y),
            (Ok(x), Ok(y)) => prop_assert_eq!(timeless(x), timeless(y)),
            (x, y) => prop_assert_eq!(x, y),
        }
        prop_assert_eq!(whole.client_sent, pieces.client_sent);
    }

    #[test]
    fn every_run_ends_within_the_overall_deadline_whatever_the_server_does(
        p in personality(), cert in cert(), key in key(), faults in any_faults(),
        seed in any::<u64>(), phase in 1u64..20, overall in 1u64..40, closing in 0u64..3,
    ) {
        let mut s = Scenario::new(p).with_cert(cert, key).with_faults(faults).with_seed(seed);
        let timeouts = Timeouts {
            phase: Duration::from_secs(phase),
            overall: Duration::from_secs(overall),
            closing: Duration::from_secs(closing),
        };
        s.config = s.config.clone().with_timeouts(timeouts).expect("positive limits");
        let outcome = try_run(&s).map_err(|hang| TestCaseError::fail(hang.to_string()))?;
        prop_assert!(
            outcome.elapsed <= timeouts.overall,
            "ran {:?} past the {:?} overall limit: {:?}", outcome.elapsed, timeouts.overall, outcome.result
        );
    }

    #[test]
    fn memory_held_by_a_probe_stays_under_a_fixed_bound_whatever_the_server_sends(
        p in personality(), faults in any_faults(), seed in any::<u64>(),
        huge_garbage in prop::option::of(prop::collection::vec(any::<u8>(), 1000..40_000)),
    ) {
        let mut faults = faults;
        if huge_garbage.is_some() {
            faults.garbage = huge_garbage;
        }
        let outcome = run(&Scenario::new(p).with_faults(faults).with_seed(seed));
        prop_assert!(
            outcome.max_buffered <= MEMORY_BOUND,
            "held {} bytes (bound {MEMORY_BOUND}): {:?}", outcome.max_buffered, outcome.result
        );
    }

    #[test]
    fn each_failure_personality_yields_its_specific_error(
        p in failing(), split in split(), delays in short_delays(), seed in any::<u64>(),
    ) {
        let expected = p.expected_failure().unwrap();
        let outcome = run(&Scenario::new(p).with_seed(seed).with_faults(Faults {
            split,
            delay_between_pieces: delays,
            ..Faults::none()
        }));
        match outcome.result {
            Err(e) => prop_assert!(expected.matches(&e), "{p}: expected {expected:?}, got {e:?}"),
            Ok(_) => prop_assert!(false, "{p} succeeded"),
        }
    }

    #[test]
    fn injected_plaintext_after_starttls_is_always_detected(
        p in working(), split in split(), delays in short_delays(), seed in any::<u64>(),
        injected in "[ -~]{1,60}(\r\n)?",
    ) {
        // Implicit TLS has no agreement to inject after.
        prop_assume!(!p.protocol().implicit_tls());
        let outcome = run(&Scenario::new(p).with_seed(seed).with_faults(Faults {
            split,
            delay_between_pieces: delays,
            inject_after_starttls: Some(injected.clone().into_bytes()),
            ..Faults::none()
        }));
        // PostgreSQL direct TLS has no agreement either: plaintext before
        // the ServerHello is plaintext instead of TLS, refused all the same.
        let caught = if p.protocol() == Protocol::PostgresDirect {
            matches!(outcome.result, Err(ProbeError::PlaintextInsteadOfTls { .. }))
        } else {
            matches!(outcome.result, Err(ProbeError::PlaintextAfterStartTls { .. }))
        };
        prop_assert!(caught, "{p} with {injected:?}: {:?}", outcome.result);
    }

    #[test]
    fn the_same_seed_gives_the_same_run(
        p in personality(), faults in any_faults(), seed in any::<u64>(),
    ) {
        // Seeded crypto: every byte repeats, TLS included, and so does
        // anything that quotes the server's TLS bytes (an excerpt of
        // "plaintext" after STARTTLS when garbage precedes the handshake).
        let s = Scenario::new(p).with_faults(faults).with_seed(seed).with_seeded_crypto();
        let (a, b) = (run(&s), run(&s));
        if matches!(p.tls(), TlsStyle::OddKey(_)) {
            // These keep ring's randomised key exchange and signatures.
            prop_assert_eq!(shape(&a.server_log), shape(&b.server_log));
            prop_assert_eq!(a.elapsed, b.elapsed);
            prop_assert_eq!(a.client_sent, b.client_sent);
        } else {
            prop_assert_eq!(&a.server_log, &b.server_log);
            prop_assert_eq!(a.elapsed, b.elapsed);
            prop_assert_eq!(a.client_sent, b.client_sent);
            prop_assert_eq!(format!("{:?}", a.result), format!("{:?}", b.result));
        }
    }
}

/// A log without the TLS bytes: when, which way, how many bytes.
fn shape(log: &[LogEntry]) -> Vec<(Duration, &'static str, usize)> {
    log.iter()
        .map(|e| match &e.traffic {
            Traffic::ToServer(b) => (e.at, "to server", b.len()),
            Traffic::ToClient(b) => (e.at, "to client", b.len()),
            Traffic::ServerClosed => (e.at, "closed", 0),
            Traffic::Deadline => (e.at, "deadline", 0),
            Traffic::Reconnected => (e.at, "reconnected", 0),
        })
        .collect()
}
