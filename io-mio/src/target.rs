//! What to check and how patiently: [`Target`], [`DriverOptions`], and what a
//! successful check hands back, [`Checked`].

use std::net::SocketAddr;
use std::time::Duration;

use starttls_engine::{Config, Report};

use crate::error::CheckError;

/// One server to check: where it is and how to talk to it.
#[derive(Clone, Debug)]
pub struct Target {
    /// A DNS name or an IP literal (`192.0.2.1`, `2001:db8::1` or
    /// `[2001:db8::1]`). IP literals are used as they are, without DNS.
    pub host: String,
    /// The TCP port, e.g. 25 for SMTP.
    pub port: u16,
    /// The probe's protocol, names, phase time limits and buffer bounds.
    pub config: Config,
    /// This target's connect limit instead of
    /// [`DriverOptions::connect_timeout`], when set.
    pub connect_timeout: Option<Duration>,
    /// This target's overall limit instead of
    /// [`DriverOptions::overall_timeout`], when set.
    pub overall_timeout: Option<Duration>,
}

impl Target {
    /// A target for `host` and `port`, checked with `config`.
    pub fn new(host: impl Into<String>, port: u16, config: Config) -> Self {
        Target {
            host: host.into(),
            port,
            config,
            connect_timeout: None,
            overall_timeout: None,
        }
    }

    /// The same target with its own time limits, so one batch can mix
    /// patient and impatient checks: `connect` for each connection attempt,
    /// `overall` from the start of its DNS lookup to its report.
    pub fn with_timeouts(mut self, connect: Duration, overall: Duration) -> Self {
        self.connect_timeout = Some(connect);
        self.overall_timeout = Some(overall);
        self
    }
}

/// Time limits and concurrency for [`check`](crate::check) and
/// [`check_many`](crate::check_many).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DriverOptions {
    /// Longest time one TCP connection attempt may take. Each address of a
    /// host gets its own attempt with this limit.
    pub connect_timeout: Duration,
    /// Longest time one target may take, from the start of its DNS lookup to
    /// its report: covers resolving, connecting and the whole probe. A
    /// target's clock starts when it starts, not when the batch starts.
    pub overall_timeout: Duration,
    /// Most targets in flight at once (waiting for DNS or connected), hence
    /// at most this many connections open; further targets wait for a free
    /// slot. Zero is treated as one.
    pub max_in_flight: usize,
}

impl Default for DriverOptions {
    /// 10 s to connect, 45 s overall, 256 connections at once.
    fn default() -> Self {
        DriverOptions {
            connect_timeout: Duration::from_secs(10),
            overall_timeout: Duration::from_secs(45),
            max_in_flight: 256,
        }
    }
}

/// One target's end, as [`check_each_timed`](crate::check_each_timed) hands it over.
#[derive(Debug)]
#[non_exhaustive]
pub struct Finished {
    /// The target's position in the batch.
    pub index: usize,
    /// Its report, or why there is none.
    pub result: Result<Checked, CheckError>,
    /// From the target's start (before DNS) to this result, failures
    /// included.
    pub elapsed: Duration,
}

/// A completed check: the probe's report plus the connection's facts.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    /// What the probe found: the certificate chain, TLS version, timings.
    pub report: Report,
    /// The address the check was made against.
    pub peer: SocketAddr,
    /// How long the successful TCP connection attempt took (the TCP
    /// handshake, not counting DNS or earlier failed addresses).
    pub connect_time: Duration,
    /// From the start of this target (its DNS lookup) to the report.
    pub total_time: Duration,
}
