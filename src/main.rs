//! `starttls-cert`: checks the TLS certificate behind SMTP/LMTP STARTTLS and
//! LDAP StartTLS. See `starttls-cert --help` and the README.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};

use starttls_cert::args::Format;
use starttls_cert::cli::{execute, execute_line, Source};
use starttls_cert::output::render_early_error;
use starttls_cert::stdin_line::{read_line, Line, LIMIT, WAIT};

fn main() {
    // Arguments stay OsStrings: a --ca-trust path need not be UTF-8.
    let args: Vec<OsString> = std::env::args_os().collect();
    let program = args
        .first()
        .map(|a| a.to_string_lossy().into_owned())
        .unwrap_or_else(|| "starttls-cert".into());
    let rendered = if args.len() == 1 && !std::io::stdin().is_terminal() {
        match read_line(std::io::stdin(), LIMIT, WAIT) {
            Line::Text(line) => execute_line(&program, &line),
            Line::Silent => render_early_error(
                Format::PrtgV2,
                &format!(
                    "no parameters: waited {} s for a parameter line on stdin and none came; give HOST [PORT] [PROTOCOL] and options as arguments or as one line on stdin (see --help)",
                    WAIT.as_secs()
                ),
            ),
            Line::Ended => render_early_error(
                Format::PrtgV2,
                "no parameters: stdin ended without a parameter line; give HOST [PORT] [PROTOCOL] and options as arguments or as one line on stdin (see --help)",
            ),
            Line::Unreadable(e) => render_early_error(
                Format::PrtgV2,
                &format!("cannot read the parameter line from stdin: {e}"),
            ),
        }
    } else if args.get(1).and_then(|a| a.to_str()) == Some("demo") {
        let rest: Vec<String> = args[2..]
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        starttls_cert::demo::main(&rest)
    } else {
        execute(args, Source::Argv)
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(rendered.stdout.as_bytes());
    let _ = stdout.flush();
    std::process::exit(rendered.exit_code);
}
