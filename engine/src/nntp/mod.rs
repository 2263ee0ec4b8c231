//! NNTP before TLS (RFC 4642, RFC 3977): the `200`/`201` greeting,
//! `STARTTLS`, `382`; `QUIT` inside TLS as the goodbye (`205`).

mod error;

pub use error::NntpError;

use bytes::BytesMut;

use crate::config::Config;
use crate::error::{Arrived, ProbeError};
use crate::line_preamble::{LinePreamble, Spec};
use crate::numeric::{NumericReader, Style};
use crate::phase::Phase;
use crate::preamble::Step;

/// NNTP's dialogue: one-line replies (RFC 3977 section 3.2), greeting `200`
/// (posting allowed) or `201` (no posting), `STARTTLS` agreed with `382`
/// (RFC 4642 section 2.2).
const SPEC: Spec = Spec {
    style: Style::SingleLine,
    greeting_ok: &[200, 201],
    command: b"STARTTLS\r\n",
    agree: 382,
};

/// Greeting → `STARTTLS` → `382`.
#[derive(Debug)]
pub(crate) struct NntpPreamble(LinePreamble);

impl NntpPreamble {
    /// Waits for the greeting.
    pub(crate) fn new(config: &Config) -> Self {
        NntpPreamble(LinePreamble::new(SPEC, config.limits()))
    }

    pub(crate) fn phase(&self) -> Phase {
        self.0.phase()
    }

    pub(crate) fn buffered(&self) -> usize {
        self.0.buffered()
    }

    pub(crate) fn arrived(&self) -> Arrived {
        self.0.arrived()
    }

    pub(crate) fn greeting(&self) -> Option<&str> {
        self.0.greeting()
    }

    /// `QUIT`, answered with `205` (nnrpd logs `< QUIT`, `> 205 Bye!`).
    pub(crate) fn goodbye(&self) -> &'static [u8] {
        b"QUIT\r\n"
    }

    pub(crate) fn goodbye_reader(&self) -> NumericReader {
        self.0.goodbye_reader()
    }

    pub(crate) fn receive(&mut self, data: &[u8], out: &mut BytesMut) -> Result<Step, ProbeError> {
        self.0
            .receive(data, out)
            .map_err(|f| ProbeError::Nntp(NntpError::from(f)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Protocol;

    const INN: &[u8] =
        b"200 news.sim.test InterNetNews NNRP server INN 2.7.1 ready (posting ok)\r\n";

    fn run(server: &[u8], piece: usize) -> (Result<Step, ProbeError>, Vec<u8>) {
        let mut p = NntpPreamble::new(&Config::new(Protocol::Nntp));
        let mut out = BytesMut::new();
        let mut last = Ok(Step::NeedMore);
        for chunk in server.chunks(piece.max(1)) {
            last = p.receive(chunk, &mut out);
            if !matches!(last, Ok(Step::NeedMore)) {
                break;
            }
        }
        (last, out.to_vec())
    }

    #[test]
    fn greeting_starttls_382_at_every_split() {
        let whole = [INN, b"382 Begin TLS negotiation now\r\n"].concat();
        for piece in 1..whole.len() {
            let (step, sent) = run(&whole, piece);
            assert_eq!(step, Ok(Step::StartTls { leftover: 0 }), "piece {piece}");
            assert_eq!(sent, b"STARTTLS\r\n");
        }
        let (step, _) = run(b"201 read only\r\n382 go\r\n", 3);
        assert_eq!(step, Ok(Step::StartTls { leftover: 0 }));
    }

    #[test]
    fn refusals_carry_code_and_text() {
        let (step, _) = run(b"400 NNTP server unavailable\r\n", 100);
        let err = step.unwrap_err();
        assert_eq!(
            err.to_string(),
            "NNTP server greeted with an error instead of 200/201: 400 NNTP server unavailable"
        );
        assert_eq!(err.phase(), Phase::Greeting);
        for (reply, code) in [
            (&b"502 Command unavailable\r\n"[..], 502),
            (
                b"483 Encryption or stronger authentication required\r\n",
                483,
            ),
            (b"580 Can not initiate TLS negotiation\r\n", 580),
        ] {
            let (step, _) = run(&[INN, reply].concat(), 100);
            let err = step.unwrap_err();
            assert!(
                matches!(&err, ProbeError::Nntp(NntpError::StartTlsRefused { reply, .. }) if reply.code == code)
            );
            assert!(err
                .to_string()
                .starts_with("NNTP server refused STARTTLS: "));
        }
    }

    #[test]
    fn an_ftp_banner_gets_a_hint() {
        let (step, _) = run(b"220 (vsFTPd 3.0.3)\r\n", 100);
        assert_eq!(
            step.unwrap_err().to_string(),
            "NNTP server greeted with an error instead of 200/201: 220 (vsFTPd 3.0.3) (looks like FTP: use ftp)"
        );
    }
}
