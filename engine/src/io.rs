//! What a driver feeds a probe and what the probe asks of its driver.

use std::time::Instant;

use bytes::Bytes;

use crate::error::ProbeError;
use crate::report::Report;

/// Something that happened on the connection, fed to
/// [`Probe::handle_input`](crate::Probe::handle_input).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Input<'a> {
    /// Bytes read from the server (any amount, in any pieces).
    Received(&'a [u8]),
    /// The server closed the connection (read returned 0), or it was reset.
    Closed,
    /// The deadline from the last [`Output::Wait`] has passed.
    Timeout,
}

/// What the probe wants done next, from
/// [`Probe::poll_output`](crate::Probe::poll_output).
///
/// Later versions may add outputs: treat one your driver does not know like
/// [`Output::Wait`] until [`Probe::deadline`](crate::Probe::deadline), which
/// always ends the check.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Output {
    /// Write these bytes to the server, then poll again.
    Transmit(Bytes),
    /// Nothing to write: wait for bytes or the connection closing, and feed
    /// [`Input::Timeout`] if nothing happens by this instant.
    Wait(Instant),
    /// The check is over: close the connection. Polling again returns the
    /// same result.
    Done(Result<Report, ProbeError>),
}
