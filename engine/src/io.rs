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
    /// After [`Output::Reconnect`]: a new connection to the same server is
    /// up. (If it cannot be made, feed [`Input::Closed`] instead.)
    Reconnected,
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
    /// Close this connection and open a new one to the same address, then
    /// feed [`Input::Reconnected`] (or [`Input::Closed`] if connecting
    /// fails). The probe asks for this once at most, when the TLS handshake
    /// failed in a way that a legacy capture may get past; the deadline of
    /// the check keeps running, so connect within [`Probe::deadline`].
    ///
    /// [`Probe::deadline`]: crate::Probe::deadline
    Reconnect,
    /// The check is over: close the connection. Polling again returns the
    /// same result.
    Done(Result<Report, ProbeError>),
}
