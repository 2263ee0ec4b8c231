//! The exporter's own counters, served on `/metrics`: probes by result,
//! probes in flight, refusals, and the total time spent probing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::output::prometheus::{Exposition, FamilyDef, Kind};

/// Counters shared by every request thread.
#[derive(Debug, Default)]
pub struct Stats {
    success: AtomicU64,
    failure: AtomicU64,
    in_flight: AtomicU64,
    refused_busy: AtomicU64,
    refused_target: AtomicU64,
    bad_request: AtomicU64,
    probe_micros: AtomicU64,
}

/// Why a probe request was answered without a probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Too many probes in flight (503).
    Busy,
    /// The target is not on the allow list (403).
    NotAllowed,
    /// The request made no sense (400, 404).
    BadRequest,
}

const FAMILIES: &[FamilyDef] = &[
    FamilyDef {
        name: "starttls_cert_exporter_probes_total",
        help: "Probes finished, by result.",
        kind: Kind::Counter,
    },
    FamilyDef {
        name: "starttls_cert_exporter_probes_in_flight",
        help: "Probes running now.",
        kind: Kind::Gauge,
    },
    FamilyDef {
        name: "starttls_cert_exporter_refused_total",
        help: "Probe requests answered without a probe, by reason.",
        kind: Kind::Counter,
    },
    FamilyDef {
        name: "starttls_cert_exporter_probe_seconds_total",
        help: "Time spent in finished probes.",
        kind: Kind::Counter,
    },
];

impl Stats {
    /// Takes a slot for a probe if fewer than `cap` are running.
    pub fn try_start(&self, cap: u64) -> bool {
        let mut now = self.in_flight.load(Ordering::Relaxed);
        loop {
            if now >= cap {
                self.refused(Refusal::Busy);
                return false;
            }
            match self.in_flight.compare_exchange_weak(
                now,
                now + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(seen) => now = seen,
            }
        }
    }

    /// Gives back a probe's slot and counts its result.
    pub fn finish(&self, success: bool, took: Duration) {
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
        let counter = if success {
            &self.success
        } else {
            &self.failure
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.probe_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// Counts a request answered without a probe.
    pub fn refused(&self, why: Refusal) {
        let counter = match why {
            Refusal::Busy => &self.refused_busy,
            Refusal::NotAllowed => &self.refused_target,
            Refusal::BadRequest => &self.bad_request,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The `/metrics` exposition.
    pub fn render(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed) as f64;
        let mut e = Exposition::new(FAMILIES);
        let probes = "starttls_cert_exporter_probes_total";
        e.sample(probes, &[], &[("result", "success")], get(&self.success));
        e.sample(probes, &[], &[("result", "failure")], get(&self.failure));
        e.sample(
            "starttls_cert_exporter_probes_in_flight",
            &[],
            &[],
            get(&self.in_flight),
        );
        let refused = "starttls_cert_exporter_refused_total";
        e.sample(refused, &[], &[("reason", "busy")], get(&self.refused_busy));
        e.sample(
            refused,
            &[],
            &[("reason", "target_not_allowed")],
            get(&self.refused_target),
        );
        e.sample(
            refused,
            &[],
            &[("reason", "bad_request")],
            get(&self.bad_request),
        );
        e.sample(
            "starttls_cert_exporter_probe_seconds_total",
            &[],
            &[],
            get(&self.probe_micros) / 1e6,
        );
        e.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_refuses_and_counts_the_extra_probe() {
        let s = Stats::default();
        assert!(s.try_start(1));
        assert!(!s.try_start(1));
        s.finish(true, Duration::from_millis(250));
        assert!(s.try_start(1));
        s.finish(false, Duration::from_millis(250));
        let text = s.render();
        assert!(
            text.contains("starttls_cert_exporter_probes_total{result=\"success\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("starttls_cert_exporter_probes_total{result=\"failure\"} 1\n"));
        assert!(text.contains("starttls_cert_exporter_probes_in_flight 0\n"));
        assert!(text.contains("starttls_cert_exporter_refused_total{reason=\"busy\"} 1\n"));
        assert!(text.contains("starttls_cert_exporter_probe_seconds_total 0.5\n"));
    }
}
