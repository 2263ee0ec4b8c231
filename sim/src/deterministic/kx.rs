//! A key exchange "group" with no secrets, for seeded test handshakes.

use rustls::crypto::{ActiveKeyExchange, SecureRandom, SharedSecret, SupportedKxGroup};
use rustls::{Error, NamedGroup, PeerMisbehaved};

use super::SeededRandom;

/// Bytes in a key share.
const SHARE_LEN: usize = 32;

/// **Insecure, test-only** key exchange under the X25519 code point: each
/// side's key share is 32 bytes from the [`SeededRandom`], and the shared
/// secret is SHA-256 of the two shares in sorted order, which anyone on the
/// wire can compute. Both ends of a simulated run use it, so the handshake
/// completes and every byte follows from the seed (ring's real groups take
/// their ephemeral keys from ring's own system random, which no provider
/// can replace). Never offer it to a real server: it would agree on
/// "X25519" and then fail, or worse, succeed against another copy of this.
#[derive(Debug)]
pub struct InsecureKx {
    random: &'static SeededRandom,
}

impl InsecureKx {
    /// A group drawing its shares from `random`.
    pub fn new(random: &'static SeededRandom) -> Self {
        InsecureKx { random }
    }
}

impl SupportedKxGroup for InsecureKx {
    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        let mut share = [0u8; SHARE_LEN];
        self.random.fill(&mut share)?;
        Ok(Box::new(Share(share)))
    }

    fn name(&self) -> NamedGroup {
        NamedGroup::X25519
    }
}

/// One side's key share.
struct Share([u8; SHARE_LEN]);

impl ActiveKeyExchange for Share {
    fn complete(self: Box<Self>, peer: &[u8]) -> Result<SharedSecret, Error> {
        if peer.len() != SHARE_LEN {
            return Err(PeerMisbehaved::InvalidKeyShare.into());
        }
        let (low, high) = if self.0.as_slice() <= peer {
            (self.0.as_slice(), peer)
        } else {
            (peer, self.0.as_slice())
        };
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(b"starttls-sim insecure kx");
        ctx.update(low);
        ctx.update(high);
        Ok(SharedSecret::from(ctx.finish().as_ref().to_vec()))
    }

    fn pub_key(&self) -> &[u8] {
        &self.0
    }

    fn group(&self) -> NamedGroup {
        NamedGroup::X25519
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_agree_and_a_short_share_is_refused() {
        let random: &'static SeededRandom = Box::leak(Box::new(SeededRandom::new(3, 1)));
        let kx = InsecureKx::new(random);
        let a = kx.start().unwrap();
        let b = kx.start().unwrap();
        assert_ne!(a.pub_key(), b.pub_key());
        let (a_pub, b_pub) = (a.pub_key().to_vec(), b.pub_key().to_vec());
        let ab = a.complete(&b_pub).unwrap();
        let ba = b.complete(&a_pub).unwrap();
        assert_eq!(ab.secret_bytes(), ba.secret_bytes());
        assert!(kx.start().unwrap().complete(&[0; 31]).is_err());
    }
}
