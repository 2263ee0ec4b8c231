//! The driver's part of a legacy capture over real sockets: it connects
//! again when the probe asks, and reports both failures when it cannot.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use starttls_engine::{CloseOutcome, Config, Phase, ProbeError, Protocol};
use starttls_io_mio::{check, CheckError, DriverOptions, Target};
use starttls_sim::certs::{CertKind, KeyKind, TestPki};
use starttls_sim::loopback::LoopbackServer;
use starttls_sim::personality::Personality;

fn options() -> DriverOptions {
    DriverOptions {
        connect_timeout: Duration::from_secs(5),
        overall_timeout: Duration::from_secs(10),
        max_in_flight: 4,
    }
}

fn config() -> Config {
    Config::new(Protocol::Smtp)
        .with_server_name("mail.sim.test")
        .unwrap()
}

#[test]
fn the_driver_reconnects_for_a_tls10_server() {
    let server =
        LoopbackServer::start(Personality::Exchange2010, CertKind::Good, KeyKind::Rsa2048).unwrap();
    let addr = server.addr();
    let checked = check(
        Target::new(addr.ip().to_string(), addr.port(), config()),
        &options(),
    )
    .unwrap();
    let report = checked.report;
    assert_eq!(
        report.chain,
        TestPki::shared()
            .identity(CertKind::Good, KeyKind::Rsa2048)
            .chain
    );
    assert_eq!(report.tls_version_name(), "TLS 1.0");
    assert_eq!(report.close, CloseOutcome::Aborted);
    assert!(report.handshake.legacy().is_some());
    assert_eq!(server.connections(), 2);
}

/// Greets, agrees to STARTTLS, answers the ClientHello with a
/// handshake_failure alert, closes, and stops listening: the second
/// connection is refused.
fn one_shot_tls10_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        drop(listener);
        let mut buf = [0u8; 4096];
        let mut read_line = |conn: &mut TcpStream| {
            let _ = conn.read(&mut buf);
        };
        conn.write_all(b"220 old.example ESMTP\r\n").unwrap();
        read_line(&mut conn);
        conn.write_all(b"250-old.example\r\n250 STARTTLS\r\n")
            .unwrap();
        read_line(&mut conn);
        conn.write_all(b"220 go ahead\r\n").unwrap();
        read_line(&mut conn);
        let _ = conn.write_all(&[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28]);
    });
    addr
}

#[test]
fn a_refused_second_connection_reports_both_attempts() {
    let addr = one_shot_tls10_server();
    let error = check(
        Target::new(addr.ip().to_string(), addr.port(), config()),
        &options(),
    )
    .unwrap_err();
    let CheckError::Probe {
        error: ProbeError::Legacy { first, second },
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(
        **first,
        ProbeError::TlsAlert {
            alert: rustls::AlertDescription::HandshakeFailure
        }
    );
    assert!(second.to_string().contains("connecting again"), "{second}");
    assert_eq!(error_phase(&error), Phase::TlsHandshake);
}

fn error_phase(error: &CheckError) -> Phase {
    match error {
        CheckError::Probe { error, .. } => error.phase(),
        other => panic!("{other:?}"),
    }
}
