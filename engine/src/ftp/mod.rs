//! FTP before TLS (RFC 4217): the `220` greeting, `AUTH TLS`, `234`; `QUIT`
//! inside TLS as the goodbye.

mod error;

pub use error::FtpError;

use bytes::BytesMut;

use crate::config::Config;
use crate::error::{Arrived, ProbeError};
use crate::line_preamble::{LinePreamble, Spec};
use crate::numeric::{NumericReader, Style};
use crate::phase::Phase;
use crate::preamble::Step;

/// FTP's dialogue: multi-line replies (RFC 959 section 4.2), `220` greeting,
/// `AUTH TLS` agreed with `234` (RFC 4217 section 4).
const SPEC: Spec = Spec {
    style: Style::MultiLine,
    greeting_ok: &[220],
    command: b"AUTH TLS\r\n",
    agree: 234,
};

/// Greeting → `AUTH TLS` → `234`.
#[derive(Debug)]
pub(crate) struct FtpPreamble(LinePreamble);

impl FtpPreamble {
    /// Waits for the greeting.
    pub(crate) fn new(config: &Config) -> Self {
        FtpPreamble(LinePreamble::new(SPEC, config.limits()))
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

    /// `QUIT`, answered with `221` (vsftpd logs `"QUIT"` / `"221 Goodbye."`).
    pub(crate) fn goodbye(&self) -> &'static [u8] {
        b"QUIT\r\n"
    }

    pub(crate) fn goodbye_reader(&self) -> NumericReader {
        self.0.goodbye_reader()
    }

    pub(crate) fn receive(&mut self, data: &[u8], out: &mut BytesMut) -> Result<Step, ProbeError> {
        self.0
            .receive(data, out)
            .map_err(|f| ProbeError::Ftp(FtpError::from(f)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Protocol;

    const VSFTPD: &[u8] = b"220 (vsFTPd 3.0.3)\r\n";
    const PROFTPD: &[u8] =
        b"220-Welcome to the archive\r\n  mirrors only\r\n220 ProFTPD Server (Debian) [::ffff:127.0.0.1]\r\n";

    fn run(server: &[u8], piece: usize) -> (Result<Step, ProbeError>, Vec<u8>) {
        let mut p = FtpPreamble::new(&Config::new(Protocol::Ftp));
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
    fn greeting_auth_tls_234_at_every_split() {
        for server in [VSFTPD, PROFTPD] {
            let whole = [server, b"234 AUTH TLS successful\r\n"].concat();
            for piece in 1..whole.len() {
                let (step, sent) = run(&whole, piece);
                assert_eq!(step, Ok(Step::StartTls { leftover: 0 }), "piece {piece}");
                assert_eq!(sent, b"AUTH TLS\r\n");
            }
        }
    }

    #[test]
    fn nothing_is_sent_before_a_multi_line_greeting_ends() {
        let (step, sent) = run(&PROFTPD[..PROFTPD.len() - 3], 1000);
        assert_eq!(step, Ok(Step::NeedMore));
        assert!(sent.is_empty());
    }

    #[test]
    fn refusals_carry_code_and_text() {
        let (step, _) = run(
            b"421 There are too many connected users, please try later.\r\n",
            100,
        );
        assert_eq!(
            step.unwrap_err().to_string(),
            "FTP server greeted with an error instead of 220: 421 There are too many connected users, please try later."
        );
        let (step, _) = run(
            &[VSFTPD, b"530 Please login with USER and PASS.\r\n"].concat(),
            100,
        );
        let err = step.unwrap_err();
        assert!(
            matches!(&err, ProbeError::Ftp(FtpError::AuthTlsRefused { reply, .. }) if reply.code == 530)
        );
        assert_eq!(err.phase(), Phase::StartTls);
        assert_eq!(
            err.to_string(),
            "FTP server refused AUTH TLS: 530 Please login with USER and PASS."
        );
    }

    #[test]
    fn another_protocol_gets_a_hint() {
        let (step, _) = run(
            b"220 mx.example.com ESMTP Postfix\r\n502 5.5.2 Error: command not recognized\r\n",
            100,
        );
        assert_eq!(
            step.unwrap_err().to_string(),
            "FTP server refused AUTH TLS: 502 5.5.2 Error: command not recognized (looks like SMTP: use smtp)"
        );
        let (step, _) = run(
            b"200 news.example.com InterNetNews NNRP server ready\r\n",
            100,
        );
        assert!(step
            .unwrap_err()
            .to_string()
            .ends_with("(looks like NNTP: use nntp)"));
        let (step, _) = run(b"* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n", 100);
        assert_eq!(
            step.unwrap_err().to_string(),
            "FTP server sent a malformed reply waiting for the greeting: not a numbered reply line: \"* OK [CAPABILITY IMAP4rev1] Dovecot ready.\" (looks like IMAP: use imap)"
        );
    }

    #[test]
    fn bytes_after_234_are_leftover() {
        let (step, _) = run(
            &[VSFTPD, b"234 Proceed.\r\n220 injected\r\n"].concat(),
            1000,
        );
        assert_eq!(step, Ok(Step::StartTls { leftover: 14 }));
    }
}
