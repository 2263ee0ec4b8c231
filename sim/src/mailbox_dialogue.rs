//! What each IMAP, POP3 and ManageSieve personality says, byte for byte.
//!
//! Sources:
//! - Dovecot 2.3 (Debian 12), IMAP: the greeting `* OK [CAPABILITY ...]
//!   Dovecot (Debian) ready.` as `openssl s_client -starttls imap` prints
//!   it; `Begin TLS negotiation now.`, `Logging out` and `Logout
//!   completed.` are literals of Dovecot's `imap-commands`/`cmd-logout.c`.
//! - Dovecot POP3: `+OK Dovecot (Debian) ready.`, the `CAPA` list of
//!   `pop3-commands.c` (`CAPA TOP UIDL RESP-CODES PIPELINING
//!   AUTH-RESP-CODE STLS USER SASL PLAIN`), `+OK Begin TLS negotiation
//!   now.`, `+OK Logging out.`.
//! - Dovecot Pigeonhole ManageSieve: the capability greeting as `openssl
//!   s_client -starttls sieve` prints it, `OK "Begin TLS negotiation now."`,
//!   `OK "Logout completed."`; after TLS the server re-sends its
//!   capabilities (RFC 5804 section 2.2). The simulator sends them with
//!   the answer to `LOGOUT` rather than right after the handshake: the
//!   client reads the same lines in the same order.
//! - Cyrus IMAP 3.6 (`imapd.c`): greeting with `[CAPABILITY ...]` and
//!   `Cyrus IMAP ... server ready`, `OK Begin TLS negotiation now`,
//!   `* BYE LOGOUT received` / `OK Completed`.
//! - Courier-IMAP and Courier POP3 (`imapd.c`, `pop3dserver.c`): `Courier-IMAP
//!   ready. ...`, `OK Begin SSL/TLS negotiation now.`, `+OK Hello there.`,
//!   `+OK Here's what I can do:`, `+OK Bye-bye.`.
//!
//! Failure personalities change one line of Dovecot's IMAP dialogue.

use crate::certs::SERVER_NAME;
use crate::personality::Personality;
use crate::smtp_dialogue::Reaction;

const DOVECOT_IMAP_CAPS: &str =
    "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS LOGINDISABLED";

const DOVECOT_SIEVE_CAPS: &str = "\"IMPLEMENTATION\" \"Dovecot Pigeonhole\"\r\n\"SIEVE\" \"fileinto reject envelope encoded-character vacation subaddress comparator-i;ascii-numeric relational regex imap4flags copy include variables body enotify environment mailbox date index ihave duplicate mime foreverypart extracttext\"\r\n\"NOTIFY\" \"mailto\"\r\n\"SASL\" \"\"\r\n\"STARTTLS\"\r\n\"VERSION\" \"1.0\"\r\n";

/// True for the personalities this module speaks for.
pub fn speaks(personality: Personality) -> bool {
    matches!(
        personality,
        Personality::DovecotImap
            | Personality::CyrusImap
            | Personality::CourierImap
            | Personality::DovecotPop3
            | Personality::CourierPop3
            | Personality::DovecotSieve
            | Personality::ImapNoStartTls
            | Personality::ImapStartTlsRefused
            | Personality::ImapGreetingBye
            | Personality::ImapPreauth
            | Personality::Pop3StlsRefused
    )
}

/// The greeting `personality` sends on connect, and whether it then hangs
/// up (a `* BYE` greeting).
pub fn greeting(personality: Personality) -> (Vec<u8>, bool) {
    let text = match personality {
        Personality::DovecotImap
        | Personality::ImapStartTlsRefused => {
            format!("* OK [CAPABILITY {DOVECOT_IMAP_CAPS}] Dovecot (Debian) ready.\r\n")
        }
        Personality::ImapNoStartTls => "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot (Debian) ready.\r\n".into(),
        Personality::ImapGreetingBye => "* BYE Disconnected for inactivity.\r\n".into(),
        Personality::ImapPreauth => "* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] Logged in as sim\r\n".into(),
        Personality::CyrusImap => format!("* OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE STARTTLS AUTH=PLAIN SASL-IR] {SERVER_NAME} Cyrus IMAP 3.6.1 server ready\r\n"),
        Personality::CourierImap => "* OK [CAPABILITY IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE ACL ACL2=UNION STARTTLS] Courier-IMAP ready. Copyright 1998-2018 Double Precision, Inc.  See COPYING for distribution information.\r\n".into(),
        Personality::DovecotPop3 | Personality::Pop3StlsRefused => "+OK Dovecot (Debian) ready.\r\n".into(),
        Personality::CourierPop3 => "+OK Hello there.\r\n".into(),
        Personality::DovecotSieve => format!("{DOVECOT_SIEVE_CAPS}OK \"Dovecot (Debian) ready.\"\r\n"),
        _ => String::new(),
    };
    (
        text.into_bytes(),
        personality == Personality::ImapGreetingBye,
    )
}

/// How `personality` answers one command line (without its line end).
pub fn answer(personality: Personality, line: &[u8]) -> Reaction {
    let text = String::from_utf8_lossy(line);
    let mut words = text.split(' ');
    let first = words.next().unwrap_or("");
    let reply = |t: String| Reaction::Reply(t.into_bytes());
    if personality == Personality::DovecotSieve {
        return match first.to_ascii_uppercase().as_str() {
            "STARTTLS" => Reaction::ReplyThenTls(b"OK \"Begin TLS negotiation now.\"\r\n".to_vec()),
            "LOGOUT" => Reaction::ReplyThenClose(b"OK \"Logout completed.\"\r\n".to_vec()),
            _ => reply("NO \"Unknown command.\"\r\n".into()),
        };
    }
    if matches!(
        personality,
        Personality::DovecotPop3 | Personality::CourierPop3 | Personality::Pop3StlsRefused
    ) {
        let courier = personality == Personality::CourierPop3;
        return match first.to_ascii_uppercase().as_str() {
            "CAPA" if courier => reply("+OK Here's what I can do:\r\nSTLS\r\nTOP\r\nUSER\r\nLOGIN-DELAY 10\r\nPIPELINING\r\nUIDL\r\nIMPLEMENTATION Courier Mail Server\r\n.\r\n".into()),
            "CAPA" => reply("+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nSTLS\r\nUSER\r\nSASL PLAIN\r\n.\r\n".into()),
            "STLS" if personality == Personality::Pop3StlsRefused => reply("-ERR [SYS/PERM] TLS support isn't enabled.\r\n".into()),
            "STLS" if courier => Reaction::ReplyThenTls(b"+OK Begin SSL/TLS negotiation now.\r\n".to_vec()),
            "STLS" => Reaction::ReplyThenTls(b"+OK Begin TLS negotiation now.\r\n".to_vec()),
            "QUIT" => Reaction::ReplyThenClose(pop3_quit(personality).to_vec()),
            _ => reply("-ERR Unknown command.\r\n".into()),
        };
    }
    let tag = first;
    let command = words.next().unwrap_or("").to_ascii_uppercase();
    match command.as_str() {
        "CAPABILITY" => reply(format!(
            "* CAPABILITY {DOVECOT_IMAP_CAPS}\r\n{tag} OK Capability completed.\r\n"
        )),
        "STARTTLS" if personality == Personality::ImapStartTlsRefused => reply(format!(
            "{tag} NO [UNAVAILABLE] TLS support isn't enabled.\r\n"
        )),
        "STARTTLS" if personality == Personality::CourierImap => Reaction::ReplyThenTls(
            format!("{tag} OK Begin SSL/TLS negotiation now.\r\n").into_bytes(),
        ),
        "STARTTLS" if personality == Personality::CyrusImap => {
            Reaction::ReplyThenTls(format!("{tag} OK Begin TLS negotiation now\r\n").into_bytes())
        }
        "STARTTLS" => {
            Reaction::ReplyThenTls(format!("{tag} OK Begin TLS negotiation now.\r\n").into_bytes())
        }
        "LOGOUT" => Reaction::ReplyThenClose(imap_logout(personality, tag)),
        _ => reply(format!(
            "{tag} BAD Error in IMAP command received by server.\r\n"
        )),
    }
}

fn pop3_quit(personality: Personality) -> &'static [u8] {
    if personality == Personality::CourierPop3 {
        b"+OK Bye-bye.\r\n"
    } else {
        b"+OK Logging out.\r\n"
    }
}

fn imap_logout(personality: Personality, tag: &str) -> Vec<u8> {
    match personality {
        Personality::CyrusImap => format!("* BYE LOGOUT received\r\n{tag} OK Completed\r\n"),
        Personality::CourierImap => {
            format!("* BYE Courier-IMAP server shutting down\r\n{tag} OK LOGOUT completed\r\n")
        }
        _ => format!("* BYE Logging out\r\n{tag} OK Logout completed.\r\n"),
    }
    .into_bytes()
}

/// The answer to the goodbye inside TLS, if `line` is the goodbye.
pub fn goodbye_reply(personality: Personality, line: &[u8]) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(line);
    let text = text.trim_end();
    let upper = text.to_ascii_uppercase();
    if personality == Personality::DovecotSieve {
        return (upper == "LOGOUT").then(|| {
            format!("{DOVECOT_SIEVE_CAPS}OK \"Dovecot (Debian) ready.\"\r\nOK \"Logout completed.\"\r\n")
                .into_bytes()
        });
    }
    if matches!(
        personality,
        Personality::DovecotPop3 | Personality::CourierPop3
    ) {
        return (upper == "QUIT").then(|| pop3_quit(personality).to_vec());
    }
    let (tag, command) = text.split_once(' ')?;
    command
        .eq_ignore_ascii_case("LOGOUT")
        .then(|| imap_logout(personality, tag))
}
