//! From raw arguments to printed output: the whole command, minus the
//! process plumbing in `main.rs`.

use std::ffi::{OsStr, OsString};
use std::time::Duration;

use clap::error::ErrorKind;
use clap::Parser;

use crate::args::{sniff_format, Cli, Format};
use crate::output::{render_early_error, render_timed, Rendered};
use crate::request::Request;
use crate::stdin_line::Line;

/// Where the arguments came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The process arguments.
    Argv,
    /// A line read from stdin (PRTG Script v2 hands parameters over this way).
    Stdin,
}

/// Runs the command for `args` (program name first) and says what to print.
///
/// Arguments stay `OsString`s, so a `--ca-trust` path that is not valid
/// UTF-8 reaches the file system unchanged; any other argument that is not
/// UTF-8 is refused with its name. Arguments read from stdin default to the
/// Script v2 format, since that is how PRTG's Script v2 sensor calls a
/// script.
pub fn execute<T: Into<OsString>>(args: impl IntoIterator<Item = T>, source: Source) -> Rendered {
    let mut args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    if source == Source::Stdin
        && !args
            .iter()
            .filter_map(|a| a.to_str())
            .any(|a| a == "--format" || a.starts_with("--format="))
    {
        args.push("--format".into());
        args.push("prtg-v2".into());
    }
    let explicit = args
        .iter()
        .filter_map(|a| a.to_str())
        .any(|a| a == "--format" || a.starts_with("--format="));
    let format = if !explicit && crate::fleet::command::wants_fleet(&args) {
        // A run over a list writes text unless told otherwise.
        Format::Text
    } else {
        sniff_format(&args)
    };
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => Rendered {
                    stdout: e.to_string(),
                    exit_code: 0,
                },
                ErrorKind::InvalidUtf8 => render_early_error(format, &not_utf8_message(&args)),
                _ => render_early_error(format, &clap_message(&e)),
            }
        }
    };
    if cli.targets.is_some() {
        return crate::fleet::command::execute_buffered(&args, &cli);
    }
    let output = cli.output.clone();
    let rendered = match Request::from_cli(cli, crate::hostname::local) {
        Ok(request) => {
            let started = std::time::Instant::now();
            let result = crate::run::run(&request);
            render_timed(&request, &result, started.elapsed())
        }
        Err(e) => render_early_error(format, &format!("bad parameters: {e}")),
    };
    match output {
        None => rendered,
        Some(path) => write_output(&path, rendered, format),
    }
}

/// Writes `rendered` to `path` (atomically) instead of stdout; stdout is
/// then empty, unless the file could not be written: that error is shown
/// in the requested format and the check counts as not done.
fn write_output(path: &std::path::Path, rendered: Rendered, format: Format) -> Rendered {
    match crate::output::atomic::write_atomically(path, rendered.stdout.as_bytes()) {
        Ok(()) => Rendered {
            stdout: String::new(),
            exit_code: rendered.exit_code,
        },
        Err(e) => render_early_error(format, &e.to_string()),
    }
}

/// Runs the command for `args` and writes its output: a run over
/// `--targets` streams each result as it is ready (progress on a terminal
/// stderr); anything else prints at the end. Returns the exit code.
pub fn execute_to_stdout(args: Vec<OsString>) -> i32 {
    if crate::fleet::command::wants_fleet(&args) {
        if let Ok(cli) = Cli::try_parse_from(&args) {
            return crate::fleet::command::main(&args, &cli);
        }
    }
    print(execute(args, Source::Argv))
}

/// Prints `rendered` to stdout and returns its exit code.
pub fn print(rendered: Rendered) -> i32 {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(rendered.stdout.as_bytes());
    let _ = stdout.flush();
    rendered.exit_code
}

/// Runs what came on stdin (PRTG Script v2): the parameter line, or a
/// Script v2 error that says why there was none (`wait` is how long the
/// read waited).
pub fn execute_stdin(program: &str, line: Line, wait: Duration) -> Rendered {
    const GIVE: &str =
        "give HOST [PORT] [PROTOCOL] and options as arguments or as one line on stdin (see --help)";
    match line {
        Line::Text(line) => execute_line(program, &line),
        Line::Silent => render_early_error(
            Format::PrtgV2,
            &format!(
                "no parameters: waited {} s for a parameter line on stdin and none came; {GIVE}",
                wait.as_secs_f64()
            ),
        ),
        Line::Ended => render_early_error(
            Format::PrtgV2,
            &format!("no parameters: stdin ended without a parameter line; {GIVE}"),
        ),
        Line::Unreadable(e) => render_early_error(
            Format::PrtgV2,
            &format!("cannot read the parameter line from stdin: {e}"),
        ),
    }
}

/// Splits a stdin parameter line and runs it.
pub fn execute_line(program: &str, line: &str) -> Rendered {
    match crate::shell_words::split(line) {
        Ok(words) if words.is_empty() => render_early_error(
            Format::PrtgV2,
            "no parameters: give HOST [PORT] [PROTOCOL] and options (see --help)",
        ),
        Ok(words) => execute(
            std::iter::once(program.to_owned()).chain(words),
            Source::Stdin,
        ),
        Err(e) => render_early_error(Format::PrtgV2, &format!("bad parameters: {e}")),
    }
}

/// clap's whole error on one line, without its `error:` prefix, usage
/// block and help pointer: the list under "the following required
/// arguments were not provided:", the possible values and clap's tip stay.
pub(crate) fn clap_message(e: &clap::Error) -> String {
    format!(
        "bad parameters: {} (see starttls-cert --help)",
        one_line(&e.render().to_string())
    )
}

/// Joins the lines of a clap error: items of a list that follows a line
/// ending in `:` with commas, `[possible values: ...]` with a space, other
/// lines (a tip) with a semicolon. Stops at the usage block.
pub(crate) fn one_line(text: &str) -> String {
    let mut out = String::new();
    let mut in_list = false;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        }
        let line = line.strip_prefix("error:").map_or(line, str::trim);
        if out.is_empty() {
            out.push_str(line);
        } else if in_list && !line.contains(':') {
            out.push_str(if out.ends_with(':') { " " } else { ", " });
            out.push_str(line);
            continue;
        } else if line.starts_with('[') {
            out.push(' ');
            out.push_str(line);
        } else {
            out.push_str("; ");
            out.push_str(line);
        }
        in_list = line.ends_with(':');
    }
    if out.is_empty() {
        out.push_str("invalid arguments");
    }
    out
}

/// Names the argument that is not valid UTF-8: the option it belongs to,
/// or its position.
fn not_utf8_message(args: &[OsString]) -> String {
    let bad = args
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, a)| a.to_str().is_none());
    let what = match bad {
        Some((i, arg)) => match option_of(arg)
            .or_else(|| option_of(&args[i - 1]).filter(|option| i > 1 && takes_value(option)))
        {
            Some(option) => format!("the value of {option}"),
            None => format!(
                "argument {i} ('{}')",
                arg.to_string_lossy()
                    .chars()
                    .take(40)
                    .map(|c| if c.is_control() { '?' } else { c })
                    .collect::<String>()
            ),
        },
        None => "an argument".to_owned(),
    };
    format!(
        "bad parameters: {what} is not valid UTF-8 (only the --ca-trust file name may be any bytes; see starttls-cert --help)"
    )
}

/// Whether the long option `--name` takes a value.
fn takes_value(option: &str) -> bool {
    use clap::CommandFactory;
    let long = option.trim_start_matches("--");
    Cli::command()
        .get_arguments()
        .any(|a| a.get_long() == Some(long) && a.get_action().takes_values())
}

/// `--name` for `--name`, `--name=value` (its UTF-8 start), else `None`.
fn option_of(arg: &OsStr) -> Option<String> {
    let bytes = arg.as_encoded_bytes();
    let name_end = bytes.iter().position(|&b| b == b'=').unwrap_or(bytes.len());
    let name = std::str::from_utf8(&bytes[..name_end]).ok()?;
    (name.starts_with("--") && name.len() > 2).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Rendered {
        execute(args, Source::Argv)
    }

    #[test]
    fn bad_arguments_in_prtg_format_are_prtg_errors_with_exit_0() {
        let r = run(&["starttls-cert", "mx", "25", "gopher"]);
        assert_eq!(r.exit_code, 0);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["prtg"]["error"], 1);
        let text = v["prtg"]["text"].as_str().unwrap();
        assert!(text.contains("gopher"), "{text}");
        assert!(!text.contains('\n'));
    }

    #[test]
    fn bad_arguments_in_text_format_exit_3() {
        let r = run(&["starttls-cert", "--format", "text", "mx", "--timeout", "0"]);
        assert_eq!(r.exit_code, 3);
        assert!(r.stdout.contains("seconds from 1 to 900"), "{}", r.stdout);
    }

    #[test]
    fn help_and_version_exit_0() {
        let r = run(&["starttls-cert", "--help"]);
        assert_eq!(r.exit_code, 0);
        assert!(r.stdout.contains("--name-validation"));
        assert!(r.stdout.contains("Examples:"));
        let r = run(&["starttls-cert", "--version"]);
        assert!(r.stdout.starts_with("starttls-cert "));
    }

    #[test]
    fn the_stdin_wait_says_it_waited_for_a_parameter_line() {
        let message = |line| {
            let r = execute_stdin("starttls-cert", line, Duration::from_secs(10));
            let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
            assert_eq!(v["status"], "error");
            v["message"].as_str().unwrap().to_owned()
        };
        assert!(message(Line::Silent).starts_with(
            "no parameters: waited 10 s for a parameter line on stdin and none came; "
        ));
        assert!(message(Line::Ended)
            .starts_with("no parameters: stdin ended without a parameter line; "));
        assert!(message(Line::Unreadable("not UTF-8".into())).contains("not UTF-8"));
    }

    #[test]
    fn stdin_lines_default_to_script_v2_and_report_split_errors() {
        let r = execute_line("starttls-cert", "mx 25 gopher");
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["version"], 2);
        assert_eq!(v["status"], "error");
        let r = execute_line("starttls-cert", "mx 'open");
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert!(v["message"].as_str().unwrap().contains("unclosed"));
        let r = execute_line("starttls-cert", "   ");
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert!(v["message"].as_str().unwrap().contains("no parameters"));
    }

    fn text_of(r: &Rendered) -> String {
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        v["prtg"]["text"].as_str().unwrap().to_owned()
    }

    #[test]
    fn clap_errors_keep_their_whole_message_on_one_line() {
        let text = text_of(&run(&["starttls-cert"]));
        assert_eq!(
            text,
            "bad parameters: the following required arguments were not provided: <HOST> \
             (see starttls-cert --help)"
        );
        let text = text_of(&run(&["starttls-cert", "mx", "--no-system-ca-trust"]));
        assert!(text.contains("not provided: --ca-trust <FILE>"), "{text}");
        let text = text_of(&run(&["starttls-cert", "mx", "--sni-doman", "x"]));
        assert!(
            text.contains("'--sni-doman' found; tip: a similar argument exists: '--sni-domain'"),
            "{text}"
        );
        let text = text_of(&run(&["starttls-cert", "mx", "25", "gopher"]));
        assert!(
            text.contains("for '[PROTOCOL]' [possible values: smtp, lmtp, ldap, ")
                && text.contains("postgres-direct"),
            "{text}"
        );
        assert!(!text.contains("Usage:"));
    }

    #[test]
    fn several_missing_arguments_are_listed_with_commas() {
        let clap_text = "error: the following required arguments were not provided:\n  <A>\n  --b <B>\n\nUsage: x\n";
        assert_eq!(
            one_line(clap_text),
            "the following required arguments were not provided: <A>, --b <B>"
        );
        assert_eq!(one_line(""), "invalid arguments");
    }

    #[test]
    fn negative_numbers_get_a_range_error_in_both_forms() {
        for args in [
            &["starttls-cert", "mx", "--warning-days", "-5"][..],
            &["starttls-cert", "mx", "--warning-days=-5"],
        ] {
            let text = text_of(&run(args));
            assert!(
                text.contains("\"-5\" is not a whole number of days from 0 to 3650"),
                "{text}"
            );
        }
        for args in [
            &["starttls-cert", "mx", "--error-days", "-1"][..],
            &["starttls-cert", "mx", "--error-days=-1"],
        ] {
            assert!(text_of(&run(args)).contains("'--error-days <DAYS>'"));
        }
        let text = text_of(&run(&["starttls-cert", "mx", "-25"]));
        assert!(
            text.contains("\"-25\" is not a port number from 1 to 65535"),
            "{text}"
        );
        let text = text_of(&run(&["starttls-cert", "mx", "--timeout=-5"]));
        assert!(text.contains("seconds from 1 to 900"), "{text}");
    }

    #[cfg(unix)]
    #[test]
    fn arguments_that_are_not_utf8_are_named() {
        use std::os::unix::ffi::OsStringExt;
        let bad = || OsString::from_vec(vec![b'm', 0xff]);
        let with = |args: Vec<OsString>| {
            let r = execute(args, Source::Argv);
            text_of(&r)
        };
        let os = |s: &str| OsString::from(s);
        let text = with(vec![
            os("starttls-cert"),
            os("mx"),
            os("--sni-domain"),
            bad(),
        ]);
        assert!(
            text.starts_with("bad parameters: the value of --sni-domain is not valid UTF-8"),
            "{text}"
        );
        let text = with(vec![os("starttls-cert"), bad()]);
        assert!(
            text.contains("argument 1 ('m\u{fffd}') is not valid UTF-8"),
            "{text}"
        );
        let mut eq = b"--hello-name=".to_vec();
        eq.push(0xff);
        let text = with(vec![os("starttls-cert"), os("mx"), OsString::from_vec(eq)]);
        assert!(text.contains("the value of --hello-name"), "{text}");
        let text = with(vec![os("starttls-cert"), os("--no-system-ca-trust"), bad()]);
        assert!(text.contains("argument 2"), "a flag takes no value: {text}");
    }
}
