//! Which failures of the first handshake a legacy capture may get past.

use rustls::AlertDescription;

use crate::error::ProbeError;
use crate::phase::Phase;

/// Whether the first handshake failed the way a legacy or incompatible
/// server makes rustls fail, so that a second connection with a hand-built
/// TLS 1.0-1.2 ClientHello may still read the certificate.
///
/// `saw_server_hello` says whether rustls had read the server's ServerHello.
/// Retried: the alerts `protocol_version`, `handshake_failure`,
/// `insufficient_security`, `illegal_parameter` and `decode_error` (what old
/// stacks answer to a ClientHello they cannot serve); any alert after the
/// ServerHello (a server that aborts its own handshake); rustls refusing
/// the server's version, suite or messages; the server closing the
/// connection during the handshake. Not retried: time limits, plaintext
/// after STARTTLS, and everything before TLS started.
pub fn worth_retrying(error: &ProbeError, saw_server_hello: bool) -> bool {
    match error {
        ProbeError::TlsAlert { alert } => {
            saw_server_hello
                || matches!(
                    alert,
                    AlertDescription::ProtocolVersion
                        | AlertDescription::HandshakeFailure
                        | AlertDescription::InsufficientSecurity
                        | AlertDescription::IllegalParameter
                        | AlertDescription::DecodeError
                )
        }
        ProbeError::Tls { error } => matches!(
            error,
            rustls::Error::PeerIncompatible(_)
                | rustls::Error::PeerMisbehaved(_)
                | rustls::Error::InvalidMessage(_)
                | rustls::Error::InappropriateHandshakeMessage { .. }
                | rustls::Error::InappropriateMessage { .. }
        ),
        ProbeError::ConnectionClosed { phase, .. } => *phase == Phase::TlsHandshake,
        _ => false,
    }
}

/// Whether the server itself gave up after agreeing on a version and suite:
/// it sent its ServerHello and then an alert or a close. Such a handshake
/// fails for every client, not just for ours.
pub(crate) fn server_aborted(error: &ProbeError, saw_server_hello: bool) -> bool {
    saw_server_hello
        && matches!(
            error,
            ProbeError::TlsAlert { .. } | ProbeError::ConnectionClosed { .. }
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_alerts_are_retried_and_others_only_after_the_server_hello() {
        let alert = |alert| ProbeError::TlsAlert { alert };
        assert!(worth_retrying(
            &alert(AlertDescription::ProtocolVersion),
            false
        ));
        assert!(worth_retrying(
            &alert(AlertDescription::HandshakeFailure),
            false
        ));
        assert!(!worth_retrying(
            &alert(AlertDescription::AccessDenied),
            false
        ));
        assert!(worth_retrying(
            &alert(AlertDescription::InternalError),
            true
        ));
        assert!(server_aborted(
            &alert(AlertDescription::InternalError),
            true
        ));
        assert!(!server_aborted(
            &alert(AlertDescription::ProtocolVersion),
            false
        ));
    }

    #[test]
    fn incompatible_servers_are_retried_but_timeouts_and_injection_are_not() {
        let incompatible = ProbeError::Tls {
            error: rustls::Error::PeerIncompatible(
                rustls::PeerIncompatible::ServerDoesNotSupportTls12Or13,
            ),
        };
        assert!(worth_retrying(&incompatible, true));
        assert!(
            !server_aborted(&incompatible, true),
            "rustls refused, not the server"
        );
        let timeout = ProbeError::Timeout {
            protocol: crate::Protocol::Smtp,
            phase: Phase::TlsHandshake,
            limit: std::time::Duration::from_secs(10),
            overall: false,
            arrived: crate::error::Arrived::Nothing,
        };
        assert!(!worth_retrying(&timeout, true));
        let injected = ProbeError::PlaintextAfterStartTls {
            excerpt: "250 OK".into(),
        };
        assert!(!worth_retrying(&injected, false));
        assert!(worth_retrying(
            &ProbeError::ConnectionClosed {
                protocol: crate::Protocol::Smtp,
                phase: Phase::TlsHandshake
            },
            false
        ));
        assert!(!worth_retrying(
            &ProbeError::ConnectionClosed {
                protocol: crate::Protocol::Smtp,
                phase: Phase::StartTls
            },
            false
        ));
    }
}
