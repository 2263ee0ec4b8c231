//! The database personalities: what the probe sends before TLS, what it
//! reports, and PostgreSQL 17's direct TLS with its required ALPN.

use starttls_engine::mysql::ssl_request as mysql_ssl_request;
use starttls_engine::postgres::ssl_request as postgres_ssl_request;
use starttls_engine::CloseOutcome;
use starttls_sim::db_dialogue::{MARIADB_VERSION, MYSQL8_VERSION};
use starttls_sim::personality::Personality;
use starttls_sim::{run, Scenario};

#[test]
fn postgres_sends_only_ssl_request_and_ends_with_close_notify() {
    let outcome = run(&Scenario::new(Personality::Postgres15));
    let report = outcome.result.expect("PostgreSQL 15 answers S");
    assert_eq!(outcome.client_sent, postgres_ssl_request());
    assert!(outcome.server_saw_goodbye, "close_notify is the goodbye");
    assert_eq!(report.greeting, None);
}

#[test]
fn mysql_reports_the_server_version_and_sends_one_ssl_request() {
    for (p, version) in [
        (Personality::MariaDb, MARIADB_VERSION),
        (Personality::Mysql8, MYSQL8_VERSION),
    ] {
        let outcome = run(&Scenario::new(p));
        let report = outcome.result.expect("TLS offered");
        assert_eq!(outcome.client_sent, mysql_ssl_request(), "{p}");
        assert_eq!(report.greeting.as_deref(), Some(version), "{p}");
        assert!(outcome.server_saw_goodbye, "{p}");
    }
}

/// PostgreSQL 17 checks ALPN after the handshake (`be-secure-openssl.c`
/// logs "received direct SSL connection request without ALPN protocol
/// negotiation extension" and drops the connection), so a ClientHello
/// without it still yields the certificate, but the server drops the
/// session instead of reading our close_notify.
#[test]
fn postgres_17_direct_tls_sends_no_plaintext_and_offers_alpn() {
    let outcome = run(&Scenario::new(Personality::Postgres17Direct));
    let report = outcome.result.expect("direct TLS with ALPN postgresql");
    assert!(outcome.client_sent.is_empty(), "no plaintext before TLS");
    assert!(outcome.server_saw_goodbye);
    assert_eq!(report.close, CloseOutcome::Clean);

    let mut without_alpn = Scenario::new(Personality::Postgres17Direct);
    without_alpn.config = without_alpn.config.with_alpn(&[]).unwrap();
    let outcome = run(&without_alpn);
    assert!(
        !outcome.server_saw_goodbye,
        "the server dropped the session"
    );
    outcome.result.expect("the certificate came first");
}
