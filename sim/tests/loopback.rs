//! The personalities over real loopback TCP, driven by the engine's
//! blocking-socket driver loop.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use starttls_engine::{Config, Input, Output, Probe, ProbeError, Report};
use starttls_sim::certs::{CertKind, KeyKind, TestPki, SERVER_NAME};
use starttls_sim::loopback::LoopbackServer;
use starttls_sim::personality::{Personality, TlsStyle};

fn check(server: &LoopbackServer) -> Result<Report, ProbeError> {
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    let config = Config::new(server.personality().protocol())
        .with_server_name(SERVER_NAME)
        .unwrap();
    let mut probe = Probe::new(config, Instant::now());
    let mut buf = [0u8; 4096];
    loop {
        match probe.poll_output() {
            Output::Transmit(bytes) => {
                if stream.write_all(&bytes).is_err() {
                    probe.handle_input(Input::Closed, Instant::now());
                }
            }
            Output::Reconnect => match TcpStream::connect(server.addr()) {
                Ok(s) => {
                    stream = s;
                    probe.handle_input(Input::Reconnected, Instant::now());
                }
                Err(_) => probe.handle_input(Input::Closed, Instant::now()),
            },
            Output::Done(result) => return result,
            wait => {
                // `Output` may grow: anything new is waited out like `Wait`.
                let deadline = match wait {
                    Output::Wait(deadline) => deadline,
                    _ => probe.deadline(),
                };
                let now = Instant::now();
                if deadline <= now {
                    probe.handle_input(Input::Timeout, now);
                    continue;
                }
                stream.set_read_timeout(Some(deadline - now)).unwrap();
                match stream.read(&mut buf) {
                    Ok(0) => probe.handle_input(Input::Closed, Instant::now()),
                    Ok(n) => probe.handle_input(Input::Received(&buf[..n]), Instant::now()),
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                        probe.handle_input(Input::Timeout, Instant::now())
                    }
                    Err(_) => probe.handle_input(Input::Closed, Instant::now()),
                }
            }
        }
    }
}

#[test]
fn every_personality_but_postscreen_works_over_loopback_tcp() {
    for p in Personality::all()
        .iter()
        .copied()
        .filter(|&p| p != Personality::Postscreen)
    {
        let server = LoopbackServer::start(p, CertKind::Good, KeyKind::Rsa2048).unwrap();
        let result = check(&server);
        let expected_chain = match p.tls() {
            TlsStyle::OddKey(key) => key.chain(),
            _ => TestPki::shared()
                .identity(CertKind::Good, KeyKind::Rsa2048)
                .chain
                .clone(),
        };
        match p.expected_failure() {
            None => assert_eq!(result.unwrap().chain, expected_chain, "{p}"),
            Some(expected) => assert!(expected.matches(&result.unwrap_err()), "{p}"),
        }
        // A legacy capture reads the certificate on a second connection.
        let connections = if Personality::legacy().contains(&p) {
            2
        } else {
            1
        };
        assert_eq!(server.connections(), connections, "{p}");
    }
}

#[test]
fn one_server_serves_many_concurrent_connections() {
    let server =
        LoopbackServer::start(Personality::Exim, CertKind::Good, KeyKind::Rsa2048).unwrap();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..64).map(|_| s.spawn(|| check(&server))).collect();
        for h in handles {
            assert!(h.join().unwrap().is_ok());
        }
    });
    assert_eq!(server.connections(), 64);
}
