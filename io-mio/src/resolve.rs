//! From a host name to the addresses to try, in order.
//!
//! Names go through the system resolver (`ToSocketAddrs`, i.e.
//! `getaddrinfo`), which **blocks** the calling thread until it answers. IP
//! literals never touch DNS.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use crate::error::CheckError;

/// The addresses of `host` at `port`, in the resolver's order without
/// duplicates. `host` may be a DNS name, an IPv4 literal or an IPv6 literal
/// with or without brackets.
pub(crate) fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, CheckError> {
    if let Some(ip) = ip_literal(host) {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    if host.is_empty() || host.starts_with('[') {
        return Err(CheckError::Resolve {
            host: host.to_owned(),
            detail: "not a host name or IP address".to_owned(),
        });
    }
    let found = (host, port)
        .to_socket_addrs()
        .map_err(|e| CheckError::Resolve {
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

    #[test]
    fn ip_literals_are_used_as_they_are() {
        assert_eq!(
            resolve("192.0.2.1", 25).unwrap(),
            ["192.0.2.1:25".parse().unwrap()]
        );
        assert_eq!(
            resolve("2001:db8::1", 587).unwrap(),
            ["[2001:db8::1]:587".parse().unwrap()]
        );
        assert_eq!(
            resolve("[2001:db8::1]", 25).unwrap(),
            ["[2001:db8::1]:25".parse().unwrap()]
        );
    }

    #[test]
    fn brackets_hold_only_ipv6_and_empty_names_fail() {
        assert!(matches!(
            resolve("[192.0.2.1]", 25),
            Err(CheckError::Resolve { .. })
        ));
        assert!(matches!(
            resolve("[nonsense", 25),
            Err(CheckError::Resolve { .. })
        ));
        assert!(matches!(resolve("", 25), Err(CheckError::Resolve { .. })));
    }

    #[test]
    fn an_invalid_name_is_a_resolve_error() {
        let err = resolve("no-such-host.invalid", 25).unwrap_err();
        assert!(
            matches!(&err, CheckError::Resolve { host, .. } if host == "no-such-host.invalid"),
            "{err:?}"
        );
    }
}
