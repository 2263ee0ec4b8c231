//! Reading the parameter line PRTG's Script v2 sensor writes to stdin,
//! without trusting the writer to close the pipe.

use std::io::Read;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The most we read for a parameter line.
pub const LIMIT: usize = 64 * 1024;

/// How long we wait for a line to arrive.
pub const WAIT: Duration = Duration::from_secs(10);

/// What came in on stdin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    /// A line (up to the first newline, the end of input or [`LIMIT`]).
    Text(String),
    /// The wait ended with nothing read (the writer kept the pipe open).
    Silent,
    /// The input ended with nothing read.
    Ended,
    /// Reading failed, or the bytes are not UTF-8.
    Unreadable(String),
}

/// Reads up to the first newline, the end of input, `limit` bytes or
/// `wait`, whichever comes first; a reader that stays open and silent
/// cannot hold the command. The reading happens on a helper thread, which
/// is left behind if the reader never answers (the process exits anyway).
pub fn read_line<R: Read + Send + 'static>(mut source: R, limit: usize, wait: Duration) -> Line {
    let (tx, rx) = mpsc::channel::<std::io::Result<Vec<u8>>>();
    let spawned = std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                match source.read(&mut buf) {
                    Ok(0) => return,
                    Ok(n) => {
                        if tx.send(Ok(buf[..n].to_vec())).is_err() {
                            return;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
            }
        });
    if let Err(e) = spawned {
        return Line::Unreadable(e.to_string());
    }
    let deadline = Instant::now() + wait;
    let mut bytes = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Ok(chunk)) => {
                bytes.extend_from_slice(&chunk);
                if bytes.contains(&b'\n') || bytes.len() >= limit {
                    break;
                }
            }
            Ok(Err(e)) => return Line::Unreadable(e.to_string()),
            // The wait is over: use what came.
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if bytes.is_empty() {
                    return Line::Silent;
                }
                break;
            }
            // The end of input: use what came.
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    if bytes.is_empty() {
        return Line::Ended;
    }
    let end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len())
        .min(limit);
    match String::from_utf8(bytes[..end].to_vec()) {
        Ok(text) => Line::Text(text),
        Err(_) => Line::Unreadable("the parameter line is not UTF-8".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Yields its bytes, then blocks until the test ends (a pipe PRTG keeps open).
    struct OpenPipe {
        data: Option<Vec<u8>>,
        hold: mpsc::Receiver<()>,
    }

    impl Read for OpenPipe {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if let Some(data) = self.data.take() {
                buf[..data.len()].copy_from_slice(&data);
                return Ok(data.len());
            }
            let _ = self.hold.recv();
            Ok(0)
        }
    }

    fn open_pipe(data: &[u8]) -> (OpenPipe, mpsc::Sender<()>) {
        let (tx, rx) = mpsc::channel();
        (
            OpenPipe {
                data: Some(data.to_vec()),
                hold: rx,
            },
            tx,
        )
    }

    #[test]
    fn a_line_ends_at_the_newline_even_if_the_pipe_stays_open() {
        let (pipe, _release) = open_pipe(b"mx.example.com 25 smtp\nignored");
        assert_eq!(
            read_line(pipe, LIMIT, Duration::from_secs(30)),
            Line::Text("mx.example.com 25 smtp".into())
        );
    }

    #[test]
    fn closed_input_without_newline_is_a_line() {
        let input: &'static [u8] = b"mx.example.com 389 ldap";
        assert_eq!(
            read_line(input, LIMIT, Duration::from_secs(30)),
            Line::Text("mx.example.com 389 ldap".into())
        );
        let empty: &'static [u8] = b"";
        assert_eq!(
            read_line(empty, LIMIT, Duration::from_secs(30)),
            Line::Ended
        );
    }

    #[test]
    fn an_open_silent_pipe_gives_up_after_the_wait() {
        let (mut pipe, _release) = open_pipe(b"");
        pipe.data = None;
        assert_eq!(
            read_line(pipe, LIMIT, Duration::from_millis(50)),
            Line::Silent
        );
        let (pipe, _release) = open_pipe(b"mx 25 smtp");
        assert_eq!(
            read_line(pipe, LIMIT, Duration::from_millis(50)),
            Line::Text("mx 25 smtp".into()),
            "what came before the wait ended is used"
        );
    }

    #[test]
    fn long_and_binary_input_is_bounded_and_refused() {
        let long: &'static [u8] = &[b'a'; 70_000];
        let Line::Text(text) = read_line(long, LIMIT, Duration::from_secs(30)) else {
            panic!("no text")
        };
        assert_eq!(text.len(), LIMIT);
        let binary: &'static [u8] = b"\xff\xfe\n";
        assert!(matches!(
            read_line(binary, LIMIT, Duration::from_secs(30)),
            Line::Unreadable(_)
        ));
    }
}
