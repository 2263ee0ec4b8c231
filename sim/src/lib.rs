//! Deterministic simulator for starttls-engine.
pub mod ber;
pub mod certs;
pub mod clock;
pub mod faults;
pub mod ldap_dialogue;
pub mod personality;
pub mod rng;
pub mod server;
pub mod smtp_dialogue;

pub use server::{ServerOutput, SimServer};
