//! The second attempt's TLS phase: send the hand-built ClientHello, read the
//! server's flight up to its certificate, then end with an alert.

use bytes::BytesMut;
use ring::rand::{SecureRandom, SystemRandom};
use rustls_pki_types::ServerName;

use super::error::LegacyError;
use super::flight::{Flight, ServerFlight};
use super::hello::{abort_alert, client_hello};

/// A legacy capture in progress.
#[derive(Debug)]
pub(crate) struct LegacyCapture {
    flight: ServerFlight,
}

impl LegacyCapture {
    /// Starts the capture: the ClientHello goes to `out`. SNI is sent for a
    /// DNS name only.
    pub(crate) fn start(server_name: Option<&ServerName<'static>>, out: &mut BytesMut) -> Self {
        let sni = match server_name {
            Some(ServerName::DnsName(name)) => Some(name.as_ref()),
            _ => None,
        };
        let mut random = [0u8; 32];
        // The random only has to differ between connections; should the
        // system source fail, zeros still make a valid hello.
        let _ = SystemRandom::new().fill(&mut random);
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
