//! Faults: what can go wrong between a scripted server and the probe. Every
//! fault is independent and combinable; every random choice comes from the
//! scenario's seed.
//!
//! Transport faults (splitting, delays, closing at a byte, garbage) are
//! applied by [`Wire`] to whatever the server sends; script faults (endless
//! replies, injected plaintext, an alert instead of a handshake, the answer
//! to the goodbye, a padded chain, fixed [`Turns`]) change what
//! [`SimServer`](crate::SimServer) sends.

use std::time::Duration;

use crate::rng::SimRng;
use crate::server::ServerOutput;

/// How the server's output is cut into the pieces the probe receives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Split {
    /// Each server write arrives whole.
    #[default]
    Whole,
    /// Pieces of exactly `n` bytes (the last one shorter); 0 acts as 1.
    Fixed(usize),
    /// Pieces of 1..=`max` bytes chosen from the seed; 0 acts as 1.
    Random {
        /// The largest piece.
        max: usize,
    },
}

/// A reply that never ends (it replaces the first reply: the greeting for
/// SMTP/LMTP, the StartTLS response for LDAP).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endless {
    /// SMTP: `220 ` then text without a line end, 512 bytes every 10 ms.
    /// LDAP: a message header announcing 2 GiB, then zeros at that pace.
    LineNeverEnds,
    /// SMTP: `220-` continuation lines, one every 10 ms, never the last.
    /// LDAP: intermediateResponse messages, one every 10 ms.
    MultilineNeverEnds,
    /// The first reply's bytes repeated forever, one byte per second.
    OneBytePerSecond,
}

/// How the server answers the probe's goodbye (`QUIT`, `</stream:stream>`,
/// unbind) inside TLS: a script fault. Every variant ends with the TCP close.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum GoodbyeAnswer {
    /// What the personality does: its reply (`221` for SMTP), then
    /// close_notify (none after an LDAP unbind), then the close.
    #[default]
    AsScripted,
    /// The reply, then the close without close_notify: what a client sees
    /// when the server's socket is gone (a reset) after its `221`.
    ReplyThenClose,
    /// No reply and no close_notify: the close alone.
    Close,
}

/// A server no personality describes, byte for byte (a script fault): its
/// whole dialogue replaced by fixed turns, with no TLS of its own (a turn
/// may hold TLS records, such as an alert).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Turns {
    /// What the server sends, one entry a turn. The first goes out when the
    /// connection opens, unless the client speaks first (LDAP, XMPP,
    /// PostgreSQL): then it answers the probe's first write. Each later
    /// turn answers the probe's next write.
    pub turns: Vec<Vec<u8>>,
    /// After the last turn: close the connection (`true`) or keep it open
    /// and silent, so the probe's deadline ends the check. With no turns,
    /// a server that speaks first closes (or stays silent) at once, one
    /// that listens first when the probe first writes.
    pub then_close: bool,
}

impl Turns {
    /// `turns`, then the close.
    pub fn then_close(turns: &[&[u8]]) -> Self {
        Turns {
            turns: turns.iter().map(|t| t.to_vec()).collect(),
            then_close: true,
        }
    }

    /// `turns`, then silence.
    pub fn then_silence(turns: &[&[u8]]) -> Self {
        Turns {
            then_close: false,
            ..Turns::then_close(turns)
        }
    }
}

/// The faults of one run. `Faults::default()` is a well-behaved network.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// How server output is cut into pieces.
    pub split: Split,
    /// A delay drawn from `(min, max)` before every piece but the first of
    /// each server write.
    pub delay_between_pieces: Option<(Duration, Duration)>,
    /// The server closes the connection once it has sent this many bytes
    /// (everything it would send later is lost). `Some(0)` closes at once.
    pub close_at_byte: Option<usize>,
    /// The server stops sending once it has sent this many bytes and keeps
    /// the connection open: a server that stalls halfway through a reply
    /// or the handshake. `Some(0)` never sends anything.
    pub stall_at_byte: Option<usize>,
    /// Bytes the server sends before anything else (before the greeting, or
    /// before the LDAP response).
    pub garbage: Option<Vec<u8>>,
    /// A first reply that never ends.
    pub endless: Option<Endless>,
    /// Plaintext the server sends right after agreeing to STARTTLS, in the
    /// same write (splitting may separate them).
    pub inject_after_starttls: Option<Vec<u8>>,
    /// The server answers the ClientHello with a fatal handshake_failure
    /// alert and closes.
    pub alert_instead_of_handshake: bool,
    /// Once the handshake is done the server streams application data
    /// (16 lines `250-xxx...` of 1,000 bytes, 16,000 bytes a write, one
    /// write every 10 ms) forever, never answers the goodbye and never
    /// closes: the closing phase's byte budget must stop the probe.
    pub stream_after_handshake: bool,
    /// How the server answers the goodbye.
    pub goodbye: GoodbyeAnswer,
    /// The server sends its chain with the last certificate repeated until
    /// the chain is at least this many bytes
    /// ([`ServerIdentity::padded_to`](crate::certs::ServerIdentity::padded_to));
    /// rustls personalities on ring crypto only (legacy, odd-key and seeded
    /// servers send their own chain).
    pub chain_padded_to: Option<usize>,
    /// The server's dialogue replaced by these turns; the personality
    /// then only names the protocol (who speaks first).
    pub turns: Option<Turns>,
}

impl Faults {
    /// No faults.
    pub fn none() -> Self {
        Faults::default()
    }

    /// True when nothing is faulty.
    pub fn is_none(&self) -> bool {
        *self == Faults::default()
    }
}

/// One piece as the probe receives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Bytes arriving `delay` after the previous piece (or the trigger).
    Data {
        /// Delay before arrival.
        delay: Duration,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// The connection closes `delay` after the previous piece.
    Close {
        /// Delay before the close.
        delay: Duration,
    },
}

/// Applies the transport faults to server output, write by write.
#[derive(Clone, Debug)]
pub struct Wire {
    split: Split,
    delays: Option<(Duration, Duration)>,
    close_at: Option<usize>,
    stall_at: Option<usize>,
    garbage: Option<Vec<u8>>,
    seed: u64,
    writes: u64,
    sent: usize,
    closed: bool,
}

impl Wire {
    /// A wire with `faults`' transport faults, drawing from `seed`.
    pub fn new(faults: &Faults, seed: u64) -> Self {
        Wire {
            split: faults.split,
            delays: faults.delay_between_pieces,
            close_at: faults.close_at_byte,
            stall_at: faults.stall_at_byte,
            garbage: faults.garbage.clone().filter(|g| !g.is_empty()),
            seed,
            writes: 0,
            sent: 0,
            closed: false,
        }
    }

    /// True once the wire delivered (or decided) the close.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The pieces one server output becomes. The n-th write's cuts and
    /// delays depend only on the seed, n and its length.
    pub fn pieces(&mut self, output: ServerOutput) -> Vec<Piece> {
        if self.closed || self.stall_at.is_some_and(|limit| self.sent >= limit) {
            return Vec::new();
        }
        let mut rng = SimRng::fork(self.seed, self.writes);
        self.writes += 1;
        let (delay, mut bytes, close) = match output {
            ServerOutput::Send { delay, bytes } => (delay, bytes, false),
            ServerOutput::Close { delay } => (delay, Vec::new(), true),
        };
        if let Some(mut garbage) = self.garbage.take() {
            garbage.extend_from_slice(&bytes);
            bytes = garbage;
        }
        let mut pieces = Vec::new();
        let mut next_delay = delay;
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let want = match self.split {
                Split::Whole => rest.len(),
                Split::Fixed(n) => n.max(1),
                Split::Random { max } => rng.between(1, max.max(1) as u64) as usize,
            };
            let mut n = want.min(rest.len());
            let mut closing = false;
            if let Some(limit) = self.close_at {
                let left = limit.saturating_sub(self.sent);
                if n >= left {
                    n = left;
                    closing = true;
                }
            }
            let mut stalling = false;
            if let Some(limit) = self.stall_at {
                let left = limit.saturating_sub(self.sent);
                if n >= left {
                    n = left;
                    stalling = true;
                }
            }
            if n > 0 {
                pieces.push(Piece::Data {
                    delay: next_delay,
                    bytes: rest[..n].to_vec(),
                });
                self.sent += n;
                rest = &rest[n..];
                next_delay = self.piece_delay(&mut rng);
            }
            if closing {
                return self.close(pieces, next_delay);
            }
            if stalling {
                // The rest of this write and everything later is lost;
                // the connection stays open.
                return pieces;
            }
        }
        if close {
            return self.close(pieces, next_delay);
        }
        pieces
    }

    fn close(&mut self, mut pieces: Vec<Piece>, delay: Duration) -> Vec<Piece> {
        self.closed = true;
        pieces.push(Piece::Close { delay });
        pieces
    }

    fn piece_delay(&self, rng: &mut SimRng) -> Duration {
        match self.delays {
            Some((lo, hi)) => rng.duration_between(lo, hi),
            None => Duration::ZERO,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send(bytes: &[u8]) -> ServerOutput {
        ServerOutput::Send {
            delay: Duration::from_millis(5),
            bytes: bytes.to_vec(),
        }
    }

    fn data(pieces: &[Piece]) -> Vec<u8> {
        pieces
            .iter()
            .flat_map(|p| match p {
                Piece::Data { bytes, .. } => bytes.clone(),
                Piece::Close { .. } => Vec::new(),
            })
            .collect()
    }

    #[test]
    fn splitting_keeps_every_byte_in_order_and_the_first_delay() {
        for split in [
            Split::Whole,
            Split::Fixed(3),
            Split::Random { max: 4 },
            Split::Fixed(0),
        ] {
            let faults = Faults {
                split,
                ..Faults::none()
            };
            let mut wire = Wire::new(&faults, 9);
            let pieces = wire.pieces(send(b"220 hello world\r\n"));
            assert_eq!(data(&pieces), b"220 hello world\r\n", "{split:?}");
            assert!(
                matches!(pieces[0], Piece::Data { delay, .. } if delay == Duration::from_millis(5))
            );
        }
    }

    #[test]
    fn close_at_byte_truncates_and_closes_once() {
        let faults = Faults {
            close_at_byte: Some(5),
            garbage: Some(b"xx".to_vec()),
            ..Faults::none()
        };
        let mut wire = Wire::new(&faults, 1);
        let pieces = wire.pieces(send(b"220 hi\r\n"));
        assert_eq!(data(&pieces), b"xx220");
        assert!(matches!(pieces.last(), Some(Piece::Close { .. })));
        assert!(wire.pieces(send(b"more")).is_empty());
    }

    #[test]
    fn stall_at_byte_truncates_and_keeps_the_connection_open() {
        let faults = Faults {
            stall_at_byte: Some(5),
            split: Split::Fixed(2),
            ..Faults::none()
        };
        let mut wire = Wire::new(&faults, 1);
        let pieces = wire.pieces(send(b"220-hi\r\n"));
        assert_eq!(data(&pieces), b"220-h");
        assert!(pieces.iter().all(|p| matches!(p, Piece::Data { .. })));
        assert!(!wire.is_closed());
        assert!(wire.pieces(send(b"more")).is_empty());
    }

    #[test]
    fn same_seed_same_pieces() {
        let faults = Faults {
            split: Split::Random { max: 7 },
            delay_between_pieces: Some((Duration::ZERO, Duration::from_millis(50))),
            ..Faults::none()
        };
        let a = Wire::new(&faults, 42).pieces(send(&[b'a'; 100]));
        let b = Wire::new(&faults, 42).pieces(send(&[b'a'; 100]));
        assert_eq!(a, b);
    }
}
