//! One check as the user asked for it, merged from positional arguments,
//! options and the old parameter string, and checked for consistency.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use starttls_engine::analysis::NameCheck;
use starttls_engine::{Protocol, UnixTime};

use crate::args::{Cli, Format, PrtgChannels};
use crate::idn::IdnName;
use crate::trust::TrustSources;

/// Expiry thresholds in days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    /// Warn below this many days.
    pub warning_days: i64,
    /// Error below this many days.
    pub error_days: i64,
}

/// Everything one check needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The host as given (name or address); an internationalised name in
    /// its A-label form (`xn--...`), see [`Request::host_shown`].
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Protocol before TLS.
    pub protocol: Protocol,
    /// The name sent as SNI and compared with the certificate, in A-label
    /// form; `None` when the host is an address and no name was given.
    pub name: Option<String>,
    /// How to compare the name.
    pub name_check: NameCheck,
    /// Trust sources.
    pub trust: TrustSources,
    /// Overall time limit.
    pub timeout: Duration,
    /// Expiry thresholds.
    pub thresholds: Thresholds,
    /// Output format.
    pub format: Format,
    /// Which channels the PRTG formats send.
    pub prtg_channels: PrtgChannels,
    /// EHLO/LHLO name.
    pub hello_name: String,
    /// The domain for the XMPP stream header, in A-label form, when it
    /// differs from [`Request::name`] and the host.
    pub xmpp_domain: Option<String>,
    /// Time at which validity is judged; `None` for now.
    pub at: Option<UnixTime>,
}

/// Arguments that do not fit together or do not make sense.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// The host without IPv6 brackets, parsed as an address if it is one.
pub fn host_address(host: &str) -> Option<IpAddr> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse().ok()
}

impl Request {
    /// The host for people: an internationalised name in both forms,
    /// `xn--mnchen-3ya.example (münchen.example)`.
    pub fn host_shown(&self) -> String {
        shown(&self.host)
    }

    /// The name checked against the certificate, for people, in both forms
    /// when internationalised.
    pub fn name_shown(&self) -> Option<String> {
        self.name.as_deref().map(shown)
    }

    /// Builds a request from parsed arguments; `hello_default` is used when
    /// no `--hello-name` is given.
    pub fn from_cli(
        cli: Cli,
        hello_default: impl FnOnce() -> String,
    ) -> Result<Request, UsageError> {
        let usage = |m: String| UsageError(m);
        let params = match &cli.params {
            Some(text) => crate::params::parse(text).map_err(|e| usage(e.to_string()))?,
            None => Default::default(),
        };
        // PRTG puts backslashes before characters it escapes; no host name
        // or address contains one, so they are dropped.
        if cli.concurrency.is_some() || cli.order.is_some() {
            // clap's `requires` is not checked here (HOST conflicts with
            // --targets), so the check is ours.
            return Err(usage(
                "--concurrency and --order apply only to a run over --targets FILE".to_owned(),
            ));
        }
        let Some(host) = cli.host.as_deref() else {
            return Err(usage("give HOST (or --targets FILE)".to_owned()));
        };
        let host = host.trim().replace('\\', "");
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(usage(format!(
                "\"{host}\" is not a host name or IP address"
            )));
        }
        let host = IdnName::parse(&host).map_err(usage)?.ascii;
        let protocol = cli
            .protocol
            .map(Protocol::from)
            .or(params.protocol)
            .unwrap_or(Protocol::Smtp);
        let port = cli
            .port
            .or(params.port)
            .or(protocol.default_port())
            .ok_or_else(|| {
                usage(format!(
                    "protocol {} has no default port: give the port (e.g. \"HOST 8443 {}\")",
                    protocol.keyword(),
                    protocol.keyword()
                ))
            })?;
        let name_check = cli
            .name_validation
            .or(params.validation)
            .unwrap_or_default();
        let name_source = if cli.sni_domain.is_some() {
            "--sni-domain"
        } else {
            "cert_domainname"
        };
        let given_name = cli.sni_domain.clone().or(params.cert_domainname.clone());
        let name = match given_name {
            Some(n) => {
                let n = n.trim().replace('\\', "");
                let n = IdnName::parse(n.trim_end_matches('.'))
                    .map_err(|e| usage(format!("{name_source}: {e}")))?;
                Some(n.ascii)
            }
            None if host_address(&host).is_some() => None,
            None => Some(host.trim_end_matches('.').to_owned()),
        };
        if name.is_none() && name_check != NameCheck::None {
            return Err(usage(format!(
                "{host} is an IP address, so there is no name to check the certificate against: give the certificate's host name with --sni-domain (cert_domainname in --params) or turn name validation off"
            )));
        }
        if let Some(n) = &name {
            starttls_engine::Config::new(protocol)
                .with_server_name(n)
                .map_err(|e| usage(e.to_string()))?;
        }
        if cli.error_days > cli.warning_days {
            return Err(usage(format!(
                "--error-days ({}) must not be more than --warning-days ({})",
                cli.error_days, cli.warning_days
            )));
        }
        let hello_name = cli.hello_name.clone().unwrap_or_else(hello_default);
        starttls_engine::Config::new(protocol)
            .with_hello_name(&hello_name)
            .map_err(|e| usage(e.to_string()))?;
        let xmpp_domain = match cli.xmpp_domain.clone().or(params.xmpp_domain.clone()) {
            Some(_) if !matches!(protocol, Protocol::Xmpp | Protocol::XmppServer) => {
                return Err(usage(format!(
                    "--xmpp-domain (xmpp_domain in --params) is for xmpp and xmpp-server, not {}",
                    protocol.keyword()
                )))
            }
            Some(d) => {
                let d = d.trim().replace('\\', "");
                let d = IdnName::parse(d.trim_end_matches('.'))
                    .map_err(|e| usage(format!("--xmpp-domain: {e}")))?
                    .ascii
                    .to_ascii_lowercase();
                starttls_engine::Config::new(protocol)
                    .with_xmpp_domain(&d)
                    .map_err(|e| usage(e.to_string()))?;
                Some(d)
            }
            // The stream names the host when no name was given at all.
            None if name.is_none() => Some(host.trim_end_matches('.').to_owned()),
            None => None,
        };
        let at = match &cli.at {
            Some(t) => Some(crate::time_arg::parse(t).map_err(|e| usage(format!("--at: {e}")))?),
            None => None,
        };
        Ok(Request {
            host,
            port,
            protocol,
            name,
            name_check,
            trust: TrustSources {
                system: !cli.no_system_ca_trust,
                extra_file: cli.ca_trust.clone(),
            },
            timeout: Duration::from_secs(cli.timeout),
            thresholds: Thresholds {
                warning_days: cli.warning_days,
                error_days: cli.error_days,
            },
            format: cli.format,
            prtg_channels: cli.prtg_channels,
            hello_name,
            xmpp_domain,
            at,
        })
    }
}

/// A name in both forms when internationalised, else as it is.
fn shown(name: &str) -> String {
    IdnName::parse(name).map_or_else(|_| name.to_owned(), |n| n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn request(args: &[&str]) -> Result<Request, UsageError> {
        let mut all = vec!["starttls-cert"];
        all.extend_from_slice(args);
        Request::from_cli(Cli::try_parse_from(all).unwrap(), || {
            "probe.example.net".into()
        })
    }

    #[test]
    fn defaults_follow_the_protocol() {
        let r = request(&["mx.example.com"]).unwrap();
        assert_eq!((r.port, r.protocol), (25, Protocol::Smtp));
        assert_eq!(r.name.as_deref(), Some("mx.example.com"));
        assert_eq!(r.name_check, NameCheck::None);
        assert!(r.trust.system);
        let r = request(&["dc1.example.com", "--params", "protocol: ldap"]).unwrap();
        assert_eq!((r.port, r.protocol), (389, Protocol::Ldap));
    }

    #[test]
    fn params_fill_in_and_options_win() {
        let r = request(&[
            "192.0.2.5",
            "--params",
            "port: 7025, protocol: lmtp, cert_domainname: lmtp.example.com, cert_domainname_validation: cn_san",
        ])
        .unwrap();
        assert_eq!((r.port, r.protocol), (7025, Protocol::Lmtp));
        assert_eq!(r.name.as_deref(), Some("lmtp.example.com"));
        assert_eq!(r.name_check, NameCheck::CnSan);
        let r = request(&[
            "192.0.2.5",
            "24",
            "--params",
            "port: 7025, protocol: lmtp",
            "--sni-domain",
            "x.example.com",
        ])
        .unwrap();
        assert_eq!(r.port, 24);
        assert_eq!(r.name.as_deref(), Some("x.example.com"));
    }

    #[test]
    fn ip_address_with_name_validation_needs_a_name() {
        let e = request(&["192.0.2.5", "25", "smtp", "--name-validation", "cn"]).unwrap_err();
        assert!(e.0.contains("--sni-domain"), "{e}");
        let e = request(&["[2001:db8::1]", "--name-validation", "CN/SAN"]).unwrap_err();
        assert!(e.0.contains("IP address"), "{e}");
        let r = request(&["192.0.2.5"]).unwrap();
        assert_eq!(r.name, None, "no SNI for an address");
    }

    #[test]
    fn prtg_backslash_escapes_are_dropped_from_names() {
        let r = request(&[r"mail\-1.example.com", "--sni-domain", r"mx\-2.example.com"]).unwrap();
        assert_eq!(r.host, "mail-1.example.com");
        assert_eq!(r.name.as_deref(), Some("mx-2.example.com"));
    }

    #[test]
    fn unicode_hosts_and_names_become_a_labels_shown_in_both_forms() {
        let r = request(&["bücher.example", "--name-validation", "cn-san"]).unwrap();
        assert_eq!(r.host, "xn--bcher-kva.example");
        assert_eq!(r.name.as_deref(), Some("xn--bcher-kva.example"));
        assert_eq!(r.host_shown(), "xn--bcher-kva.example (bücher.example)");
        let r = request(&[
            "chat.example.com",
            "5222",
            "xmpp",
            "--xmpp-domain",
            "Example.COM.",
        ])
        .unwrap();
        assert_eq!(r.xmpp_domain.as_deref(), Some("example.com"));
        let r = request(&["192.0.2.7", "5269", "xmpp-server"]).unwrap();
        assert_eq!(r.xmpp_domain.as_deref(), Some("192.0.2.7"));
        let e = request(&["mx", "25", "smtp", "--xmpp-domain", "example.com"]).unwrap_err();
        assert!(e.0.contains("is for xmpp and xmpp-server, not smtp"), "{e}");
        let e = request(&["chat", "5222", "xmpp", "--xmpp-domain", "a'b"]).unwrap_err();
        assert!(
            e.0.starts_with("--xmpp-domain: ") || e.0.contains("XMPP domain"),
            "{e}"
        );
        let r = request(&["192.0.2.5", "--sni-domain", "MAIL.München.de."]).unwrap();
        assert_eq!(r.host, "192.0.2.5");
        assert_eq!(r.name.as_deref(), Some("mail.xn--mnchen-3ya.de"));
        assert_eq!(
            r.name_shown().as_deref(),
            Some("mail.xn--mnchen-3ya.de (mail.münchen.de)")
        );
        let e = request(&["mx", "--sni-domain", "a\u{202e}b.example"]).unwrap_err();
        assert!(e.0.starts_with("--sni-domain: "), "{e}");
    }

    #[test]
    fn inconsistent_values_are_refused() {
        assert!(request(&["mx", "--warning-days", "10", "--error-days", "20"]).is_err());
        assert!(request(&["mx", "--sni-domain", "bad name"]).is_err());
        assert!(request(&["mx", "--hello-name", "a b"]).is_err());
        assert!(request(&["mx", "--params", "port: x"]).is_err());
        assert!(request(&["mx", "--at", "tomorrow"]).is_err());
        let e = request(&["mx", "--concurrency", "5"]).unwrap_err();
        assert!(e.0.contains("only to a run over --targets"), "{e}");
        assert!(request(&["mx", "--order", "input"]).is_err());
    }
}
