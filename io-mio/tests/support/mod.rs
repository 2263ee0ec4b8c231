//! A threaded loopback SMTP server with STARTTLS (rustls, the simulator's test PKI)
//! and a few misbehaving variants, for driving real sockets in tests.

#![allow(dead_code)] // each test binary uses a different part

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::Duration;

use rustls::{ServerConfig, ServerConnection, StreamOwned};
use rustls_pki_types::CertificateDer;
use starttls_sim::certs::{CertKind, KeyKind, TestPki};

/// How the server treats each connection.
#[derive(Clone, Copy, Debug)]
pub enum Behavior {
    /// Greeting, EHLO, STARTTLS, TLS, `221` to QUIT, close_notify, close.
    Smtp,
    /// Waits this long before the greeting, then behaves like `Smtp`.
    SlowGreeting(Duration),
    /// Accepts and never says a word (keeps the connection open a while).
    Silent,
    /// Closes right after accepting.
    CloseAtOnce,
}

/// The server's certificate chain (leaf, intermediate) and TLS config.
pub struct Pki {
    pub chain: Vec<CertificateDer<'static>>,
    config: Arc<ServerConfig>,
}

/// One chain and config for every server in the test binary, from the
/// simulator's test PKI (generated once per process).
pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let identity = TestPki::shared().identity(CertKind::Good, KeyKind::EcdsaP256);
        Pki {
            chain: identity.chain.clone(),
            config: identity.server_config(),
        }
    })
}

/// Starts a server on 127.0.0.1 with a free port; it runs until the test
/// process ends, one thread per connection.
pub fn start(behavior: Behavior) -> SocketAddr {
    start_on("127.0.0.1:0", behavior).expect("bind 127.0.0.1")
}

/// Like [`start`] on another local address (e.g. `[::1]:0`), if it exists.
pub fn start_on(bind: &str, behavior: Behavior) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind(bind)?;
    let addr = listener.local_addr()?;
    let config = pki().config.clone();
    thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let config = config.clone();
            thread::spawn(move || {
                let _ = serve(conn, behavior, config);
            });
        }
    });
    Ok(addr)
}

/// A loopback port nothing listens on: bound, then released.
pub fn dead_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

fn serve(mut sock: TcpStream, behavior: Behavior, config: Arc<ServerConfig>) -> io::Result<()> {
    sock.set_read_timeout(Some(Duration::from_secs(10)))?;
    sock.set_nodelay(true)?;
    match behavior {
        Behavior::CloseAtOnce => return Ok(()),
        Behavior::Silent => {
            thread::sleep(Duration::from_secs(10));
            return Ok(());
        }
        Behavior::SlowGreeting(delay) => thread::sleep(delay),
        Behavior::Smtp => {}
    }
    sock.write_all(b"220 mail.example.com ESMTP loopback\r\n")?;
    loop {
        let line = read_line(&mut sock)?;
        if line.starts_with(b"EHLO ") {
            sock.write_all(b"250-mail.example.com\r\n250-PIPELINING\r\n250 STARTTLS\r\n")?;
        } else if line == b"STARTTLS\r\n" {
            sock.write_all(b"220 2.0.0 Ready to start TLS\r\n")?;
            break;
        } else if line == b"QUIT\r\n" {
            return sock.write_all(b"221 2.0.0 Bye\r\n");
        } else {
            sock.write_all(b"500 5.5.1 what?\r\n")?;
        }
    }
    let conn = ServerConnection::new(config).map_err(io::Error::other)?;
    let mut tls = StreamOwned::new(conn, sock);
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !got.windows(6).any(|w| w == b"QUIT\r\n") {
        let n = tls.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        got.extend_from_slice(&buf[..n]);
    }
    tls.write_all(b"221 2.0.0 Bye\r\n")?;
    tls.conn.send_close_notify();
    tls.conn.complete_io(&mut tls.sock)?;
    Ok(())
}

/// One CRLF-terminated line, read a byte at a time so no TLS bytes are
/// swallowed after STARTTLS.
fn read_line(sock: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\n") {
        if sock.read(&mut byte)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        line.push(byte[0]);
    }
    Ok(line)
}
