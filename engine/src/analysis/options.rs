//! What the caller tells the analysis: the name to check, how, what to
//! trust, and the time to judge validity at.

use rustls_pki_types::UnixTime;

use super::name_check::NameCheck;
use super::trust_store::TrustStore;

/// Inputs of [`analyze`](super::analyze) besides the chain.
#[derive(Clone, Debug)]
pub struct AnalysisOptions {
    /// The name to check: the `--sni-domain` / `cert_domainname` the user
    /// gave, or else the host. An IP address is matched against IP SANs.
    pub name: Option<String>,
    /// Which certificate names the Common Name Check compares.
    pub name_check: NameCheck,
    /// Trust anchors and extra intermediates for Root Authority Trusted.
    pub trust: TrustStore,
    /// The current wall-clock time (UTC); every validity judgement uses it.
    pub now: UnixTime,
}

impl AnalysisOptions {
    /// Options at `now` trusting `trust`, with the name check disabled and
    /// no name.
    pub fn new(now: UnixTime, trust: TrustStore) -> Self {
        AnalysisOptions {
            name: None,
            name_check: NameCheck::None,
            trust,
            now,
        }
    }

    /// Sets the name to check.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the name check mode.
    pub fn with_name_check(mut self, name_check: NameCheck) -> Self {
        self.name_check = name_check;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_disables_the_name_check_and_builders_set_fields() {
        let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(5));
        let options = AnalysisOptions::new(now, TrustStore::new());
        assert_eq!(options.name_check, NameCheck::None);
        assert_eq!(options.name, None);
        let options = options
            .with_name("mx.example")
            .with_name_check(NameCheck::Cn);
        assert_eq!(options.name.as_deref(), Some("mx.example"));
        assert_eq!(options.name_check, NameCheck::Cn);
        assert_eq!(options.now, now);
    }
}
