//! The exporter's modules: named sets of check options, one a line in a
//! small file, written as on the command line without host and port:
//!
//! ```text
//! # name: protocol and options
//! smtp: smtp --name-validation cn-san
//! ldap_corp: ldap --ca-trust /etc/ssl/corp-ca.pem --no-system-ca-trust --timeout 10
//! ```
//!
//! Each line is checked when the file is read, with the same rules as the
//! command line; errors name the file and line. A module's trust store is
//! loaded once, when the exporter starts.

use std::fmt;
use std::path::Path;

use clap::Parser;
use starttls_engine::analysis::TrustStore;
use starttls_engine::Protocol;

use crate::args::Cli;
use crate::request::Request;
use crate::trust::bounded_file::read_regular_file;

/// The largest modules file read.
pub const MAX_FILE_BYTES: u64 = 256 * 1024;

/// Options that make no sense inside a module: the exporter chooses them.
const REFUSED: [&str; 4] = ["--format", "--output", "--params", "--at"];

/// One module: its words and what they give.
#[derive(Debug)]
pub struct Module {
    /// The name used in `/probe?module=`.
    pub name: String,
    /// Protocol and options, as on the command line.
    pub words: Vec<String>,
    /// The protocol the words select.
    pub protocol: Protocol,
    /// The check's own time limit.
    pub timeout: std::time::Duration,
    /// The trust store, loaded once.
    pub trust: TrustStore,
    /// The words as clap parsed them once, at start (with a stand-in host
    /// and port, which are positional and cannot change how the words
    /// parse): each probe only sets its host and port.
    options: Cli,
}

/// A module file that cannot be used, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleError {
    /// `file:line`, or the file alone.
    pub place: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ModuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

impl std::error::Error for ModuleError {}

impl Module {
    /// Builds module `name` from `words`, checking them as the command line
    /// would and loading the trust store.
    pub fn new(name: &str, words: Vec<String>) -> Result<Module, String> {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!(
                "\"{name}\" is not a module name (letters, digits, _ and -)"
            ));
        }
        if let Some(bad) = words.iter().find(|w| {
            REFUSED
                .iter()
                .any(|r| *w == r || w.starts_with(&format!("{r}=")))
        }) {
            return Err(format!("{bad} cannot be set in a module"));
        }
        let options = parse_words(&words)?;
        let template = request_for(&options, "localhost", None)?;
        let trust = crate::trust::load(&template.trust).map_err(|e| e.to_string())?;
        Ok(Module {
            name: name.to_owned(),
            words,
            protocol: template.protocol,
            timeout: template.timeout,
            trust,
            options,
        })
    }

    /// The request for `host` and `port` (the protocol's default port when
    /// `None`) with this module's options.
    pub fn request(&self, host: &str, port: Option<u16>) -> Result<Request, String> {
        let port = port.or(self.protocol.default_port()).ok_or_else(|| {
            format!(
                "the {} protocol has no default port: give host:port",
                self.protocol.keyword()
            )
        })?;
        request_for(&self.options, host, Some(port))
    }
}

/// The stand-in host and port a module's words are parsed with.
const STAND_IN: [&str; 2] = ["localhost", "1"];

/// A module's words as clap parses them after a host and a port.
fn parse_words(words: &[String]) -> Result<Cli, String> {
    let mut args: Vec<&str> = vec!["starttls-cert"];
    args.extend(STAND_IN);
    args.extend(words.iter().map(String::as_str));
    Cli::try_parse_from(args).map_err(|e| crate::cli::one_line(&e.render().to_string()))
}

/// The request for `host` and `port` (1 when `None`) with the module
/// `options`: what clap makes of `host port words`, without clap.
fn request_for(options: &Cli, host: &str, port: Option<u16>) -> Result<Request, String> {
    // A host that looked like an option would have been read as one.
    if host.starts_with('-') {
        return Err(format!("\"{host}\" is not a host name or IP address"));
    }
    let mut cli = options.clone();
    cli.host = Some(host.to_owned());
    cli.port = Some(port.unwrap_or(1));
    Request::from_cli(cli, local_name).map_err(|e| e.to_string())
}

/// This machine's name for EHLO/LHLO, read once rather than per probe.
fn local_name() -> String {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(crate::hostname::local).clone()
}

/// The modules when no file is given: one per protocol, named by its
/// keyword (`smtp`, `lmtp`, `ldap`, ...), with the command's defaults.
pub fn defaults() -> Result<Vec<Module>, ModuleError> {
    Protocol::ALL
        .iter()
        .map(|p| {
            Module::new(p.keyword(), vec![p.keyword().to_owned()]).map_err(|message| ModuleError {
                place: "built-in modules".into(),
                message,
            })
        })
        .collect()
}

/// Reads and checks a modules file.
pub fn load(path: &Path) -> Result<Vec<Module>, ModuleError> {
    let shown = path.display().to_string();
    let bytes = read_regular_file(path, MAX_FILE_BYTES).map_err(|e| ModuleError {
        place: shown.clone(),
        message: e.to_string(),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| ModuleError {
        place: shown.clone(),
        message: "not UTF-8 text".into(),
    })?;
    parse(&shown, &text)
}

/// Parses modules file text; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Vec<Module>, ModuleError> {
    let mut modules: Vec<Module> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let place = format!("{file}:{}", i + 1);
        let fail = |message: String| ModuleError {
            place: place.clone(),
            message,
        };
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, rest)) = line.split_once(':') else {
            return Err(fail(
                "expected \"name: protocol options\", e.g. \"smtp: smtp --name-validation cn-san\""
                    .into(),
            ));
        };
        let name = name.trim();
        if modules.iter().any(|m| m.name == name) {
            return Err(fail(format!("module \"{name}\" is defined twice")));
        }
        let words = crate::shell_words::split(rest).map_err(|e| fail(e.to_string()))?;
        modules.push(Module::new(name, words).map_err(fail)?);
    }
    if modules.is_empty() {
        return Err(ModuleError {
            place: file.to_owned(),
            message: "defines no module".into(),
        });
    }
    Ok(modules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_line_gives_its_protocol_and_options() {
        let m = parse(
            "m.conf",
            "# comment\n\nldap: ldap --timeout 7 --name-validation none\n",
        )
        .unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].name, "ldap");
        assert_eq!(m[0].protocol, Protocol::Ldap);
        assert_eq!(m[0].timeout, std::time::Duration::from_secs(7));
        let r = m[0].request("dc1.example", None).unwrap();
        assert_eq!(r.port, 389);
        assert_eq!(r.host, "dc1.example");
        let r = m[0].request("dc1.example", Some(636)).unwrap();
        assert_eq!(r.port, 636);
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse("m.conf", "smtp: smtp\nbad: smtp --timeout 0\n").unwrap_err();
        assert_eq!(e.place, "m.conf:2");
        let e = parse("m.conf", "smtp smtp\n").unwrap_err();
        assert_eq!(e.place, "m.conf:1");
        assert!(e.message.contains("expected"), "{e}");
        let e = parse("m.conf", "a: smtp\na: ldap\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("m.conf:2: module \"a\" is defined twice"),
            "{e}"
        );
        let e = parse("m.conf", "a: smtp --format json\n").unwrap_err();
        assert!(e.message.contains("--format"), "{e}");
        let e = parse("m.conf", "a b: smtp\n").unwrap_err();
        assert!(e.message.contains("module name"), "{e}");
        let e = parse("m.conf", "# nothing\n").unwrap_err();
        assert_eq!(e.place, "m.conf");
    }

    #[test]
    fn a_probe_request_is_what_clap_makes_of_host_port_and_words() {
        let lines = [
            "smtp --name-validation cn-san --timeout 7",
            "ldap --sni-domain dc1.corp.example --timeout 3",
            "xmpp --xmpp-domain example.com --warning-days 40 --error-days 10",
            "lmtp --hello-name probe.example --name-validation none",
            "ldap --name-validation cn-san",
            "smtp --sni-domain mx.example.com --name-validation cn-san",
        ];
        let hosts = [
            "mx.example.com",
            "192.0.2.7",
            "2001:db8::1",
            "bücher.example",
            "-x",
            "a b",
        ];
        for line in lines {
            let words = crate::shell_words::split(line).unwrap();
            let module = Module::new("m", words.clone()).unwrap();
            for host in hosts {
                for port in [None, Some(2525)] {
                    let port = port.or(module.protocol.default_port());
                    let ours = module.request(host, port);
                    let theirs = if host.starts_with('-') {
                        Err(String::new())
                    } else {
                        let port = port.unwrap_or(1).to_string();
                        let mut args = vec!["starttls-cert", host, &port];
                        args.extend(words.iter().map(String::as_str));
                        Cli::try_parse_from(args)
                            .map_err(|e| e.to_string())
                            .and_then(|cli| {
                                Request::from_cli(cli, local_name).map_err(|e| e.to_string())
                            })
                    };
                    match (&ours, &theirs) {
                        (Ok(a), Ok(b)) => assert_eq!(a, b, "{line} / {host}"),
                        (Err(a), Err(b)) => {
                            assert!(b.is_empty() || a == b, "{line} / {host}: {a} vs {b}")
                        }
                        _ => panic!("{line} / {host}: {ours:?} vs {theirs:?}"),
                    }
                }
            }
        }
    }

    #[test]
    fn the_built_in_modules_cover_every_protocol() {
        let m = defaults().unwrap();
        assert_eq!(m.len(), Protocol::ALL.len());
        assert!(m.iter().all(|m| m.name == m.protocol.keyword()));
    }
}
