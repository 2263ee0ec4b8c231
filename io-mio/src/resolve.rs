//! From a host name to the addresses to try, in order.
//!
//! Names go through a [`Resolver`]: the system resolver (`ToSocketAddrs`,
//! i.e. `getaddrinfo`) unless a program or test supplies its own lookup.
//! A lookup may block for as long as it likes, so it never runs on the
//! event-loop thread: [`crate::resolve_pool`] runs it on a small pool of
//! worker threads that wake the loop when an answer is ready. IP literals
//! never touch DNS.

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;

use crate::error::CheckError;

/// The lookup a [`Resolver`] calls: every address of `host` at `port`.
type Lookup = dyn Fn(&str, u16) -> io::Result<Vec<SocketAddr>> + Send + Sync;

/// Most lookups that run at once, by default.
pub const DEFAULT_WORKERS: usize = 8;

/// How host names become addresses: a lookup function and how many worker
/// threads may run it at once.
///
/// The lookup may block; the driver calls it only on its worker threads,
/// and gives up on a name when its target's overall time limit runs out
/// (the worker finishes the lookup on its own and its answer is dropped).
#[derive(Clone)]
pub struct Resolver {
    lookup: Arc<Lookup>,
    workers: usize,
}

impl fmt::Debug for Resolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolver")
            .field("workers", &self.workers)
            .finish_non_exhaustive()
    }
}

impl Default for Resolver {
    /// The system resolver with [`DEFAULT_WORKERS`] workers.
    fn default() -> Self {
        Resolver::system()
    }
}

impl Resolver {
    /// The operating system's resolver (`getaddrinfo`), as every other
    /// program on the machine resolves names.
    pub fn system() -> Self {
        Resolver::new(|host, port| (host, port).to_socket_addrs().map(Iterator::collect))
    }

    /// A resolver that calls `lookup` for every name (not for IP literals).
    pub fn new(
        lookup: impl Fn(&str, u16) -> io::Result<Vec<SocketAddr>> + Send + Sync + 'static,
    ) -> Self {
        Resolver {
            lookup: Arc::new(lookup),
            workers: DEFAULT_WORKERS,
        }
    }

    /// At most `workers` lookups at once (at least one): names beyond that
    /// wait for a free worker, within their targets' time limits.
    pub fn with_workers(mut self, workers: usize) -> Self {
        self.workers = workers.max(1);
        self
    }

    /// How many lookups may run at once.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// The addresses of `host` at `port`, in the lookup's order without
    /// duplicates. Blocks for as long as the lookup does.
    pub(crate) fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, CheckError> {
        if let Some(found) = without_dns(host, port) {
            return found;
        }
        let found = (self.lookup)(host, port).map_err(|e| CheckError::Resolve {
            host: host.to_owned(),
            detail: e.to_string(),
        })?;
        let mut addrs: Vec<SocketAddr> = Vec::new();
        for addr in found {
            if !addrs.contains(&addr) {
                addrs.push(addr);
            }
        }
        if addrs.is_empty() {
            return Err(CheckError::NoAddresses {
                host: host.to_owned(),
            });
        }
        Ok(addrs)
    }
}

/// The answer for `host` when no lookup is needed: an IP literal's one
/// address, or the error for something that is no name at all. `None` for
/// a name to look up.
pub(crate) fn without_dns(host: &str, port: u16) -> Option<Result<Vec<SocketAddr>, CheckError>> {
    if let Some(ip) = ip_literal(host) {
        return Some(Ok(vec![SocketAddr::new(ip, port)]));
    }
    if host.is_empty() || host.starts_with('[') {
        return Some(Err(CheckError::Resolve {
            host: host.to_owned(),
            detail: "not a host name or IP address".to_owned(),
        }));
    }
    None
}

/// `host` as an IP address if it is one: `192.0.2.1`, `2001:db8::1`, `[2001:db8::1]`.
fn ip_literal(host: &str) -> Option<IpAddr> {
    let inner = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
    match inner {
        Some(v6) => v6.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6),
        None => host.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn system(host: &str, port: u16) -> Result<Vec<SocketAddr>, CheckError> {
        Resolver::system().resolve(host, port)
    }

    #[test]
    fn ip_literals_are_used_as_they_are() {
        assert_eq!(
            system("192.0.2.1", 25).unwrap(),
            ["192.0.2.1:25".parse().unwrap()]
        );
        assert_eq!(
            system("2001:db8::1", 587).unwrap(),
            ["[2001:db8::1]:587".parse().unwrap()]
        );
        assert_eq!(
            system("[2001:db8::1]", 25).unwrap(),
            ["[2001:db8::1]:25".parse().unwrap()]
        );
        let never = Resolver::new(|_, _| panic!("a literal needs no lookup"));
        assert!(never.resolve("192.0.2.9", 25).is_ok());
    }

    #[test]
    fn brackets_hold_only_ipv6_and_empty_names_fail() {
        assert!(matches!(
            system("[192.0.2.1]", 25),
            Err(CheckError::Resolve { .. })
        ));
        assert!(matches!(
            system("[nonsense", 25),
            Err(CheckError::Resolve { .. })
        ));
        assert!(matches!(system("", 25), Err(CheckError::Resolve { .. })));
    }

    #[test]
    fn an_invalid_name_is_a_resolve_error() {
        let err = system("no-such-host.invalid", 25).unwrap_err();
        assert!(
            matches!(&err, CheckError::Resolve { host, .. } if host == "no-such-host.invalid"),
            "{err:?}"
        );
    }

    #[test]
    fn lookups_are_deduplicated_and_empty_answers_are_no_addresses() {
        let a: SocketAddr = "192.0.2.1:25".parse().unwrap();
        let b: SocketAddr = "192.0.2.2:25".parse().unwrap();
        let twice = Resolver::new(move |_, _| Ok(vec![a, b, a]));
        assert_eq!(twice.resolve("mx.test", 25), Ok(vec![a, b]));
        let empty = Resolver::new(|_, _| Ok(Vec::new()));
        assert_eq!(
            empty.resolve("mx.test", 25),
            Err(CheckError::NoAddresses {
                host: "mx.test".into()
            })
        );
        assert_eq!(Resolver::system().with_workers(0).workers(), 1);
    }
}
