//! The same scripted personalities over real TCP on 127.0.0.1, for `demo`,
//! command-line tests and benchmarks.
//!
//! One accept thread and one small-stack thread per connection (so a
//! benchmark can hold a thousand or more connections open at once). Delays
//! are real sleeps here: postscreen really waits 6 s. Stops accepting on
//! drop; a connection still open then ends when its client closes or after
//! [`IDLE_LIMIT`] without input.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::certs::{CertKind, KeyKind, TestPki};
use crate::faults::{Faults, Piece, Wire};
use crate::personality::Personality;
use crate::server::SimServer;

/// How long a connection may sit without client input before the server
/// drops it.
pub const IDLE_LIMIT: Duration = Duration::from_secs(30);

/// Stack size of a connection thread (the TLS handshake needs well under it).
const CONNECTION_STACK: usize = 256 * 1024;

struct Shared {
    personality: Personality,
    cert: CertKind,
    key: KeyKind,
    faults: Faults,
    seed: u64,
    stop: AtomicBool,
    accepted: AtomicU64,
}

/// A personality served on a loopback port until dropped.
pub struct LoopbackServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl LoopbackServer {
    /// Serves `personality` with the (`cert`, `key`) identity of
    /// [`TestPki::shared`] on `127.0.0.1` at a free port.
    pub fn start(personality: Personality, cert: CertKind, key: KeyKind) -> io::Result<Self> {
        Self::start_with_faults(personality, cert, key, Faults::none(), 0)
    }

    /// Like [`LoopbackServer::start`], with `faults` applied to every
    /// connection (the n-th connection draws from `seed + n`).
    pub fn start_with_faults(
        personality: Personality,
        cert: CertKind,
        key: KeyKind,
        faults: Faults,
        seed: u64,
    ) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        // Generate the PKI before the first client waits for it.
        let _ = TestPki::shared();
        let shared = Arc::new(Shared {
            personality,
            cert,
            key,
            faults,
            seed,
            stop: AtomicBool::new(false),
            accepted: AtomicU64::new(0),
        });
        let for_thread = shared.clone();
        let acceptor = thread::Builder::new()
            .name(format!("sim-{}-accept", personality.name()))
            .spawn(move || accept_loop(&listener, &for_thread))?;
        Ok(LoopbackServer {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The address to connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The personality served.
    pub fn personality(&self) -> Personality {
        self.shared.personality
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> u64 {
        self.shared.accepted.load(Ordering::Relaxed)
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

impl std::fmt::Debug for LoopbackServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopbackServer")
            .field("addr", &self.addr)
            .field("personality", &self.shared.personality)
            .finish_non_exhaustive()
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else {
            // Out of file descriptors and the like: back off briefly.
            thread::sleep(Duration::from_millis(5));
            continue;
        };
        let n = shared.accepted.fetch_add(1, Ordering::Relaxed);
        let shared = shared.clone();
        let spawned = thread::Builder::new()
            .name("sim-conn".into())
            .stack_size(CONNECTION_STACK)
            .spawn(move || {
                let _ = serve(stream, &shared, n);
            });
        if spawned.is_err() {
            thread::sleep(Duration::from_millis(5));
        }
    }
}

fn serve(mut stream: TcpStream, shared: &Shared, n: u64) -> io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(IDLE_LIMIT))?;
    let identity = TestPki::shared().identity(shared.cert, shared.key);
    let mut server = SimServer::new(shared.personality, identity, &shared.faults);
    let mut wire = Wire::new(&shared.faults, shared.seed.wrapping_add(n));
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        // Everything the server has to say (forever, for an endless reply:
        // then the loop ends when the client goes away).
        while let Some(out) = server.poll_output() {
            for piece in wire.pieces(out) {
                match piece {
                    Piece::Data { delay, bytes } => {
                        thread::sleep(delay);
                        stream.write_all(&bytes)?;
                    }
                    Piece::Close { delay } => {
                        thread::sleep(delay);
                        let _ = stream.shutdown(Shutdown::Both);
                        return Ok(());
                    }
                }
            }
            if shared.stop.load(Ordering::Relaxed) && !server.has_pending() {
                return Ok(());
            }
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        server.receive(&buf[..n]);
    }
}
