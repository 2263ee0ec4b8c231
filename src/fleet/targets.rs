//! The `--targets` list: one check a line in the command's own syntax
//! (`HOST [PORT] [PROTOCOL] [OPTIONS]`, shell-like quoting), `#` comment
//! lines and blank lines. Options from the command line come first on every
//! line, so a line's own options win. Every line is checked before anything
//! is probed, and every bad line is reported, each with its number.

use std::ffi::OsString;
use std::fmt;

use clap::{CommandFactory, FromArgMatches, ValueEnum};

use crate::args::{Cli, ProtocolArg};
use crate::request::Request;

/// Longest line accepted, in bytes.
pub const MAX_LINE: usize = 4096;

/// Most targets in one list.
pub const MAX_TARGETS: usize = 100_000;

/// Largest list read, in bytes (room for `MAX_TARGETS` lines of a good
/// length; a longer list is refused rather than read).
pub const MAX_LIST_BYTES: u64 = 32 * 1024 * 1024;

/// Options that apply to the whole run, not to one line.
pub const RUN_OPTIONS: [&str; 4] = ["--targets", "--concurrency", "--order", "--format"];

/// Most bad lines listed in one error; the rest are counted.
pub const MAX_LISTED: usize = 20;

/// One bad line: its number (from 1) and what was wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    /// The line's number, counting from 1; 0 for the list as a whole.
    pub line: usize,
    /// What was wrong, in one line.
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

/// Why a list was refused: every bad line, or what was wrong with the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListError(pub Vec<LineError>);

impl fmt::Display for ListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.0.len();
        if total > 1 {
            write!(
                f,
                "{total} bad lines in the target list, nothing was checked: "
            )?;
        } else {
            f.write_str("bad target list, nothing was checked: ")?;
        }
        for (i, e) in self.0.iter().take(MAX_LISTED).enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        if total > MAX_LISTED {
            write!(f, "; and {} more", total - MAX_LISTED)?;
        }
        Ok(())
    }
}

impl std::error::Error for ListError {}

/// Parses the list `text` into one request per target line, with
/// `defaults` (command-line options, without the program name and without
/// [`RUN_OPTIONS`]) before each line's words and `hello` as the default
/// EHLO/LHLO name.
pub fn parse(text: &str, defaults: &[OsString], hello: &str) -> Result<Vec<Request>, ListError> {
    parse_numbered(text, defaults, hello).map(|(requests, _)| requests)
}

/// [`parse`], also returning each request's line number.
pub fn parse_numbered(
    text: &str,
    defaults: &[OsString],
    hello: &str,
) -> Result<(Vec<Request>, Vec<usize>), ListError> {
    let count = text.lines().filter(|l| is_target(l)).count();
    if count > MAX_TARGETS {
        return Err(ListError(vec![LineError {
            line: 0,
            message: format!(
                "the target list has {count} targets, more than the {MAX_TARGETS} one run checks; split it"
            ),
        }]));
    }
    let mut requests = Vec::new();
    let mut numbers = Vec::new();
    let mut errors = Vec::new();
    let mut command = Cli::command().args_override_self(true);
    let template = template(&mut command, defaults);
    for (n, line) in text.lines().enumerate() {
        let number = n + 1;
        if !is_target(line) {
            continue;
        }
        let trimmed = line.trim();
        if line.len() > MAX_LINE {
            errors.push(LineError {
                line: number,
                message: format!("longer than {MAX_LINE} bytes"),
            });
            continue;
        }
        match parse_line(&mut command, template.as_ref(), trimmed, defaults, hello) {
            Ok(request) => {
                requests.push(request);
                numbers.push(number);
            }
            Err(message) => errors.push(LineError {
                line: number,
                message,
            }),
        }
    }
    if !errors.is_empty() {
        return Err(ListError(errors));
    }
    if requests.is_empty() {
        return Err(ListError(vec![LineError {
            line: 0,
            message: "the target list has no targets (only blank or # comment lines)".into(),
        }]));
    }
    Ok((requests, numbers))
}

/// Whether `line` names a target (is neither blank nor a `#` comment).
fn is_target(line: &str) -> bool {
    let trimmed = line.trim();
    !trimmed.is_empty() && !trimmed.starts_with('#')
}

/// The host [`template`] parses the defaults with.
const TEMPLATE_HOST: &str = "template.invalid";

/// The command-line defaults parsed once, as clap parses them before a
/// line's words, when a line of positional words alone cannot change how
/// they parse: `None` when they hold a positional word, end in an option
/// waiting for its value, or are wrong (then every line goes through clap,
/// which reports it).
fn template(command: &mut clap::Command, defaults: &[OsString]) -> Option<Cli> {
    let args = std::iter::once(OsString::from("starttls-cert"))
        .chain(defaults.iter().cloned())
        .chain(std::iter::once(OsString::from(TEMPLATE_HOST)));
    let matches = command.try_get_matches_from_mut(args).ok()?;
    let cli = Cli::from_arg_matches(&matches).ok()?;
    let clean =
        cli.host.as_deref() == Some(TEMPLATE_HOST) && cli.port.is_none() && cli.protocol.is_none();
    clean.then_some(cli)
}

/// The arguments of a line that is only `HOST [PORT] [PROTOCOL]`, each
/// valid, without clap: `template` with the positionals set, which is what
/// clap makes of the defaults followed by these words. `None` for any
/// other line (an option, a word starting with `-`, an empty word, more
/// than three words, a bad port or protocol), which clap then parses and,
/// when wrong, words the error for.
fn positional_only(template: &Cli, words: &[String]) -> Option<Cli> {
    if words.is_empty()
        || words.len() > 3
        || words.iter().any(|w| w.is_empty() || w.starts_with('-'))
    {
        return None;
    }
    let mut cli = template.clone();
    cli.host = Some(words[0].clone());
    cli.port = match words.get(1) {
        Some(word) => Some(crate::args::port_number(word).ok()?),
        None => None,
    };
    cli.protocol = match words.get(2) {
        // What clap's `value_enum` with `ignore_case` accepts.
        Some(word) => Some(ProtocolArg::from_str(word, true).ok()?),
        None => None,
    };
    Some(cli)
}

/// One line into a request, or the line's problem in one line. A line
/// of positional words alone skips clap when `template` is given (parsing
/// every line of a long list through clap cost more than the rest of
/// reading it); every other line, and every error, comes from clap.
fn parse_line(
    command: &mut clap::Command,
    template: Option<&Cli>,
    line: &str,
    defaults: &[OsString],
    hello: &str,
) -> Result<Request, String> {
    let words = crate::shell_words::split(line).map_err(|e| e.to_string())?;
    if let Some(option) = words.iter().find_map(|w| run_option(w)) {
        return Err(format!(
            "{option} applies to the whole run: give it on the command line, not in the list"
        ));
    }
    if let Some(cli) = template.and_then(|t| positional_only(t, &words)) {
        return Request::from_cli(cli, || hello.to_owned())
            .map_err(|e| format!("bad parameters: {e}"));
    }
    let args = std::iter::once(OsString::from("starttls-cert"))
        .chain(defaults.iter().cloned())
        .chain(words.into_iter().map(OsString::from));
    // Borrowed, not cloned: cloning the whole command for every line
    // cost more than parsing the line.
    let matches = command
        .try_get_matches_from_mut(args)
        .map_err(|e| crate::cli::clap_message(&e))?;
    let cli = Cli::from_arg_matches(&matches).map_err(|e| crate::cli::clap_message(&e))?;
    Request::from_cli(cli, || hello.to_owned()).map_err(|e| format!("bad parameters: {e}"))
}

/// The run option `word` names (`--format` for `--format` or
/// `--format=json`), if it is one.
pub fn run_option(word: &str) -> Option<&'static str> {
    let name = word.split('=').next().unwrap_or(word);
    RUN_OPTIONS.iter().copied().find(|o| *o == name)
}

/// The command-line arguments that are defaults for every line: all but
/// the program name and [`RUN_OPTIONS`] with their values.
pub fn defaults(args: &[OsString]) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut it = args.iter().skip(1);
    while let Some(arg) = it.next() {
        match arg.to_str().and_then(run_option) {
            Some(_) if arg.to_str().is_some_and(|a| a.contains('=')) => {}
            Some(_) => {
                it.next();
            }
            None => out.push(arg.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use starttls_engine::Protocol;

    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn lines_take_the_command_line_options_as_defaults_and_win() {
        let text = "# relays\n\nmx1.example.com\n  mx2.example.com 587 smtp --timeout 5  \n\
                    dc1.example.com 389 ldap --name-validation cn-san\n";
        let defaults = defaults(&os(&[
            "starttls-cert",
            "--targets",
            "x",
            "--timeout=9",
            "--format",
            "json",
            "--warning-days",
            "40",
        ]));
        assert_eq!(defaults, os(&["--timeout=9", "--warning-days", "40"]));
        let requests = parse(text, &defaults, "probe.test").unwrap();
        assert_eq!(requests.len(), 3);
        assert_eq!(requests[0].host, "mx1.example.com");
        assert_eq!(requests[0].timeout, Duration::from_secs(9));
        assert_eq!(requests[0].thresholds.warning_days, 40);
        assert_eq!(requests[1].port, 587);
        assert_eq!(requests[1].timeout, Duration::from_secs(5), "the line wins");
        assert_eq!(requests[2].protocol, Protocol::Ldap);
        assert_eq!(requests[2].hello_name, "probe.test");
    }

    #[test]
    fn every_bad_line_is_listed_with_its_number() {
        let text = "mx1.example.com 25 gopher\nok.example.com\n'open\nmx --format json\n\
                    mx --timeout 0\n--timeout 5\n";
        let e = parse(text, &[], "h").unwrap_err();
        let lines: Vec<usize> = e.0.iter().map(|l| l.line).collect();
        assert_eq!(lines, [1, 3, 4, 5, 6]);
        let text = e.to_string();
        assert!(
            text.starts_with("5 bad lines in the target list, nothing was checked: line 1: "),
            "{text}"
        );
        assert!(text.contains("[possible values:"), "{text}");
        assert!(
            text.contains("line 3: the parameter line has an unclosed ' quote"),
            "{text}"
        );
        assert!(
            text.contains("line 4: --format applies to the whole run"),
            "{text}"
        );
        assert!(
            text.contains("line 5: bad parameters: invalid value '0' for '--timeout <SECS>'"),
            "{text}"
        );
        assert!(text.contains("line 6: bad parameters: the following required arguments were not provided: <HOST>"), "{text}");
        assert!(!text.contains('\n'));
    }

    #[test]
    fn positional_lines_skip_clap_with_the_same_results_and_errors() {
        let lines = [
            "mx.example.com",
            "mx.example.com 587",
            "MX.example.com. 587 SMTP",
            "192.0.2.1 389 ldap",
            "192.0.2.1 389 LDAP",
            "dc1.example.com 636 ldaps",
            "mx.example.com 465 submissions",
            "chat.example.com 5222 xmpp",
            "münchen.example 25 lmtp",
            "[2001:db8::1] 25",
            "host 8443 tls",
            "host 0",
            "host 65536 smtp",
            "host 25 gopher",
            "host 25 smtp extra",
            "host smtp",
            "'' 25",
            "'two words' 25",
            "host 25 smtp --timeout 5",
            "-host 25",
            "host -5",
            "host 25 postgres",
        ];
        let default_sets: [&[&str]; 10] = [
            &[],
            &["--timeout=9", "--warning-days", "40"],
            &[
                "--sni-domain",
                "cert.example.com",
                "--name-validation",
                "cn-san",
            ],
            &["--no-system-ca-trust", "--ca-trust", "/tmp/ca.pem"],
            &[
                "--params",
                "port: 26, protocol: lmtp, cert_domainname_validation: cn",
            ],
            &["--xmpp-domain", "example.com", "--format", "json"],
            &["--hello-name", "probe.test", "--error-days", "50"],
            &["--timeout"],
            &["25"],
            &["--"],
        ];
        let mut quick = 0;
        for set in default_sets {
            let defaults = os(set);
            let mut command = Cli::command().args_override_self(true);
            let template = template(&mut command, &defaults);
            assert_eq!(
                template.is_some(),
                !matches!(set, ["--timeout"] | ["25"]),
                "{set:?}"
            );
            for line in lines {
                let words = crate::shell_words::split(line).unwrap();
                if template
                    .as_ref()
                    .and_then(|t| positional_only(t, &words))
                    .is_some()
                {
                    quick += 1;
                }
                let fast = parse_line(&mut command, template.as_ref(), line, &defaults, "h");
                let slow = parse_line(&mut command, None, line, &defaults, "h");
                assert_eq!(fast, slow, "{set:?} {line:?}");
            }
        }
        assert!(quick >= 60, "the quick path was taken {quick} times");
    }

    #[test]
    fn lists_are_bounded() {
        let long = format!("{}\n", "a".repeat(MAX_LINE + 1));
        let e = parse(&long, &[], "h").unwrap_err();
        assert_eq!(e.0[0].message, format!("longer than {MAX_LINE} bytes"));
        let e = parse("# nothing\n\n", &[], "h").unwrap_err();
        assert!(e.to_string().contains("no targets"), "{e}");
        let many: String = (0..MAX_TARGETS + 5).map(|_| "192.0.2.1\n").collect();
        let e = parse(&many, &[], "h").unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert!(
            e.0[0]
                .message
                .contains("100005 targets, more than the 100000"),
            "{e}"
        );
        let errors: Vec<LineError> = (1..=30)
            .map(|line| LineError {
                line,
                message: "x".into(),
            })
            .collect();
        assert!(ListError(errors)
            .to_string()
            .ends_with("line 20: x; and 10 more"));
    }
}
