//! A `/probe?target=` value: `host:port`, `[v6]:port`, or a host alone
//! (the module's default port), and the allow list that restricts them.

use std::path::Path;

use crate::trust::bounded_file::read_regular_file;

/// The longest target accepted, in bytes.
pub const MAX_TARGET_BYTES: usize = 300;

/// The largest allow-list file read.
pub const MAX_ALLOW_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// A parsed target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetAddr {
    /// Host name or address, without IPv6 brackets, lower case.
    pub host: String,
    /// The port, if given.
    pub port: Option<u16>,
}

/// Parses `host:port`, `[v6]:port`, `[v6]`, a bare IPv6 address or a host.
pub fn parse_target(text: &str) -> Result<TargetAddr, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("the target is empty".into());
    }
    if text.len() > MAX_TARGET_BYTES {
        return Err(format!(
            "the target is longer than {MAX_TARGET_BYTES} bytes"
        ));
    }
    let port = |p: &str| match p.parse::<u16>() {
        Ok(n @ 1..) => Ok(n),
        _ => Err("the target's port is not a number from 1 to 65535".to_owned()),
    };
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or("the target's IPv6 address has no closing ]")?;
        match after {
            "" => (host, None),
            _ => match after.strip_prefix(':') {
                Some(p) => (host, Some(port(p)?)),
                None => return Err("expected :port after the IPv6 address".into()),
            },
        }
    } else if text.matches(':').count() > 1 {
        (text, None)
    } else if let Some((host, p)) = text.split_once(':') {
        (host, Some(port(p)?))
    } else {
        (text, None)
    };
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the target's host is empty or contains spaces".into());
    }
    Ok(TargetAddr {
        host: host.trim_end_matches('.').to_lowercase(),
        port,
    })
}

/// Targets the exporter may check: `host:port` allows that port, a host
/// alone any port of it.
#[derive(Clone, Debug, Default)]
pub struct AllowList {
    entries: Vec<TargetAddr>,
}

impl AllowList {
    /// Reads an allow list: one target a line, `#` comments, blank lines.
    pub fn load(path: &Path) -> Result<AllowList, String> {
        let shown = path.display();
        let bytes =
            read_regular_file(path, MAX_ALLOW_FILE_BYTES).map_err(|e| format!("{shown}: {e}"))?;
        let text = String::from_utf8(bytes).map_err(|_| format!("{shown}: not UTF-8 text"))?;
        Self::parse(&shown.to_string(), &text)
    }

    /// Parses allow-list text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<AllowList, String> {
        let mut entries = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            entries.push(parse_target(line).map_err(|e| format!("{file}:{}: {e}", i + 1))?);
        }
        Ok(AllowList { entries })
    }

    /// Whether `target` (on `port`, after defaults) may be checked.
    pub fn allows(&self, host: &str, port: u16) -> bool {
        let host = host.trim_end_matches('.').to_lowercase();
        self.entries
            .iter()
            .any(|e| e.host == host && e.port.map_or(true, |p| p == port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(host: &str, port: Option<u16>) -> TargetAddr {
        TargetAddr {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn targets_parse_in_every_form() {
        assert_eq!(
            parse_target("MX.example.com:25"),
            Ok(t("mx.example.com", Some(25)))
        );
        assert_eq!(
            parse_target("mx.example.com"),
            Ok(t("mx.example.com", None))
        );
        assert_eq!(
            parse_target("[2001:db8::1]:389"),
            Ok(t("2001:db8::1", Some(389)))
        );
        assert_eq!(parse_target("2001:db8::1"), Ok(t("2001:db8::1", None)));
        assert!(parse_target("host:0").is_err());
        assert!(parse_target("host:99999").is_err());
        assert!(parse_target("[::1").is_err());
        assert!(parse_target("").is_err());
        assert!(parse_target("a b:25").is_err());
        assert!(parse_target(&"a".repeat(400)).is_err());
    }

    #[test]
    fn the_allow_list_matches_host_and_port() {
        let list = AllowList::parse(
            "a",
            "# relays\nmx1.example.com:25\ndc1.example.com # any port\n",
        )
        .unwrap();
        assert!(list.allows("mx1.example.com", 25));
        assert!(list.allows("MX1.example.com.", 25));
        assert!(!list.allows("mx1.example.com", 587));
        assert!(list.allows("dc1.example.com", 636));
        assert!(!list.allows("evil.example.com", 25));
        let e = AllowList::parse("a", "ok:25\nbad:port\n").unwrap_err();
        assert!(e.starts_with("a:2: "), "{e}");
    }
}
