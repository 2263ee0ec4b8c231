//! `starttls-cert`: checks the TLS certificate behind SMTP/LMTP STARTTLS and
//! LDAP StartTLS. See `starttls-cert --help` and the README.

use std::io::{IsTerminal, Write};

use starttls_cert::args::Format;
use starttls_cert::cli::{execute, execute_line, Source};
use starttls_cert::output::render_early_error;
use starttls_cert::stdin_line::{read_line, Line, LIMIT, WAIT};

fn main() {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let program = args
        .first()
        .cloned()
        .unwrap_or_else(|| "starttls-cert".into());
    let rendered = if args.len() == 1 && !std::io::stdin().is_terminal() {
        match read_line(std::io::stdin(), LIMIT, WAIT) {
            Line::Text(line) => execute_line(&program, &line),
            Line::Nothing => render_early_error(
                Format::PrtgV2,
                "no parameters: give HOST [PORT] [PROTOCOL] and options as arguments or as one line on stdin (see --help)",
            ),
            Line::Unreadable(e) => render_early_error(
                Format::PrtgV2,
                &format!("cannot read the parameter line from stdin: {e}"),
            ),
        }
    } else if args.get(1).map(String::as_str) == Some("demo") {
        starttls_cert::demo::main(&args[2..])
    } else {
        execute(args, Source::Argv)
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(rendered.stdout.as_bytes());
    let _ = stdout.flush();
    std::process::exit(rendered.exit_code);
}
