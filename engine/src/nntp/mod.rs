//! NNTP before TLS (RFC 4642, RFC 3977): the `200`/`201` greeting,
//! `CAPABILITIES` (tolerating servers without it), `STARTTLS`, `382`;
//! `QUIT` inside TLS as the goodbye (`205`, nnrpd logs `< QUIT`,
//! `> 205 Bye!`).

/// The goodbye sent inside TLS.
pub(crate) const QUIT: &[u8] = b"QUIT\r\n";

mod error;
mod preamble;

pub use error::NntpError;

pub(crate) use preamble::NntpPreamble;

#[cfg(test)]
mod tests {
    use bytes::BytesMut;

    use super::*;
    use crate::config::{Config, Limits, Protocol};
    use crate::error::ProbeError;
    use crate::phase::Phase;
    use crate::preamble::Step;

    const INN: &[u8] =
        b"200 news.sim.test InterNetNews NNRP server INN 2.7.1 ready (posting ok)\r\n";
    /// INN 2.7.1 nnrpd's list (the interop instance, 2026-11-29).
    const CAPS: &[u8] = b"101 Capability list:\r\nVERSION 2\r\nIMPLEMENTATION INN 2.7.1\r\nAUTHINFO SASL\r\nCOMPRESS DEFLATE\r\nHDR\r\nLIST ACTIVE ACTIVE.TIMES COUNTS DISTRIB.PATS DISTRIBUTIONS HEADERS MODERATORS MOTD NEWSGROUPS OVERVIEW.FMT SUBSCRIPTIONS\r\nOVER\r\nPOST\r\nREADER\r\nSASL GSS-SPNEGO GSSAPI SCRAM-SHA-512 SCRAM-SHA-384 SCRAM-SHA-256 SCRAM-SHA-224 SCRAM-SHA-1 GS2-KRB5 GS2-IAKERB DIGEST-MD5 CRAM-MD5 NTLM\r\nSTARTTLS\r\nXPAT\r\n.\r\n";
    const GO: &[u8] = b"382 Begin TLS negotiation now\r\n";

    fn run(server: &[u8], piece: usize) -> (Result<Step, ProbeError>, Vec<u8>, NntpPreamble) {
        let mut p = NntpPreamble::new(&Config::new(Protocol::Nntp));
        let mut out = BytesMut::new();
        let mut last = Ok(Step::NeedMore);
        for chunk in server.chunks(piece.max(1)) {
            last = p.receive(chunk, &mut out);
            if !matches!(last, Ok(Step::NeedMore)) {
                break;
            }
        }
        (last, out.to_vec(), p)
    }

    #[test]
    fn greeting_capabilities_starttls_382_at_every_split() {
        let whole = [INN, CAPS, GO].concat();
        for piece in [1, 2, 3, 7, 64, whole.len()] {
            let (step, sent, p) = run(&whole, piece);
            assert_eq!(step, Ok(Step::StartTls { leftover: 0 }), "piece {piece}");
            assert_eq!(sent, b"CAPABILITIES\r\nSTARTTLS\r\n");
            assert!(p.capabilities().contains(&"READER".to_owned()));
            assert!(p.greeting().is_some_and(|g| g.contains("INN 2.7.1")));
        }
        let (step, _, _) = run(&[INN, CAPS, GO, b"200 injected\r\n"].concat(), 1000);
        assert_eq!(step, Ok(Step::StartTls { leftover: 14 }));
    }

    #[test]
    fn a_server_without_capabilities_gets_starttls_anyway() {
        for no in [
            &b"500 What?\r\n"[..],
            b"501 Syntax error\r\n",
            b"480 Authentication required\r\n",
        ] {
            let (step, sent, p) = run(&[b"201 read only\r\n", no, GO].concat(), 3);
            assert_eq!(step, Ok(Step::StartTls { leftover: 0 }));
            assert_eq!(sent, b"CAPABILITIES\r\nSTARTTLS\r\n");
            assert!(p.capabilities().is_empty());
        }
    }

    #[test]
    fn a_list_without_starttls_is_refused_before_asking() {
        let (step, sent, _) = run(
            &[
                INN,
                b"101 Capability list:\r\nVERSION 2\r\nREADER\r\n..X\r\n.\r\n",
            ]
            .concat(),
            5,
        );
        let err = step.unwrap_err();
        assert_eq!(sent, b"CAPABILITIES\r\n");
        assert_eq!(err.phase(), Phase::Capabilities);
        assert_eq!(
            err.to_string(),
            "NNTP server does not offer STARTTLS (its CAPABILITIES: VERSION, READER, .X)"
        );
        let long: Vec<u8> = [
            INN,
            b"101 list\r\n",
            &b"X\r\n".repeat(Limits::default().reply_lines + 1),
        ]
        .concat();
        let err = run(&long, 1000).0.unwrap_err();
        assert!(matches!(
            err,
            ProbeError::Nntp(NntpError::TooManyCapabilities { .. })
        ));
        let endless: Vec<u8> = [INN, b"101 list\r\n", &vec![b'x'; 70_000]].concat();
        let err = run(&endless, 1000).0.unwrap_err();
        assert!(matches!(
            err,
            ProbeError::Nntp(NntpError::CapabilityLine { .. })
        ));
    }

    #[test]
    fn refusals_carry_code_and_text() {
        let (step, _, _) = run(b"400 NNTP server unavailable\r\n", 100);
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
            let (step, _, _) = run(&[INN, CAPS, reply].concat(), 100);
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
        let (step, _, _) = run(b"220 (vsFTPd 3.0.3)\r\n", 100);
        assert_eq!(
            step.unwrap_err().to_string(),
            "NNTP server greeted with an error instead of 200/201: 220 (vsFTPd 3.0.3) (looks like FTP: use ftp)"
        );
    }
}
