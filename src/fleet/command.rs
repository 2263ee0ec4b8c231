//! `starttls-cert --targets FILE`: read and check the list, refuse it
//! whole if any line is bad, pick a concurrency the open-files limit
//! allows, check, and write each result as it is ready.

use std::ffi::OsString;
use std::io::{self, IsTerminal, Read, Write};

use super::output::{renderer, Tally};
use super::progress::Progress;
use super::targets::{self, ListError, MAX_LIST_BYTES};
use super::{run, Fleet, FleetOptions, DEFAULT_CONCURRENCY};
use crate::args::{Cli, Format};
use crate::output::{render_early_error, sanitize, Rendered, EXIT_UNKNOWN};

/// Where the run writes.
pub struct Streams<'a> {
    /// Results.
    pub out: &'a mut dyn Write,
    /// Progress and notes for people; `None` keeps quiet.
    pub err: Option<&'a mut dyn Write>,
    /// Whether `err` is a terminal that takes in-place progress.
    pub progress: bool,
    /// Whether `out` is the same terminal (progress is cleared before
    /// each result).
    pub out_is_terminal: bool,
}

/// Whether `args` ask for a run over a list (`--targets`).
pub fn wants_fleet(args: &[OsString]) -> bool {
    args.iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .any(|a| a == "--targets" || a.starts_with("--targets="))
}

/// Runs `args` (parsed into `cli`, which has `--targets`) with `stdin` for
/// `--targets -`, writing to `streams`; returns the exit code. With
/// `--output FILE` the results go to FILE instead, written whole and renamed
/// into place at the end (what node_exporter's textfile collector needs);
/// only an error writing it goes to `streams.out`.
pub fn execute(args: &[OsString], cli: &Cli, stdin: &mut dyn Read, streams: Streams<'_>) -> i32 {
    let Some(path) = &cli.output else {
        return execute_to(args, cli, stdin, streams);
    };
    let mut buffer = Vec::new();
    let out = streams.out;
    let mut err = streams.err;
    let code = execute_to(
        args,
        cli,
        stdin,
        Streams {
            out: &mut buffer,
            err: match err.as_mut() {
                Some(e) => Some(&mut **e),
                None => None,
            },
            progress: streams.progress,
            out_is_terminal: false,
        },
    );
    match crate::output::atomic::write_atomically(path, &buffer) {
        Ok(()) => code,
        Err(e) => {
            let format = explicit_format(args).unwrap_or(Format::Text);
            let r = render_early_error(format, &e.to_string());
            let _ = out.write_all(r.stdout.as_bytes());
            EXIT_UNKNOWN
        }
    }
}

/// [`execute`] writing to `streams.out` as results arrive.
fn execute_to(args: &[OsString], cli: &Cli, stdin: &mut dyn Read, streams: Streams<'_>) -> i32 {
    let explicit = explicit_format(args);
    let format = explicit.unwrap_or(Format::Text);
    let out = streams.out;
    let early = |out: &mut dyn Write, r: Rendered| {
        let _ = out.write_all(r.stdout.as_bytes());
        r.exit_code
    };
    if matches!(format, Format::Prtg | Format::PrtgV2) {
        let message = "--targets checks many servers and PRTG sensors check one: use --format json, text, nagios or prometheus with --targets, or one sensor per server";
        return early(out, render_early_error(format, message));
    }
    let Some(path) = &cli.targets else {
        return early(out, render_early_error(format, "--targets needs a FILE"));
    };
    let text = match read_list(path, stdin) {
        Ok(text) => text,
        Err(message) => return early(out, render_early_error(format, &message)),
    };
    let hello = cli
        .hello_name
        .clone()
        .unwrap_or_else(crate::hostname::local);
    let parsed = targets::parse_numbered(&text, &targets::defaults(args), &hello)
        .and_then(|(requests, lines)| Fleet::new(requests, &lines));
    let fleet = match parsed {
        Ok(fleet) => fleet,
        Err(e) => return early(out, list_error(format, &e)),
    };
    let requests = fleet.requests();
    let wanted = cli
        .concurrency
        .unwrap_or(DEFAULT_CONCURRENCY)
        .min(requests.len().max(1));
    let budget = super::open_files::probe_budget(wanted);
    let mut err = streams.err;
    if budget < wanted {
        if let Some(err) = err.as_mut() {
            let _ = writeln!(
                err,
                "note: checking {budget} servers at once, not {wanted}: the open-files limit allows no more"
            );
        }
    }
    let options = FleetOptions {
        concurrency: wanted.min(budget),
        order: cli.order.unwrap_or_default(),
        ..FleetOptions::default()
    };
    let Some(mut renderer) = renderer(format) else {
        return EXIT_UNKNOWN;
    };
    let mut progress = Progress::new(if streams.progress { err } else { None }, requests.len());
    let mut tally = Tally::default();
    let mut broken = renderer.start(out, requests).is_err();
    run(&fleet, &options, |done| {
        tally.add(done.request, &done.result);
        if !broken {
            if streams.out_is_terminal {
                progress.clear();
            }
            broken = renderer
                .result(out, &done)
                .and_then(|()| out.flush())
                .is_err();
        }
        progress.update(tally.total(), tally.failed());
    });
    progress.clear();
    let _ = renderer.finish(out, &tally);
    let _ = out.flush();
    tally.worst().exit_code()
}

/// Runs `--targets` into a buffer, for callers that print at the end
/// (the stdin parameter line, tests).
pub fn execute_buffered(args: &[OsString], cli: &Cli) -> Rendered {
    let mut stdout = Vec::new();
    let exit_code = execute(
        args,
        cli,
        &mut io::empty(),
        Streams {
            out: &mut stdout,
            err: None,
            progress: false,
            out_is_terminal: false,
        },
    );
    Rendered {
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        exit_code,
    }
}

/// Runs the process's own `--targets` command: stdin for `-`, progress on
/// stderr when it is a terminal.
pub fn main(args: &[OsString], cli: &Cli) -> i32 {
    let stdout = io::stdout();
    let out_is_terminal = stdout.is_terminal();
    let mut out = stdout.lock();
    let mut err = io::stderr();
    let progress = err.is_terminal();
    execute(
        args,
        cli,
        &mut io::stdin().lock(),
        Streams {
            out: &mut out,
            err: Some(&mut err),
            progress,
            out_is_terminal,
        },
    )
}

/// `--format` as given, if it was.
fn explicit_format(args: &[OsString]) -> Option<Format> {
    let given = args
        .iter()
        .filter_map(|a| a.to_str())
        .any(|a| a == "--format" || a.starts_with("--format="));
    given.then(|| crate::args::sniff_format(args))
}

/// The list's text: from stdin for `-`, else from a regular file; bounded,
/// UTF-8.
fn read_list(path: &std::path::Path, stdin: &mut dyn Read) -> Result<String, String> {
    let bytes = if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        stdin
            .take(MAX_LIST_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read the target list from stdin: {e}"))?;
        if bytes.len() as u64 > MAX_LIST_BYTES {
            return Err(format!(
                "the target list on stdin is larger than {} MiB",
                MAX_LIST_BYTES / (1024 * 1024)
            ));
        }
        bytes
    } else {
        crate::trust::read_regular_file(path, MAX_LIST_BYTES)
            .map_err(|e| format!("cannot read the target list {}: {e}", path.display()))?
    };
    String::from_utf8(bytes).map_err(|e| {
        let good = e
            .as_bytes()
            .get(..e.utf8_error().valid_up_to())
            .unwrap_or_default();
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        format!("bad target list, nothing was checked: line {line}: not valid UTF-8")
    })
}

/// A refused list in `format`: text and Nagios list each bad line on its
/// own line, JSON carries them in one message.
fn list_error(format: Format, e: &ListError) -> Rendered {
    let lines = || {
        let mut listed: Vec<String> =
            e.0.iter()
                .take(targets::MAX_LISTED)
                .map(|l| sanitize::nagios(&l.to_string()))
                .collect();
        if e.0.len() > targets::MAX_LISTED {
            listed.push(format!("and {} more", e.0.len() - targets::MAX_LISTED));
        }
        listed.join("\n")
    };
    let head = match e.0.len() {
        1 => "bad target list, nothing was checked".to_owned(),
        n => format!("{n} bad lines in the target list, nothing was checked"),
    };
    match format {
        Format::Text => Rendered {
            stdout: format!("error: {head}:\n{}\n", indent(&lines())),
            exit_code: EXIT_UNKNOWN,
        },
        Format::Nagios => Rendered {
            stdout: format!("STARTTLS-CERT UNKNOWN - {head}\n{}\n", lines()),
            exit_code: EXIT_UNKNOWN,
        },
        _ => render_early_error(format, &e.to_string()),
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn lists_are_read_bounded_and_must_be_utf8() {
        let mut stdin: &[u8] = b"mx1\nmx2 \xff\n";
        let e = read_list(Path::new("-"), &mut stdin).unwrap_err();
        assert_eq!(
            e,
            "bad target list, nothing was checked: line 2: not valid UTF-8"
        );
        let mut stdin: &[u8] = b"mx1\n";
        assert_eq!(read_list(Path::new("-"), &mut stdin).unwrap(), "mx1\n");
        let e = read_list(Path::new("/nonexistent/list.txt"), &mut io::empty()).unwrap_err();
        assert!(
            e.starts_with("cannot read the target list /nonexistent/list.txt: "),
            "{e}"
        );
        #[cfg(unix)]
        {
            let e = read_list(Path::new("/dev/zero"), &mut io::empty()).unwrap_err();
            assert!(e.contains("not a regular file"), "{e}");
        }
    }

    #[test]
    fn fleet_mode_is_seen_in_both_spellings() {
        let os = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert!(wants_fleet(&os(&["x", "--targets", "f"])));
        assert!(wants_fleet(&os(&["x", "--targets=f"])));
        assert!(!wants_fleet(&os(&["x", "mx", "--format", "json"])));
        assert_eq!(explicit_format(&os(&["x", "--targets", "f"])), None);
        assert_eq!(
            explicit_format(&os(&["x", "--format=nagios"])),
            Some(Format::Nagios)
        );
    }
}
