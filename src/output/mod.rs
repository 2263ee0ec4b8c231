//! The output formats: PRTG EXE/Script Advanced, PRTG Script v2, full JSON,
//! a short text summary and Nagios plugin output.

pub(crate) mod json;
mod message;
mod nagios;
mod pem;
mod prtg;
mod prtg_v2;
pub mod sanitize;
pub mod table;
mod text;

pub use message::{failure_line, summary_line, truncate_chars};
pub use pem::to_pem;

use crate::args::Format;
use crate::request::Request;
use crate::run::{Failure, Success};

/// What to print and how to exit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// The text for stdout, ending in a newline.
    pub stdout: String,
    /// The process exit code.
    pub exit_code: i32,
}

/// The exit code of a check that could not be done, for formats that use
/// exit codes (json, text, nagios): Nagios' UNKNOWN.
pub const EXIT_UNKNOWN: i32 = 3;

/// Renders a check's result in the request's format.
pub fn render(request: &Request, result: &Result<Success, Failure>) -> Rendered {
    match request.format {
        Format::Prtg => prtg::render(request, result),
        Format::PrtgV2 => prtg_v2::render(request, result),
        Format::Json => json::render(request, result),
        Format::Text => text::render(request, result),
        Format::Nagios => nagios::render(request, result),
    }
}

/// Renders an error that came before any check could start (bad arguments).
pub fn render_early_error(format: Format, message: &str) -> Rendered {
    match format {
        Format::Prtg => prtg::error(message),
        Format::PrtgV2 => prtg_v2::error(message),
        Format::Json => json::early_error(message),
        Format::Text => Rendered {
            stdout: format!("error: {}\n", sanitize::escape(message)),
            exit_code: EXIT_UNKNOWN,
        },
        Format::Nagios => Rendered {
            stdout: format!("STARTTLS-CERT UNKNOWN - {}\n", sanitize::nagios(message)),
            exit_code: EXIT_UNKNOWN,
        },
    }
}
