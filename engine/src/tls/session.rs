//! The TLS phase: rustls' client driven from in-memory buffers.

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use bytes::{BufMut, BytesMut};
use rustls::client::Resumption;
use rustls::{ClientConfig, ClientConnection};
use rustls_pki_types::ServerName;

use super::verifier::RecordingVerifier;
use crate::crypto::Crypto;
use crate::error::ProbeError;
use crate::report::{CloseOutcome, HandshakeSignature};
use crate::text::printable;

/// A TLS client session fed and drained through byte buffers.
pub(crate) struct TlsSession {
    conn: ClientConnection,
    verifier: Arc<RecordingVerifier>,
    /// Bytes from the server fed to TLS so far.
    received: usize,
}

impl std::fmt::Debug for TlsSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSession")
            .field("handshaking", &self.conn.is_handshaking())
            .finish_non_exhaustive()
    }
}

/// What the negotiated session looks like once the handshake is done.
pub(crate) struct Negotiated {
    pub(crate) chain: Vec<rustls_pki_types::CertificateDer<'static>>,
    pub(crate) version: rustls::ProtocolVersion,
    pub(crate) suite: rustls::CipherSuite,
    pub(crate) signature: HandshakeSignature,
}

/// What closing observed so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Closing {
    Open,
    Ended(CloseOutcome),
}

impl TlsSession {
    /// Starts a client session with the caller's provider and clock; the
    /// ClientHello is ready to be written.
    ///
    /// The rustls `ClientConfig` is built here, per probe, because its
    /// verifier records this connection's handshake signature verdict; the
    /// provider inside it is the caller's shared one.
    pub(crate) fn start(
        server_name: Option<ServerName<'static>>,
        crypto: &Crypto,
        alpn: &[Vec<u8>],
    ) -> Result<Self, ProbeError> {
        let provider = Arc::clone(crypto.provider());
        let verifier = RecordingVerifier::new(provider.signature_verification_algorithms);
        let mut tls = ClientConfig::builder_with_details(provider, Arc::clone(crypto.time()))
            .with_protocol_versions(rustls::ALL_VERSIONS)
            .map_err(|error| ProbeError::Tls { error })?
            .dangerous()
            .with_custom_certificate_verifier(verifier.clone())
            .with_no_client_auth();
        // Every check must see the certificate: a resumed session has none.
        tls.resumption = Resumption::disabled();
        tls.alpn_protocols = alpn.to_vec();
        // Without a DNS name no SNI is sent; rustls needs some name, and an
        // IP address is never sent on the wire.
        let name = server_name.unwrap_or(ServerName::IpAddress(
            IpAddr::V4(Ipv4Addr::UNSPECIFIED).into(),
        ));
        let conn = ClientConnection::new(Arc::new(tls), name)
            .map_err(|error| ProbeError::Tls { error })?;
        Ok(TlsSession {
            conn,
            verifier,
            received: 0,
        })
    }

    /// Bytes from the server fed to TLS so far.
    pub(crate) fn received(&self) -> usize {
        self.received
    }

    /// Whether rustls read the server's ServerHello (it then knows the version).
    pub(crate) fn saw_server_hello(&self) -> bool {
        self.conn.protocol_version().is_some()
    }

    pub(crate) fn is_handshaking(&self) -> bool {
        self.conn.is_handshaking()
    }

    /// Moves pending TLS records into `out`.
    pub(crate) fn write_to(&mut self, out: &mut BytesMut) {
        while self.conn.wants_write() {
            let mut writer = out.writer();
            match self.conn.write_tls(&mut writer) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    }

    /// Feeds server bytes during the handshake.
    pub(crate) fn receive_handshake(&mut self, mut data: &[u8]) -> Result<(), ProbeError> {
        let first = self.received == 0;
        self.received = self.received.saturating_add(data.len());
        if first && !data.is_empty() {
            // A TLS record starts with a content type (20..=24) and major
            // version 3. Anything else here is plaintext the server should
            // not have sent after agreeing to TLS.
            let looks_like_tls = matches!(data[0], 20..=24) && data.get(1).is_none_or(|&v| v == 3);
            if !looks_like_tls {
                return Err(ProbeError::PlaintextAfterStartTls {
                    excerpt: printable(&data[..data.len().min(80)], 80),
                });
            }
        }
        while !data.is_empty() {
            self.conn.read_tls(&mut data).map_err(|e| ProbeError::Tls {
                error: rustls::Error::General(e.to_string()),
            })?;
            if let Err(error) = self.conn.process_new_packets() {
                return Err(handshake_error(error));
            }
        }
        Ok(())
    }

    /// The facts of the finished handshake.
    pub(crate) fn negotiated(&self) -> Result<Negotiated, ProbeError> {
        let chain = self
            .conn
            .peer_certificates()
            .map(<[_]>::to_vec)
            .unwrap_or_default();
        if chain.is_empty() {
            return Err(ProbeError::Tls {
                error: rustls::Error::NoCertificatesPresented,
            });
        }
        let version = self
            .conn
            .protocol_version()
            .unwrap_or(rustls::ProtocolVersion::Unknown(0));
        let suite = self
            .conn
            .negotiated_cipher_suite()
            .map(|s| s.suite())
            .unwrap_or(rustls::CipherSuite::Unknown(0));
        Ok(Negotiated {
            chain,
            version,
            suite,
            signature: self.verifier.verdict(),
        })
    }

    /// Queues the protocol's goodbye (application data).
    pub(crate) fn say_goodbye(&mut self, goodbye: &[u8]) {
        // Writing into rustls' own buffer cannot fail once the handshake is done.
        let _ = self.conn.writer().write_all(goodbye);
    }

    /// Queues close_notify.
    pub(crate) fn send_close_notify(&mut self) {
        self.conn.send_close_notify();
    }

    /// Feeds server bytes after our goodbye. Decrypted application data goes
    /// to `on_plaintext`, which ends the wait by returning an outcome (the
    /// server's reply to the goodbye); close_notify ends it as clean.
    pub(crate) fn receive_closing(
        &mut self,
        mut data: &[u8],
        on_plaintext: &mut dyn FnMut(&[u8]) -> Option<CloseOutcome>,
    ) -> Closing {
        while !data.is_empty() {
            if self.conn.read_tls(&mut data).is_err() || self.conn.process_new_packets().is_err() {
                return Closing::Ended(CloseOutcome::Error);
            }
            let mut plain = [0u8; 512];
            loop {
                match self.conn.reader().read(&mut plain) {
                    Ok(0) => return Closing::Ended(CloseOutcome::Clean),
                    Ok(n) => {
                        if let Some(outcome) = plain.get(..n).and_then(&mut *on_plaintext) {
                            return Closing::Ended(outcome);
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => return Closing::Ended(CloseOutcome::ServerClosed),
                }
            }
        }
        Closing::Open
    }
}

/// The largest handshake message rustls accepts (its `MAX_HANDSHAKE_SIZE`).
const MAX_HANDSHAKE_MESSAGE: usize = 0xffff;

/// A handshake failure in words: alerts keep their description, an
/// oversized message (a certificate chain over 64 KiB) is said plainly.
fn handshake_error(error: rustls::Error) -> ProbeError {
    match error {
        rustls::Error::AlertReceived(alert) => ProbeError::TlsAlert { alert },
        rustls::Error::InvalidMessage(rustls::InvalidMessage::HandshakePayloadTooLarge) => {
            ProbeError::HandshakeMessageTooLarge {
                limit: MAX_HANDSHAKE_MESSAGE,
            }
        }
        error => ProbeError::Tls { error },
    }
}
