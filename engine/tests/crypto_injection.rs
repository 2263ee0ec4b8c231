//! The caller's rustls provider supplies every random byte of the hellos the
//! engine writes: the TLS ClientHello's random and session id, and the whole
//! hand-built hello of a legacy capture.

use std::sync::Arc;

use rustls::crypto::{CryptoProvider, GetRandomFailed, SecureRandom};
use rustls::time_provider::DefaultTimeProvider;
use starttls_engine::{Config, Crypto, Input, Output, Probe, ProbeError, Protocol};

/// Random bytes that are all `fill`.
#[derive(Debug)]
struct Constant(u8);

impl SecureRandom for Constant {
    fn fill(&self, buf: &mut [u8]) -> Result<(), GetRandomFailed> {
        buf.fill(self.0);
        Ok(())
    }
}

fn crypto(fill: u8) -> Crypto {
    let provider = CryptoProvider {
        secure_random: Box::leak(Box::new(Constant(fill))),
        ..rustls::crypto::ring::default_provider()
    };
    Crypto::new(Arc::new(provider), Arc::new(DefaultTimeProvider))
}

/// The plaintext an SMTP server says up to agreeing to STARTTLS.
const AGREE: [&[u8]; 3] = [
    b"220 mx.example.com ESMTP\r\n",
    b"250-mx.example.com\r\n250 STARTTLS\r\n",
    b"220 go ahead\r\n",
];

/// Runs the SMTP preamble and returns the first TLS bytes the probe sends.
fn hello_bytes(probe: &mut Probe) -> Vec<u8> {
    let now = std::time::Instant::now();
    let mut sent = Vec::new();
    for reply in AGREE {
        while let Output::Transmit(bytes) = probe.poll_output() {
            sent = bytes.to_vec();
        }
        probe.handle_input(Input::Received(reply), now);
    }
    match probe.poll_output() {
        Output::Transmit(bytes) => bytes.to_vec(),
        other => panic!("expected the ClientHello, got {other:?} after {sent:?}"),
    }
}

/// The ClientHello's 32-byte random and its session id.
fn random_and_session_id(record: &[u8]) -> (&[u8], &[u8]) {
    assert_eq!(record[0], 22, "a handshake record");
    assert_eq!(record[5], 1, "a ClientHello");
    // record header 5, handshake header 4, legacy version 2.
    let random = &record[11..43];
    let len = usize::from(record[43]);
    (random, &record[44..44 + len])
}

#[test]
fn the_client_hello_random_comes_from_the_callers_provider() {
    for fill in [0x00, 0x5a, 0xff] {
        let config = Config::new(Protocol::Smtp).with_crypto(crypto(fill));
        let hello = hello_bytes(&mut Probe::new(config, std::time::Instant::now()));
        let (random, session_id) = random_and_session_id(&hello);
        assert_eq!(random, [fill; 32]);
        assert_eq!(session_id, [fill; 32], "TLS 1.3 compatibility session id");
    }
}

#[test]
fn a_legacy_capture_hello_is_the_same_bytes_for_the_same_provider() {
    let capture_hello = |fill: u8| {
        let now = std::time::Instant::now();
        let config = Config::new(Protocol::Smtp).with_crypto(crypto(fill));
        let mut probe = Probe::new(config, now);
        hello_bytes(&mut probe);
        // A TLS 1.0-only server: a protocol_version alert makes the probe
        // ask for a second connection with the hand-built hello.
        probe.handle_input(Input::Received(&[21, 3, 1, 0, 2, 2, 70]), now);
        assert_eq!(probe.poll_output(), Output::Reconnect);
        probe.handle_input(Input::Reconnected, now);
        let mut hello = Vec::new();
        for reply in AGREE {
            while let Output::Transmit(bytes) = probe.poll_output() {
                hello = bytes.to_vec();
            }
            probe.handle_input(Input::Received(reply), now);
        }
        if let Output::Transmit(bytes) = probe.poll_output() {
            hello = bytes.to_vec();
        }
        hello
    };
    let a = capture_hello(0x11);
    assert_eq!(a, capture_hello(0x11), "same provider, same bytes");
    assert_ne!(a, capture_hello(0x22), "the random is the provider's");
    let (random, _) = random_and_session_id(&a);
    assert_eq!(random, [0x11; 32]);
}

#[test]
fn a_failing_random_source_still_fails_cleanly() {
    #[derive(Debug)]
    struct Broken;
    impl SecureRandom for Broken {
        fn fill(&self, _: &mut [u8]) -> Result<(), GetRandomFailed> {
            Err(GetRandomFailed)
        }
    }
    let provider = CryptoProvider {
        secure_random: &Broken,
        ..rustls::crypto::ring::default_provider()
    };
    let crypto = Crypto::new(Arc::new(provider), Arc::new(DefaultTimeProvider));
    let now = std::time::Instant::now();
    let mut probe = Probe::new(Config::new(Protocol::Smtp).with_crypto(crypto), now);
    for reply in AGREE {
        while let Output::Transmit(_) = probe.poll_output() {}
        probe.handle_input(Input::Received(reply), now);
    }
    match probe.poll_output() {
        Output::Done(Err(ProbeError::Tls { error })) => {
            assert_eq!(error, rustls::Error::FailedToGetRandomBytes)
        }
        other => panic!("expected a TLS error, got {other:?}"),
    }
}
