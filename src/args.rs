//! The command line: positional `HOST PORT PROTOCOL` with options (Script v2
//! style), the old parameter string (`--params`), or the same line on stdin.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;

use clap::builder::PossibleValue;
use clap::{Parser, ValueEnum};
use starttls_engine::analysis::NameCheck;
use starttls_engine::Protocol;

const EXAMPLES: &str = "\
Examples:
  starttls-cert mail.example.com 25 smtp
      check an SMTP server's STARTTLS certificate, PRTG EXE/Script Advanced output
  starttls-cert 192.0.2.10 389 ldap --sni-domain dc1.corp.example --name-validation cn-san
      a domain controller given by address: name the certificate's host to check it
  starttls-cert chat.example.com 5222 xmpp --xmpp-domain example.com
      an XMPP server whose domain differs from its host name
  starttls-cert mx.example.com --params \"port: 25, protocol: smtp, cert_domainname_validation: cn_san\"
      the old Python sensor's parameter string, unchanged
  echo 'mx.example.com 587 smtp --format prtg-v2' | starttls-cert
      PRTG Script v2: with no arguments the line is read from stdin
  starttls-cert --targets servers.txt --timeout 10 --format nagios
      check every server listed in servers.txt (one `HOST [PORT] [PROTOCOL] [OPTIONS]`
      a line, # comments), at most 256 at once, with a summary line first
  starttls-cert demo
      check the built-in simulated servers over loopback and print a table

Exit codes: prtg and prtg-v2 formats always exit 0 (PRTG discards the output
of a failing script; errors are in the JSON). json, text and nagios exit
0 OK, 1 warning, 2 critical, 3 the check could not be done; with
--targets, the worst of all: 2 if any is critical, else 3 if any could not
be checked, else 1 if any warns, else 0.";

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// PRTG EXE/Script Advanced JSON (`{"prtg":{...}}`).
    Prtg,
    /// PRTG Script v2 JSON (`{"version":2,...}`).
    #[value(name = "prtg-v2", alias = "prtgv2", alias = "v2")]
    PrtgV2,
    /// Every field of the analysis, the chain as PEM.
    Json,
    /// A short summary for people.
    Text,
    /// Nagios/Icinga plugin output with performance data.
    Nagios,
    /// Prometheus exposition text (blackbox_exporter, ssl_exporter and
    /// starttls_cert_ series), e.g. for node_exporter's textfile collector.
    Prometheus,
}

/// In which order a run over `--targets` writes its results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Order {
    /// The order of the list; a result that finishes early waits only for
    /// the slower ones listed before it.
    #[default]
    Input,
    /// As each check finishes.
    Completion,
}

/// The largest `--concurrency` accepted.
pub const MAX_CONCURRENCY: usize = 65_536;

fn concurrency(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n @ 1..=MAX_CONCURRENCY) => Ok(n),
        _ => Err(format!(
            "\"{value}\" is not a whole number from 1 to {MAX_CONCURRENCY}"
        )),
    }
}

/// Which channels the PRTG formats send.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum PrtgChannels {
    /// The five classic channels plus Chain Days to Expiration, Critical
    /// Findings and Warning Findings, so PRTG alarms at the check's verdict.
    #[default]
    All,
    /// Only the five channels of PRTG's SSL Certificate sensor, as the old
    /// sensors sent them.
    Classic,
}

/// The protocol spoken before TLS: any of [`Protocol::ALL`], by its
/// [`keyword`](Protocol::keyword).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProtocolArg(pub Protocol);

impl ValueEnum for ProtocolArg {
    fn value_variants<'a>() -> &'a [Self] {
        static VARIANTS: OnceLock<Vec<ProtocolArg>> = OnceLock::new();
        VARIANTS.get_or_init(|| Protocol::ALL.iter().map(|&p| ProtocolArg(p)).collect())
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let value = PossibleValue::new(self.0.keyword()).help(self.0.summary());
        // RFC 8314's service name for port 465, as `Protocol::from_keyword`
        // accepts it in parameter strings.
        Some(if self.0 == Protocol::Smtps {
            value.alias("submissions")
        } else {
            value
        })
    }
}

impl From<ProtocolArg> for Protocol {
    fn from(p: ProtocolArg) -> Protocol {
        p.0
    }
}

/// The port argument's help, with every protocol's default port.
fn port_help() -> String {
    let defaults: Vec<String> = Protocol::ALL
        .iter()
        .filter_map(|p| Some(format!("{} for {}", p.default_port()?, p.keyword())))
        .collect();
    format!("TCP port [default: {}; tls needs one]", defaults.join(", "))
}

/// The protocol keywords as a sentence, `smtp, lmtp or ldap`, for messages.
pub fn protocol_list() -> &'static str {
    static LIST: OnceLock<String> = OnceLock::new();
    LIST.get_or_init(|| {
        let names: Vec<&str> = Protocol::ALL.iter().map(|p| p.keyword()).collect();
        match names.split_last() {
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    })
}

fn name_check(value: &str) -> Result<NameCheck, String> {
    crate::params::parse_name_check(value)
        .ok_or_else(|| format!("\"{value}\" is not one of none, cn, cn-san (also CN and CN/SAN)"))
}

/// The largest expiry threshold accepted, in days (about ten years).
pub const MAX_DAYS: i64 = 3650;

pub(crate) fn port_number(value: &str) -> Result<u16, String> {
    match value.parse::<u16>() {
        Ok(n @ 1..) => Ok(n),
        _ => Err(format!("\"{value}\" is not a port number from 1 to 65535")),
    }
}

fn days(value: &str) -> Result<i64, String> {
    match value.parse::<i64>() {
        Ok(n @ 0..=MAX_DAYS) => Ok(n),
        _ => Err(format!(
            "\"{value}\" is not a whole number of days from 0 to {MAX_DAYS}"
        )),
    }
}

fn timeout_secs(value: &str) -> Result<u64, String> {
    match value.parse::<u64>() {
        Ok(n @ 1..=900) => Ok(n),
        _ => Err(format!(
            "\"{value}\" is not a whole number of seconds from 1 to 900"
        )),
    }
}

/// `starttls-cert`: checks the TLS certificate behind STARTTLS (SMTP, LMTP, LDAP, FTP, NNTP, XMPP).
#[derive(Clone, Debug, Parser)]
#[command(
    name = "starttls-cert",
    version,
    about = "Checks the TLS certificate of SMTP, LMTP, LDAP, IMAP, POP3, ManageSieve, FTP, NNTP, XMPP, PostgreSQL and MySQL/MariaDB servers behind STARTTLS or implicit TLS and reports it for PRTG, Nagios/Icinga or as JSON",
    after_help = EXAMPLES
)]
pub struct Cli {
    /// Host name or IP address of the server (in PRTG: %host)
    #[arg(required_unless_present = "targets", conflicts_with = "targets")]
    pub host: Option<String>,

    /// TCP port [default: each protocol's well-known port, listed from `Protocol::ALL`]
    #[arg(value_parser = port_number, allow_negative_numbers = true, help = port_help())]
    pub port: Option<u16>,

    /// Protocol before TLS, one of `Protocol::ALL`'s keywords [default: smtp]
    #[arg(value_enum, ignore_case = true, help = format!("Protocol before TLS: {} [default: smtp]", protocol_list()))]
    pub protocol: Option<ProtocolArg>,

    /// The old sensor's parameter string, e.g. "port: 25, protocol: smtp, cert_domainname: mx.example.com, cert_domainname_validation: cn_san"
    #[arg(long, value_name = "STRING")]
    pub params: Option<String>,

    /// Name sent as SNI and checked against the certificate [default: HOST when it is a name]
    #[arg(long, value_name = "NAME", visible_alias = "cert-domain")]
    pub sni_domain: Option<String>,

    /// Compare the name with the certificate: none, cn (subject CN only) or cn-san (CN and DNS/IP SANs) [default: none]
    #[arg(long, value_name = "MODE", value_parser = name_check)]
    pub name_validation: Option<NameCheck>,

    /// PEM file of extra trusted CAs (and intermediates), added to the system store
    #[arg(long, value_name = "FILE")]
    pub ca_trust: Option<PathBuf>,

    /// Trust the operating system's CA store (the default; kept for Script v2 compatibility)
    #[arg(long)]
    pub system_ca_trust: bool,

    /// Trust only the --ca-trust file, not the operating system's store
    #[arg(long, requires = "ca_trust", conflicts_with = "system_ca_trust")]
    pub no_system_ca_trust: bool,

    /// Overall time limit in seconds, connect included (1-900; PRTG's own default limit is 60)
    #[arg(long, value_name = "SECS", default_value = "20", value_parser = timeout_secs, allow_negative_numbers = true)]
    pub timeout: u64,

    /// Warn when fewer days than this remain until expiry (0-3650)
    #[arg(long, value_name = "DAYS", default_value = "35", value_parser = days, allow_negative_numbers = true)]
    pub warning_days: i64,

    /// Error when fewer days than this remain until expiry (0-3650)
    #[arg(long, value_name = "DAYS", default_value = "17", value_parser = days, allow_negative_numbers = true)]
    pub error_days: i64,

    /// Output format
    #[arg(long, value_enum, default_value = "prtg", ignore_case = true)]
    pub format: Format,

    /// Write the output to FILE instead of stdout, atomically (a temporary file in the same directory, then renamed), e.g. for node_exporter's textfile collector
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// PRTG channels: all (the five classic ones plus Chain Days to Expiration, Critical Findings, Warning Findings) or classic (only the five)
    #[arg(
        long,
        value_enum,
        default_value = "all",
        ignore_case = true,
        value_name = "SET"
    )]
    pub prtg_channels: PrtgChannels,

    /// Name to send in EHLO/LHLO [default: this machine's host name]
    #[arg(long, value_name = "NAME")]
    pub hello_name: Option<String>,

    /// XMPP domain named in the stream header (xmpp, xmpp-server) [default: the --sni-domain name, else HOST]
    #[arg(long, value_name = "DOMAIN")]
    pub xmpp_domain: Option<String>,
    /// Check every server listed in FILE (`-` for stdin), one a line as `HOST [PORT] [PROTOCOL] [OPTIONS]`; options given here are defaults for every line
    #[arg(long, value_name = "FILE", help_heading = "Many servers")]
    pub targets: Option<PathBuf>,

    /// With --targets: most servers checked at once [default: 256, capped by the open-files limit]
    #[arg(long, value_name = "N", value_parser = concurrency, help_heading = "Many servers")]
    pub concurrency: Option<usize>,

    /// With --targets: write results in the order of the list, or as they finish [default: input]
    #[arg(long, value_enum, ignore_case = true, help_heading = "Many servers")]
    pub order: Option<Order>,

    /// Judge validity at this time instead of now (RFC 3339 UTC like 2030-01-31T12:00:00Z, or Unix seconds); for tests and what-if checks
    #[arg(long, value_name = "TIME", hide = true)]
    pub at: Option<String>,
}

/// Finds `--format X` / `--format=X` in raw arguments, so that errors in the
/// other arguments can still be reported in the format the caller expects.
pub fn sniff_format(args: &[OsString]) -> Format {
    let mut it = args.iter().map(|a| a.to_str());
    while let Some(a) = it.next() {
        let Some(a) = a else { continue };
        let value = if a == "--format" {
            it.next().flatten()
        } else {
            a.strip_prefix("--format=")
        };
        if let Some(v) = value {
            if let Ok(f) = Format::from_str(v, true) {
                return f;
            }
        }
    }
    Format::Prtg
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn script_v2_style_arguments_parse() {
        let cli = Cli::try_parse_from([
            "starttls-cert",
            "192.0.2.1",
            "389",
            "LDAP",
            "--sni-domain",
            "dc1.example.com",
            "--name-validation",
            "CN/SAN",
            "--format",
            "prtg-v2",
        ])
        .unwrap();
        assert_eq!(cli.port, Some(389));
        assert_eq!(cli.protocol, Some(ProtocolArg(Protocol::Ldap)));
        assert_eq!(cli.name_validation, Some(NameCheck::CnSan));
        assert_eq!(cli.format, Format::PrtgV2);
        assert_eq!(cli.timeout, 20);
    }

    #[test]
    fn bad_values_are_refused() {
        for bad in [
            vec!["x", "h", "0"],
            vec!["x", "h", "25", "gopher"],
            vec!["x", "h", "--name-validation", "san"],
            vec!["x", "h", "--timeout", "0"],
            vec!["x", "h", "--timeout", "901"],
            vec!["x", "h", "--no-system-ca-trust"],
            vec!["x", "h", "-5"],
            vec!["x", "h", "--warning-days", "-5"],
            vec!["x", "h", "--error-days=-5"],
            vec!["x", "h", "--warning-days", "3651"],
        ] {
            assert!(Cli::try_parse_from(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn format_is_found_before_full_parsing() {
        let args: Vec<OsString> = ["x", "--format=json", "h"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(sniff_format(&args), Format::Json);
        let args: Vec<OsString> = ["x", "--format", "PRTG-V2"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(sniff_format(&args), Format::PrtgV2);
        assert_eq!(sniff_format(&[]), Format::Prtg);
    }
}

#[cfg(test)]
mod fleet_option_tests {
    use super::*;

    #[test]
    fn run_options_parse_with_targets() {
        let cli = Cli::try_parse_from(["x", "--targets", "-", "--order", "COMPLETION"]).unwrap();
        assert_eq!(cli.order, Some(Order::Completion));
        assert!(Cli::try_parse_from(["x", "--targets", "-", "--concurrency", "0"]).is_err());
        assert!(Cli::try_parse_from(["x", "--targets", "-", "mx"]).is_err());
    }
}
