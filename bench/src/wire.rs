//! The wire floor's client (`starttls-bench wire-once`): the same
//! connections, round trips and byte counts as a check, over the same
//! loopback TCP and the same kind of event loop (mio, edge-triggered, one
//! shared read buffer, `TCP_NODELAY`), but with no TLS, no parsing, no
//! deadlines and no report. Its CPU per connection is what moving a
//! check's bytes costs on this machine, so a check's CPU beyond the bare
//! handshake plus this is what the engine and the driver add.

use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

use crate::many::Batch;
use crate::memory::{peak_rss, reset_peak, rss, trim_heap};
use crate::rusage::{process_cpu, raise_open_files};
use crate::transcript::Transcript;

/// Give up when nothing at all happens for this long.
const STALL: Duration = Duration::from_secs(60);

/// One connection replaying the client side of the transcript.
struct Conn {
    stream: TcpStream,
    /// Whether the first event (the connect's completion) was seen.
    connected: bool,
    /// The next round whose client flight is due.
    next: usize,
    /// Server bytes still expected before the next flight.
    expect: usize,
    /// Bytes of the current client flight the socket has not taken yet.
    unsent: usize,
}

/// What an event did to a connection.
enum Step {
    Continue,
    Done,
    Failed(String),
}

/// The client loop's state.
struct Client<'a> {
    transcript: &'a Transcript,
    filler: Vec<u8>,
    scratch: Vec<u8>,
}

impl Client<'_> {
    /// Sends the rest of the current flight; when it is all out, the next
    /// server answer is expected.
    fn send(&self, conn: &mut Conn) -> Step {
        while conn.unsent > 0 {
            match conn.stream.write(&self.filler[..conn.unsent]) {
                Ok(0) => return Step::Failed("the socket took no bytes".into()),
                Ok(n) => conn.unsent -= n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Step::Continue,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Step::Failed(format!("write: {e}")),
            }
        }
        Step::Continue
    }

    /// Starts the next client flight, or reports the end of the transcript.
    fn next_flight(&self, conn: &mut Conn) -> Step {
        let Some(&(client, server)) = self.transcript.rounds.get(conn.next) else {
            return Step::Done;
        };
        conn.next += 1;
        conn.unsent = client;
        conn.expect = server;
        self.send(conn)
    }

    fn on_event(&mut self, conn: &mut Conn) -> Step {
        if !conn.connected {
            conn.connected = true;
            if let Ok(Some(e)) | Err(e) = conn.stream.take_error() {
                return Step::Failed(format!("connect: {e}"));
            }
            if let Err(e) = conn.stream.set_nodelay(true) {
                return Step::Failed(format!("TCP_NODELAY: {e}"));
            }
            conn.expect = self.transcript.greeting;
            if conn.expect == 0 {
                if let Step::Failed(e) = self.next_flight(conn) {
                    return Step::Failed(e);
                }
            }
        }
        if conn.unsent > 0 {
            if let Step::Failed(e) = self.send(conn) {
                return Step::Failed(e);
            }
        }
        loop {
            match conn.stream.read(&mut self.scratch) {
                Ok(0) => return Step::Failed("the server closed early".into()),
                Ok(n) => {
                    conn.expect = conn.expect.saturating_sub(n);
                    if conn.expect == 0 && conn.unsent == 0 {
                        match self.next_flight(conn) {
                            Step::Continue => {}
                            done => return done,
                        }
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Step::Continue,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Step::Failed(format!("read: {e}")),
            }
        }
    }
}

/// Runs `checks` replays with at most `concurrency` in flight and prints
/// the [`Batch`] line (`starttls-bench wire-once`).
pub fn run_once(transcript: &Transcript, addr: SocketAddr, concurrency: usize, checks: usize) {
    raise_open_files(concurrency as u64 * 2 + 1024);
    trim_heap();
    reset_peak();
    let base_rss = rss();
    let cpu0 = process_cpu();
    let t0 = Instant::now();
    let (ok, first_error) = replay_all(transcript, addr, concurrency.max(1), checks);
    let wall = t0.elapsed();
    let batch = Batch {
        checks: checks as u64,
        ok,
        first_error,
        wall,
        cpu: process_cpu().since(cpu0),
        base_rss,
        peak_rss: peak_rss(),
        results_bytes: 0,
        negotiated: "no TLS".into(),
    };
    println!("{}", batch.to_line());
}

/// The event loop; returns how many replays completed and the first failure.
fn replay_all(
    transcript: &Transcript,
    addr: SocketAddr,
    concurrency: usize,
    checks: usize,
) -> (u64, Option<String>) {
    let mut client = Client {
        transcript,
        filler: vec![0; transcript.largest_client_flight()],
        scratch: vec![0; 16 * 1024 + 256],
    };
    let mut poll = match Poll::new() {
        Ok(poll) => poll,
        Err(e) => return (0, Some(format!("cannot create the event loop: {e}"))),
    };
    let mut events = Events::with_capacity(1024);
    let mut conns: Vec<Option<Conn>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    let (mut started, mut active, mut ok) = (0, 0, 0u64);
    let mut first_error: Option<String> = None;
    let mut fail = |e: String| {
        first_error.get_or_insert(e);
    };
    loop {
        while active < concurrency && started < checks {
            started += 1;
            let mut stream = match TcpStream::connect(addr) {
                Ok(stream) => stream,
                Err(e) => {
                    fail(format!("connect: {e}"));
                    continue;
                }
            };
            let index = free.pop().unwrap_or_else(|| {
                conns.push(None);
                conns.len() - 1
            });
            let interest = Interest::READABLE | Interest::WRITABLE;
            if let Err(e) = poll
                .registry()
                .register(&mut stream, Token(index), interest)
            {
                fail(format!("register: {e}"));
                free.push(index);
                continue;
            }
            conns[index] = Some(Conn {
                stream,
                connected: false,
                next: 0,
                expect: 0,
                unsent: 0,
            });
            active += 1;
        }
        if active == 0 {
            break;
        }
        if let Err(e) = poll.poll(&mut events, Some(STALL)) {
            if e.kind() == ErrorKind::Interrupted {
                continue;
            }
            fail(format!("poll: {e}"));
            break;
        }
        if events.is_empty() {
            fail(format!("nothing happened for {} s", STALL.as_secs()));
            break;
        }
        for event in events.iter() {
            let index = event.token().0;
            let Some(mut conn) = conns.get_mut(index).and_then(Option::take) else {
                continue;
            };
            match client.on_event(&mut conn) {
                Step::Continue => {
                    conns[index] = Some(conn);
                    continue;
                }
                Step::Done => ok += 1,
                Step::Failed(e) => fail(e),
            }
            // Closing the socket also removes it from the poll.
            drop(conn);
            free.push(index);
            active -= 1;
        }
    }
    (ok, first_error)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
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
            assert_eq!(replay_all(&transcript, addr, 3, 6), (6, None));
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
        let (ok, error) = replay_all(&expected, addr, 1, 1);
        assert_eq!(ok, 0);
        // A read of the close, or a reset when the flight arrives after it.
        assert!(error.is_some());
    }
}
