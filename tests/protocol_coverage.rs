//! Adding a protocol is a local change only if nothing forgets it: every
//! protocol of `Protocol::ALL` must have a command-line name (positional and
//! `--params`), a working simulator personality, a value of the fuzz
//! harness's protocol byte, and a seed in the probe's fuzz corpus that gets
//! through a whole check (plaintext phase, handshake, goodbye).

use std::fs;
use std::path::Path;

use clap::Parser;
use starttls_cert::args::Cli;
use starttls_engine::Protocol;
use starttls_fuzz_harness as fuzzing;
use starttls_sim::personality::Personality;

#[test]
fn every_protocol_has_a_command_line_name_in_both_styles() {
    for &p in Protocol::ALL {
        let cli = Cli::try_parse_from(["starttls-cert", "mx.example.com", "1", p.keyword()])
            .unwrap_or_else(|e| panic!("{p}: positional {:?} refused: {e}", p.keyword()));
        assert_eq!(cli.protocol.map(Protocol::from), Some(p));
        let upper = p.keyword().to_uppercase();
        let cli = Cli::try_parse_from(["starttls-cert", "mx.example.com", "1", &upper])
            .unwrap_or_else(|e| panic!("{p}: {upper:?} refused: {e}"));
        assert_eq!(cli.protocol.map(Protocol::from), Some(p));
        let params = starttls_cert::params::parse(&format!("protocol: {}", p.keyword()))
            .unwrap_or_else(|e| panic!("{p}: --params refused: {e}"));
        assert_eq!(params.protocol, Some(p));
        assert!(
            starttls_cert::args::protocol_list().contains(p.keyword()),
            "{p} missing from the list messages show"
        );
    }
}

#[test]
fn implicit_tls_names_ports_and_aliases_work_in_every_style() {
    for (args, protocol, port) in [
        (vec!["mx.example.com", "465", "smtps"], Protocol::Smtps, 465),
        (
            vec!["mx.example.com", "587", "SUBMISSIONS"],
            Protocol::Smtps,
            587,
        ),
        (
            vec!["mx.example.com", "--params", "protocol: submissions"],
            Protocol::Smtps,
            465,
        ),
        (
            vec!["mx.example.com", "--params", "protocol: imaps"],
            Protocol::Imaps,
            993,
        ),
        (
            vec!["mx.example.com", "--params", "protocol: pop3s"],
            Protocol::Pop3s,
            995,
        ),
        (
            vec!["mx.example.com", "--params", "protocol: ldaps"],
            Protocol::Ldaps,
            636,
        ),
        (
            vec!["ftp.example.com", "--params", "protocol: ftps"],
            Protocol::Ftps,
            990,
        ),
        (
            vec!["chat.example.com", "5223", "XMPPS"],
            Protocol::Xmpps,
            5223,
        ),
        (vec!["mx.example.com", "8443", "tls"], Protocol::Tls, 8443),
    ] {
        let cli = Cli::try_parse_from([&["starttls-cert"][..], &args].concat())
            .unwrap_or_else(|e| panic!("{args:?}: {e}"));
        let request = starttls_cert::request::Request::from_cli(cli, || "probe.test".into())
            .unwrap_or_else(|e| panic!("{args:?}: {e:?}"));
        assert_eq!(
            (request.protocol, request.port),
            (protocol, port),
            "{args:?}"
        );
    }
    let cli = Cli::try_parse_from([
        "starttls-cert",
        "mx.example.com",
        "--params",
        "protocol: tls",
    ])
    .unwrap();
    let error = format!(
        "{:?}",
        starttls_cert::request::Request::from_cli(cli, || "probe.test".into()).unwrap_err()
    );
    assert!(
        error.contains("protocol tls has no default port"),
        "{error}"
    );
}

#[test]
fn every_protocol_has_a_working_simulator_personality() {
    for &p in Protocol::ALL {
        assert!(
            Personality::working().any(|s| s.protocol() == p),
            "no working simulator personality speaks {p}"
        );
    }
}

#[test]
fn the_fuzz_harness_reaches_every_protocol() {
    for (i, &p) in Protocol::ALL.iter().enumerate() {
        let byte = u8::try_from(i).expect("fewer than 256 protocols");
        assert_eq!(fuzzing::protocol_for(byte), p);
    }
    let reached: Vec<Protocol> = (0..=u8::MAX).map(fuzzing::protocol_for).collect();
    for &p in Protocol::ALL {
        assert!(reached.contains(&p), "the fuzz harness never picks {p}");
    }
}

#[test]
fn every_protocol_has_a_corpus_seed_that_completes_the_check() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/probe_stream");
    let mut reached = Vec::new();
    for entry in fs::read_dir(&dir).expect("the probe_stream corpus") {
        let data = fs::read(entry.expect("directory entry").path()).expect("corpus file");
        let Some(&steer) = data.first() else { continue };
        let outcome = fuzzing::probe_stream_outcome(&data);
        // The server turns were recorded against the harness's seeded
        // crypto, so the whole check replays: the plaintext phase, the
        // handshake and the goodbye.
        if outcome == Some(Ok(())) {
            reached.push(fuzzing::protocol_for(steer));
        }
    }
    for &p in Protocol::ALL {
        assert!(
            reached.contains(&p),
            "no seed in {} gets {p} through a whole check (run `cargo test --test fuzz_corpora -- --ignored write_probe_stream_seed_corpora` after adding its personality)",
            dir.display()
        );
    }
}
