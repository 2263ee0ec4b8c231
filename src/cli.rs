//! From raw arguments to printed output: the whole command, minus the
//! process plumbing in `main.rs`.

use clap::error::ErrorKind;
use clap::Parser;

use crate::args::{sniff_format, Cli, Format};
use crate::output::{render, render_early_error, Rendered};
use crate::request::Request;

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
/// Arguments read from stdin default to the Script v2 format, since that is
/// how PRTG's Script v2 sensor calls a script.
pub fn execute(mut args: Vec<String>, source: Source) -> Rendered {
    if source == Source::Stdin
        && !args
            .iter()
            .any(|a| a == "--format" || a.starts_with("--format="))
    {
        args.push("--format".into());
        args.push("prtg-v2".into());
    }
    let format = sniff_format(&args);
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => Rendered {
                    stdout: e.to_string(),
                    exit_code: 0,
                },
                _ => render_early_error(format, &clap_message(&e)),
            }
        }
    };
    match Request::from_cli(cli, crate::hostname::local) {
        Ok(request) => render(&request, &crate::run::run(&request)),
        Err(e) => render_early_error(format, &format!("bad parameters: {e}")),
    }
}

/// Splits a stdin parameter line and runs it.
pub fn execute_line(program: &str, line: &str) -> Rendered {
    match crate::shell_words::split(line) {
        Ok(words) if words.is_empty() => render_early_error(
            Format::PrtgV2,
            "no parameters: give HOST [PORT] [PROTOCOL] and options (see --help)",
        ),
        Ok(words) => {
            let mut args = vec![program.to_owned()];
            args.extend(words);
            execute(args, Source::Stdin)
        }
        Err(e) => render_early_error(Format::PrtgV2, &format!("bad parameters: {e}")),
    }
}

/// clap's error as one line without its `error:` prefix and usage block.
fn clap_message(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid arguments");
    let first = first.trim().trim_start_matches("error:").trim();
    format!("bad parameters: {first} (see starttls-cert --help)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Rendered {
        execute(args.iter().map(|s| s.to_string()).collect(), Source::Argv)
    }

    #[test]
    fn bad_arguments_in_prtg_format_are_prtg_errors_with_exit_0() {
        let r = run(&["starttls-cert", "mx", "25", "imap"]);
        assert_eq!(r.exit_code, 0);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["prtg"]["error"], 1);
        let text = v["prtg"]["text"].as_str().unwrap();
        assert!(text.contains("imap"), "{text}");
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
    fn stdin_lines_default_to_script_v2_and_report_split_errors() {
        let r = execute_line("starttls-cert", "mx 25 imap");
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
}
