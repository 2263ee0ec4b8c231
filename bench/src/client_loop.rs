//! The event loop of the floor clients (`starttls-bench floor-once`): the
//! same kind of loop as io-mio's (mio, edge-triggered, one shared read
//! buffer, `TCP_NODELAY`, a cap on connections in flight), driving a
//! minimal [`Script`] per connection with no deadlines, no report and no
//! engine. What a batch of these costs is what a check costs without our
//! code.

use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

use crate::many::Batch;
use crate::memory::{peak_rss, reset_peak, rss, trim_heap};
use crate::rusage::{process_cpu, raise_open_files};

/// Give up when nothing at all happens for this long.
const STALL: Duration = Duration::from_secs(60);

/// One connection's conversation, without I/O.
pub trait Script {
    /// The TCP connection is up.
    fn connected(&mut self);
    /// Bytes from the server.
    fn receive(&mut self, data: &[u8]);
    /// Bytes for the server; the loop drains what the socket took.
    fn outgoing(&mut self) -> &mut Vec<u8>;
    /// `Some(Ok)` when the conversation is complete, `Some(Err)` when it
    /// went wrong, `None` while it goes on.
    fn outcome(&self) -> Option<Result<(), String>>;
}

/// One connection in the loop.
struct Conn<S> {
    stream: TcpStream,
    /// Whether the first event (the connect's completion) was seen.
    connected: bool,
    script: S,
}

/// Writes what the script has to say, as far as the socket takes it.
fn flush<S: Script>(conn: &mut Conn<S>) -> Result<(), String> {
    let out = conn.script.outgoing();
    let mut written = 0;
    while written < out.len() {
        match conn.stream.write(&out[written..]) {
            Ok(0) => return Err("the socket took no bytes".into()),
            Ok(n) => written += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("write: {e}")),
        }
    }
    out.drain(..written);
    Ok(())
}

/// Handles one readiness event; `Some` once the connection is finished.
fn on_event<S: Script>(conn: &mut Conn<S>, scratch: &mut [u8]) -> Option<Result<(), String>> {
    if !conn.connected {
        conn.connected = true;
        if let Ok(Some(e)) | Err(e) = conn.stream.take_error() {
            return Some(Err(format!("connect: {e}")));
        }
        if let Err(e) = conn.stream.set_nodelay(true) {
            return Some(Err(format!("TCP_NODELAY: {e}")));
        }
        conn.script.connected();
    }
    if let Err(e) = flush(conn) {
        return Some(Err(e));
    }
    loop {
        match conn.stream.read(scratch) {
            Ok(0) => {
                return Some(
                    conn.script
                        .outcome()
                        .unwrap_or_else(|| Err("the server closed early".into())),
                )
            }
            Ok(n) => {
                conn.script.receive(&scratch[..n]);
                if let Err(e) = flush(conn) {
                    return Some(Err(e));
                }
                if let Some(outcome) = conn.script.outcome() {
                    return Some(outcome);
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => return None,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Some(Err(format!("read: {e}"))),
        }
    }
}

/// Runs `count` conversations made by `make` against `addr`, at most
/// `concurrency` at a time; returns how many completed and the first
/// failure.
pub fn run_all<S: Script>(
    mut make: impl FnMut() -> S,
    addr: SocketAddr,
    concurrency: usize,
    count: usize,
) -> (u64, Option<String>) {
    let concurrency = concurrency.max(1);
    let mut poll = match Poll::new() {
        Ok(poll) => poll,
        Err(e) => return (0, Some(format!("cannot create the event loop: {e}"))),
    };
    let mut events = Events::with_capacity(1024);
    let mut scratch = vec![0; 16 * 1024 + 256];
    let mut conns: Vec<Option<Conn<S>>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    let (mut started, mut active, mut ok) = (0, 0, 0u64);
    let mut first_error: Option<String> = None;
    let mut fail = |e: String| {
        first_error.get_or_insert(e);
    };
    loop {
        while active < concurrency && started < count {
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
                script: make(),
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
            let Some(conn) = conns.get_mut(index).and_then(Option::as_mut) else {
                continue;
            };
            match on_event(conn, &mut scratch) {
                None => continue,
                Some(Ok(())) => ok += 1,
                Some(Err(e)) => fail(e),
            }
            // Closing the socket also removes it from the poll.
            conns[index] = None;
            free.push(index);
            active -= 1;
        }
    }
    (ok, first_error)
}

/// Runs a batch of `count` conversations and prints its [`Batch`] line,
/// labelled `what` in the place of the negotiated TLS version.
pub fn run_batch<S: Script>(
    what: &str,
    make: impl FnMut() -> S,
    addr: SocketAddr,
    concurrency: usize,
    count: usize,
) {
    raise_open_files(concurrency as u64 * 2 + 1024);
    trim_heap();
    reset_peak();
    let base_rss = rss();
    let cpu0 = process_cpu();
    let t0 = Instant::now();
    let (ok, first_error) = run_all(make, addr, concurrency, count);
    let wall = t0.elapsed();
    let batch = Batch {
        checks: count as u64,
        ok,
        first_error,
        wall,
        cpu: process_cpu().since(cpu0),
        base_rss,
        peak_rss: peak_rss(),
        negotiated: what.into(),
    };
    println!("{}", batch.to_line());
}
