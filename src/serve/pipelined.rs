//! Requests still unanswered, per client connection.
//!
//! tiny_http writes a connection's answers in the order its requests came,
//! so answering a request pipelined behind an unanswered one waits until
//! that one is answered. Such a request is answered on a thread of its own:
//! a pool worker (or the accept loop) must never wait for a request that is
//! still queued behind it, or a client pipelining a few probes could stop
//! every worker.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;

/// How many requests of each client connection are not answered yet.
#[derive(Debug, Default)]
pub struct Outstanding {
    open: Mutex<HashMap<SocketAddr, usize>>,
}

impl Outstanding {
    /// Counts a request from the connection `peer` as unanswered; `true`
    /// when it is behind another unanswered request of the same
    /// connection (or the connection is not known), so answering it may
    /// have to wait.
    pub fn open(&self, peer: Option<SocketAddr>) -> bool {
        let Some(peer) = peer else {
            return true;
        };
        let Ok(mut open) = self.open.lock() else {
            return true;
        };
        let count = open.entry(peer).or_insert(0);
        *count += 1;
        *count > 1
    }

    /// Counts a request from `peer` as answered (its answer written).
    pub fn close(&self, peer: Option<SocketAddr>) {
        let Some(peer) = peer else {
            return;
        };
        let Ok(mut open) = self.open.lock() else {
            return;
        };
        if let Some(count) = open.get_mut(&peer) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&peer);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_behind_only_while_one_of_its_connection_is_open() {
        let a: SocketAddr = "127.0.0.1:40000".parse().unwrap();
        let b: SocketAddr = "127.0.0.1:40001".parse().unwrap();
        let open = Outstanding::default();
        assert!(!open.open(Some(a)));
        assert!(!open.open(Some(b)), "another connection is not behind");
        assert!(open.open(Some(a)), "pipelined behind the first");
        open.close(Some(a));
        assert!(open.open(Some(a)), "the second is still open");
        open.close(Some(a));
        open.close(Some(a));
        assert!(!open.open(Some(a)), "all answered");
        assert!(open.open(None), "an unknown connection may be behind");
        open.close(None);
        open.close(Some(b));
        open.close(Some(a));
        assert!(open.open.lock().unwrap().is_empty(), "nothing kept");
    }
}
