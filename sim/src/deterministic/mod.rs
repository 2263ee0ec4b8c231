//! Seeded, insecure cryptography for byte-reproducible simulated runs.
//!
//! **Test-only.** Nothing here is secret or secure: the "random" bytes come
//! from [`SimRng`](crate::rng::SimRng), the key exchange
//! ([`InsecureKx`]) sends its secret in the clear, and the clock is the
//! simulator's virtual one. It exists so that a [`Scenario`](crate::Scenario)
//! run [`with_seeded_crypto`](crate::Scenario::with_seeded_crypto), the
//! `probe_stream` fuzz target and embedders' tests see the same bytes on
//! every run of the same seed, in every process. The command never uses it
//! (it builds [`starttls_engine::Crypto::ring`]).
//!
//! What makes a rustls handshake differ between runs, and what replaces it:
//! - `secure_random` (hello randoms, session ids, tickets): [`SeededRandom`].
//! - ring's key exchange draws its ephemeral keys from ring's own sealed
//!   `SystemRandom`: [`InsecureKx`] takes its key share from the seeded
//!   random instead.
//! - ECDSA and RSA-PSS signatures are randomised: [`SeededPki`] is an
//!   Ed25519 root, intermediate and leaf (Ed25519 signing is deterministic),
//!   so the certificates and the handshake signature are the same bytes in
//!   every process.
//! - the wall clock: [`VirtualWallClock`] starts at a fixed date and moves
//!   only when the simulator moves its virtual clock.
//!
//! ```
//! use starttls_sim::deterministic::SeededCrypto;
//! use starttls_engine::{Config, Protocol};
//!
//! let crypto = SeededCrypto::new(7);
//! let config = Config::new(Protocol::Smtp).with_crypto(crypto.client());
//! assert!(config.crypto().same_as(&crypto.client()));
//! ```

mod kx;
mod pki;
mod random;
mod wall_clock;

pub use kx::InsecureKx;
pub use pki::SeededPki;
pub use random::SeededRandom;
pub use wall_clock::{VirtualWallClock, WALL_CLOCK_START};

use std::sync::Arc;
use std::time::Duration;

use rustls::crypto::CryptoProvider;
use rustls::ServerConfig;
use starttls_engine::Crypto;

use crate::certs::{PkiError, ServerIdentity};

/// The random stream ([`SeededRandom::new`]) of a seed the probe's side
/// draws from; the server's is [`SERVER_STREAM`], so the server's choices do
/// not depend on how much the client drew.
pub const CLIENT_STREAM: u64 = 1;
/// The random stream of a seed the server's side draws from.
pub const SERVER_STREAM: u64 = 2;

/// The seeded providers of one simulated run: the probe's [`Crypto`] and
/// the server's provider, sharing one [`VirtualWallClock`].
#[derive(Clone, Debug)]
pub struct SeededCrypto {
    client: Crypto,
    server: Arc<CryptoProvider>,
    clock: Arc<VirtualWallClock>,
}

impl SeededCrypto {
    /// Providers for `seed`, the clock at [`WALL_CLOCK_START`].
    pub fn new(seed: u64) -> Self {
        let clock = Arc::new(VirtualWallClock::new());
        SeededCrypto {
            client: Crypto::new(
                Arc::new(provider(seed, CLIENT_STREAM)),
                Arc::clone(&clock) as _,
            ),
            server: Arc::new(provider(seed, SERVER_STREAM)),
            clock,
        }
    }

    /// The probe's side, for [`starttls_engine::Config::with_crypto`]
    /// (clones share the random stream and clock).
    pub fn client(&self) -> Crypto {
        self.client.clone()
    }

    /// The server's provider.
    pub fn server_provider(&self) -> &Arc<CryptoProvider> {
        &self.server
    }

    /// A TLS 1.2 and 1.3 server configuration serving `identity` with the
    /// server's provider and the virtual wall clock.
    pub fn server_config(&self, identity: &ServerIdentity) -> Result<Arc<ServerConfig>, PkiError> {
        let config = ServerConfig::builder_with_details(
            Arc::clone(&self.server),
            Arc::clone(&self.clock) as _,
        )
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(identity.chain.clone(), identity.key())?;
        Ok(Arc::new(config))
    }

    /// Moves the wall clock both sides read to [`WALL_CLOCK_START`] plus
    /// `elapsed` (the simulator calls this whenever its clock moves).
    pub fn set_elapsed(&self, elapsed: Duration) {
        self.clock.set_elapsed(elapsed);
    }
}

/// ring's cipher suites, signature algorithms and keys, with a seeded
/// `secure_random` and [`InsecureKx`] as the only key exchange group.
///
/// rustls wants both as `'static` references, so every call leaks one
/// [`SeededRandom`] and one [`InsecureKx`] (under a hundred bytes): fine
/// once per simulated run; a loop over millions of inputs (a fuzz target)
/// builds one provider and [`SeededRandom::reseed`]s it instead (see
/// [`provider_with`]).
pub fn provider(seed: u64, stream: u64) -> CryptoProvider {
    provider_with(Box::leak(Box::new(SeededRandom::new(seed, stream))))
}

/// Like [`provider`], around a `random` the caller keeps (and may
/// [`SeededRandom::reseed`]).
pub fn provider_with(random: &'static SeededRandom) -> CryptoProvider {
    let kx: &'static InsecureKx = Box::leak(Box::new(InsecureKx::new(random)));
    CryptoProvider {
        kx_groups: vec![kx],
        secure_random: random,
        ..rustls::crypto::ring::default_provider()
    }
}
