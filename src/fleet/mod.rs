//! Many servers in one run: `starttls-cert --targets FILE`.
//!
//! A list of targets in the command's own syntax ([`targets`]) becomes a
//! [`Fleet`]: the requests with their trust stores loaded once. [`run`]
//! checks them through one io-mio event loop, at most
//! [`FleetOptions::concurrency`] at once, and hands over each target's
//! [`TargetResult`] (its `Request`, the same `Result<Success, Failure>` a
//! single check produces, and how long it took) in the order of the list
//! or as they finish. The renderers ([`output`]) write JSON Lines, a table
//! or Nagios output from those results; [`command`] is the whole
//! `--targets` command, progress on a terminal included.
//!
//! ```no_run
//! use starttls_cert::fleet::{self, Fleet, FleetOptions};
//!
//! let text = "mx1.example.com 25 smtp\ndc1.example.com 389 ldap --timeout 5\n";
//! let requests = fleet::targets::parse(text, &[], "probe.example.net")?;
//! let fleet = Fleet::new(requests, &[])?;
//! fleet::run(&fleet, &FleetOptions::default(), |done| {
//!     println!("{}: {:?} after {:?}", done.request.host, done.result.is_ok(), done.duration);
//! });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod command;
pub mod open_files;
pub mod order;
pub mod output;
pub mod progress;
mod run;
pub mod targets;

pub use run::{run, Fleet, FleetOptions, TargetResult, DEFAULT_CONCURRENCY};
