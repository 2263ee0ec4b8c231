//! Replays the checked-in fuzz corpora (`fuzz/corpus/<target>/`) through the
//! harnesses the fuzz targets call (the `starttls-fuzz-harness` crate in
//! `fuzz-harness/`), so every `cargo test` on stable exercises the seeds and
//! every crash regression.
//!
//! The seeds named `seed-*` are written by the ignored test
//! `write_seed_corpora` (`cargo test --test fuzz_corpora -- --ignored`);
//! `regression-*` files are inputs the fuzzer once crashed on.

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use starttls_fuzz_harness as fuzzing;

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

/// Runs every file of the target's corpus through `harness`; fails naming
/// each file that panicked.
fn replay(target: &str, harness: fn(&[u8])) {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no inputs", dir.display());
    let failed: Vec<String> = files
        .iter()
        .filter(|path| {
            let data = fs::read(path).expect("corpus file");
            catch_unwind(AssertUnwindSafe(|| harness(&data))).is_err()
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(failed.is_empty(), "{target} panicked on {failed:#?}");
}

#[test]
fn smtp_reply_corpus_replays() {
    replay("smtp_reply", fuzzing::smtp_reply);
}

#[test]
fn ldap_response_corpus_replays() {
    replay("ldap_response", fuzzing::ldap_response);
}

#[test]
fn mysql_handshake_corpus_replays() {
    replay("mysql_handshake", fuzzing::mysql_handshake);
}

#[test]
fn postgres_error_corpus_replays() {
    replay("postgres_error", fuzzing::postgres_error);
}

#[test]
fn probe_stream_corpus_replays() {
    replay("probe_stream", fuzzing::probe_stream);
}

#[test]
fn analysis_der_corpus_replays() {
    replay("analysis_der", fuzzing::analysis_der);
}

#[test]
fn analysis_chain_corpus_replays() {
    replay("analysis_chain", fuzzing::analysis_chain);
}

#[test]
fn legacy_flight_corpus_replays() {
    replay("legacy_flight", fuzzing::legacy_flight);
}

/// The legacy personalities' seeds reach the end of a legacy capture, so
/// the fuzzer starts from inputs that walk the whole second attempt.
#[test]
fn legacy_probe_stream_seeds_read_the_certificate() {
    for name in [
        "seed-sim-Exchange2010-0",
        "seed-sim-DomainController2008R2-0",
        "seed-sim-RsaCbcOnly-0",
        "seed-sim-OpenSmtpdAbort-0",
    ] {
        let data = fs::read(corpus_dir("probe_stream").join(name)).expect(name);
        let outcome = fuzzing::probe_stream_outcome(&data);
        assert_eq!(outcome, Some(Ok(())), "{name}");
    }
}

#[test]
fn numbered_reply_corpus_replays() {
    replay("numbered_reply", fuzzing::numbered_reply);
}

#[test]
fn xmpp_stream_corpus_replays() {
    replay("xmpp_stream", fuzzing::xmpp_stream);
}

/// The XMPP seeds of real servers' streams reach the TLS handshake, and
/// the refusals fail the way their names say.
#[test]
fn xmpp_stream_seeds_reach_the_handshake_or_their_refusal() {
    let dir = corpus_dir("xmpp_stream");
    for entry in fs::read_dir(&dir).expect("xmpp_stream corpus") {
        let path = entry.expect("entry").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("seed-sim-") {
            continue;
        }
        let data = fs::read(&path).expect("seed");
        let outcome = fuzzing::xmpp_stream_outcome(&data).expect("a seed");
        let refusal = ["Failure", "HostUnknown", "NoStartTls"]
            .iter()
            .any(|r| name.contains(r));
        match outcome {
            Ok(phase) => assert!(
                !refusal && phase == starttls_engine::Phase::TlsHandshake,
                "{name}: {phase:?}"
            ),
            Err(e) => assert!(refusal, "{name}: {e}"),
        }
    }
}

#[test]
fn imap_response_corpus_replays() {
    replay("imap_response", fuzzing::imap_response);
}

#[test]
fn pop3_reply_corpus_replays() {
    replay("pop3_reply", fuzzing::pop3_reply);
}

#[test]
fn params_corpus_replays() {
    replay("params", fuzzing::params);
}

#[test]
fn shell_words_corpus_replays() {
    replay("shell_words", fuzzing::shell_words);
}

/// Writes the `seed-*` files of every corpus from real transcripts, the
/// engine's certificate fixtures and an in-memory rustls server. Run by hand
/// after changing a harness's input layout; the output is checked in.
#[test]
#[ignore = "writes fuzz/corpus/*/seed-*; run by hand"]
fn write_seed_corpora() {
    for (target, seeds) in [
        ("smtp_reply", seeds::smtp_reply()),
        ("ldap_response", seeds::ldap_response()),
        ("probe_stream", seeds::probe_stream()),
        ("analysis_der", seeds::analysis_der()),
        ("analysis_chain", seeds::analysis_chain()),
        ("params", seeds::params()),
        ("shell_words", seeds::shell_words()),
        ("legacy_flight", seeds::legacy_flight()),
        ("mysql_handshake", seeds::mysql_handshake()),
        ("postgres_error", seeds::postgres_error()),
        ("numbered_reply", seeds::numbered_reply()),
        ("xmpp_stream", seeds::xmpp_stream()),
        ("imap_response", seeds::imap_response()),
        ("pop3_reply", seeds::pop3_reply()),
    ] {
        write_seeds(target, seeds);
    }
}

/// Writes only the `probe_stream` seeds recorded from TLS servers and the
/// simulator (not the legacy ones), leaving every other corpus as it is:
/// run after changing the seeded crypto or the simulator's TLS server.
#[test]
#[ignore = "writes fuzz/corpus/probe_stream/seed-*; run by hand"]
fn write_probe_stream_seed_corpora() {
    use starttls_sim::personality::{Personality, TlsStyle};
    let dir = corpus_dir("probe_stream");
    // The legacy personalities' seeds are `write_legacy_seed_corpora`'s.
    let legacy: Vec<String> = Personality::all()
        .iter()
        .filter(|p| matches!(p.tls(), TlsStyle::Legacy(_)))
        .map(|p| format!("sim-{p:?}"))
        .collect();
    for (name, data) in seeds::probe_stream() {
        if !legacy.contains(&name) {
            fs::write(dir.join(format!("seed-{name}")), data).expect("seed file");
        }
    }
}

/// Writes only the database protocols' seeds: the `mysql_handshake` and
/// `postgres_error` corpora and the `probe_stream` seeds of the
/// simulator's PostgreSQL and MySQL personalities.
#[test]
#[ignore = "writes fuzz/corpus/{mysql_handshake,postgres_error}/seed-*; run by hand"]
fn write_db_seed_corpora() {
    write_seeds("mysql_handshake", seeds::mysql_handshake());
    write_seeds("postgres_error", seeds::postgres_error());
    let dir = corpus_dir("probe_stream");
    for (name, data) in seeds::probe_stream() {
        let db = [
            "Postgres15",
            "PostgresSslOff",
            "PostgresForkFailure",
            "MariaDb",
            "Mysql8",
            "MariaDbNoSsl",
            "MariaDbHostNotAllowed",
            "Postgres17Direct",
        ];
        if db.iter().any(|p| name == format!("sim-{p}")) {
            fs::write(dir.join(format!("seed-{name}")), data).expect("seed file");
        }
    }
}

/// Writes only the FTP, NNTP and XMPP seeds: the `numbered_reply` and
/// `xmpp_stream` corpora and the `probe_stream` seeds of those protocols'
/// simulator personalities, leaving every other seed as it is.
#[test]
#[ignore = "writes fuzz/corpus/{numbered_reply,xmpp_stream}/seed-*; run by hand"]
fn write_line_and_xmpp_seed_corpora() {
    write_seeds("numbered_reply", seeds::numbered_reply());
    write_seeds("xmpp_stream", seeds::xmpp_stream());
    let dir = corpus_dir("probe_stream");
    for (name, data) in seeds::probe_stream() {
        let new_protocol = seeds::LINE_AND_XMPP
            .iter()
            .any(|p| name == format!("sim-{p:?}"));
        if new_protocol {
            fs::write(dir.join(format!("seed-{name}")), data).expect("seed file");
        }
    }
}

/// Writes only the IMAP and POP3 line seeds.
#[test]
#[ignore = "writes fuzz/corpus/{imap_response,pop3_reply}/seed-*; run by hand"]
fn write_mailbox_seed_corpora() {
    write_seeds("imap_response", seeds::imap_response());
    write_seeds("pop3_reply", seeds::pop3_reply());
}

/// Writes only the legacy capture's seeds: the `legacy_flight` corpus and
/// the `probe_stream` seeds of the simulator's legacy personalities (both
/// connections' server bytes, turn by turn).
#[test]
#[ignore = "writes fuzz/corpus/legacy_flight/seed-*; run by hand"]
fn write_legacy_seed_corpora() {
    write_seeds("legacy_flight", seeds::legacy_flight());
    let dir = corpus_dir("probe_stream");
    for (name, data) in seeds::legacy_probe_stream() {
        fs::write(dir.join(format!("seed-{name}")), data).expect("seed file");
    }
}

/// Replaces the `seed-*` files of `target`'s corpus with `seeds`.
fn write_seeds(target: &str, seeds: Vec<(String, Vec<u8>)>) {
    {
        let dir = corpus_dir(target);
        fs::create_dir_all(&dir).expect("corpus directory");
        for entry in fs::read_dir(&dir).expect("corpus directory") {
            let path = entry.expect("entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with("seed-") {
                fs::remove_file(&path).expect("old seed");
            }
        }
        for (name, data) in seeds {
            fs::write(dir.join(format!("seed-{name}")), data).expect("seed file");
        }
    }
}

mod seeds {
    use std::io::{Read, Write};
    use std::sync::Arc;
    use std::time::Instant;

    use rustls::{ServerConfig, ServerConnection};
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::PrivateKeyDer;
    use starttls_engine::ldap::{NOTICE_OF_DISCONNECTION_OID, START_TLS_OID};
    use starttls_engine::{CertificateDer, Input, Output, Probe, Protocol};
    use starttls_fuzz_harness as fuzzing;
    use starttls_sim::ber::{self, LengthForm};
    use starttls_sim::certs::{CertKind, KeyKind, TestPki};
    use starttls_sim::deterministic::{self, SeededPki};
    use starttls_sim::personality::Personality;
    use starttls_sim::scenario::Traffic;
    use starttls_sim::Scenario;

    type Seeds = Vec<(String, Vec<u8>)>;

    /// Greetings as real servers send them.
    const GREETINGS: [(&str, &str); 7] = [
        ("postfix", "220 mail.example.com ESMTP Postfix (Debian/GNU)\r\n"),
        (
            "postscreen",
            "220-mail.example.com ESMTP Postfix (Debian/GNU)\r\n220 mail.example.com ESMTP Postfix (Debian/GNU)\r\n",
        ),
        (
            "exim",
            "220 mx.example.org ESMTP Exim 4.96 Thu, 01 Jan 2026 00:00:00 +0000\r\n",
        ),
        (
            "exchange",
            "220 EXCH01.corp.example.com Microsoft ESMTP MAIL Service ready at Thu, 1 Jan 2026 00:00:00 +0000\r\n",
        ),
        (
            "sendmail",
            "220 mail.example.net ESMTP Sendmail 8.17.1/8.17.1; Thu, 1 Jan 2026 00:00:00 GMT\r\n",
        ),
        ("dovecot-lmtp", "220 mail.example.com Dovecot ready.\r\n"),
        ("bare", "220\n"),
    ];

    /// EHLO/LHLO replies.
    const HELLOS: [(&str, &str); 4] = [
        (
            "postfix",
            "250-mail.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n",
        ),
        (
            "exim",
            "250-mx.example.org Hello localhost [192.0.2.10]\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n250-PIPELINING\r\n250-PIPE_CONNECT\r\n250-CHUNKING\r\n250-STARTTLS\r\n250-PRDR\r\n250 HELP\r\n",
        ),
        (
            "exchange",
            "250-EXCH01.corp.example.com Hello [192.0.2.10]\r\n250-SIZE 37748736\r\n250-PIPELINING\r\n250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n250-STARTTLS\r\n250-X-ANONYMOUSTLS\r\n250-AUTH NTLM\r\n250-X-EXPS GSSAPI NTLM\r\n250-8BITMIME\r\n250-BINARYMIME\r\n250-CHUNKING\r\n250 XRDST\r\n",
        ),
        (
            "dovecot-lmtp",
            "250-mail.example.com\r\n250-8BITMIME\r\n250-CHUNKING\r\n250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 SIZE\r\n",
        ),
    ];

    /// Other replies worth starting from.
    const OTHERS: [(&str, &str); 9] = [
        ("ready", "220 2.0.0 Ready to start TLS\r\n"),
        ("exchange-ready", "220 2.0.0 SMTP server ready\r\n"),
        (
            "454",
            "454 4.7.0 TLS not available due to local problem\r\n",
        ),
        (
            "421",
            "421 4.3.2 Service shutting down, closing transmission channel\r\n",
        ),
        (
            "554",
            "554 5.7.1 <unknown[192.0.2.10]>: Client host rejected: Access denied\r\n",
        ),
        ("no-starttls", "250-mail.example.com\r\n250 PIPELINING\r\n"),
        ("mixed-codes", "250-a\r\n220 b\r\n"),
        ("bare-lf", "250-a\n250-b\n250 c\n"),
        ("not-smtp", "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"),
    ];

    /// IMAP server transcripts: Dovecot's greeting (as in its published
    /// sessions), Cyrus's and Courier's greeting and STARTTLS answer
    /// (captured from Debian 12 cyrus-imapd 3.6.1 and courier-imap 5.0.13
    /// on 2026-11-29), refusals, literals.
    const IMAP: [(&str, &str); 8] = [
        ("dovecot", "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS LOGINDISABLED] Dovecot (Debian) ready.\r\na1 OK Begin TLS negotiation now.\r\n"),
        ("cyrus", "* OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE STARTTLS LOGINDISABLED] mail.interop.test Cyrus IMAP 3.6.1-Debian-3.6.1-4+deb12u5 server ready\r\nb OK Begin TLS negotiation now\r\n"),
        ("courier", "* OK [CAPABILITY IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE ACL ACL2=UNION STARTTLS ENABLE UTF8=ACCEPT] Courier-IMAP ready. Copyright 1998-2019 Double Precision, Inc.  See COPYING for distribution information.\r\nb OK Begin SSL/TLS negotiation now.\r\n"),
        ("capability", "* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN\r\na1 OK Capability completed.\r\n"),
        ("refusals", "* BYE Too many connections\r\n* PREAUTH ready\r\na2 NO [UNAVAILABLE] TLS down\r\na2 BAD unknown\r\n"),
        ("literal", "* 1 FETCH (BODY[] {11}\r\nhello\r\nbye\r\n)\r\n"),
        ("huge-literal", "* OK {99999999999}\r\n"),
        ("not-imap", "+OK Dovecot ready.\r\n220 mx ESMTP\r\n"),
    ];

    pub fn imap_response() -> Seeds {
        IMAP.iter()
            .enumerate()
            .map(|(i, (name, text))| {
                let split = (i as u8).wrapping_mul(37);
                (name.to_string(), [&[split][..], text.as_bytes()].concat())
            })
            .collect()
    }

    /// POP3 transcripts: Dovecot and Courier greetings, `CAPA`, `STLS`
    /// (Courier's captured from Debian 12 courier-pop 1.0.16 on 2026-11-29).
    const POP3: [(&str, &str); 5] = [
        ("dovecot", "+OK Dovecot (Debian) ready.\r\n+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nSTLS\r\nUSER\r\nSASL PLAIN\r\n.\r\n+OK Begin TLS negotiation now.\r\n"),
        ("courier", "+OK Hello there.\r\n+OK Here's what I can do:\r\nSTLS\r\nTOP\r\nUSER\r\nLOGIN-DELAY 10\r\nPIPELINING\r\nUIDL\r\nUTF8 USER\r\nIMPLEMENTATION Courier Mail Server\r\n.\r\n+OK Begin SSL/TLS negotiation now.\r\n"),
        ("no-capa", "+OK POP3 ready\r\n-ERR unknown command\r\n"),
        ("refused", "-ERR [SYS/TEMP] TLS unavailable\r\n"),
        ("not-pop3", "* OK IMAP4rev1\r\n220 mx ESMTP\r\n"),
    ];

    pub fn pop3_reply() -> Seeds {
        POP3.iter()
            .enumerate()
            .map(|(i, (name, text))| {
                let split = (i as u8).wrapping_mul(53);
                (name.to_string(), [&[split][..], text.as_bytes()].concat())
            })
            .collect()
    }

    pub fn smtp_reply() -> Seeds {
        let mut seeds = Seeds::new();
        let all = GREETINGS.iter().chain(&HELLOS).chain(&OTHERS);
        for (i, (name, text)) in all.enumerate() {
            // Vary the split style (bits 0-1) and seed across the seeds.
            let split = (i as u8).wrapping_mul(37);
            seeds.push((name.to_string(), [&[split][..], text.as_bytes()].concat()));
        }
        for (greeting, hello) in [(0, 0), (2, 1), (3, 2), (5, 3)] {
            let text = [GREETINGS[greeting].1, HELLOS[hello].1, OTHERS[0].1].concat();
            let name = format!("session-{}", GREETINGS[greeting].0);
            seeds.push((name, [&[2u8][..], text.as_bytes()].concat()));
        }
        seeds
    }

    /// A BER element, shortest length form (the simulator's encoder).
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        ber::tlv(tag, content, LengthForm::Shortest)
    }

    /// Active Directory's four-octet lengths.
    fn tlv4(tag: u8, content: &[u8]) -> Vec<u8> {
        ber::tlv(tag, content, LengthForm::Long4)
    }

    fn ext_resp(id: u8, code: u8, diagnostic: &[u8], name: Option<&str>) -> Vec<u8> {
        let mut body = tlv(0x0a, &[code]);
        body.extend(tlv(0x04, b""));
        body.extend(tlv(0x04, diagnostic));
        if let Some(name) = name {
            body.extend(tlv(0x8a, name.as_bytes()));
        }
        let mut msg = tlv(0x02, &[id]);
        msg.extend(tlv(0x78, &body));
        tlv(0x30, &msg)
    }

    /// LDAP replies: the real captures (OpenLDAP, Active Directory) and the
    /// refusals and oddities the decoder handles.
    fn ldap_replies() -> Seeds {
        let mut ad_body = vec![0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00];
        ad_body.extend(tlv(0x8a, START_TLS_OID.as_bytes()));
        let mut ad_msg = vec![0x02, 0x01, 0x01];
        ad_msg.extend(tlv4(0x78, &ad_body));
        let mut referral = tlv(0x0a, &[10]);
        referral.extend(tlv(0x04, b""));
        referral.extend(tlv(0x04, b"go elsewhere"));
        let mut uris = tlv(0x04, b"ldap://dc1.example.com/");
        uris.extend(tlv(0x04, b"ldap://dc2.example.com/"));
        referral.extend(tlv(0xa3, &uris));
        let mut referral_msg = tlv(0x02, &[1]);
        referral_msg.extend(tlv(0x78, &referral));
        let mut bind_body = tlv(0x0a, &[2]);
        bind_body.extend(tlv(0x04, b""));
        bind_body.extend(tlv(0x04, b""));
        let mut bind_msg = tlv(0x02, &[1]);
        bind_msg.extend(tlv(0x61, &bind_body));
        vec![
            ("openldap-ok".into(), ext_resp(1, 0, b"", None)),
            ("ad-ok".into(), tlv4(0x30, &ad_msg)),
            (
                "openldap-unsupported".into(),
                ext_resp(1, 2, b"unsupported extended operation", None),
            ),
            (
                "openldap-unavailable".into(),
                ext_resp(1, 52, b"Could not initialize TLS", None),
            ),
            (
                "ad-unavailable".into(),
                ext_resp(
                    1,
                    0x34,
                    b"00000000: LdapErr: DSID-0C091202, comment: Error initializing SSL/TLS, data 0, v4563\0",
                    Some(START_TLS_OID),
                ),
            ),
            ("code-9".into(), ext_resp(1, 9, b"odd", None)),
            (
                "latin1-diagnostic".into(),
                ext_resp(1, 52, b"Fehler: \xfcberlastet", None),
            ),
            ("referral".into(), tlv(0x30, &referral_msg)),
            (
                "notice-of-disconnection".into(),
                ext_resp(
                    0,
                    52,
                    b"server shutting down",
                    Some(NOTICE_OF_DISCONNECTION_OID),
                ),
            ),
            ("bind-response".into(), tlv(0x30, &bind_msg)),
            ("other-id".into(), ext_resp(7, 0, b"", None)),
            (
                "ok-then-tls".into(),
                [ext_resp(1, 0, b"", None), b"\x16\x03\x01\x00\x05hello".to_vec()].concat(),
            ),
            (
                "not-ldap".into(),
                b"220 mail.example.com ESMTP Postfix\r\n".to_vec(),
            ),
            (
                "huge-length".into(),
                vec![0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x02],
            ),
        ]
    }

    pub fn ldap_response() -> Seeds {
        ldap_replies()
    }

    /// The simulator's MariaDB/MySQL first packets (db_dialogue cites
    /// their sources), a `Too many connections` ERR with SQLSTATE, the
    /// obsolete protocol 9, cut packets and foreign bytes.
    pub fn mysql_handshake() -> Seeds {
        use starttls_sim::db_dialogue::mysql_greeting;
        let mut seeds = Seeds::new();
        for p in [
            Personality::MariaDb,
            Personality::Mysql8,
            Personality::MariaDbNoSsl,
            Personality::MariaDbHostNotAllowed,
        ] {
            let (packet, _) = mysql_greeting(p);
            seeds.push((format!("{p:?}-cut"), packet[..packet.len() / 2].to_vec()));
            seeds.push((format!("{p:?}"), packet));
        }
        let mut too_many = vec![0x1b, 0, 0, 0, 0xff, 0x10, 0x04, b'#'];
        too_many.extend_from_slice(b"08004Too many connections");
        seeds.push(("err-1040-sqlstate".into(), too_many));
        seeds.push((
            "protocol-9".into(),
            vec![6, 0, 0, 0, 9, b'3', b'.', b'2', b'0', 0],
        ));
        seeds.push(("smtp-banner".into(), b"220 mx ESMTP Postfix\r\n".to_vec()));
        seeds.push(("huge-length".into(), vec![0xff, 0xff, 0xff, 0, 0x0a]));
        seeds
    }

    /// PostgreSQL ErrorResponses after the `E` the harness prepends: the
    /// protocol 3 form with severity, SQLSTATE and message, the protocol 2
    /// form (`FATAL:  text`), a huge length and a field without its NUL.
    pub fn postgres_error() -> Seeds {
        let v3 = |fields: &[(u8, &str)]| {
            let mut body = Vec::new();
            for (kind, value) in fields {
                body.push(*kind);
                body.extend_from_slice(value.as_bytes());
                body.push(0);
            }
            body.push(0);
            let mut msg = (u32::try_from(body.len()).unwrap() + 4)
                .to_be_bytes()
                .to_vec();
            msg.extend(body);
            msg
        };
        vec![
            (
                "v3-too-many-clients".into(),
                v3(&[
                    (b'S', "FATAL"),
                    (b'V', "FATAL"),
                    (b'C', "53300"),
                    (b'M', "sorry, too many clients already"),
                    (b'F', "proc.c"),
                    (b'L', "363"),
                    (b'R', "InitProcess"),
                ]),
            ),
            (
                "v2-fatal".into(),
                b"FATAL:  the database system is starting up\n\0".to_vec(),
            ),
            ("v3-huge".into(), vec![0, 0x7f, 0xff, 0xff]),
            ("v3-unterminated".into(), vec![0, 0, 0, 7, b'M', b'a', b'b']),
        ]
    }

    /// The simulator's good chain (leaf for `mail.sim.test` and
    /// intermediate, P-256), its leaf key and the root.
    fn chain() -> (
        Vec<CertificateDer<'static>>,
        PrivateKeyDer<'static>,
        CertificateDer<'static>,
    ) {
        let pki = TestPki::shared();
        let identity = pki.identity(CertKind::Good, KeyKind::EcdsaP256);
        (
            identity.chain.clone(),
            identity.key(),
            pki.root_der().clone(),
        )
    }

    /// A rustls server on the seeded provider (the server's stream of
    /// [`fuzzing::PROBE_SEED`]) with the seeded Ed25519 chain, speaking only
    /// TLS 1.2 or only 1.3: the harness's probe sends the same ClientHello
    /// as the recording one, so the recorded flight completes the handshake
    /// when replayed.
    fn tls_server(tls12_only: bool) -> ServerConnection {
        let identity = SeededPki::shared().identity();
        let (chain, key) = (identity.chain.clone(), identity.key());
        let provider = Arc::new(deterministic::provider(
            fuzzing::PROBE_SEED,
            deterministic::SERVER_STREAM,
        ));
        let versions: &[&rustls::SupportedProtocolVersion] = if tls12_only {
            &[&rustls::version::TLS12]
        } else {
            &[&rustls::version::TLS13]
        };
        let config = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        ServerConnection::new(Arc::new(config)).unwrap()
    }

    /// Runs a probe against a scripted server (`plaintext[0]` sent at once
    /// for SMTP, one further element answering each thing the probe sends,
    /// then a rustls server) and returns what the server sent, turn by turn.
    fn record(protocol: Protocol, plaintext: &[&[u8]], tls12_only: bool) -> Vec<Vec<u8>> {
        let now = Instant::now();
        let mut probe = Probe::new(fuzzing::probe_config(protocol), now);
        let mut tls = tls_server(tls12_only);
        let mut replies = plaintext.iter();
        let mut sent = Vec::new();
        if protocol != Protocol::Ldap {
            let greeting = replies.next().expect("a greeting");
            sent.push(greeting.to_vec());
            probe.handle_input(Input::Received(greeting), now);
        }
        let mut in_tls = false;
        for _ in 0..64 {
            match probe.poll_output() {
                Output::Transmit(bytes) => {
                    let answer = if in_tls {
                        tls.read_tls(&mut &bytes[..]).unwrap();
                        if tls.process_new_packets().is_err() {
                            break;
                        }
                        let mut plain = Vec::new();
                        let _ = tls.reader().read_to_end(&mut plain);
                        if !plain.is_empty() {
                            tls.send_close_notify();
                        }
                        let mut out = Vec::new();
                        while tls.wants_write() {
                            tls.write_tls(&mut out).unwrap();
                        }
                        out
                    } else {
                        match replies.next() {
                            Some(reply) => {
                                in_tls = replies.len() == 0;
                                reply.to_vec()
                            }
                            None => break,
                        }
                    };
                    if !answer.is_empty() {
                        probe.handle_input(Input::Received(&answer), now);
                        sent.push(answer);
                    }
                }
                Output::Reconnect | Output::Done(_) => break,
                _ => probe.handle_input(Input::Closed, now),
            }
        }
        let _ = tls.writer().flush();
        sent
    }

    /// `turns` in the length-prefixed layout of the probe and DER targets.
    fn turns<T: AsRef<[u8]>>(head: &[u8], turns: &[T]) -> Vec<u8> {
        let mut out = head.to_vec();
        for turn in turns {
            let turn = turn.as_ref();
            out.extend((turn.len() as u16).to_be_bytes());
            out.extend_from_slice(turn);
        }
        out
    }

    pub fn probe_stream() -> Seeds {
        let ready = OTHERS[0].1.as_bytes();
        let ldap_ok = ext_resp(1, 0, b"", None);
        let mut seeds = Seeds::new();
        let sessions: [(&str, Protocol, Vec<&[u8]>); 4] = [
            (
                "postfix",
                Protocol::Smtp,
                vec![GREETINGS[0].1.as_bytes(), HELLOS[0].1.as_bytes(), ready],
            ),
            (
                "exchange",
                Protocol::Smtp,
                vec![
                    GREETINGS[3].1.as_bytes(),
                    HELLOS[2].1.as_bytes(),
                    OTHERS[1].1.as_bytes(),
                ],
            ),
            (
                "dovecot-lmtp",
                Protocol::Lmtp,
                vec![GREETINGS[5].1.as_bytes(), HELLOS[3].1.as_bytes(), ready],
            ),
            ("openldap", Protocol::Ldap, vec![&ldap_ok]),
        ];
        // The harness picks `Protocol::ALL[byte % len]`.
        let protocol_byte = |p: Protocol| {
            let index = Protocol::ALL.iter().position(|&x| x == p);
            u8::try_from(index.expect("every protocol is in Protocol::ALL")).expect("few protocols")
        };
        for (i, (name, protocol, plaintext)) in sessions.iter().enumerate() {
            for (tls12, version) in [(true, "tls12"), (false, "tls13")] {
                let stream = record(*protocol, plaintext, tls12);
                // Whole pieces, no delay; and a seed with pieces and delays.
                let driver = if tls12 { 0 } else { (i as u8) << 4 | 0b0110 };
                seeds.push((
                    format!("{name}-{version}"),
                    turns(&[protocol_byte(*protocol), driver], &stream),
                ));
            }
        }
        // Every simulator personality (TLS 1.3 when it gets that far), as
        // its server sent it, turn by turn, on the seeded crypto the
        // harness's probe uses.
        for personality in Personality::all() {
            let scenario = Scenario::new(*personality)
                .with_seed(fuzzing::PROBE_SEED)
                .with_seeded_crypto();
            let outcome = starttls_sim::run(&scenario);
            let sent: Vec<&[u8]> = outcome
                .server_log
                .iter()
                .filter_map(|entry| match &entry.traffic {
                    Traffic::ToClient(bytes) => Some(&bytes[..]),
                    _ => None,
                })
                .collect();
            let protocol = protocol_byte(personality.protocol());
            seeds.push((
                format!("sim-{personality:?}"),
                turns(&[protocol, 0b0110], &sent),
            ));
        }
        // Plaintext-only conversations: refusals and broken servers.
        let b = |s: &str| s.as_bytes().to_vec();
        let plaintext: [(&str, Protocol, u8, Vec<Vec<u8>>); 9] = [
            (
                "postscreen-454",
                Protocol::Smtp,
                0b0001,
                vec![
                    b("220-mail.example.com ESMTP Postfix (Debian/GNU)\r\n"),
                    b("220 mail.example.com ESMTP Postfix (Debian/GNU)\r\n"),
                    b(HELLOS[0].1),
                    b(OTHERS[2].1),
                ],
            ),
            (
                "exim-no-starttls",
                Protocol::Smtp,
                0b0010,
                vec![b(GREETINGS[2].1), b(OTHERS[5].1)],
            ),
            ("421", Protocol::Smtp, 0, vec![b(OTHERS[3].1)]),
            ("554", Protocol::Lmtp, 0b1111, vec![b(OTHERS[4].1)]),
            (
                "plaintext-after-ready",
                Protocol::Smtp,
                0,
                vec![
                    b(GREETINGS[0].1),
                    b(HELLOS[0].1),
                    b("220 2.0.0 Ready to start TLS\r\n250 injected\r\n"),
                ],
            ),
            (
                "pipelined-greeting-and-hello",
                Protocol::Smtp,
                0,
                vec![b(&[GREETINGS[0].1, HELLOS[0].1].concat())],
            ),
            ("ssh", Protocol::Smtp, 0, vec![b(OTHERS[8].1)]),
            (
                "ldap-refused",
                Protocol::Ldap,
                0b0011,
                vec![ext_resp(1, 52, b"Could not initialize TLS", None)],
            ),
            ("ldap-got-smtp", Protocol::Ldap, 0, vec![b(GREETINGS[0].1)]),
        ];
        for (name, protocol, driver, stream) in plaintext {
            seeds.push((
                name.into(),
                turns(&[protocol_byte(protocol), driver], &stream),
            ));
        }
        seeds
    }

    /// The engine's OpenSSL-made fixtures: RSA-1024, RSA-2047, P-521,
    /// Ed448, MD5 and SHA-1 signed certificates.
    fn fixtures() -> Vec<(&'static str, Vec<u8>)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/engine/src/analysis/testdata");
        [
            "rsa1024-self",
            "rsa2047-self",
            "p521-self",
            "ed448-self",
            "md5-leaf",
            "sha1-leaf",
            "sha1-root",
        ]
        .into_iter()
        .map(|name| {
            let pem = std::fs::read(format!("{dir}/{name}.pem")).unwrap();
            let der = CertificateDer::from_pem_slice(&pem).unwrap();
            (name, der.to_vec())
        })
        .collect()
    }

    /// A PEM `CERTIFICATE` section for `der`.
    fn pem(der: &[u8]) -> Vec<u8> {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut b64 = Vec::new();
        for chunk in der.chunks(3) {
            let n = chunk.iter().fold(0u32, |acc, b| acc << 8 | u32::from(*b))
                << (8 * (3 - chunk.len()));
            for i in 0..4 {
                b64.push(if i <= chunk.len() {
                    ALPHABET[(n >> (18 - 6 * i) & 63) as usize]
                } else {
                    b'='
                });
            }
        }
        let mut out = b"-----BEGIN CERTIFICATE-----\n".to_vec();
        for line in b64.chunks(64) {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
        out.extend_from_slice(b"-----END CERTIFICATE-----\n");
        out
    }

    fn length_prefixed(flags: u8, blobs: &[&[u8]]) -> Vec<u8> {
        turns(&[flags], blobs)
    }

    pub fn analysis_der() -> Seeds {
        let (chain, _, root) = chain();
        let (leaf, inter) = (chain[0].to_vec(), chain[1].to_vec());
        let mut seeds = vec![
            (
                "chain-trust-root".into(),
                length_prefixed(0b100, &[&leaf, &inter, &root]),
            ),
            ("leaf-only".into(), length_prefixed(0, &[&leaf])),
            (
                "pem-root-then-chain".into(),
                length_prefixed(0x80, &[&pem(&root), &leaf, &inter]),
            ),
            (
                "pem-bundle-then-chain".into(),
                length_prefixed(0x80, &[&[pem(&inter), pem(&root)].concat(), &leaf, &inter]),
            ),
            (
                "pem-broken".into(),
                length_prefixed(0x80, &[b"-----BEGIN CERTIFICATE-----\nMIIB\n", &leaf]),
            ),
            ("empty".into(), vec![0]),
        ];
        for (name, der) in fixtures() {
            seeds.push((format!("fixture-{name}"), length_prefixed(0b1, &[&der])));
        }
        seeds
    }

    pub fn analysis_chain() -> Seeds {
        let (chain, _, root) = chain();
        let (leaf, inter) = (chain[0].to_vec(), chain[1].to_vec());
        let mut seeds: Seeds = vec![
            (
                "leaf-inter-root-anchor".into(),
                [&[0x40 | 0b10][..], &leaf, &inter, &root].concat(),
            ),
            (
                "leaf-inter-untrusted".into(),
                [&[0b01][..], &leaf, &inter].concat(),
            ),
            (
                "misordered".into(),
                [&[0x40 | 0b10][..], &inter, &leaf, &root].concat(),
            ),
            (
                "ip-name-2100".into(),
                [&[0x80 | 0b10_10_10][..], &leaf, &inter, &root].concat(),
            ),
        ];
        let pki = TestPki::shared();
        let kinds = CertKind::all().iter().map(|c| (*c, KeyKind::EcdsaP256));
        let keys = [KeyKind::EcdsaP384, KeyKind::Rsa2048].map(|k| (CertKind::Good, k));
        for (cert, key) in kinds.chain(keys) {
            let chain = &pki.identity(cert, key).chain;
            let mut seed = vec![0x40 | 0b10];
            for der in chain {
                seed.extend_from_slice(der);
            }
            seed.extend_from_slice(pki.root_der());
            seeds.push((format!("sim-{cert:?}-{key:?}"), seed));
        }
        let fixtures = fixtures();
        for (name, der) in &fixtures {
            seeds.push((
                format!("fixture-{name}"),
                [&[0x40 | 0b10][..], der].concat(),
            ));
        }
        let sha1 = |n: &str| {
            fixtures
                .iter()
                .find(|(name, _)| *name == n)
                .unwrap()
                .1
                .clone()
        };
        seeds.push((
            "fixture-sha1-chain".into(),
            [&[0x40 | 0b10][..], &sha1("sha1-leaf"), &sha1("sha1-root")].concat(),
        ));
        seeds
    }

    /// The FTP, NNTP and XMPP personalities.
    pub const LINE_AND_XMPP: [Personality; 13] = [
        Personality::Vsftpd,
        Personality::Proftpd,
        Personality::FtpAuthRefused,
        Personality::Inn,
        Personality::NntpStartTlsRefused,
        Personality::NntpNoPermission,
        Personality::Prosody,
        Personality::ProsodyS2s,
        Personality::Ejabberd,
        Personality::EjabberdS2s,
        Personality::XmppNoStartTls,
        Personality::XmppFailure,
        Personality::XmppHostUnknown,
    ];

    /// The plaintext a personality's server sent, whole.
    fn plaintext_sent(personality: Personality) -> Vec<u8> {
        let outcome = starttls_sim::run(&Scenario::new(personality));
        let mut out = Vec::new();
        for entry in &outcome.server_log {
            if let Traffic::ToClient(bytes) = &entry.traffic {
                // TLS records start with 0x14-0x17; the plaintext never does.
                if matches!(bytes.first(), Some(0x14..=0x17)) {
                    break;
                }
                out.extend_from_slice(bytes);
            }
        }
        out
    }

    /// FTP and NNTP replies from the personalities, plus oddities.
    pub fn numbered_reply() -> Seeds {
        let mut seeds = Seeds::new();
        for (i, p) in LINE_AND_XMPP.iter().take(6).enumerate() {
            let nntp = u8::from(p.protocol() == Protocol::Nntp);
            let steer = (i as u8).wrapping_mul(38) & !1 | nntp;
            seeds.push((
                format!("sim-{p:?}"),
                [&[steer][..], &plaintext_sent(*p)].concat(),
            ));
        }
        let others: [(&str, u8, &str); 5] = [
            (
                "ftp-free-text",
                0b0100,
                "220-Hello\r\n free\r\n\r\n220 ready\r\n234 ok\r\n",
            ),
            ("ftp-150", 0b0010, "150\n226 done\n"),
            ("nntp-dash", 0b0001, "200-not allowed\r\n"),
            ("imap", 0b0110, "* OK [CAPABILITY IMAP4rev1] ready\r\n"),
            ("ftp-never-ends", 0b1000, "220-a\r\nb\r\nc\r\n221 x\r\n"),
        ];
        for (name, steer, text) in others {
            seeds.push((name.into(), [&[steer][..], text.as_bytes()].concat()));
        }
        seeds
    }

    /// XMPP streams from the personalities, plus hostile ones.
    pub fn xmpp_stream() -> Seeds {
        let mut seeds = Seeds::new();
        for (i, p) in LINE_AND_XMPP.iter().skip(6).enumerate() {
            let s2s = u8::from(p.protocol() == Protocol::XmppServer);
            let steer = (i as u8).wrapping_mul(38) & !1 | s2s;
            seeds.push((
                format!("sim-{p:?}"),
                [&[steer][..], &plaintext_sent(*p)].concat(),
            ));
        }
        let header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='chat.sim.test' version='1.0'>";
        let others: [(&str, String); 5] = [
            ("doctype", format!("<!DOCTYPE x [<!ENTITY a 'b'>]>{header}")),
            (
                "deep",
                format!("{header}<stream:features>{}", "<a>".repeat(20)),
            ),
            (
                "custom-entity",
                format!("{header}<stream:features><starttls xmlns='&x;'/>"),
            ),
            (
                "mismatched",
                format!("{header}<stream:features></stream:stream>"),
            ),
            ("ftp-banner", "220 (vsFTPd 3.0.3)\r\n".into()),
        ];
        for (i, (name, text)) in others.into_iter().enumerate() {
            let steer = (i as u8) << 2;
            seeds.push((name.into(), [&[steer][..], text.as_bytes()].concat()));
        }
        seeds
    }

    pub fn params() -> Seeds {
        [
            "port: 7025, protocol: lmtp, cert_domainname_validation: cn_san",
            "port: 25, protocol: smtp, cert_domainname: mta.example.com, cert_domainname_validation: cn",
            "PORT:389,Protocol: LDAP, cert_domainname_validation: None,",
            r"cert_domainname: mail\-1.example.com",
            r"port: 587\, protocol: smtp\, cert_domainname: \[mail\].example.com",
            "port: 0",
            "port: 25, port: 26",
            "prot: smtp",
            "cert_domainname_validation: CN/SAN",
            "",
        ]
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("{i:02}"), s.as_bytes().to_vec()))
        .collect()
    }

    /// The legacy personalities as `probe_stream` seeds: both connections'
    /// server bytes, turn by turn.
    pub fn legacy_probe_stream() -> Seeds {
        let mut seeds = Seeds::new();
        for (i, personality) in Personality::legacy().iter().enumerate() {
            let scenario = Scenario::new(*personality).with_cert(CertKind::Good, KeyKind::Rsa2048);
            let outcome = starttls_sim::run(&scenario);
            let sent: Vec<&[u8]> = outcome
                .server_log
                .iter()
                .filter_map(|entry| match &entry.traffic {
                    Traffic::ToClient(bytes) => Some(&bytes[..]),
                    _ => None,
                })
                .collect();
            let protocol = Protocol::ALL
                .iter()
                .position(|&p| p == personality.protocol())
                .and_then(|i| u8::try_from(i).ok())
                .expect("a protocol of Protocol::ALL");
            // Whole turns, then single bytes and short pieces.
            for driver in [0u8, 0b0001 | (i as u8) << 4, 0b0110] {
                seeds.push((
                    format!("sim-{personality:?}-{driver}"),
                    turns(&[protocol, driver], &sent),
                ));
            }
        }
        seeds
    }

    /// Server answers to the engine's legacy ClientHello: the simulator's
    /// hand-built TLS 1.0, TLS 1.2 RSA-CBC and abort-after-certificate
    /// flights with real chains, their refusals, and hand-made oddities.
    pub fn legacy_flight() -> Seeds {
        use starttls_sim::legacy_tls::{alert, Answer};
        use starttls_sim::personality::TlsStyle;
        let hello = starttls_engine::legacy::client_hello(Some("mail.sim.test"), [3; 32]);
        let mut seeds = Seeds::new();
        for (i, personality) in Personality::legacy().iter().enumerate() {
            let TlsStyle::Legacy(server) = personality.tls() else {
                continue;
            };
            for key in [KeyKind::Rsa2048, KeyKind::EcdsaP256] {
                let chain: Vec<Vec<u8>> = TestPki::shared()
                    .identity(CertKind::Good, key)
                    .chain
                    .iter()
                    .map(|c| c.to_vec())
                    .collect();
                let bytes = match server.answer(&hello, &chain) {
                    Answer::Flight(b) | Answer::Refuse(b) => b,
                    Answer::NeedMore => continue,
                };
                let split = (i as u8).wrapping_mul(53) | 1;
                seeds.push((
                    format!("{personality:?}-{key:?}"),
                    [&[split][..], &bytes].concat(),
                ));
            }
        }
        let record = |kind: u8, body: &[u8]| {
            let mut r = vec![kind, 3, 3];
            r.extend((body.len() as u16).to_be_bytes());
            r.extend_from_slice(body);
            r
        };
        let mut tls13_hello = vec![2, 0, 0, 46, 3, 3];
        tls13_hello.extend([1u8; 32]);
        tls13_hello.extend([0, 0x13, 0x01, 0, 0, 6, 0, 43, 0, 2, 3, 4]);
        let others: [(&str, Vec<u8>); 5] = [
            ("alert-protocol-version", alert(0x0301, 70)),
            ("alert-handshake-failure", alert(0x0303, 40)),
            ("tls13-server-hello", record(22, &tls13_hello)),
            ("plaintext", b"454 4.7.0 TLS not available\r\n".to_vec()),
            ("huge-record", vec![22, 3, 1, 0xff, 0xff, 2, 0, 0]),
        ];
        for (name, bytes) in others {
            seeds.push((name.to_owned(), [&[2u8][..], &bytes].concat()));
        }
        seeds
    }

    pub fn shell_words() -> Seeds {
        [
            "mail.example.com 25 smtp --sni-domain mail.example.com --name-validation CN/SAN",
            r#"host 25 smtp --sni-domain "mail example""#,
            r"'a b'c d\ e",
            r#""a \"q\" \n""#,
            "''",
            "'it'\\''s' \"\\$HOME\" \\`x\\`",
            "  a  b\tc\n",
            "line\\\ncontinued \"in\\\nquotes\"",
            "'unclosed",
            "trailing\\",
            "--ca-file \"C:\\Program Files\\PRTG\\ca.pem\" --timeout 10",
            "",
        ]
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("{i:02}"), s.as_bytes().to_vec()))
        .collect()
    }
}
/// The seeds recorded from TLS servers on the seeded crypto replay a whole
/// check (the fuzzer starts from the closing phase too, not only from the
/// plaintext phase); the odd-key personalities, which keep ring, at least
/// reach the handshake.
#[test]
fn recorded_tls_seeds_replay_a_whole_check() {
    use starttls_sim::personality::{Personality, TlsStyle};
    let mut checked = 0;
    for entry in fs::read_dir(corpus_dir("probe_stream")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let working_sim = Personality::working().find(|p| name == format!("seed-sim-{p:?}"));
        if !(name.ends_with("-tls12") || name.ends_with("-tls13") || working_sim.is_some()) {
            continue;
        }
        let outcome = fuzzing::probe_stream_outcome(&fs::read(&path).unwrap());
        if working_sim.is_some_and(|p| matches!(p.tls(), TlsStyle::OddKey(_))) {
            let reached = matches!(&outcome, Some(Err(e)) if e.starts_with("TLS handshake failed"));
            assert!(reached, "{name}: {outcome:?}");
        } else {
            assert_eq!(outcome, Some(Ok(())), "{name}");
        }
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} recorded TLS seeds");
}
