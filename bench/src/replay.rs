//! The server side of the wire floor, without I/O: answers each client
//! flight of a [`Transcript`] with as many filler bytes as the real server
//! sent, then closes. No parsing, no TLS: only the bytes move.

use std::sync::Arc;

use crate::transcript::Transcript;

/// One connection replaying a transcript.
pub struct Replay {
    transcript: Arc<Transcript>,
    /// The round whose client flight is being received.
    round: usize,
    /// Bytes of that flight received so far.
    received: usize,
    /// Bytes for the socket.
    out: Vec<u8>,
    /// Set once the last answer is queued.
    finished: bool,
}

impl Replay {
    /// A new connection; the greeting, if any, is queued at once.
    pub fn new(transcript: Arc<Transcript>) -> Self {
        let out = vec![0; transcript.greeting];
        let finished = transcript.rounds.is_empty();
        Replay {
            transcript,
            round: 0,
            received: 0,
            out,
            finished,
        }
    }

    /// Bytes waiting for the socket; the caller drains what it wrote.
    pub fn outgoing(&mut self) -> &mut Vec<u8> {
        &mut self.out
    }

    /// Whether the connection should close once [`Replay::outgoing`] is empty.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// Counts bytes from the client and queues every answer now due.
    /// Bytes after the last round are ignored.
    pub fn receive(&mut self, data: &[u8]) {
        self.received += data.len();
        while let Some(&(client, server)) = self.transcript.rounds.get(self.round) {
            if self.received < client {
                return;
            }
            self.received -= client;
            self.out.resize(self.out.len() + server, 0);
            self.round += 1;
        }
        self.finished = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_each_complete_flight_and_finishes_after_the_last() {
        let t = Arc::new(Transcript {
            greeting: 3,
            rounds: vec![(2, 5), (4, 1)],
        });
        let mut r = Replay::new(t);
        assert_eq!(std::mem::take(r.outgoing()).len(), 3);
        r.receive(b"a");
        assert!(r.outgoing().is_empty(), "half a flight gets no answer");
        r.receive(b"bcd");
        assert_eq!(std::mem::take(r.outgoing()).len(), 5);
        assert!(!r.finished());
        r.receive(b"ef");
        assert_eq!(std::mem::take(r.outgoing()).len(), 1);
        assert!(r.finished());
    }
}
