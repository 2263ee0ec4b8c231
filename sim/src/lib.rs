//! # starttls-sim
//!
//! The test bench starttls-engine is proven on: scripted servers that speak
//! the plaintext phase byte for byte like Postfix, postscreen, Exim,
//! Exchange, Dovecot LMTP, OpenLDAP, Active Directory, 389-ds, PostgreSQL,
//! MariaDB and MySQL (or fail
//! like broken ones), then hand over to an in-memory rustls server with
//! certificates from a generated test PKI.
//!
//! A [`Scenario`] joins a [`Probe`](starttls_engine::Probe) and a
//! [`SimServer`] through a [`Wire`](faults::Wire) that applies seeded
//! [`Faults`](faults::Faults), under a [`VirtualClock`](clock::VirtualClock):
//! the run reads the real clock once, then only adds exact durations, so a
//! 6 s postscreen delay costs no real time and the same seed gives the same
//! run. [`loopback`] serves the same scripts over real TCP.
//!
//! The TLS bytes themselves repeat only with `Scenario::with_seeded_crypto`
//! (cargo feature `deterministic`, off by default): both sides then run on
//! the `deterministic` module's seeded, insecure provider and its Ed25519
//! PKI, so every byte both ways and the report follow from the seed, in any
//! process (`tests/determinism.rs`). The feature is for tests and fuzzing
//! only; the command never enables it.
//!
//! ```
//! use std::time::Duration;
//! use starttls_sim::certs::{CertKind, KeyKind, TestPki};
//! use starttls_sim::faults::{Faults, Split};
//! use starttls_sim::personality::Personality;
//! use starttls_sim::{run, Scenario};
//!
//! let scenario = Scenario::new(Personality::Postscreen)
//!     .with_cert(CertKind::Expired, KeyKind::Rsa2048)
//!     .with_faults(Faults { split: Split::Random { max: 7 }, ..Faults::none() })
//!     .with_seed(42);
//! let outcome = run(&scenario);
//! let report = outcome.result.expect("postscreen hands over after its greet wait");
//! assert_eq!(report.chain, TestPki::shared().identity(CertKind::Expired, KeyKind::Rsa2048).chain);
//! assert_eq!(outcome.elapsed, Duration::from_secs(6), "virtual time: postscreen_greet_wait");
//! assert_eq!(outcome.client_sent, b"EHLO probe.sim.test\r\nSTARTTLS\r\n");
//! ```
//!
//! ## Modules
//! - [`certs`]: the test PKI ([`CertKind`](certs::CertKind) × [`KeyKind`](certs::KeyKind)).
//! - [`personality`]: who the server is, and the failure each broken one must cause.
//! - [`smtp_dialogue`], [`ldap_dialogue`], [`db_dialogue`], [`ber`]: the exact bytes, with sources.
//! - [`server`]: the sans-IO scripted server.
//! - [`faults`]: splitting, delays, closing, garbage, endless replies, injection, alerts,
//!   goodbye answers, oversized chains, and fixed turns for servers no personality describes.
//! - [`scenario`]: the virtual-time runner; [`clock`], [`rng`]: time and seeds.
//! - [`loopback`]: the personalities over TCP on 127.0.0.1.
//! - `deterministic` (feature `deterministic`): seeded, insecure crypto for
//!   byte-identical runs (tests only).

pub mod ber;
pub mod certs;
pub mod clock;
pub mod db_dialogue;
#[cfg(feature = "deterministic")]
pub mod deterministic;
pub mod faults;
pub mod ldap_dialogue;
pub mod legacy_tls;
pub mod line_dialogue;
pub mod loopback;
pub mod mailbox_dialogue;
pub mod odd_keys;
pub mod personality;
pub mod rng;
pub mod scenario;
pub mod server;
pub mod smtp_dialogue;
pub mod xmpp_dialogue;

pub use scenario::{run, try_run, Scenario, SimCrypto, SimOutcome};
pub use server::{ServerOutput, SimServer};
