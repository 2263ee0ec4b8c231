//! A check pointed at a port that speaks another protocol says which one
//! it looks like, in every direction the greetings allow.

use starttls_engine::{Config, Protocol};
use starttls_sim::certs::SERVER_NAME;
use starttls_sim::personality::Personality;
use starttls_sim::{run, Scenario};

/// The error line of a check speaking `protocol` to `personality`.
fn error_of(personality: Personality, protocol: Protocol) -> String {
    let mut scenario = Scenario::new(personality);
    scenario.config = Config::new(protocol)
        .with_server_name(SERVER_NAME)
        .expect("a valid name");
    match run(&scenario).result {
        Ok(_) => panic!("{protocol} against {personality} succeeded"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn mailbox_checks_name_the_protocol_they_met() {
    for (server, check, hint) in [
        (Personality::Postfix, Protocol::Imap, "looks like SMTP"),
        (Personality::Postfix, Protocol::Pop3, "looks like SMTP"),
        (Personality::Postfix, Protocol::Sieve, "looks like SMTP"),
        (Personality::DovecotPop3, Protocol::Imap, "looks like POP3"),
        (Personality::DovecotImap, Protocol::Pop3, "looks like IMAP"),
        (
            Personality::DovecotSieve,
            Protocol::Imap,
            "looks like ManageSieve",
        ),
        (Personality::DovecotImap, Protocol::Sieve, "looks like IMAP"),
        (Personality::DovecotImap, Protocol::Ldap, "looks like IMAP"),
        (Personality::DovecotPop3, Protocol::Ldap, "looks like POP3"),
        (Personality::DovecotImap, Protocol::Smtp, "looks like IMAP"),
        (Personality::DovecotPop3, Protocol::Smtp, "looks like POP3"),
        (
            Personality::DovecotSieve,
            Protocol::Lmtp,
            "looks like ManageSieve",
        ),
    ] {
        let error = error_of(server, check);
        assert!(error.contains(hint), "{check} against {server}: {error}");
    }
}

#[test]
fn implicit_tls_against_a_starttls_port_says_so() {
    for (server, check, hint) in [
        (Personality::Postfix, Protocol::Smtps, "looks like SMTP"),
        (Personality::DovecotImap, Protocol::Imaps, "looks like IMAP"),
        (Personality::DovecotPop3, Protocol::Pop3s, "looks like POP3"),
        (Personality::Vsftpd, Protocol::Ftps, "looks like FTP:"),
        (
            Personality::DovecotSieve,
            Protocol::Tls,
            "looks like ManageSieve",
        ),
    ] {
        let error = error_of(server, check);
        assert!(
            error.starts_with("server sent plaintext instead of starting TLS: \"")
                && error.contains(hint),
            "{check} against {server}: {error}"
        );
    }
}

#[test]
fn starttls_against_an_implicit_tls_port_gets_the_implicit_hint() {
    for (server, check) in [
        (Personality::DovecotImaps, Protocol::Imap),
        (Personality::VsftpdFtps, Protocol::Ftp),
    ] {
        let error = error_of(server, check);
        assert!(error.contains("expects TLS at once"), "{check}: {error}");
    }
}

/// The name and keyword a hint gives the greeting of `server`.
///
/// Servers that wait for the client (LDAP, PostgreSQL, XMPP) send no
/// greeting to guess from; they are not in the table.
fn named(server: Personality) -> Option<(&'static str, &'static str)> {
    match server {
        Personality::Postfix => Some(("SMTP", "smtp")),
        Personality::DovecotLmtp => Some(("LMTP", "lmtp")),
        Personality::Vsftpd | Personality::Proftpd => Some(("FTP", "ftp")),
        Personality::Inn => Some(("NNTP", "nntp")),
        Personality::DovecotImap | Personality::CyrusImap | Personality::CourierImap => {
            Some(("IMAP", "imap"))
        }
        Personality::DovecotPop3 | Personality::CourierPop3 => Some(("POP3", "pop3")),
        Personality::DovecotSieve => Some(("ManageSieve", "sieve")),
        Personality::MariaDb | Personality::Mysql8 => Some(("MySQL/MariaDB", "mysql")),
        Personality::PostfixSmtps
        | Personality::DovecotImaps
        | Personality::DovecotPop3s
        | Personality::OpenLdaps
        | Personality::BareTls => Some(("TLS", "")),
        _ => None,
    }
}

/// Greetings that cannot always be told from their neighbours': the hint
/// may name the right protocol, name the family `SMTP, LMTP or FTP` (and
/// say nothing to a check of that family), but never another protocol.
/// - Dovecot's LMTP greeting `220 <host> Dovecot (Debian) ready.` has no
///   word naming LMTP;
/// - ProFTPD with a `DisplayConnect` banner starts `220-Welcome to ...`:
///   the word `ProFTPD` comes only on its last line, which checks that read
///   the first line alone never see.
fn ambiguous(server: Personality) -> bool {
    matches!(server, Personality::DovecotLmtp | Personality::Proftpd)
}

/// Whether a check or server of `protocol` starts TLS at once.
fn tls_at_once(protocol: Protocol) -> bool {
    protocol.implicit_tls() || protocol == Protocol::PostgresDirect
}

/// Every server that speaks first, met by every check of another protocol:
/// the error names what the server speaks and the check to use instead.
#[test]
fn every_greeting_met_by_every_other_check_is_named() {
    let servers = [
        Personality::Postfix,
        Personality::DovecotLmtp,
        Personality::Vsftpd,
        Personality::Proftpd,
        Personality::Inn,
        Personality::DovecotImap,
        Personality::CyrusImap,
        Personality::CourierImap,
        Personality::DovecotPop3,
        Personality::CourierPop3,
        Personality::DovecotSieve,
        Personality::MariaDb,
        Personality::Mysql8,
        Personality::PostfixSmtps,
        Personality::DovecotImaps,
        Personality::DovecotPop3s,
        Personality::OpenLdaps,
        Personality::BareTls,
    ];
    let mut wrong = Vec::new();
    for &server in &servers {
        let spoken = server.protocol();
        for &check in Protocol::ALL {
            if check == spoken || (tls_at_once(spoken) && tls_at_once(check)) {
                continue;
            }
            let mut scenario = Scenario::new(server);
            scenario.config = Config::new(check)
                .with_server_name(SERVER_NAME)
                .expect("a valid name");
            let error = match run(&scenario).result {
                Ok(_) => "succeeded".to_string(),
                Err(e) => e.to_string(),
            };
            let Some((name, keyword)) = named(server) else {
                panic!("{server} is not in the table");
            };
            let right = format!("(looks like {name}: use {keyword})");
            let ok = if name == "TLS" {
                // A check that waits for a greeting times out, one that
                // speaks first reads a TLS alert: both say so.
                error.contains("expects TLS at once")
            } else if ambiguous(server) {
                !error.contains("looks like")
                    || error.contains(&right)
                    || error.contains("(looks like SMTP, LMTP or FTP: wrong port or protocol?)")
            } else {
                error.contains(&right)
            };
            if !ok {
                wrong.push(format!("{check} against {server}: {error}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} pairs:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
