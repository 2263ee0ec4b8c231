//! What each IMAP, POP3 and ManageSieve personality says, byte for byte.
//!
//! Sources:
//! - Dovecot IMAP, POP3 and ManageSieve: captured from Debian 12 Dovecot
//!   2.3.19.1 (dovecot-imapd, -pop3d, -managesieved 2.3.19.1+dfsg1-2.1+deb12u7)
//!   on 2026-11-29, the interop suite's private instances. A client on
//!   loopback counts as secured there, so those greetings offer
//!   `AUTH=PLAIN` / `"SASL" "PLAIN"`; the simulator keeps what a remote
//!   client sees before TLS (`LOGINDISABLED`, `"SASL" ""`). The rest is as
//!   captured: `OK Pre-login capabilities listed, post-login capabilities
//!   have more.`, `Begin TLS negotiation now.`, `* BYE Logging out` /
//!   `OK Logout completed.`; POP3's `CAPA` list, `+OK Begin TLS
//!   negotiation now.`, `+OK Logging out` (no full stop); ManageSieve's
//!   `"IMPLEMENTATION" "Dovecot (Debian) Pigeonhole"` greeting, `OK "Begin
//!   TLS negotiation now."`, after the handshake the capabilities again
//!   (without `STARTTLS`) and `OK "TLS negotiation successful."` (RFC 5804
//!   section 2.2), and `OK "Logout completed."`. The simulator sends the
//!   capabilities after the handshake with the answer to `LOGOUT` rather
//!   than at once: the client reads the same lines in the same order.
//! - Cyrus IMAP: captured from Debian 12 cyrus-imapd 3.6.1-4+deb12u5 on
//!   2026-11-29 (a private `cyrmaster` on loopback, `servername` set,
//!   `sasl_mech_list: PLAIN`, so plaintext login is disabled before TLS):
//!   the greeting, the `CAPABILITY` answer, `OK Begin TLS negotiation now`
//!   (no full stop) and, inside TLS, `* BYE LOGOUT received` / `OK
//!   Completed`. Only the server name differs (the simulator's).
//! - Courier-IMAP and Courier POP3: captured from Debian 12 courier-imap
//!   5.0.13+1.0.16-3+b6 and courier-pop 1.0.16-3+b6 on 2026-11-29
//!   (`couriertcpd` with `imaplogin`/`courierpop3login`, Debian's
//!   `/etc/courier/{imapd,pop3d}` settings plus `IMAP_STARTTLS=YES` /
//!   `POP3_STARTTLS=YES`): the greeting, the `CAPABILITY`/`CAPA` answers,
//!   `OK Begin SSL/TLS negotiation now.`, and inside TLS `* BYE
//!   Courier-IMAP server shutting down` / `OK LOGOUT completed`; a POP3
//!   `QUIT` before login is answered `+OK Better luck next time.`.
//!
//! Failure personalities change one line of Dovecot's IMAP dialogue.

use crate::certs::SERVER_NAME;
use crate::personality::Personality;
use crate::smtp_dialogue::Reaction;

const DOVECOT_IMAP_CAPS: &str =
    "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS LOGINDISABLED";

const CYRUS_IMAP_CAPS: &str = "IMAP4rev1 LITERAL+ ID ENABLE ACL ANNOTATE-EXPERIMENT-1 BINARY CATENATE CHILDREN CONDSTORE CREATE-SPECIAL-USE ESEARCH ESORT LIST-EXTENDED LIST-MYRIGHTS LIST-STATUS MAILBOX-REFERRALS METADATA MOVE MULTIAPPEND NAMESPACE OBJECTID PREVIEW QRESYNC QUOTA RIGHTS=kxten SAVEDATE SEARCH=FUZZY SORT SORT=DISPLAY SPECIAL-USE STATUS=SIZE THREAD=ORDEREDSUBJECT THREAD=REFERENCES UIDPLUS UNSELECT URLAUTH URLAUTH=BINARY WITHIN DIGEST=SHA1 LIST-METADATA NO_ATOMIC_RENAME SCAN SORT=MODSEQ SORT=UID THREAD=REFS X-CREATEDMODSEQ X-REPLICATION X-SIEVE-MAILBOX XLIST XMOVE STARTTLS LOGINDISABLED COMPRESS=DEFLATE X-QUOTA=STORAGE X-QUOTA=MESSAGE X-QUOTA=X-ANNOTATION-STORAGE X-QUOTA=X-NUM-FOLDERS IDLE APPENDLIMIT=4294967295";

const COURIER_IMAP_CAPS: &str = "IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE ACL ACL2=UNION STARTTLS ENABLE UTF8=ACCEPT";

/// ManageSieve's capabilities as re-sent once TLS is up: no `STARTTLS`.
const DOVECOT_SIEVE_CAPS_IN_TLS: &str = "\"IMPLEMENTATION\" \"Dovecot (Debian) Pigeonhole\"\r\n\"SIEVE\" \"fileinto reject envelope encoded-character vacation subaddress comparator-i;ascii-numeric relational regex imap4flags copy include variables body enotify environment mailbox date index ihave duplicate mime foreverypart extracttext\"\r\n\"NOTIFY\" \"mailto\"\r\n\"SASL\" \"PLAIN\"\r\n\"VERSION\" \"1.0\"\r\n";

const DOVECOT_SIEVE_CAPS: &str = "\"IMPLEMENTATION\" \"Dovecot (Debian) Pigeonhole\"\r\n\"SIEVE\" \"fileinto reject envelope encoded-character vacation subaddress comparator-i;ascii-numeric relational regex imap4flags copy include variables body enotify environment mailbox date index ihave duplicate mime foreverypart extracttext\"\r\n\"NOTIFY\" \"mailto\"\r\n\"SASL\" \"\"\r\n\"STARTTLS\"\r\n\"VERSION\" \"1.0\"\r\n";

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
        Personality::CyrusImap => format!("* OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE STARTTLS LOGINDISABLED] {SERVER_NAME} Cyrus IMAP 3.6.1-Debian-3.6.1-4+deb12u5 server ready\r\n"),
        Personality::CourierImap => format!("* OK [CAPABILITY {COURIER_IMAP_CAPS}] Courier-IMAP ready. Copyright 1998-2019 Double Precision, Inc.  See COPYING for distribution information.\r\n"),
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
            "CAPA" if courier => reply("+OK Here's what I can do:\r\nSTLS\r\nTOP\r\nUSER\r\nLOGIN-DELAY 10\r\nPIPELINING\r\nUIDL\r\nUTF8 USER\r\nIMPLEMENTATION Courier Mail Server\r\n.\r\n".into()),
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
        "CAPABILITY" => reply(match personality {
            Personality::CyrusImap => {
                format!("* CAPABILITY {CYRUS_IMAP_CAPS}\r\n{tag} OK Completed\r\n")
            }
            Personality::CourierImap => {
                format!("* CAPABILITY {COURIER_IMAP_CAPS}\r\n{tag} OK CAPABILITY completed\r\n")
            }
            _ => format!("* CAPABILITY {DOVECOT_IMAP_CAPS}\r\n{tag} OK Pre-login capabilities listed, post-login capabilities have more.\r\n"),
        }),
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
        b"+OK Better luck next time.\r\n"
    } else {
        b"+OK Logging out\r\n"
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
            format!("{DOVECOT_SIEVE_CAPS_IN_TLS}OK \"TLS negotiation successful.\"\r\nOK \"Logout completed.\"\r\n")
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
