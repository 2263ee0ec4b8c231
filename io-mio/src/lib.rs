//! # starttls-io-mio
//!
//! Runs [`starttls_engine`] probes over real TCP connections with [mio]:
//! resolves each host, connects without blocking (trying every address in
//! turn), drives one or thousands of probes from a single thread, enforces
//! connect and overall time limits, and returns each probe's report or a
//! typed error. It knows nothing about SMTP or LDAP; the engine does.
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use starttls_engine::{Config, Protocol};
//! use starttls_io_mio::{check, check_many, DriverOptions, Target};
//!
//! let config = Config::new(Protocol::Smtp).with_server_name("mail.example.com")?;
//! let options = DriverOptions {
//!     connect_timeout: Duration::from_secs(5),
//!     overall_timeout: Duration::from_secs(30),
//!     ..DriverOptions::default()
//! };
//!
//! // One server.
//! match check(Target::new("mail.example.com", 25, config.clone()), &options) {
//!     Ok(checked) => println!(
//!         "{}: {} certificates over {} in {:?}",
//!         checked.peer,
//!         checked.report.chain.len(),
//!         checked.report.tls_version_name(),
//!         checked.total_time
//!     ),
//!     Err(error) => println!("{error}"),
//! }
//!
//! // Many servers at once; results come back in the order given.
//! let targets = ["192.0.2.10", "192.0.2.11", "[2001:db8::25]"]
//!     .into_iter()
//!     .map(|host| Target::new(host, 25, config.clone()))
//!     .collect();
//! for result in check_many(targets, &options) {
//!     println!("{result:?}");
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## How it works
//! - DNS uses the system resolver (`ToSocketAddrs`), or a lookup of your own
//!   ([`Resolver`]), on a small pool of worker threads that wake the event
//!   loop through a `mio::Waker`: a lookup that hangs holds up only its own
//!   target, which gives up at its overall time limit. IP literals
//!   (`192.0.2.1`, `2001:db8::1`, `[2001:db8::1]`) skip DNS.
//! - Each address gets [`DriverOptions::connect_timeout`]; refused,
//!   unreachable and timed-out attempts are collected in
//!   [`CheckError::Connect`] if no address works.
//! - [`DriverOptions::overall_timeout`] covers one target from DNS to report.
//!   The probe's own overall limit is shortened to fit it, so a probe cut
//!   short still reports its phase ([`CheckError::Probe`] with a timeout).
//! - [`DriverOptions::max_in_flight`] bounds the targets in flight (being
//!   resolved or connected), hence open sockets; the rest queue. A
//!   [`Target`] may carry its own time limits ([`Target::with_timeouts`]).
//! - [`check_many`] returns every result at the end, in the order given;
//!   [`check_each`] hands each one over as soon as it is ready, so a large
//!   batch holds only the probes in flight; [`check_each_timed`] also says
//!   how long each took and takes a [`Resolver`].
//! - [`Service`] keeps one loop running on its own thread and takes targets
//!   while it runs ([`Service::submit`] from any thread, each result back
//!   through its [`Pending`]): what an exporter answering scrapes needs.
//! - Deadlines live in a heap and reads share one buffer, so per-wake-up work
//!   follows the sockets that are active, not the number open.
//!
//! [mio]: https://docs.rs/mio

// `CheckError` carries the engine's `ProbeError` by value (callers match on
// it directly); a result is built once per target, so its size costs nothing
// worth boxing for.
#![allow(clippy::result_large_err)]

mod connect;
mod deadlines;
mod driver;
mod error;
mod probing;
mod resolve;
mod resolve_pool;
mod service;
mod slot;
mod target;
#[cfg(test)]
mod test_servers;
mod transport;

pub use driver::{check, check_each, check_each_timed, check_many};
pub use error::{CheckError, ConnectFailure};
pub use resolve::{Resolver, DEFAULT_WORKERS};
pub use service::{Pending, Service};
pub use target::{Checked, DriverOptions, Finished, Target};
