//! The benchmark server (`starttls-bench serve`): one mio thread serving
//! SMTP and LDAP listeners on 127.0.0.1 to tens of thousands of
//! connections, each a [`Dialogue`], and two wire-floor listeners that
//! replay a check's byte counts without TLS ([`Replay`]). It runs in its own
//! process so the client's `getrusage` counts only the client.
//!
//! Protocol with the parent, one line each on stdout/stdin:
//! - it prints `READY smtp=PORT ldap=PORT wire_smtp=PORT wire_ldap=PORT
//!   backlog=N` once listening, then, when asked for extra SMTP targets
//!   (`--smtp-targets N`), `TARGETS ADDR:PORT,...`: N more SMTP-STARTTLS
//!   listeners, each on its own loopback address (127.0.1.1, 127.0.1.2 ...)
//!   and port, so a load can spread over distinct targets;
//! - `stats` → `STATS accepted=.. open=.. peak=.. accept_errors=.. user_us=.. sys_us=..`;
//! - `reset` → resets the peak to the connections open now, prints `OK`;
//! - end of input (the parent went away) ends the process.

use std::io::{BufRead, ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use rustls::ServerConfig;

use crate::dialogue::{Dialogue, Kind};
use crate::pki::BenchCert;
use crate::replay::Replay;
use crate::rusage::{process_cpu, raise_open_files};
use crate::transcript::Transcript;

/// The listen backlog asked for (the kernel caps it at `net.core.somaxconn`).
pub const BACKLOG: i32 = 4096;

/// Most extra SMTP targets (`--smtp-targets`).
pub const MAX_TARGETS: usize = 1000;

/// Connection tokens start here; the listeners' tokens are below.
const FIRST_CONN: usize = 4 + MAX_TARGETS;

static ACCEPTED: AtomicU64 = AtomicU64::new(0);
static OPEN: AtomicU64 = AtomicU64::new(0);
static PEAK: AtomicU64 = AtomicU64::new(0);
static ACCEPT_ERRORS: AtomicU64 = AtomicU64::new(0);

/// What a listener serves.
#[derive(Clone)]
enum Service {
    /// The real script with TLS.
    Tls(Kind),
    /// The wire floor: these byte counts, no TLS.
    Replay(Arc<Transcript>),
}

/// One connection's side of the conversation.
enum Conversation {
    /// Boxed: a TLS dialogue is twenty times the size of a replay.
    Tls(Box<Dialogue>),
    Replay(Replay),
}

impl Conversation {
    fn new(service: &Service, config: &Arc<ServerConfig>) -> Conversation {
        match service {
            Service::Tls(kind) => Conversation::Tls(Box::new(Dialogue::new(*kind, config.clone()))),
            Service::Replay(t) => Conversation::Replay(Replay::new(t.clone())),
        }
    }

    fn receive(&mut self, data: &[u8]) {
        match self {
            Conversation::Tls(d) => d.receive(data),
            Conversation::Replay(r) => r.receive(data),
        }
    }

    fn outgoing(&mut self) -> &mut Vec<u8> {
        match self {
            Conversation::Tls(d) => d.outgoing(),
            Conversation::Replay(r) => r.outgoing(),
        }
    }

    fn finished(&self) -> bool {
        match self {
            Conversation::Tls(d) => d.finished(),
            Conversation::Replay(r) => r.finished(),
        }
    }
}

struct Conn {
    stream: TcpStream,
    talk: Conversation,
    /// Whether WRITABLE interest is registered.
    writable: bool,
}

/// A listening socket and what it serves.
struct Listener {
    socket: TcpListener,
    service: Service,
}

/// Serves until stdin closes, with `targets` extra SMTP listeners (at most
/// [`MAX_TARGETS`]). Errors only when setting up fails.
pub fn serve(
    cert: &BenchCert,
    wire_smtp: Transcript,
    wire_ldap: Transcript,
    targets: usize,
) -> Result<(), String> {
    if targets > MAX_TARGETS {
        return Err(format!("at most {MAX_TARGETS} SMTP targets"));
    }
    raise_open_files(1 << 20);
    let config = cert.server_config()?;
    let mut poll = Poll::new().map_err(|e| e.to_string())?;
    let services = [
        Service::Tls(Kind::Smtp),
        Service::Tls(Kind::Ldap),
        Service::Replay(Arc::new(wire_smtp)),
        Service::Replay(Arc::new(wire_ldap)),
    ];
    let mut listeners = Vec::new();
    for (token, service) in services.into_iter().enumerate() {
        let socket = listen(&poll, Token(token), Ipv4Addr::LOCALHOST)?;
        listeners.push(Listener { socket, service });
    }
    let mut extra = Vec::with_capacity(targets);
    for i in 0..targets {
        let socket = listen(&poll, Token(listeners.len()), target_address(i))?;
        extra.push(
            socket
                .local_addr()
                .map(|a| a.to_string())
                .map_err(|e| e.to_string())?,
        );
        listeners.push(Listener {
            socket,
            service: Service::Tls(Kind::Smtp),
        });
    }
    let port = |i: usize| {
        listeners[i]
            .socket
            .local_addr()
            .map(|a| a.port())
            .unwrap_or(0)
    };
    println!(
        "READY smtp={} ldap={} wire_smtp={} wire_ldap={} backlog={}",
        port(0),
        port(1),
        port(2),
        port(3),
        BACKLOG
    );
    if !extra.is_empty() {
        println!("TARGETS {}", extra.join(","));
    }
    let _ = std::io::stdout().flush();
    std::thread::spawn(control);

    let mut conns: Vec<Option<Conn>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    let mut scratch = vec![0u8; 64 * 1024];
    let mut events = Events::with_capacity(4096);
    loop {
        if let Err(e) = poll.poll(&mut events, None) {
            if e.kind() == ErrorKind::Interrupted {
                continue;
            }
            return Err(format!("poll failed: {e}"));
        }
        for event in events.iter() {
            match event.token() {
                Token(t) if t < FIRST_CONN => {
                    if let Some(listener) = listeners.get_mut(t) {
                        accept(&poll, listener, &config, &mut conns, &mut free);
                    }
                }
                Token(t) => {
                    let index = t - FIRST_CONN;
                    let Some(mut conn) = conns.get_mut(index).and_then(Option::take) else {
                        continue;
                    };
                    if serve_conn(&poll, &mut conn, index, &mut scratch) {
                        conns[index] = Some(conn);
                    } else {
                        close(&poll, conn, index, &mut free);
                    }
                }
            }
        }
    }
}

/// The loopback address of extra target `i`: 127.0.1.1, 127.0.1.2, ...
/// (the whole of 127/8 reaches the loopback interface on Linux).
fn target_address(i: usize) -> Ipv4Addr {
    let n = i % (250 * 250);
    Ipv4Addr::new(127, 0, 1 + (n / 250) as u8, 1 + (n % 250) as u8)
}

/// Binds a listener on `ip` (a free port) with [`BACKLOG`] and registers it.
fn listen(poll: &Poll, token: Token, ip: Ipv4Addr) -> Result<TcpListener, String> {
    let addr = SocketAddr::from((ip, 0));
    let mut listener =
        TcpListener::bind(addr).map_err(|e| format!("cannot listen on {ip}: {e}"))?;
    // mio listens with a backlog of 1024; listening again widens it.
    // SAFETY: listen on a socket we own.
    unsafe {
        libc::listen(listener.as_raw_fd(), BACKLOG);
    }
    poll.registry()
        .register(&mut listener, token, Interest::READABLE)
        .map_err(|e| e.to_string())?;
    Ok(listener)
}

/// Accepts every pending connection on `listener`.
fn accept(
    poll: &Poll,
    listener: &mut Listener,
    config: &Arc<ServerConfig>,
    conns: &mut Vec<Option<Conn>>,
    free: &mut Vec<usize>,
) {
    loop {
        let stream = match listener.socket.accept() {
            Ok((stream, _)) => stream,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => {
                ACCEPT_ERRORS.fetch_add(1, Ordering::Relaxed);
                return;
            }
        };
        ACCEPTED.fetch_add(1, Ordering::Relaxed);
        let open = OPEN.fetch_add(1, Ordering::Relaxed) + 1;
        PEAK.fetch_max(open, Ordering::Relaxed);
        let _ = stream.set_nodelay(true);
        let index = free.pop().unwrap_or_else(|| {
            conns.push(None);
            conns.len() - 1
        });
        let mut conn = Conn {
            stream,
            talk: Conversation::new(&listener.service, config),
            writable: false,
        };
        let token = Token(index + FIRST_CONN);
        if poll
            .registry()
            .register(&mut conn.stream, token, Interest::READABLE)
            .is_err()
        {
            OPEN.fetch_sub(1, Ordering::Relaxed);
            free.push(index);
            continue;
        }
        // The greeting goes out now. Bytes the client already sent make
        // the socket readable at registration (epoll reports the state).
        if flush(poll, &mut conn, index) {
            conns[index] = Some(conn);
        } else {
            close(poll, conn, index, free);
        }
    }
}

/// Reads everything available, answers it and writes what it can.
/// Returns false when the connection should close.
fn serve_conn(poll: &Poll, conn: &mut Conn, index: usize, scratch: &mut [u8]) -> bool {
    loop {
        match conn.stream.read(scratch) {
            Ok(0) => return false,
            Ok(n) => conn.talk.receive(&scratch[..n]),
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return false,
        }
    }
    flush(poll, conn, index)
}

/// Writes pending output and adjusts WRITABLE interest. Returns false when
/// the connection should close (finished and flushed, or broken).
fn flush(poll: &Poll, conn: &mut Conn, index: usize) -> bool {
    let out = conn.talk.outgoing();
    let mut written = 0;
    while written < out.len() {
        match conn.stream.write(&out[written..]) {
            Ok(0) => return false,
            Ok(n) => written += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return false,
        }
    }
    out.drain(..written);
    let pending = !out.is_empty();
    if !pending && conn.talk.finished() {
        return false;
    }
    if pending != conn.writable {
        let interest = if pending {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::READABLE
        };
        let token = Token(index + FIRST_CONN);
        if poll
            .registry()
            .reregister(&mut conn.stream, token, interest)
            .is_err()
        {
            return false;
        }
        conn.writable = pending;
    }
    true
}

fn close(poll: &Poll, mut conn: Conn, index: usize, free: &mut Vec<usize>) {
    let _ = poll.registry().deregister(&mut conn.stream);
    drop(conn);
    OPEN.fetch_sub(1, Ordering::Relaxed);
    free.push(index);
}

/// Answers the parent's commands on stdin; exits when stdin closes.
fn control() {
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let mut out = std::io::stdout().lock();
        match line.trim() {
            "stats" => {
                let cpu = process_cpu();
                let _ = writeln!(
                    out,
                    "STATS accepted={} open={} peak={} accept_errors={} user_us={} sys_us={}",
                    ACCEPTED.load(Ordering::Relaxed),
                    OPEN.load(Ordering::Relaxed),
                    PEAK.load(Ordering::Relaxed),
                    ACCEPT_ERRORS.load(Ordering::Relaxed),
                    cpu.user.as_micros(),
                    cpu.system.as_micros()
                );
            }
            "reset" => {
                PEAK.store(OPEN.load(Ordering::Relaxed), Ordering::Relaxed);
                let _ = writeln!(out, "OK");
            }
            _ => {
                let _ = writeln!(out, "ERR unknown command");
            }
        }
        let _ = out.flush();
    }
    std::process::exit(0);
}
