//! The second attempt's TLS phase: send the hand-built ClientHello, read the
//! server's flight up to its certificate, then end with an alert.

use bytes::BytesMut;
use rustls_pki_types::ServerName;

use super::error::LegacyError;
use super::flight::{Flight, ServerFlight};
use super::hello::{abort_alert, client_hello};
use crate::crypto::Crypto;

/// A legacy capture in progress.
#[derive(Debug)]
pub(crate) struct LegacyCapture {
    flight: ServerFlight,
}

impl LegacyCapture {
    /// Starts the capture: the ClientHello goes to `out`. SNI is sent for a
    /// DNS name only. The hello's random comes from the caller's provider.
    pub(crate) fn start(
        server_name: Option<&ServerName<'static>>,
        crypto: &Crypto,
        out: &mut BytesMut,
    ) -> Self {
        let sni = match server_name {
            Some(ServerName::DnsName(name)) => Some(name.as_ref()),
            _ => None,
        };
        let mut random = [0u8; 32];
        // The random only has to differ between connections; should the
        // provider's source fail, zeros still make a valid hello.
        let _ = crypto.provider().secure_random.fill(&mut random);
        out.extend_from_slice(&client_hello(sni, random));
        LegacyCapture {
            flight: ServerFlight::new(),
        }
    }

    /// Feeds server bytes; once the certificate is in, the closing alert
    /// goes to `out`.
    pub(crate) fn receive(
        &mut self,
        data: &[u8],
        out: &mut BytesMut,
    ) -> Result<Option<Flight>, LegacyError> {
        let flight = self.flight.receive(data)?;
        if let Some(flight) = &flight {
            out.extend_from_slice(&abort_alert(flight.version));
        }
        Ok(flight)
    }

    /// Bytes held for an incomplete record or message.
    pub(crate) fn buffered(&self) -> usize {
        self.flight.buffered()
    }
}
