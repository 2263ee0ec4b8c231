//! The cryptography and the clock rustls uses inside a probe, chosen by the
//! caller.
//!
//! The engine itself has no clock and draws no random numbers: rustls gets
//! both from a [`CryptoProvider`] (its `secure_random` and key exchange) and
//! a [`TimeProvider`]. [`Crypto::ring`] is what the command uses; a
//! simulator or fuzzer passes a seeded provider and a virtual clock with
//! [`Crypto::new`] and gets the same bytes on every run.

use std::fmt;
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::time_provider::{DefaultTimeProvider, TimeProvider};

/// A rustls [`CryptoProvider`] and [`TimeProvider`], shared by every probe
/// given the same [`Crypto`] (cloning copies two `Arc`s).
///
/// Build one per process and hand it to each [`crate::Config`] with
/// [`crate::Config::with_crypto`]:
///
/// ```
/// use starttls_engine::{Config, Crypto, Protocol};
///
/// let crypto = Crypto::ring();
/// let a = Config::new(Protocol::Smtp).with_crypto(crypto.clone());
/// let b = Config::new(Protocol::Ldap).with_crypto(crypto.clone());
/// assert!(a.crypto().same_as(&crypto) && b.crypto().same_as(&crypto));
/// ```
#[derive(Clone)]
pub struct Crypto {
    provider: Arc<CryptoProvider>,
    time: Arc<dyn TimeProvider>,
}

impl Crypto {
    /// ring's default provider (every suite and group rustls offers with
    /// ring) and the system clock.
    pub fn ring() -> Self {
        Crypto {
            provider: Arc::new(rustls::crypto::ring::default_provider()),
            time: Arc::new(DefaultTimeProvider),
        }
    }

    /// A caller's provider and time source. The provider's cipher suites
    /// and key exchange groups are what the probe offers; its
    /// `secure_random` also fills the random of a legacy capture's hello.
    pub fn new(provider: Arc<CryptoProvider>, time: Arc<dyn TimeProvider>) -> Self {
        Crypto { provider, time }
    }

    /// The cryptography provider.
    pub fn provider(&self) -> &Arc<CryptoProvider> {
        &self.provider
    }

    /// The time source.
    pub fn time(&self) -> &Arc<dyn TimeProvider> {
        &self.time
    }

    /// Whether both share the very same provider and time source (not
    /// merely equal ones).
    pub fn same_as(&self, other: &Crypto) -> bool {
        Arc::ptr_eq(&self.provider, &other.provider) && Arc::ptr_eq(&self.time, &other.time)
    }
}

impl fmt::Debug for Crypto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Crypto")
            .field("cipher_suites", &self.provider.cipher_suites.len())
            .field("kx_groups", &self.provider.kx_groups.len())
            .field("time", &self.time)
            .finish()
    }
}
