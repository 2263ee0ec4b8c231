//! Carrying out one check: trust store, connection and probe through the
//! mio driver, then certificate analysis.

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use starttls_engine::analysis::{
    analyze, AnalysisError, AnalysisOptions, CertificateReport, TrustStore, TrustVerdict,
};
use starttls_engine::{Config, Crypto, Timeouts, UnixTime};
use starttls_io_mio::{CheckError, Checked, DriverOptions, Target};

use crate::request::{Request, UsageError};
use crate::trust::TrustError;

/// A completed check.
#[derive(Clone, Debug)]
pub struct Success {
    /// The connection and the engine's report.
    pub checked: Checked,
    /// The certificate analysis.
    pub cert: CertificateReport,
}

/// Why a check could not be done.
#[derive(Debug)]
pub enum Failure {
    /// The arguments do not make sense.
    Usage(UsageError),
    /// The trust store could not be built.
    Trust(TrustError),
    /// Resolving, connecting or the protocol exchange failed.
    Check(Box<CheckError>),
    /// The server's certificate could not be parsed.
    Analysis(AnalysisError),
}

impl Failure {
    /// A short machine-readable kind: usage, trust, resolve, connect,
    /// timeout, protocol, io, certificate.
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::Usage(_) => "usage",
            Failure::Trust(_) => "trust-store",
            Failure::Analysis(_) => "certificate",
            Failure::Check(e) => match e.as_ref() {
                CheckError::Resolve { .. } | CheckError::NoAddresses { .. } => "resolve",
                CheckError::Connect { .. } => "connect",
                CheckError::Timeout { .. } => "timeout",
                CheckError::Probe {
                    error: starttls_engine::ProbeError::Timeout { .. },
                    ..
                } => "timeout",
                CheckError::Probe { .. } => "protocol",
                _ => "io",
            },
        }
    }

    /// The phase the check was in, where one applies.
    pub fn phase(&self) -> Option<&'static str> {
        let Failure::Check(e) = self else { return None };
        match e.as_ref() {
            CheckError::Probe { error, .. } => Some(error.phase().name()),
            CheckError::Resolve { .. } | CheckError::NoAddresses { .. } => Some("resolve"),
            CheckError::Connect { .. } => Some("connect"),
            CheckError::Timeout { phase, .. } => Some(phase),
            _ => None,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(e) => write!(f, "bad parameters: {e}"),
            Failure::Trust(e) => write!(f, "{e}"),
            Failure::Check(e) => write!(f, "{e}"),
            Failure::Analysis(e) => write!(f, "the server's certificate could not be read: {e}"),
        }
    }
}

impl std::error::Error for Failure {}

/// The rustls provider and clock every check of this process shares: ring
/// and the system clock, built on first use.
pub fn crypto() -> Crypto {
    static CRYPTO: OnceLock<Crypto> = OnceLock::new();
    CRYPTO.get_or_init(Crypto::ring).clone()
}

/// The engine configuration for a request.
pub fn engine_config(request: &Request) -> Result<Config, UsageError> {
    let mut config = Config::new(request.protocol)
        .with_crypto(crypto())
        .with_hello_name(&request.hello_name)
        .map_err(|e| UsageError(e.to_string()))?;
    if let Some(name) = &request.name {
        config = config
            .with_server_name(name)
            .map_err(|e| UsageError(e.to_string()))?;
    }
    if let Some(domain) = &request.xmpp_domain {
        config = config
            .with_xmpp_domain(domain)
            .map_err(|e| UsageError(e.to_string()))?;
    }
    config
        .with_timeouts(Timeouts {
            phase: request.timeout.min(Duration::from_secs(10)),
            overall: request.timeout,
            closing: Duration::from_secs(2),
        })
        .map_err(|e| UsageError(e.to_string()))
}

/// Analysis options for a request, with the trust store already loaded.
pub fn analysis_options(
    request: &Request,
    trust: starttls_engine::analysis::TrustStore,
) -> AnalysisOptions {
    let now = request.at.unwrap_or_else(UnixTime::now);
    let mut options = AnalysisOptions::new(now, trust).with_name_check(request.name_check);
    if let Some(name) = &request.name {
        options = options.with_name(name.clone());
    }
    options
}

/// The driver target for a request.
pub fn target(request: &Request) -> Result<Target, Failure> {
    let config = engine_config(request).map_err(Failure::Usage)?;
    Ok(Target::new(request.host.clone(), request.port, config))
}

/// Driver options for a request's time limit, `max_in_flight` at once.
pub fn driver_options(request: &Request, max_in_flight: usize) -> DriverOptions {
    DriverOptions {
        connect_timeout: request.timeout.min(Duration::from_secs(10)),
        overall_timeout: request.timeout,
        max_in_flight,
    }
}

/// Analyses what the driver returned for `request`.
pub fn conclude(
    request: &Request,
    trust: &TrustStore,
    checked: Result<Checked, CheckError>,
) -> Result<Success, Failure> {
    let checked = checked.map_err(|e| Failure::Check(Box::new(e)))?;
    let options = analysis_options(request, trust.clone());
    let cert = analyze(&checked.report.chain, &options).map_err(Failure::Analysis)?;
    Ok(Success { checked, cert })
}

/// Runs the check described by `request`.
///
/// The system trust store loads while the check talks to the server; only
/// a check that got a certificate waits for it.
pub fn run(request: &Request) -> Result<Success, Failure> {
    let pending = crate::trust::start(&request.trust).map_err(Failure::Trust)?;
    let target = target(request)?;
    let checked = starttls_io_mio::check(target, &driver_options(request, 1))
        .map_err(|e| Failure::Check(Box::new(e)))?;
    // A chain the --ca-trust file already makes trusted is judged without
    // waiting for the system store, which cannot change that verdict.
    if let Some(file) = pending.file_only() {
        let options = analysis_options(request, file.clone());
        let cert = analyze(&checked.report.chain, &options).map_err(Failure::Analysis)?;
        if matches!(cert.trust, TrustVerdict::Trusted { .. }) {
            return Ok(Success { checked, cert });
        }
    }
    let trust = pending.wait().map_err(Failure::Trust)?;
    // The store moves into the analysis: no copy of every anchor.
    let options = analysis_options(request, trust);
    let cert = analyze(&checked.report.chain, &options).map_err(Failure::Analysis)?;
    Ok(Success { checked, cert })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn every_check_of_the_process_shares_one_provider() {
        let request = |host: &str| {
            let cli = crate::args::Cli::try_parse_from(["starttls-cert", host]).unwrap();
            Request::from_cli(cli, || "probe.example.net".into()).unwrap()
        };
        let a = engine_config(&request("mx.example.com")).unwrap();
        let b = engine_config(&request("ldap.example.com")).unwrap();
        assert!(a.crypto().same_as(b.crypto()));
        assert!(a.crypto().same_as(&crypto()));
        assert!(!a.crypto().same_as(&Crypto::ring()), "not merely equal");
    }
}
