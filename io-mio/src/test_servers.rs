//! Loopback servers shared by the unit tests of the driver and the service.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::thread;

/// A server that answers every connection with `421 busy` and closes once
/// the client has made its next move (a QUIT, a close or a reset), so the
/// reply is read before the close, with no timed pause.
pub(crate) fn busy_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            thread::spawn(move || {
                let _ = conn.write_all(b"421 4.3.2 busy\r\n");
                let _ = conn.read(&mut [0u8; 64]);
            });
        }
    });
    addr
}
