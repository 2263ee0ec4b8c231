//! Part 3: the floor. The client-side CPU cost of a bare rustls handshake
//! in memory (both sides in one thread, no sockets) with the benchmark
//! certificate, next to the engine's whole `Probe` driven the same way
//! against the benchmark server script. Only the client's calls are timed,
//! with the thread's CPU clock; the server's are not.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::client::Resumption;
use rustls::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};
use rustls_pki_types::ServerName;
use starttls_engine::{Config, Input, Output, Probe, Protocol};

use crate::dialogue::{Dialogue, Kind};
use crate::rusage::thread_cpu;
use crate::transcript::Transcript;

/// A client configuration built once, as the engine builds one per probe:
/// ring, TLS 1.2 and 1.3, no resumption.
pub(crate) fn client_config() -> Result<Arc<ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // The probe's own verifier, so the control cannot drift from it.
    let verifier =
        starttls_engine::internals::probe_verifier(provider.signature_verification_algorithms);
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.resumption = Resumption::disabled();
    Ok(Arc::new(config))
}

/// Moves every pending record of `conn` into `out`.
fn drain<D>(conn: &mut rustls::ConnectionCommon<D>, out: &mut Vec<u8>) {
    while conn.wants_write() {
        match conn.write_tls(out) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
}

/// Feeds `data` to `conn` and processes it.
fn feed<D>(conn: &mut rustls::ConnectionCommon<D>, mut data: &[u8]) -> Result<(), String> {
    while !data.is_empty() {
        conn.read_tls(&mut data).map_err(|e| e.to_string())?;
        conn.process_new_packets().map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// One bare handshake; returns the client's CPU time and what was negotiated.
fn bare_handshake(
    client_config: &Arc<ClientConfig>,
    server_config: &Arc<ServerConfig>,
) -> Result<(Duration, String), String> {
    let name = ServerName::try_from(crate::pki::NAME).map_err(|e| e.to_string())?;
    let mut to_server = Vec::new();
    let mut to_client = Vec::new();
    let t = thread_cpu();
    let mut client =
        ClientConnection::new(client_config.clone(), name).map_err(|e| e.to_string())?;
    drain(&mut client, &mut to_server);
    let mut spent = thread_cpu() - t;
    let mut server = ServerConnection::new(server_config.clone()).map_err(|e| e.to_string())?;
    // Until neither side has anything to say (the server's session tickets
    // included: a real check receives them too).
    while !to_server.is_empty() || !to_client.is_empty() {
        feed(&mut server, &to_server)?;
        to_server.clear();
        drain(&mut server, &mut to_client);
        let t = thread_cpu();
        feed(&mut client, &to_client)?;
        to_client.clear();
        drain(&mut client, &mut to_server);
        spent += thread_cpu() - t;
    }
    if client.is_handshaking() {
        return Err("the in-memory handshake did not finish".into());
    }
    let negotiated = format!(
        "{:?} {:?} {:?}",
        client
            .protocol_version()
            .unwrap_or(rustls::ProtocolVersion::Unknown(0)),
        client
            .negotiated_cipher_suite()
            .map(|s| s.suite())
            .unwrap_or(rustls::CipherSuite::Unknown(0)),
        client
            .negotiated_key_exchange_group()
            .map(|g| g.name())
            .unwrap_or(rustls::NamedGroup::Unknown(0))
    );
    Ok((spent, negotiated))
}

/// One whole engine probe against the benchmark script, in memory; returns
/// the client's CPU time (probe creation, input, output) and the shape of
/// the conversation.
fn engine_probe(
    kind: Kind,
    server_config: &Arc<ServerConfig>,
) -> Result<(Duration, Transcript), String> {
    let protocol = match kind {
        Kind::Smtp => Protocol::Smtp,
        Kind::Ldap => Protocol::Ldap,
    };
    let mut server = Dialogue::new(kind, server_config.clone());
    let mut to_client = std::mem::take(server.outgoing());
    let mut transcript = Transcript {
        greeting: to_client.len(),
        rounds: Vec::new(),
    };
    let mut to_server = Vec::new();
    let t = thread_cpu();
    let mut probe = Probe::new(Config::new(protocol), Instant::now());
    let mut spent = thread_cpu() - t;
    let mut closed = false;
    loop {
        let t = thread_cpu();
        let now = Instant::now();
        if closed {
            probe.handle_input(Input::Closed, now);
        } else if !to_client.is_empty() {
            probe.handle_input(Input::Received(&to_client), now);
            to_client.clear();
        }
        let done = loop {
            match probe.poll_output() {
                Output::Transmit(bytes) => to_server.extend_from_slice(&bytes),
                Output::Wait(_) => break None,
                Output::Reconnect => return Err("the probe asked for a second connection".into()),
                Output::Done(result) => break Some(result),
                // `Output` may grow: anything new is waited out like `Wait`.
                _ => break None,
            }
        };
        spent += thread_cpu() - t;
        match done {
            Some(Ok(_)) => return Ok((spent, transcript)),
            Some(Err(e)) => return Err(e.to_string()),
            None if closed => return Err("the probe waits after the close".into()),
            None => {}
        }
        server.receive(&to_server);
        let sent = to_server.len();
        to_server.clear();
        to_client = std::mem::take(server.outgoing());
        transcript.rounds.push((sent, to_client.len()));
        closed = to_client.is_empty() && server.finished();
        if to_client.is_empty() && !closed {
            return Err("the in-memory exchange stalled".into());
        }
    }
}

/// The shape of one check of `kind` on the wire, as the engine's probe and
/// the benchmark script exchange it.
pub fn transcript(kind: Kind, server_config: &Arc<ServerConfig>) -> Result<Transcript, String> {
    let (_, transcript) = engine_probe(kind, server_config)?;
    // The replay must be a valid transcript: parse its own argument form.
    Transcript::parse(&transcript.to_arg())
}

/// The client's mean CPU per bare handshake over `count` handshakes, with a
/// fresh benchmark certificate, after a warm-up: the part 2 denominator,
/// taken in a child process beside each batch so that it sees the same
/// machine, at the same moment and on the same CPU, as the checks.
pub fn handshakes(count: usize) -> Result<Duration, String> {
    let server_config = crate::pki::BenchCert::generate()?.server_config()?;
    let client_config = client_config()?;
    for _ in 0..10 {
        bare_handshake(&client_config, &server_config)?;
    }
    let mut total = Duration::ZERO;
    for _ in 0..count.max(1) {
        total += bare_handshake(&client_config, &server_config)?.0;
    }
    Ok(total / count.max(1) as u32)
}

/// The floor's figures: medians over runs of the mean per handshake.
#[derive(Clone, Debug)]
pub struct Floor {
    /// Client CPU of one bare handshake.
    pub handshake: Duration,
    /// Client CPU of one engine probe in memory, SMTP.
    pub probe_smtp: Duration,
    /// Client CPU of one engine probe in memory, LDAP.
    pub probe_ldap: Duration,
    /// CPU of building one client configuration with a fresh ring provider,
    /// as the engine does for every probe.
    pub config_build: Duration,
    /// Version, suite and key exchange of the bare handshake.
    pub negotiated: String,
    /// Handshakes per run.
    pub per_run: usize,
    /// Runs.
    pub runs: usize,
}

/// Measures the floor: `runs` runs of `per_run` handshakes (and probes).
pub fn measure(
    server_config: &Arc<ServerConfig>,
    per_run: usize,
    runs: usize,
) -> Result<Floor, String> {
    let shared = client_config()?;
    let per_run = per_run.max(1);
    let mean = |total: Duration| total / per_run as u32;
    let (mut hs, mut smtp, mut ldap, mut build) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut negotiated = String::new();
    // Warm up caches and lazy initialisation.
    for _ in 0..10 {
        negotiated = bare_handshake(&shared, server_config)?.1;
        engine_probe(Kind::Smtp, server_config)?;
        engine_probe(Kind::Ldap, server_config)?;
    }
    for _ in 0..runs.max(1) {
        let mut total = Duration::ZERO;
        for _ in 0..per_run {
            total += bare_handshake(&shared, server_config)?.0;
        }
        hs.push(mean(total));
        let mut total = Duration::ZERO;
        for _ in 0..per_run {
            total += engine_probe(Kind::Smtp, server_config)?.0;
        }
        smtp.push(mean(total));
        let mut total = Duration::ZERO;
        for _ in 0..per_run {
            total += engine_probe(Kind::Ldap, server_config)?.0;
        }
        ldap.push(mean(total));
        let t = thread_cpu();
        for _ in 0..per_run {
            std::hint::black_box(client_config()?);
        }
        build.push(mean(thread_cpu() - t));
    }
    let med = |v: &[Duration]| Duration::from_secs_f64(crate::stats::median_ms(v) / 1e3);
    Ok(Floor {
        handshake: med(&hs),
        probe_smtp: med(&smtp),
        probe_ldap: med(&ldap),
        config_build: med(&build),
        negotiated,
        per_run,
        runs: runs.max(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::BenchCert;

    #[test]
    fn handshakes_and_probes_complete_in_memory() {
        let config = BenchCert::generate().unwrap().server_config().unwrap();
        let floor = measure(&config, 2, 1).unwrap();
        assert!(floor.negotiated.contains("TLSv1_3"), "{}", floor.negotiated);
        assert!(floor.handshake > Duration::ZERO);
        assert!(floor.probe_smtp > Duration::ZERO && floor.probe_ldap > Duration::ZERO);
    }

    #[test]
    fn transcripts_have_the_round_trips_of_a_check() {
        let config = BenchCert::generate().unwrap().server_config().unwrap();
        let smtp = transcript(Kind::Smtp, &config).unwrap();
        // Greeting; EHLO; STARTTLS; ClientHello; Finished with QUIT, answered
        // by 221 (close_notify then goes unanswered).
        assert_eq!(smtp.greeting, 31, "{smtp}");
        assert_eq!(smtp.rounds.len(), 4, "{smtp}");
        assert_eq!(smtp.rounds[..2], [(16, 55), (10, 30)], "{smtp}");
        let ldap = transcript(Kind::Ldap, &config).unwrap();
        // StartTLS request; ClientHello. The Finished goes with the unbind
        // and close_notify, and the check ends without waiting for an
        // answer (RFC 4511 section 4.3): no third round trip.
        assert_eq!(ldap.greeting, 0, "{ldap}");
        assert_eq!(ldap.rounds.len(), 2, "{ldap}");
    }
}
