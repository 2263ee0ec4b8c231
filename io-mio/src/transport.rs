//! Moving bytes on a connected non-blocking socket: drain reads until the
//! socket would block, write as much as it takes and keep the rest.

use std::io::{self, Read, Write};

/// What one read attempt produced.
#[derive(Debug)]
pub(crate) enum ReadOutcome {
    /// `n` bytes are in the buffer.
    Data(usize),
    /// The server closed the connection or reset it.
    Closed,
    /// Nothing more for now (edge-triggered: wait for the next event).
    Empty,
    /// A failure other than the peer going away.
    Failed(io::Error),
}

/// One read from `source` into `buf`, retrying when interrupted.
pub(crate) fn read_once(source: &mut impl Read, buf: &mut [u8]) -> ReadOutcome {
    loop {
        return match source.read(buf) {
            Ok(0) => ReadOutcome::Closed,
            Ok(n) => ReadOutcome::Data(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => ReadOutcome::Empty,
            Err(e) if peer_went_away(&e) => ReadOutcome::Closed,
            Err(e) => ReadOutcome::Failed(e),
        };
    }
}

/// What writing produced.
#[derive(Debug)]
pub(crate) enum Wrote {
    /// This many bytes went out; the rest would block.
    Bytes(usize),
    /// The server closed or reset the connection.
    Closed,
    /// A failure other than the peer going away.
    Failed(io::Error),
}

/// Writes as much of `data` as the socket takes without blocking.
pub(crate) fn write_some(sink: &mut impl Write, data: &[u8]) -> Wrote {
    let mut written = 0;
    while written < data.len() {
        match sink.write(&data[written..]) {
            Ok(0) => return Wrote::Failed(io::ErrorKind::WriteZero.into()),
            Ok(n) => written += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if peer_went_away(&e) => return Wrote::Closed,
            Err(e) => return Wrote::Failed(e),
        }
    }
    Wrote::Bytes(written)
}

/// Resets, aborts and broken pipes: the server is gone, which the probe
/// judges like an orderly close (and names the phase).
fn peer_went_away(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::NotConnected
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink that takes `room` bytes and then would block.
    struct Throttled {
        room: usize,
        got: Vec<u8>,
    }

    impl Write for Throttled {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            let n = buf.len().min(self.room).min(3);
            self.room -= n;
            self.got.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn partial_writes_report_how_much_went_out() {
        let mut sink = Throttled {
            room: 7,
            got: Vec::new(),
        };
        assert!(matches!(
            write_some(&mut sink, b"EHLO localhost\r\n"),
            Wrote::Bytes(7)
        ));
        assert_eq!(sink.got, b"EHLO lo");
        assert!(matches!(write_some(&mut sink, b"more"), Wrote::Bytes(0)));
    }

    #[test]
    fn resets_read_as_closed() {
        struct Reset;
        impl Read for Reset {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::ErrorKind::ConnectionReset.into())
            }
        }
        assert!(matches!(
            read_once(&mut Reset, &mut [0; 8]),
            ReadOutcome::Closed
        ));
        assert!(matches!(
            read_once(&mut &b""[..], &mut [0; 8]),
            ReadOutcome::Closed
        ));
        assert!(matches!(
            read_once(&mut &b"abc"[..], &mut [0; 8]),
            ReadOutcome::Data(3)
        ));
    }
}
