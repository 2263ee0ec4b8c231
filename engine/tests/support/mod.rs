//! What the engine's end-to-end tests share: a generated certificate chain
//! and an in-memory rustls server that serves it.

// Each test binary uses a part of this module.
#![allow(dead_code)]

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls::{ServerConfig, ServerConnection};
use starttls_engine::CertificateDer;

/// Root → intermediate → leaf for `name`; returns the chain as the server
/// sends it (leaf, intermediate) and the leaf's PKCS#8 key.
pub fn chain(name: &str) -> (Vec<CertificateDer<'static>>, Vec<u8>) {
    let mut root = CertificateParams::new(Vec::<String>::new()).unwrap();
    root.distinguished_name
        .push(DnType::CommonName, "Test Root");
    root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let root = CertifiedIssuer::self_signed(root, KeyPair::generate().unwrap()).unwrap();
    let mut inter = CertificateParams::new(Vec::<String>::new()).unwrap();
    inter
        .distinguished_name
        .push(DnType::CommonName, "Test Intermediate");
    inter.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let inter = CertifiedIssuer::signed_by(inter, KeyPair::generate().unwrap(), &root).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec![name.to_string()]).unwrap();
    leaf.distinguished_name.push(DnType::CommonName, name);
    let leaf = leaf.signed_by(&leaf_key, &inter).unwrap();
    (
        vec![leaf.der().clone(), inter.der().clone()],
        leaf_key.serialize_der(),
    )
}

/// A rustls server connection (TLS 1.2 and 1.3, ring) serving `chain`.
pub fn tls_server(chain: &[CertificateDer<'static>], key: &[u8]) -> ServerConnection {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            chain.to_vec(),
            rustls_pki_types::PrivateKeyDer::Pkcs8(key.to_vec().into()),
        )
        .unwrap();
    ServerConnection::new(Arc::new(config)).unwrap()
}

/// A scripted in-memory server the probe can talk to.
pub trait TestServer {
    /// Takes bytes the probe sent.
    fn receive(&mut self, data: &[u8]);
    /// Bytes waiting for the probe.
    fn to_client(&mut self) -> &mut Vec<u8>;
    /// True once the server got the goodbye and flushed its close_notify.
    fn finished(&self) -> bool;
}

/// Runs probe and server against each other, delivering server bytes in
/// pieces of `piece` bytes and stepping a virtual clock by 1 ms per exchange.
pub fn converse(
    probe: &mut starttls_engine::Probe,
    server: &mut impl TestServer,
    piece: usize,
    mut now: std::time::Instant,
) -> starttls_engine::Output {
    use starttls_engine::{Input, Output};
    for _ in 0..10_000 {
        match probe.poll_output() {
            Output::Transmit(bytes) => server.receive(&bytes),
            // These one-connection servers cannot serve a second attempt.
            end @ (Output::Done(_) | Output::Reconnect) => return end,
            wait => {
                let deadline = match wait {
                    Output::Wait(deadline) => deadline,
                    _ => probe.deadline(),
                };
                now += std::time::Duration::from_millis(1);
                if server.to_client().is_empty() {
                    if server.finished() {
                        probe.handle_input(Input::Closed, now);
                    } else {
                        probe.handle_input(Input::Timeout, deadline.max(now));
                    }
                    continue;
                }
                let n = piece.min(server.to_client().len());
                let chunk: Vec<u8> = server.to_client().drain(..n).collect();
                probe.handle_input(Input::Received(&chunk), now);
            }
        }
    }
    panic!("conversation did not end");
}

/// Feeds `script` (one server turn per element, 10 ms apart) to a fresh
/// probe for `protocol`, ends with `end` (at the deadline for a timeout) and
/// returns the error the probe must end with (when it asks for a legacy
/// capture's second connection, that connection fails and the first
/// attempt's error is returned).
pub fn drive_script(
    protocol: starttls_engine::Protocol,
    script: &[&[u8]],
    end: starttls_engine::Input<'static>,
) -> starttls_engine::ProbeError {
    use starttls_engine::{Config, Input, Output, Probe};
    let now = std::time::Instant::now();
    let mut probe = Probe::new(Config::new(protocol), now);
    let mut t = now;
    for chunk in script {
        while let Output::Transmit(_) = probe.poll_output() {}
        t += std::time::Duration::from_millis(10);
        probe.handle_input(Input::Received(chunk), t);
    }
    while let Output::Transmit(_) = probe.poll_output() {}
    if let Output::Wait(deadline) = probe.poll_output() {
        let at = if end == Input::Timeout { deadline } else { t };
        probe.handle_input(end, at);
    }
    if probe.poll_output() == Output::Reconnect {
        // A legacy capture's second connection is refused here: the first
        // attempt's error is the one the script is about.
        probe.handle_input(Input::Closed, t);
        match probe.poll_output() {
            Output::Done(Err(starttls_engine::ProbeError::Legacy { first, second })) => {
                assert!(second.to_string().contains("closed"), "{second}");
                return *first;
            }
            other => panic!("expected a legacy failure, got {other:?}"),
        }
    }
    match probe.poll_output() {
        Output::Done(Err(e)) => e,
        other => panic!("expected an error, got {other:?}"),
    }
}
