//! Seeded crypto makes a simulated run a function of its scenario: the same
//! seed gives the same bytes both ways and the same report, in this process
//! and in any other (the golden digests below), and another seed does not.

use std::fmt::Write as _;

use starttls_sim::deterministic::SeededPki;
use starttls_sim::personality::Personality;
use starttls_sim::scenario::Traffic;
use starttls_sim::{run, Scenario};

/// Every byte of a run, both ways, with its virtual time, then the report.
fn transcript(personality: Personality, seed: u64) -> Vec<u8> {
    let outcome = run(&Scenario::new(personality)
        .with_seed(seed)
        .with_seeded_crypto());
    let report = outcome.result.as_ref().expect("a clean run succeeds");
    assert_eq!(report.chain, SeededPki::shared().identity().chain);
    let mut out = Vec::new();
    for entry in &outcome.server_log {
        let (tag, bytes): (&[u8], &[u8]) = match &entry.traffic {
            Traffic::ToServer(b) => (b"C", b),
            Traffic::ToClient(b) => (b"S", b),
            Traffic::ServerClosed => (b"closed", &[]),
            Traffic::Deadline => (b"deadline", &[]),
            Traffic::Reconnected => (b"reconnected", &[]),
        };
        out.extend_from_slice(format!("{:?} ", entry.at).as_bytes());
        out.extend_from_slice(tag);
        out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        out.extend_from_slice(bytes);
    }
    out.extend_from_slice(format!("{:?}", outcome.result).as_bytes());
    out
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest.as_ref().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// SMTP, LDAP, implicit TLS and IMAP, each with the SHA-256 of its seed-7
/// transcript as written by this test in another process.
const GOLDEN: &[(Personality, &str)] = &[
    (
        Personality::Postfix,
        "4938882124b61f6bf9b9d66aaa73ee661ed54d835ead7b64da5d3e4e86033e43",
    ),
    (
        Personality::OpenLdap,
        "2c11e27b2b4e6ad6ca6b0baf4b4c48f203c2b5ab1e3b57d4cecb99c643246ece",
    ),
    (
        Personality::PostfixSmtps,
        "4e4015fab3e5ae5aa39446ba964d808f542cec1e38331a7b4d4afd6223dd319d",
    ),
    (
        Personality::DovecotImap,
        "108c723f63ff16a37258cc4678f8e612cb1588c98378e19f5a30a4fd3b88391d",
    ),
];

#[test]
fn same_seed_gives_byte_identical_transcripts_in_every_process() {
    let mut mismatches = Vec::new();
    for &(personality, golden) in GOLDEN {
        let first = transcript(personality, 7);
        let second = transcript(personality, 7);
        assert!(
            first == second,
            "{personality:?}: two runs of seed 7 differ"
        );
        let digest = sha256_hex(&first);
        if digest != golden {
            mismatches.push(format!("(Personality::{personality:?}, \"{digest}\"),"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "transcripts differ from the golden digests (another process, or a change):\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn another_seed_gives_another_transcript() {
    for &(personality, _) in GOLDEN {
        assert_ne!(
            transcript(personality, 7),
            transcript(personality, 8),
            "{personality:?}"
        );
    }
}
