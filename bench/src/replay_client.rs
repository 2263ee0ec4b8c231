//! The wire floor's client script: a check's byte counts, flight by flight,
//! as filler bytes, with no TLS and no parsing. It sends each client flight
//! once the server's previous answer has fully arrived, and is done when
//! the last answer has.

use crate::client_loop::Script;
use crate::transcript::Transcript;

/// One connection replaying the client side of a [`Transcript`].
pub struct ReplayClient<'a> {
    transcript: &'a Transcript,
    /// The next round whose client flight is due.
    next: usize,
    /// Server bytes still expected before that flight.
    expect: usize,
    /// Bytes for the socket.
    out: Vec<u8>,
    /// Set once the last answer has arrived.
    done: bool,
}

impl<'a> ReplayClient<'a> {
    /// A connection that will replay `transcript`.
    pub fn new(transcript: &'a Transcript) -> Self {
        ReplayClient {
            transcript,
            next: 0,
            expect: transcript.greeting,
            out: Vec::new(),
            done: false,
        }
    }

    /// Queues the next client flight, or notes the end of the transcript.
    fn next_flight(&mut self) {
        match self.transcript.rounds.get(self.next) {
            Some(&(client, server)) => {
                self.next += 1;
                self.out.resize(self.out.len() + client, 0);
                self.expect = server;
            }
            None => self.done = true,
        }
    }
}

impl Script for ReplayClient<'_> {
    fn connected(&mut self) {
        if self.expect == 0 {
            self.next_flight();
        }
    }

    fn receive(&mut self, data: &[u8]) {
        self.expect = self.expect.saturating_sub(data.len());
        if self.expect == 0 && !self.done {
            self.next_flight();
        }
    }

    fn outgoing(&mut self) -> &mut Vec<u8> {
        &mut self.out
    }

    fn outcome(&self) -> Option<Result<(), String>> {
        self.done.then_some(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::SocketAddr;
    use std::sync::Arc;

    use super::*;
    use crate::client_loop::run_all;
    use crate::replay::Replay;

    /// A thread serving `transcript` with [`Replay`] to `connections` clients.
    fn replay_server(transcript: Transcript, connections: usize) -> SocketAddr {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let transcript = Arc::new(transcript);
        std::thread::spawn(move || {
            for stream in listener.incoming().take(connections) {
                let mut stream = stream.unwrap();
                let mut replay = Replay::new(transcript.clone());
                let mut buf = [0; 4096];
                loop {
                    let out = std::mem::take(replay.outgoing());
                    stream.write_all(&out).unwrap();
                    if replay.finished() {
                        break;
                    }
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => replay.receive(&buf[..n]),
                    }
                }
            }
        });
        addr
    }

    #[test]
    fn replays_both_the_server_first_and_the_client_first_shapes() {
        for transcript in [
            Transcript {
                greeting: 31,
                rounds: vec![(16, 55), (10, 30), (216, 668), (132, 245)],
            },
            Transcript {
                greeting: 0,
                rounds: vec![(31, 14), (216, 668), (120, 300)],
            },
        ] {
            let addr = replay_server(transcript.clone(), 6);
            let result = run_all(|| ReplayClient::new(&transcript), addr, 3, 6);
            assert_eq!(result, (6, None));
        }
    }

    #[test]
    fn a_server_that_closes_early_is_a_failure() {
        let served = Transcript {
            greeting: 5,
            rounds: vec![(3, 4)],
        };
        let expected = Transcript {
            greeting: 5,
            rounds: vec![(3, 4), (3, 4)],
        };
        let addr = replay_server(served, 1);
        let (ok, error) = run_all(|| ReplayClient::new(&expected), addr, 1, 1);
        assert_eq!(ok, 0);
        // A read of the close, or a reset when the flight arrives after it.
        assert!(error.is_some());
    }
}
