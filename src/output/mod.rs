//! The output formats: PRTG EXE/Script Advanced, PRTG Script v2, full JSON,
//! a short text summary, Nagios plugin output and Prometheus exposition text.

pub mod atomic;
pub(crate) mod json;
mod message;
mod nagios;
mod pem;
pub mod prometheus;
mod prtg;
pub(crate) mod prtg_lookups;
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
    let duration = result
        .as_ref()
        .map(|s| s.checked.total_time)
        .unwrap_or_default();
    render_timed(request, result, duration)
}

/// [`render`] for a check that took `duration` in all (the Prometheus
/// format reports it as `probe_duration_seconds`).
pub fn render_timed(
    request: &Request,
    result: &Result<Success, Failure>,
    duration: std::time::Duration,
) -> Rendered {
    match request.format {
        Format::Prometheus => Rendered {
            stdout: prometheus::render_one(&prometheus::Probed {
                request,
                result,
                duration,
            }),
            exit_code: match result {
                Ok(success) => crate::assess::assess_check(success, request.thresholds)
                    .status
                    .exit_code(),
                Err(_) => EXIT_UNKNOWN,
            },
        },
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
        Format::Prometheus => Rendered {
            stdout: prometheus::early_error(message),
            exit_code: EXIT_UNKNOWN,
        },
    }
}
