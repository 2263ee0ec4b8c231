//! `starttls-cert demo`: real checks, over real loopback sockets and the
//! production mio driver, of the simulator's server personalities, printed
//! as a table. Nothing leaves the machine.

use std::fmt::Write;
use std::time::{Duration, Instant};

use starttls_engine::analysis::{NameCheck, TrustStore};
use starttls_sim::certs::{CertKind, KeyKind, TestPki};
use starttls_sim::loopback::LoopbackServer;
use starttls_sim::personality::Personality;

use crate::args::{Format, PrtgChannels};
use crate::output::Rendered;
use crate::request::{Request, Thresholds};
use crate::run::{conclude, driver_options, target, Failure, Success};
use crate::trust::TrustSources;

/// The name every simulated certificate is issued for.
const SIM_NAME: &str = "mail.sim.test";

/// What the demo runs: each a personality with a certificate and key.
const LINEUP: [(Personality, CertKind, KeyKind); 35] = [
    (Personality::Postfix, CertKind::Good, KeyKind::EcdsaP256),
    (Personality::Exim, CertKind::Good, KeyKind::Rsa2048),
    (Personality::Exchange, CertKind::Wildcard, KeyKind::Rsa2048),
    (Personality::DovecotLmtp, CertKind::Good, KeyKind::EcdsaP384),
    (Personality::OpenLdap, CertKind::Good, KeyKind::EcdsaP256),
    (Personality::DovecotImap, CertKind::Good, KeyKind::EcdsaP256),
    (Personality::CyrusImap, CertKind::Good, KeyKind::Rsa2048),
    (Personality::DovecotPop3, CertKind::Good, KeyKind::EcdsaP256),
    (
        Personality::CourierPop3,
        CertKind::Wildcard,
        KeyKind::Rsa2048,
    ),
    (
        Personality::DovecotSieve,
        CertKind::Good,
        KeyKind::EcdsaP384,
    ),
    (
        Personality::PostfixSmtps,
        CertKind::Good,
        KeyKind::EcdsaP256,
    ),
    (Personality::DovecotImaps, CertKind::Good, KeyKind::Rsa2048),
    (Personality::OpenLdaps, CertKind::Good, KeyKind::EcdsaP256),
    (Personality::VsftpdFtps, CertKind::Good, KeyKind::Rsa2048),
    (
        Personality::ProsodyXmpps,
        CertKind::Good,
        KeyKind::EcdsaP256,
    ),
    (
        Personality::DovecotPop3s,
        CertKind::Good,
        KeyKind::EcdsaP384,
    ),
    (Personality::BareTls, CertKind::Good, KeyKind::Rsa2048),
    (
        Personality::ImapStartTlsRefused,
        CertKind::Good,
        KeyKind::EcdsaP256,
    ),
    (
        Personality::ActiveDirectory,
        CertKind::Good,
        KeyKind::Rsa2048,
    ),
    (Personality::Ds389, CertKind::Expired, KeyKind::EcdsaP256),
    (Personality::Postgres15, CertKind::Good, KeyKind::EcdsaP256),
    (Personality::MariaDb, CertKind::Good, KeyKind::Rsa2048),
    (Personality::Mysql8, CertKind::Good, KeyKind::EcdsaP256),
    (
        Personality::Postgres17Direct,
        CertKind::Good,
        KeyKind::EcdsaP256,
    ),
    (Personality::Vsftpd, CertKind::Good, KeyKind::Rsa2048),
    (Personality::Inn, CertKind::Good, KeyKind::EcdsaP256),
    (Personality::Prosody, CertKind::Good, KeyKind::EcdsaP256),
    (Personality::EjabberdS2s, CertKind::Good, KeyKind::Rsa2048),
    (
        Personality::Postfix,
        CertKind::SelfSigned,
        KeyKind::EcdsaP256,
    ),
    (Personality::Exim, CertKind::WrongName, KeyKind::EcdsaP256),
    (
        Personality::Exchange,
        CertKind::CrossSignedExpiredRoot,
        KeyKind::Rsa2048,
    ),
    (
        Personality::OpenLdap,
        CertKind::ExpiredIntermediate,
        KeyKind::EcdsaP256,
    ),
    (
        Personality::TlsNotAvailable,
        CertKind::Good,
        KeyKind::EcdsaP256,
    ),
    (
        Personality::LdapProtocolError,
        CertKind::Good,
        KeyKind::EcdsaP256,
    ),
    (
        Personality::MariaDbNoSsl,
        CertKind::Good,
        KeyKind::EcdsaP256,
    ),
];

/// Runs the demo. It takes no options but `--help`.
pub fn main(args: &[String]) -> Rendered {
    if let Some(arg) = args.first() {
        let help = matches!(arg.as_str(), "--help" | "-h");
        return Rendered {
            stdout: format!(
                "{}starttls-cert demo: starts simulated SMTP, LMTP, LDAP, IMAP, POP3, ManageSieve, FTP, NNTP, XMPP, PostgreSQL and MySQL servers (STARTTLS and implicit TLS) on loopback ports \
                 and checks each through the real driver. It takes no options.\n",
                if help { "" } else { "unexpected argument for demo; " }
            ),
            exit_code: if help { 0 } else { 2 },
        };
    }
    match run() {
        Ok(table) => Rendered {
            stdout: table,
            exit_code: 0,
        },
        Err(e) => Rendered {
            stdout: format!("demo could not start its servers: {e}\n"),
            exit_code: 3,
        },
    }
}

fn request_for(personality: Personality, port: u16) -> Request {
    Request {
        host: "127.0.0.1".into(),
        port,
        protocol: personality.protocol(),
        name: Some(SIM_NAME.into()),
        name_check: NameCheck::CnSan,
        trust: TrustSources {
            system: false,
            extra_file: None,
        },
        timeout: Duration::from_secs(10),
        thresholds: Thresholds {
            warning_days: 35,
            error_days: 17,
        },
        format: Format::Text,
        prtg_channels: PrtgChannels::All,
        hello_name: crate::hostname::local(),
        xmpp_domain: None,
        at: None,
    }
}

fn run() -> std::io::Result<String> {
    let started = Instant::now();
    let pki = TestPki::shared();
    let mut trust = TrustStore::new();
    trust
        .add_anchor_der(pki.root_der())
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let servers = LINEUP
        .iter()
        .map(|&(p, c, k)| LoopbackServer::start(p, c, k))
        .collect::<std::io::Result<Vec<_>>>()?;
    let requests: Vec<Request> = servers
        .iter()
        .map(|s| request_for(s.personality(), s.addr().port()))
        .collect();
    let targets: Vec<_> = requests.iter().filter_map(|r| target(r).ok()).collect();
    let results = starttls_io_mio::check_many(targets, &driver_options(&requests[0], 64));
    let outcomes: Vec<Result<Success, Failure>> = requests
        .iter()
        .zip(results)
        .map(|(r, checked)| conclude(r, &trust, checked))
        .collect();
    Ok(table(&servers, &requests, &outcomes, started.elapsed()))
}

fn table(
    servers: &[LoopbackServer],
    requests: &[Request],
    outcomes: &[Result<Success, Failure>],
    elapsed: Duration,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "starttls-cert demo: {} simulated servers on 127.0.0.1, checked at once through the mio driver\n\
         (certificates issued for {SIM_NAME} by the simulator's own CA, which is the only trusted root here)\n",
        servers.len()
    );
    let mut header = vec!["server"];
    header.extend(crate::output::table::COLUMNS);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut notes = Vec::new();
    for ((server, request), outcome) in servers.iter().zip(requests).zip(outcomes) {
        let name = server.personality().name().to_owned();
        let (cells, note) = crate::output::table::cells(request, outcome);
        if let Some(note) = note {
            notes.push(format!("{name} ({}): {note}", request.port));
        }
        let mut row = vec![name];
        row.extend(cells);
        rows.push(row);
    }
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let _ = writeln!(out, "{}", crate::output::table::line(&header, &widths));
    for row in &rows {
        let _ = writeln!(out, "{}", crate::output::table::line(row, &widths));
    }
    let _ = writeln!(out, "\nWhat the checks found:");
    for note in notes {
        let _ = writeln!(out, "  {note}");
    }
    let _ = writeln!(
        out,
        "\n{} checks in {:.0} ms. Check a real server with: starttls-cert HOST PORT {} --format text",
        rows.len(),
        elapsed.as_secs_f64() * 1000.0,
        starttls_engine::Protocol::ALL
            .iter()
            .map(|p| p.keyword())
            .collect::<Vec<_>>()
            .join("|")
    );
    out
}
