//! `starttls-cert`: checks the TLS certificate behind SMTP/LMTP STARTTLS and
//! LDAP StartTLS. See `starttls-cert --help` and the README.

use std::ffi::OsString;
use std::io::IsTerminal;

use starttls_cert::cli::{execute_stdin, execute_to_stdout, print};
use starttls_cert::stdin_line::{read_line, LIMIT, WAIT};

fn main() {
    // Arguments stay OsStrings: a --ca-trust path need not be UTF-8.
    let args: Vec<OsString> = std::env::args_os().collect();
    let program = args
        .first()
        .map(|a| a.to_string_lossy().into_owned())
        .unwrap_or_else(|| "starttls-cert".into());
    let exit_code = if args.len() == 1 && !std::io::stdin().is_terminal() {
        print(execute_stdin(
            &program,
            read_line(std::io::stdin(), LIMIT, WAIT),
            WAIT,
        ))
    } else if args.get(1).and_then(|a| a.to_str()) == Some("serve") {
        starttls_cert::serve::main(&program, &args[2..])
    } else if args.get(1).and_then(|a| a.to_str()) == Some("demo") {
        let rest: Vec<String> = args[2..]
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        print(starttls_cert::demo::main(&rest))
    } else {
        execute_to_stdout(args)
    };
    std::process::exit(exit_code);
}
