//! Non-blocking TCP connection attempts: start one, then ask whether it has
//! finished when the socket reports an event.

use std::io;
use std::net::SocketAddr;

use mio::net::TcpStream;

use crate::error::ConnectFailure;

/// Where a connection attempt stands after an event on its socket.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Progress {
    /// The TCP handshake completed.
    Connected,
    /// Still in progress (a spurious wake-up); keep waiting.
    Pending,
    /// The attempt failed.
    Failed(ConnectFailure),
}

/// Starts connecting to `addr` without blocking. Errors the system reports
/// at once (no route, no local address, out of sockets) are failures of the
/// attempt.
pub(crate) fn start(addr: SocketAddr) -> Result<TcpStream, ConnectFailure> {
    TcpStream::connect(addr).map_err(|e| ConnectFailure::from_io(&e))
}

/// Checks a connecting socket after it became writable or reported an error:
/// a pending socket error means the attempt failed; a known peer address
/// means it succeeded (the procedure mio documents for `connect`).
pub(crate) fn progress(stream: &TcpStream) -> Progress {
    match stream.take_error() {
        Ok(Some(e)) | Err(e) => return Progress::Failed(ConnectFailure::from_io(&e)),
        Ok(None) => {}
    }
    match stream.peer_addr() {
        Ok(_) => Progress::Connected,
        Err(e) if e.kind() == io::ErrorKind::NotConnected => Progress::Pending,
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Progress::Pending,
        Err(e) => Progress::Failed(ConnectFailure::from_io(&e)),
    }
}
