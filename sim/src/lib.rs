//! Deterministic simulator for starttls-engine.
pub mod ber;
pub mod certs;
pub mod clock;
pub mod faults;
pub mod ldap_dialogue;
pub mod personality;
pub mod rng;
pub mod scenario;
pub mod server;
pub mod smtp_dialogue;

pub use scenario::{run, try_run, Scenario, SimOutcome};
pub use server::{ServerOutput, SimServer};
