//! What each FTP and NNTP personality says, byte for byte.
//!
//! Sources:
//! - vsftpd 3.0.3, checked against the interop instance's protocol log
//!   (2026-11-29): greeting `220 (vsFTPd 3.0.3)`, `234 Proceed with
//!   negotiation.`, `221 Goodbye.`. `530 Please login with USER and PASS.`
//!   (vsftpd's answer to commands before login, AUTH included when
//!   `ssl_enable=NO`) is from its source as remembered, not captured.
//! - ProFTPD: captured from Debian 12 proftpd-core 1.3.8+dfsg-4+deb12u5
//!   (with proftpd-mod-crypto's mod_tls) on 2026-11-29, the interop
//!   instance `ftp-proftpd` with a two-line `DisplayConnect` file: its first
//!   line as `220-`, the second (which starts with two spaces) unnumbered
//!   with one more space in front (RFC 959 allows unnumbered lines inside a
//!   multi-line reply), then `220 ProFTPD Server (<ServerName>) [<address>]`
//!   (`Debian` is the packaged ServerName), `234 AUTH TLS successful`, and
//!   `221 Goodbye.` inside TLS; before login other commands get
//!   `530 Please login with USER and PASS`.
//! - INN 2.7.1 nnrpd, checked against the interop instance's `-t` trace
//!   (2026-11-29): `200 <host> InterNetNews NNRP server INN 2.7.1 ready
//!   (posting ok)`, `382 Begin TLS negotiation now`, `205 Bye!`, and the
//!   `CAPABILITIES` answer (`101 Capability list:`, 14 lines with
//!   `STARTTLS`, `.`). Without TLS configured nnrpd leaves `STARTTLS` out
//!   of that list (its source as remembered; not captured). The
//!   refusals `502 You have no permission to talk.  Goodbye.` (access
//!   denied) and `580 Can not initiate TLS negotiation` (RFC 4642 section
//!   2.2.2's code for a TLS setup failure) are from nnrpd's source as
//!   remembered, not captured.
//!
//! Host names are `news.sim.test` / `ftp.sim.test`.

use crate::personality::Personality;
use crate::smtp_dialogue::{Greeting, Reaction};
use std::time::Duration;

/// The greeting, for FTP and NNTP personalities.
pub fn greeting(personality: Personality) -> Option<Greeting> {
    let text: &[u8] = match personality {
        Personality::Vsftpd | Personality::FtpAuthRefused => b"220 (vsFTPd 3.0.3)\r\n",
        Personality::Proftpd => b"220-Welcome to the sim.test mirror.\r\n   Anonymous access only.\r\n220 ProFTPD Server (Debian) [192.0.2.10]\r\n",
        Personality::Inn | Personality::NntpStartTlsRefused | Personality::NntpNoStartTls => {
            b"200 news.sim.test InterNetNews NNRP server INN 2.7.1 ready (posting ok)\r\n"
        }
        Personality::NntpNoPermission => b"502 You have no permission to talk.  Goodbye.\r\n",
        _ => return None,
    };
    Some(Greeting {
        segments: vec![(Duration::ZERO, text.to_vec())],
        then_close: personality == Personality::NntpNoPermission,
    })
}

/// nnrpd's answer to `CAPABILITIES`, with or without its `STARTTLS` line.
fn inn_capabilities(starttls: bool) -> Vec<u8> {
    let tls: &[u8] = if starttls { b"STARTTLS\r\n" } else { b"" };
    [
        &b"101 Capability list:\r\nVERSION 2\r\nIMPLEMENTATION INN 2.7.1\r\nAUTHINFO SASL\r\nCOMPRESS DEFLATE\r\nHDR\r\nLIST ACTIVE ACTIVE.TIMES COUNTS DISTRIB.PATS DISTRIBUTIONS HEADERS MODERATORS MOTD NEWSGROUPS OVERVIEW.FMT SUBSCRIPTIONS\r\nOVER\r\nPOST\r\nREADER\r\nSASL GSS-SPNEGO GSSAPI SCRAM-SHA-512 SCRAM-SHA-384 SCRAM-SHA-256 SCRAM-SHA-224 SCRAM-SHA-1 GS2-KRB5 GS2-IAKERB DIGEST-MD5 CRAM-MD5 NTLM\r\n"[..],
        tls,
        b"XPAT\r\n.\r\n",
    ]
    .concat()
}

/// The reply to `QUIT`.
pub fn quit_reply(personality: Personality) -> Option<&'static [u8]> {
    match personality {
        Personality::Vsftpd | Personality::FtpAuthRefused | Personality::Proftpd => {
            Some(b"221 Goodbye.\r\n")
        }
        Personality::Inn
        | Personality::NntpStartTlsRefused
        | Personality::NntpNoPermission
        | Personality::NntpNoStartTls => Some(b"205 Bye!\r\n"),
        _ => None,
    }
}

/// How an FTP or NNTP personality answers one command line.
pub fn answer(personality: Personality, line: &[u8]) -> Option<Reaction> {
    let verb = String::from_utf8_lossy(line).to_ascii_uppercase();
    let r = |t: &[u8]| Reaction::Reply(t.to_vec());
    let reaction = match personality {
        Personality::Vsftpd | Personality::FtpAuthRefused | Personality::Proftpd => {
            match verb.as_str() {
                "QUIT" => Reaction::ReplyThenClose(b"221 Goodbye.\r\n".to_vec()),
                "AUTH TLS" if personality == Personality::Vsftpd => {
                    Reaction::ReplyThenTls(b"234 Proceed with negotiation.\r\n".to_vec())
                }
                "AUTH TLS" if personality == Personality::Proftpd => {
                    Reaction::ReplyThenTls(b"234 AUTH TLS successful\r\n".to_vec())
                }
                _ if personality == Personality::Proftpd => {
                    r(b"530 Please login with USER and PASS\r\n")
                }
                _ => r(b"530 Please login with USER and PASS.\r\n"),
            }
        }
        Personality::Inn
        | Personality::NntpStartTlsRefused
        | Personality::NntpNoPermission
        | Personality::NntpNoStartTls => match verb.as_str() {
            "QUIT" => Reaction::ReplyThenClose(b"205 Bye!\r\n".to_vec()),
            "CAPABILITIES" => r(&inn_capabilities(
                personality != Personality::NntpNoStartTls,
            )),
            "STARTTLS" if personality == Personality::Inn => {
                Reaction::ReplyThenTls(b"382 Begin TLS negotiation now\r\n".to_vec())
            }
            "STARTTLS" => r(b"580 Can not initiate TLS negotiation\r\n"),
            _ => r(b"500 What?\r\n"),
        },
        _ => return None,
    };
    Some(reaction)
}
