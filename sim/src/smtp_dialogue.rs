//! What each SMTP/LMTP personality says, byte for byte.
//!
//! Sources (text checked against server source or published transcripts):
//! - Postfix: `smtpd_banner` default `$myhostname ESMTP $mail_name`;
//!   EHLO list and order of Postfix 3.x smtpd (`smtpd.c`, `ehlo_cmd`),
//!   `220 2.0.0 Ready to start TLS`, `454 4.7.0 TLS not available due to
//!   local problem`, `221 2.0.0 Bye`, `502 5.5.2 Error: command not
//!   recognized` (all string literals in `smtpd.c`).
//! - postscreen: `postscreen_greet_banner` sends `220-` + the banner as a
//!   teaser; after `postscreen_greet_wait` (default 6 s) the connection is
//!   handed to smtpd, which sends the full `220 ` greeting.
//!   `421 4.3.2 All server ports are busy` is a literal in
//!   `postscreen_smtpd.c` / `postscreen_send.c`.
//! - Exim 4: `smtp_banner` default `$smtp_active_hostname ESMTP Exim
//!   $version_number $tod_full`; `Hello <name> [<ip>]` first EHLO line;
//!   `220 TLS go ahead` is a literal in Exim's `tls-gnu.c`/`tls-openssl.c`;
//!   EHLO list as in published Exim 4.9x transcripts (SIZE 52428800,
//!   8BITMIME, PIPELINING, PIPE_CONNECT, CHUNKING, STARTTLS, PRDR, HELP).
//! - Exchange: published Exchange 2013-2019 transcripts (nmap
//!   `smtp-commands` output, packet traces): `Microsoft ESMTP MAIL Service
//!   ready at <date>`, EHLO list with X-ANONYMOUSTLS, X-EXPS GSSAPI NTLM,
//!   XRDST, and `220 2.0.0 SMTP server ready`.
//! - Dovecot LMTP: `<hostname> Dovecot ready.` greeting; `220 2.0.0 Begin
//!   TLS negotiation now.` is the literal in lib-smtp
//!   `smtp-server-cmd-starttls.c`. The LHLO capability order follows
//!   lib-smtp's `smtp-server-cmd-helo.c` as remembered, not byte-verified.
//!
//! Host names are `mail.sim.test`; dates are fixed so runs are identical.

use std::time::Duration;

use crate::certs::SERVER_NAME;
use crate::personality::Personality;

/// The client address the personalities pretend to see.
pub const CLIENT_ADDRESS: &str = "192.0.2.1";

/// How long postscreen waits before handing over (`postscreen_greet_wait`).
pub const POSTSCREEN_GREET_WAIT: Duration = Duration::from_secs(6);

/// The greeting: timed pieces, and whether the server hangs up after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Greeting {
    /// `(delay before, bytes)` in order.
    pub segments: Vec<(Duration, Vec<u8>)>,
    /// True when the server closes the connection after greeting (421).
    pub then_close: bool,
}

/// What the server does with one command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reaction {
    /// Send the reply and wait for the next command.
    Reply(Vec<u8>),
    /// Send the reply, then expect a TLS ClientHello.
    ReplyThenTls(Vec<u8>),
    /// Send the reply, then close the connection.
    ReplyThenClose(Vec<u8>),
}

/// The greeting `personality` sends on connect.
pub fn greeting(personality: Personality) -> Greeting {
    if let Some(g) = crate::line_dialogue::greeting(personality) {
        return g;
    }
    if crate::mailbox_dialogue::speaks(personality) {
        let (bytes, then_close) = crate::mailbox_dialogue::greeting(personality);
        return Greeting {
            segments: vec![(Duration::ZERO, bytes)],
            then_close,
        };
    }
    let now = Duration::ZERO;
    let line = |text: String| (now, format!("{text}\r\n").into_bytes());
    let segments = match personality {
        Personality::Postfix | Personality::NoStartTls | Personality::TlsNotAvailable => {
            vec![line(format!("220 {SERVER_NAME} ESMTP Postfix"))]
        }
        Personality::Postscreen => vec![
            line(format!("220-{SERVER_NAME} ESMTP Postfix")),
            (
                POSTSCREEN_GREET_WAIT,
                format!("220 {SERVER_NAME} ESMTP Postfix\r\n").into_bytes(),
            ),
        ],
        Personality::GreetingRefused => {
            vec![line("421 4.3.2 All server ports are busy".into())]
        }
        Personality::Exim => vec![line(format!(
            "220 {SERVER_NAME} ESMTP Exim 4.97 Mon, 25 Nov 2024 12:00:00 +0000"
        ))],
        Personality::Exchange => vec![line(format!(
            "220 {SERVER_NAME} Microsoft ESMTP MAIL Service ready at Mon, 25 Nov 2024 12:00:00 +0000"
        ))],
        Personality::DovecotLmtp => vec![line(format!("220 {SERVER_NAME} Dovecot ready."))],
        // LDAP servers say nothing until asked.
        _ => Vec::new(),
    };
    Greeting {
        segments,
        then_close: personality == Personality::GreetingRefused,
    }
}

fn lines(code: u16, lines: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let sep = if i + 1 == lines.len() { ' ' } else { '-' };
        out.extend_from_slice(format!("{code}{sep}{l}\r\n").as_bytes());
    }
    out
}

fn hello_reply(personality: Personality, client_name: &str) -> Vec<u8> {
    let s = |x: &str| x.to_owned();
    let list: Vec<String> = match personality {
        Personality::Postfix
        | Personality::Postscreen
        | Personality::TlsNotAvailable
        | Personality::NoStartTls => {
            let mut l = vec![
                s(SERVER_NAME),
                s("PIPELINING"),
                s("SIZE 10240000"),
                s("VRFY"),
                s("ETRN"),
                s("STARTTLS"),
                s("ENHANCEDSTATUSCODES"),
                s("8BITMIME"),
                s("DSN"),
                s("SMTPUTF8"),
                s("CHUNKING"),
            ];
            if personality == Personality::NoStartTls {
                l.retain(|c| c != "STARTTLS");
            }
            l
        }
        Personality::Exim => vec![
            format!("{SERVER_NAME} Hello {client_name} [{CLIENT_ADDRESS}]"),
            s("SIZE 52428800"),
            s("8BITMIME"),
            s("PIPELINING"),
            s("PIPE_CONNECT"),
            s("CHUNKING"),
            s("STARTTLS"),
            s("PRDR"),
            s("HELP"),
        ],
        Personality::Exchange => vec![
            format!("{SERVER_NAME} Hello [{CLIENT_ADDRESS}]"),
            s("SIZE 37748736"),
            s("PIPELINING"),
            s("DSN"),
            s("ENHANCEDSTATUSCODES"),
            s("STARTTLS"),
            s("X-ANONYMOUSTLS"),
            s("AUTH NTLM"),
            s("X-EXPS GSSAPI NTLM"),
            s("8BITMIME"),
            s("BINARYMIME"),
            s("CHUNKING"),
            s("SMTPUTF8"),
            s("XRDST"),
        ],
        _ => vec![
            s(SERVER_NAME),
            s("8BITMIME"),
            s("CHUNKING"),
            s("ENHANCEDSTATUSCODES"),
            s("PIPELINING"),
            s("STARTTLS"),
            s("SMTPUTF8"),
        ],
    };
    lines(250, &list)
}

fn starttls_reply(personality: Personality) -> Reaction {
    let r = |t: &str| format!("{t}\r\n").into_bytes();
    match personality {
        Personality::TlsNotAvailable => {
            Reaction::Reply(r("454 4.7.0 TLS not available due to local problem"))
        }
        Personality::NoStartTls => Reaction::Reply(r("502 5.5.1 Error: command not implemented")),
        Personality::Exim => Reaction::ReplyThenTls(r("220 TLS go ahead")),
        Personality::Exchange => Reaction::ReplyThenTls(r("220 2.0.0 SMTP server ready")),
        Personality::DovecotLmtp => {
            Reaction::ReplyThenTls(r("220 2.0.0 Begin TLS negotiation now."))
        }
        _ => Reaction::ReplyThenTls(r("220 2.0.0 Ready to start TLS")),
    }
}

/// The reply to `QUIT` (in plaintext or inside TLS).
pub fn quit_reply(personality: Personality) -> &'static [u8] {
    if let Some(r) = crate::line_dialogue::quit_reply(personality) {
        return r;
    }
    match personality {
        Personality::Exim => b"221 mail.sim.test closing connection\r\n",
        Personality::Exchange => b"221 2.0.0 Service closing transmission channel\r\n",
        _ => b"221 2.0.0 Bye\r\n",
    }
}

/// How `personality` answers one command line (without its line end).
pub fn answer(personality: Personality, line: &[u8]) -> Reaction {
    if let Some(r) = crate::line_dialogue::answer(personality, line) {
        return r;
    }
    if crate::mailbox_dialogue::speaks(personality) {
        return crate::mailbox_dialogue::answer(personality, line);
    }
    let text = String::from_utf8_lossy(line);
    let mut words = text.splitn(2, ' ');
    let verb = words.next().unwrap_or("").to_ascii_uppercase();
    let arg = words.next().unwrap_or("").trim();
    let lmtp = personality == Personality::DovecotLmtp;
    let r = |t: &str| Reaction::Reply(format!("{t}\r\n").into_bytes());
    match verb.as_str() {
        "EHLO" if !lmtp => Reaction::Reply(hello_reply(personality, arg)),
        "LHLO" if lmtp => Reaction::Reply(hello_reply(personality, arg)),
        "HELO" if !lmtp => r(&format!("250 {SERVER_NAME}")),
        "STARTTLS" => starttls_reply(personality),
        "NOOP" | "RSET" => r("250 2.0.0 Ok"),
        "QUIT" => Reaction::ReplyThenClose(quit_reply(personality).to_vec()),
        _ if lmtp => r("500 5.5.1 Unknown command"),
        _ if personality == Personality::Exim => r("500 unrecognized command"),
        _ if personality == Personality::Exchange => r("500 5.3.3 Unrecognized command"),
        _ => r("502 5.5.2 Error: command not recognized"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postscreen_greets_in_two_lines_six_seconds_apart() {
        let g = greeting(Personality::Postscreen);
        assert_eq!(g.segments.len(), 2);
        assert_eq!(g.segments[1].0, Duration::from_secs(6));
        assert!(g.segments[0].1.starts_with(b"220-"));
        assert!(g.segments[1].1.starts_with(b"220 "));
    }

    #[test]
    fn exim_echoes_the_hello_name_and_only_no_starttls_hides_it() {
        let Reaction::Reply(r) = answer(Personality::Exim, b"EHLO probe.example") else {
            panic!()
        };
        let r = String::from_utf8(r).unwrap();
        assert!(r.starts_with("250-mail.sim.test Hello probe.example [192.0.2.1]\r\n"));
        assert!(r.ends_with("250 HELP\r\n"));
        for p in [Personality::Postfix, Personality::Exchange] {
            let Reaction::Reply(r) = answer(p, b"EHLO x") else {
                panic!()
            };
            assert!(r.windows(9).any(|w| w == b"-STARTTLS"));
        }
        let Reaction::Reply(r) = answer(Personality::NoStartTls, b"EHLO x") else {
            panic!()
        };
        assert!(!r.windows(8).any(|w| w == b"STARTTLS"));
    }

    #[test]
    fn lmtp_answers_lhlo_not_ehlo() {
        assert!(matches!(
            answer(Personality::DovecotLmtp, b"EHLO x"),
            Reaction::Reply(r) if r.starts_with(b"500")
        ));
        assert!(matches!(
            answer(Personality::DovecotLmtp, b"LHLO x"),
            Reaction::Reply(r) if r.starts_with(b"250-")
        ));
    }
}
