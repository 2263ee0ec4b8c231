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
