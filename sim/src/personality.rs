//! Who the simulated server pretends to be: real implementations with their
//! exact plaintext bytes, and broken ones that must fail in a specific way.
//!
//! The bytes themselves live in [`crate::smtp_dialogue`],
//! [`crate::ldap_dialogue`] and [`crate::db_dialogue`], each with its
//! sources.
//! [`crate::ldap_dialogue`], [`crate::line_dialogue`] (FTP, NNTP) and
//! [`crate::xmpp_dialogue`], each with its sources.

use std::fmt;

use crate::legacy_tls::{LegacyTls, ECDHE_RSA_GCM, RSA_CBC_ONLY, SCHANNEL_2008R2_RSA};
use crate::odd_keys::OddKey;
use starttls_engine::ftp::FtpError;
use starttls_engine::imap::ImapError;
use starttls_engine::ldap::LdapError;
use starttls_engine::mysql::MysqlError;
use starttls_engine::nntp::NntpError;
use starttls_engine::pop3::Pop3Error;
use starttls_engine::postgres::PostgresError;
use starttls_engine::smtp::SmtpError;
use starttls_engine::xmpp::XmppError;
use starttls_engine::{Phase, ProbeError, Protocol};

/// A server implementation (or a specific misbehaviour) to simulate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Personality {
    /// Postfix smtpd: single-line `220` greeting, Postfix 3.x EHLO list.
    Postfix,
    /// Postfix behind postscreen: the multi-line `220-` teaser, then after
    /// `postscreen_greet_wait` (6 s) the real `220 ` line from smtpd.
    Postscreen,
    /// Exim 4: greeting with version and date, `Hello name [ip]` EHLO line.
    Exim,
    /// Microsoft Exchange Server front-end transport.
    Exchange,
    /// Dovecot's LMTP server (answers `LHLO`).
    DovecotLmtp,
    /// OpenLDAP slapd: StartTLS response without responseName.
    OpenLdap,
    /// Microsoft Active Directory: long-form BER lengths, responseName present.
    ActiveDirectory,
    /// 389 Directory Server: short-form BER lengths, responseName present.
    Ds389,
    /// Postfix with TLS disabled: EHLO does not list STARTTLS.
    NoStartTls,
    /// Postfix advertising STARTTLS but answering `454 4.7.0 TLS not available`.
    TlsNotAvailable,
    /// postscreen turning the client away at the greeting with `421` and closing.
    GreetingRefused,
    /// An LDAP server without StartTLS: `protocolError` (2).
    LdapProtocolError,
    /// OpenLDAP without a usable TLS setup: `unavailable` (52).
    LdapUnavailable,
    /// An LDAP server answering with a Notice of Disconnection
    /// (message ID 0, OID 1.3.6.1.4.1.1466.20036) and closing.
    LdapNoticeOfDisconnection,
    /// Exchange 2010 on Windows Server 2008 R2 with its defaults: TLS 1.0
    /// only, plain-RSA key exchange (SChannel), hand-built flights.
    Exchange2010,
    /// A Windows Server 2008 R2 domain controller: LDAP StartTLS, TLS 1.0
    /// only (SChannel), hand-built flights.
    DomainController2008R2,
    /// A TLS 1.2 SMTP server restricted to plain-RSA key exchange with CBC
    /// suites (old Windows/Exchange hardening guides), hand-built flights.
    RsaCbcOnly,
    /// OpenSMTPD 6.8 with OpenSSL 3 (TLS 1.2, ECDHE-RSA): sends its
    /// certificate, then its signing fails and it aborts the handshake with
    /// an `internal_error` alert, hand-built flights. Serve an RSA key.
    OpenSmtpdAbort,
    /// A TLS 1.3 SMTP server with an id-RSASSA-PSS certificate.
    RsaPssTls13,
    /// A TLS 1.3 SMTP server with an Ed448 certificate.
    Ed448Tls13,
    /// PostgreSQL 15 with `ssl = on`: answers SSLRequest with `S`.
    Postgres15,
    /// PostgreSQL with `ssl = off`: answers SSLRequest with `N`.
    PostgresSslOff,
    /// MariaDB 10.11 with TLS: handshake packet with `CLIENT_SSL`.
    MariaDb,
    /// MySQL 8.0: its own capability bits, `caching_sha2_password`.
    Mysql8,
    /// MariaDB without `ssl_cert`: no `CLIENT_SSL` in its handshake.
    MariaDbNoSsl,
    /// MariaDB refusing the client's host: ERR packet 1130 instead of the
    /// handshake, then close.
    MariaDbHostNotAllowed,
    /// A PostgreSQL postmaster that cannot fork a backend: a protocol 2
    /// error instead of the answer to SSLRequest, then close.
    PostgresForkFailure,
    /// PostgreSQL 17 with direct TLS: TLS from the first byte, ALPN
    /// `postgresql` required (a ClientHello without it is refused).
    Postgres17Direct,
    /// vsftpd 3.0.3: `220 (vsFTPd 3.0.3)`, `234 Proceed with negotiation.`
    Vsftpd,
    /// ProFTPD with a multi-line `220-` greeting holding unnumbered lines.
    Proftpd,
    /// vsftpd without TLS: `AUTH TLS` answered `530`.
    FtpAuthRefused,
    /// INN's nnrpd: `200` greeting, `382 Begin TLS negotiation now`.
    Inn,
    /// nnrpd that cannot start TLS: `580`.
    NntpStartTlsRefused,
    /// nnrpd refusing the client at the greeting: `502`, then closing.
    NntpNoPermission,
    /// nnrpd without TLS: its `CAPABILITIES` list lacks `STARTTLS`.
    NntpNoStartTls,
    /// Prosody, client-to-server: STARTTLS required.
    Prosody,
    /// Prosody, server-to-server (`jabber:server`, dialback feature).
    ProsodyS2s,
    /// ejabberd 23.01 (Debian 12 defaults), client-to-server: STARTTLS
    /// required, a new header and the SASL mechanisms inside TLS.
    Ejabberd,
    /// ejabberd 23.01, server-to-server: STARTTLS required, then SASL
    /// EXTERNAL and dialback inside TLS.
    EjabberdS2s,
    /// An XMPP server without TLS: features list SASL only.
    XmppNoStartTls,
    /// An XMPP server answering `<starttls/>` with `<failure/>`.
    XmppFailure,
    /// An XMPP server that does not serve the domain: `host-unknown`.
    XmppHostUnknown,
    /// Dovecot IMAP: capabilities in the greeting.
    DovecotImap,
    /// Cyrus IMAP 3.6.
    CyrusImap,
    /// Courier-IMAP.
    CourierImap,
    /// Dovecot POP3: `CAPA` list, `STLS`.
    DovecotPop3,
    /// Courier POP3.
    CourierPop3,
    /// Dovecot Pigeonhole ManageSieve.
    DovecotSieve,
    /// Dovecot IMAP with `ssl = no`: no STARTTLS capability.
    ImapNoStartTls,
    /// Dovecot IMAP answering STARTTLS with a tagged `NO`.
    ImapStartTlsRefused,
    /// An IMAP server refusing the connection with a `* BYE` greeting.
    ImapGreetingBye,
    /// An IMAP server greeting with `* PREAUTH`.
    ImapPreauth,
    /// Dovecot POP3 answering `STLS` with `-ERR`.
    Pop3StlsRefused,
    /// Postfix on a `smtpd_tls_wrappermode` port (465): TLS at once, then
    /// its greeting and `QUIT` inside TLS.
    PostfixSmtps,
    /// Dovecot IMAP on its implicit-TLS port (993).
    DovecotImaps,
    /// Dovecot POP3 on its implicit-TLS port (995).
    DovecotPop3s,
    /// OpenLDAP slapd on `ldaps://` (636).
    OpenLdaps,
    /// A TLS service that says nothing inside TLS (the `tls` protocol), as
    /// stunnel 5.68 in front of `/bin/cat` does (the interop `tls-stunnel`
    /// instance): TLS at once, session tickets after the handshake, and its
    /// own close_notify, then the close, in answer to the client's.
    BareTls,
    /// vsftpd 3.0.3 with `implicit_ssl=YES` (FTPS on 990): TLS at once,
    /// then `220 (vsFTPd 3.0.3)` and `221 Goodbye.` inside TLS.
    VsftpdFtps,
    /// Prosody 0.12 on `c2s_direct_tls_ports` (XMPP direct TLS, 5223): TLS
    /// at once, then the stream header, features and close inside TLS.
    ProsodyXmpps,
    /// vsftpd without `implicit_ssl` on the port an `ftps` check was
    /// pointed at: its plaintext greeting instead of a ServerHello.
    FtpsPlaintext,
    /// Prosody's STARTTLS c2s port given a ClientHello (an `xmpps` check on
    /// 5222): a `not-well-formed` stream error in plaintext, then close.
    XmppsPlaintext,
}

/// How a personality's TLS side is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsStyle {
    /// The in-memory rustls server with the scenario's test-PKI identity.
    Rustls,
    /// Hand-built pre-TLS-1.3 flights ([`crate::legacy_tls`]).
    Legacy(LegacyTls),
    /// rustls with an OpenSSL-made RSA-PSS or Ed448 chain ([`crate::odd_keys`]).
    OddKey(OddKey),
}

/// The specific failure a failure personality must produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpectedFailure {
    /// SMTP/LMTP greeting rejected with this code.
    GreetingRejected {
        /// The reply code, e.g. 421.
        code: u16,
    },
    /// The EHLO reply lacks STARTTLS.
    StartTlsNotAdvertised,
    /// STARTTLS answered with this code instead of 220.
    StartTlsRefused {
        /// The reply code, e.g. 454.
        code: u16,
    },
    /// The LDAP StartTLS request failed with this result code and diagnostic.
    LdapRefused {
        /// The LDAP resultCode (2 protocolError, 52 unavailable).
        result_code: u8,
        /// The server's diagnosticMessage.
        diagnostic: &'static str,
    },
    /// The LDAP server sent a Notice of Disconnection with this diagnostic.
    LdapNoticeOfDisconnection {
        /// The server's diagnosticMessage.
        diagnostic: &'static str,
    },
    /// PostgreSQL answered SSLRequest with `N`.
    PostgresSslOff,
    /// PostgreSQL answered SSLRequest with an error with this message.
    PostgresRefused {
        /// The message text.
        message: &'static str,
    },
    /// The MySQL handshake packet lacks `CLIENT_SSL`.
    MysqlNoSsl,
    /// The MySQL server sent an ERR packet with this code.
    MysqlRefused {
        /// The error number, e.g. 1130.
        code: u16,
    },
    /// FTP `AUTH TLS` answered with this code.
    FtpAuthTlsRefused {
        /// The reply code, e.g. 530.
        code: u16,
    },
    /// NNTP refused at this phase with this code.
    NntpRefused {
        /// Greeting or StartTls.
        phase: Phase,
        /// The reply code, e.g. 502, 580.
        code: u16,
    },
    /// The NNTP `CAPABILITIES` list lacks `STARTTLS`.
    NntpStartTlsNotAdvertised,
    /// XMPP features without STARTTLS.
    XmppStartTlsNotOffered,
    /// XMPP `<failure/>` to STARTTLS.
    XmppRefused,
    /// An XMPP stream error with this condition.
    XmppStreamError {
        /// The condition, e.g. `host-unknown`.
        condition: &'static str,
    },
    /// The IMAP capabilities lack STARTTLS.
    ImapStartTlsNotAdvertised,
    /// IMAP STARTTLS answered with tagged `NO` or `BAD`.
    ImapStartTlsRefused,
    /// The IMAP greeting is `* BYE`.
    ImapGreetingBye,
    /// The IMAP greeting is `* PREAUTH`.
    ImapPreauth,
    /// POP3 `STLS` answered with `-ERR`.
    Pop3StlsRefused,
    /// Implicit TLS met a plaintext server that looks like this protocol
    /// (as named in the error, e.g. `FTP`, `XMPP`).
    PlaintextInsteadOfTls {
        /// What the plaintext looks like.
        looks_like: &'static str,
    },
}

impl ExpectedFailure {
    /// Whether `error` is this specific failure (right variant, code and,
    /// for LDAP, diagnostic text) and not a generic one such as a closed
    /// connection, a timeout or a malformed reply.
    pub fn matches(&self, error: &ProbeError) -> bool {
        match (self, error) {
            (
                ExpectedFailure::GreetingRejected { code },
                ProbeError::Smtp(SmtpError::Rejected {
                    phase: Phase::Greeting,
                    reply,
                    ..
                }),
            ) => reply.code == *code,
            (
                ExpectedFailure::StartTlsNotAdvertised,
                ProbeError::Smtp(SmtpError::StartTlsNotAdvertised { .. }),
            ) => true,
            (
                ExpectedFailure::StartTlsRefused { code },
                ProbeError::Smtp(SmtpError::Rejected {
                    phase: Phase::StartTls,
                    reply,
                    ..
                }),
            ) => reply.code == *code,
            (
                ExpectedFailure::LdapRefused {
                    result_code,
                    diagnostic,
                },
                ProbeError::Ldap(LdapError::Refused {
                    code,
                    diagnostic: said,
                    ..
                }),
            ) => *code == u32::from(*result_code) && said == diagnostic,
            (
                ExpectedFailure::LdapNoticeOfDisconnection { diagnostic },
                ProbeError::Ldap(LdapError::Disconnected {
                    diagnostic: said, ..
                }),
            ) => said == diagnostic,
            (ExpectedFailure::PostgresSslOff, ProbeError::Postgres(PostgresError::SslOff)) => true,
            (
                ExpectedFailure::PostgresRefused { message },
                ProbeError::Postgres(PostgresError::Refused(fields)),
            ) => fields.message == *message,
            (ExpectedFailure::MysqlNoSsl, ProbeError::Mysql(MysqlError::NoSsl { .. })) => true,
            (
                ExpectedFailure::MysqlRefused { code },
                ProbeError::Mysql(MysqlError::Refused { code: said, .. }),
            ) => said == code,
            (
                ExpectedFailure::FtpAuthTlsRefused { code },
                ProbeError::Ftp(FtpError::AuthTlsRefused { reply, .. }),
            ) => reply.code == *code,
            (
                ExpectedFailure::NntpRefused { phase, code },
                ProbeError::Nntp(
                    e @ (NntpError::GreetingRefused { reply, .. }
                    | NntpError::StartTlsRefused { reply, .. }),
                ),
            ) => e.phase() == *phase && reply.code == *code,
            (
                ExpectedFailure::NntpStartTlsNotAdvertised,
                ProbeError::Nntp(NntpError::StartTlsNotAdvertised { .. }),
            )
            | (
                ExpectedFailure::XmppStartTlsNotOffered,
                ProbeError::Xmpp(XmppError::StartTlsNotOffered { .. }),
            )
            | (ExpectedFailure::XmppRefused, ProbeError::Xmpp(XmppError::Refused)) => true,
            (
                ExpectedFailure::XmppStreamError { condition },
                ProbeError::Xmpp(XmppError::StreamError {
                    condition: said, ..
                }),
            ) => said == condition,
            (
                ExpectedFailure::ImapStartTlsNotAdvertised,
                ProbeError::Imap(ImapError::StartTlsNotAdvertised { .. }),
            )
            | (
                ExpectedFailure::ImapStartTlsRefused,
                ProbeError::Imap(ImapError::Refused {
                    phase: Phase::StartTls,
                    ..
                }),
            )
            | (ExpectedFailure::ImapGreetingBye, ProbeError::Imap(ImapError::GreetingBye { .. }))
            | (ExpectedFailure::ImapPreauth, ProbeError::Imap(ImapError::Preauth { .. }))
            | (
                ExpectedFailure::Pop3StlsRefused,
                ProbeError::Pop3(Pop3Error::Refused {
                    phase: Phase::StartTls,
                    ..
                }),
            ) => true,
            (
                ExpectedFailure::PlaintextInsteadOfTls { looks_like },
                ProbeError::PlaintextInsteadOfTls {
                    looks_like: said, ..
                },
            ) => *said == Some(*looks_like),
            _ => false,
        }
    }
}

impl Personality {
    /// Every personality: successful ones first, then the failures.
    pub fn all() -> &'static [Personality] {
        &[
            Personality::Postfix,
            Personality::Postscreen,
            Personality::Exim,
            Personality::Exchange,
            Personality::DovecotLmtp,
            Personality::OpenLdap,
            Personality::ActiveDirectory,
            Personality::Ds389,
            Personality::Postgres15,
            Personality::MariaDb,
            Personality::Mysql8,
            Personality::Postgres17Direct,
            Personality::NoStartTls,
            Personality::TlsNotAvailable,
            Personality::GreetingRefused,
            Personality::LdapProtocolError,
            Personality::LdapUnavailable,
            Personality::LdapNoticeOfDisconnection,
            Personality::PostgresSslOff,
            Personality::PostgresForkFailure,
            Personality::MariaDbNoSsl,
            Personality::MariaDbHostNotAllowed,
            Personality::Exchange2010,
            Personality::DomainController2008R2,
            Personality::RsaCbcOnly,
            Personality::OpenSmtpdAbort,
            Personality::RsaPssTls13,
            Personality::Ed448Tls13,
            Personality::Vsftpd,
            Personality::Proftpd,
            Personality::FtpAuthRefused,
            Personality::Inn,
            Personality::NntpStartTlsRefused,
            Personality::NntpNoPermission,
            Personality::NntpNoStartTls,
            Personality::Prosody,
            Personality::ProsodyS2s,
            Personality::Ejabberd,
            Personality::EjabberdS2s,
            Personality::XmppNoStartTls,
            Personality::XmppFailure,
            Personality::XmppHostUnknown,
            Personality::DovecotImap,
            Personality::CyrusImap,
            Personality::CourierImap,
            Personality::DovecotPop3,
            Personality::CourierPop3,
            Personality::DovecotSieve,
            Personality::ImapNoStartTls,
            Personality::ImapStartTlsRefused,
            Personality::ImapGreetingBye,
            Personality::ImapPreauth,
            Personality::Pop3StlsRefused,
            Personality::PostfixSmtps,
            Personality::DovecotImaps,
            Personality::DovecotPop3s,
            Personality::OpenLdaps,
            Personality::BareTls,
            Personality::VsftpdFtps,
            Personality::ProsodyXmpps,
            Personality::FtpsPlaintext,
            Personality::XmppsPlaintext,
        ]
    }

    /// The personalities whose certificate only a legacy capture reads:
    /// rustls cannot finish a handshake with them.
    pub fn legacy() -> &'static [Personality] {
        &[
            Personality::Exchange2010,
            Personality::DomainController2008R2,
            Personality::RsaCbcOnly,
            Personality::OpenSmtpdAbort,
        ]
    }

    /// The personality whose plaintext dialogue this one speaks (itself
    /// for all but the TLS variants, which differ only after STARTTLS).
    pub fn plaintext(self) -> Personality {
        match self {
            Personality::Exchange2010 | Personality::RsaCbcOnly => Personality::Exchange,
            Personality::DomainController2008R2 => Personality::ActiveDirectory,
            Personality::OpenSmtpdAbort
            | Personality::RsaPssTls13
            | Personality::Ed448Tls13
            | Personality::PostfixSmtps => Personality::Postfix,
            Personality::DovecotImaps => Personality::DovecotImap,
            Personality::DovecotPop3s => Personality::DovecotPop3,
            Personality::OpenLdaps => Personality::OpenLdap,
            Personality::VsftpdFtps | Personality::FtpsPlaintext => Personality::Vsftpd,
            Personality::ProsodyXmpps | Personality::XmppsPlaintext => Personality::Prosody,
            other => other,
        }
    }

    /// How its TLS side is made.
    pub fn tls(self) -> TlsStyle {
        let tls10 = LegacyTls {
            max_version: 0x0301,
            suites: SCHANNEL_2008R2_RSA,
            abort_after_certificate: false,
        };
        match self {
            Personality::Exchange2010 | Personality::DomainController2008R2 => {
                TlsStyle::Legacy(tls10)
            }
            Personality::RsaCbcOnly => TlsStyle::Legacy(LegacyTls {
                max_version: 0x0303,
                suites: RSA_CBC_ONLY,
                abort_after_certificate: false,
            }),
            Personality::OpenSmtpdAbort => TlsStyle::Legacy(LegacyTls {
                max_version: 0x0303,
                suites: ECDHE_RSA_GCM,
                abort_after_certificate: true,
            }),
            Personality::RsaPssTls13 => TlsStyle::OddKey(OddKey::RsaPss),
            Personality::Ed448Tls13 => TlsStyle::OddKey(OddKey::Ed448),
            _ => TlsStyle::Rustls,
        }
    }

    /// The personalities whose check succeeds.
    pub fn working() -> impl Iterator<Item = Personality> {
        Self::all()
            .iter()
            .copied()
            .filter(|p| p.expected_failure().is_none())
    }

    /// The personalities whose check must fail.
    pub fn failing() -> impl Iterator<Item = Personality> {
        Self::all()
            .iter()
            .copied()
            .filter(|p| p.expected_failure().is_some())
    }

    /// True for the personalities whose port does not start TLS at once
    /// although the check (`protocol()`) expects implicit TLS.
    pub fn plaintext_on_implicit_port(self) -> bool {
        matches!(
            self,
            Personality::FtpsPlaintext | Personality::XmppsPlaintext
        )
    }

    /// The plaintext protocol it speaks.
    pub fn protocol(self) -> Protocol {
        match self {
            Personality::DovecotLmtp => Protocol::Lmtp,
            Personality::DomainController2008R2
            | Personality::OpenLdap
            | Personality::ActiveDirectory
            | Personality::Ds389
            | Personality::LdapProtocolError
            | Personality::LdapUnavailable
            | Personality::LdapNoticeOfDisconnection => Protocol::Ldap,
            Personality::Postgres15
            | Personality::PostgresSslOff
            | Personality::PostgresForkFailure => Protocol::Postgres,
            Personality::Postgres17Direct => Protocol::PostgresDirect,
            Personality::MariaDb
            | Personality::Mysql8
            | Personality::MariaDbNoSsl
            | Personality::MariaDbHostNotAllowed => Protocol::Mysql,
            Personality::Vsftpd | Personality::Proftpd | Personality::FtpAuthRefused => {
                Protocol::Ftp
            }
            Personality::Inn
            | Personality::NntpStartTlsRefused
            | Personality::NntpNoPermission
            | Personality::NntpNoStartTls => Protocol::Nntp,
            Personality::Prosody
            | Personality::Ejabberd
            | Personality::XmppNoStartTls
            | Personality::XmppFailure
            | Personality::XmppHostUnknown => Protocol::Xmpp,
            Personality::ProsodyS2s | Personality::EjabberdS2s => Protocol::XmppServer,
            Personality::DovecotImap
            | Personality::CyrusImap
            | Personality::CourierImap
            | Personality::ImapNoStartTls
            | Personality::ImapStartTlsRefused
            | Personality::ImapGreetingBye
            | Personality::ImapPreauth => Protocol::Imap,
            Personality::DovecotPop3 | Personality::CourierPop3 | Personality::Pop3StlsRefused => {
                Protocol::Pop3
            }
            Personality::DovecotSieve => Protocol::Sieve,
            Personality::PostfixSmtps => Protocol::Smtps,
            Personality::DovecotImaps => Protocol::Imaps,
            Personality::DovecotPop3s => Protocol::Pop3s,
            Personality::OpenLdaps => Protocol::Ldaps,
            Personality::BareTls => Protocol::Tls,
            Personality::VsftpdFtps | Personality::FtpsPlaintext => Protocol::Ftps,
            Personality::ProsodyXmpps | Personality::XmppsPlaintext => Protocol::Xmpps,
            _ => Protocol::Smtp,
        }
    }

    /// A short lower-case name (`postfix`, `active-directory`), for the
    /// command line and test names.
    pub fn name(self) -> &'static str {
        match self {
            Personality::Postfix => "postfix",
            Personality::Postscreen => "postscreen",
            Personality::Exim => "exim",
            Personality::Exchange => "exchange",
            Personality::DovecotLmtp => "dovecot-lmtp",
            Personality::OpenLdap => "openldap",
            Personality::ActiveDirectory => "active-directory",
            Personality::Ds389 => "389-ds",
            Personality::NoStartTls => "no-starttls",
            Personality::TlsNotAvailable => "tls-not-available",
            Personality::GreetingRefused => "greeting-421",
            Personality::LdapProtocolError => "ldap-protocol-error",
            Personality::LdapUnavailable => "ldap-unavailable",
            Personality::LdapNoticeOfDisconnection => "ldap-notice-of-disconnection",
            Personality::Exchange2010 => "exchange-2010-tls10",
            Personality::DomainController2008R2 => "dc-2008r2-tls10",
            Personality::RsaCbcOnly => "tls12-rsa-cbc",
            Personality::OpenSmtpdAbort => "opensmtpd-abort",
            Personality::RsaPssTls13 => "rsa-pss-tls13",
            Personality::Ed448Tls13 => "ed448-tls13",
            Personality::Postgres15 => "postgres15",
            Personality::PostgresSslOff => "postgres-ssl-off",
            Personality::MariaDb => "mariadb",
            Personality::Mysql8 => "mysql8",
            Personality::MariaDbNoSsl => "mariadb-no-ssl",
            Personality::MariaDbHostNotAllowed => "mariadb-host-not-allowed",
            Personality::Postgres17Direct => "postgres17-direct",
            Personality::PostgresForkFailure => "postgres-fork-failure",
            Personality::Vsftpd => "vsftpd",
            Personality::Proftpd => "proftpd",
            Personality::FtpAuthRefused => "ftp-auth-tls-530",
            Personality::Inn => "inn",
            Personality::NntpStartTlsRefused => "nntp-starttls-580",
            Personality::NntpNoPermission => "nntp-greeting-502",
            Personality::NntpNoStartTls => "nntp-no-starttls",
            Personality::Prosody => "prosody",
            Personality::ProsodyS2s => "prosody-s2s",
            Personality::Ejabberd => "ejabberd",
            Personality::EjabberdS2s => "ejabberd-s2s",
            Personality::XmppNoStartTls => "xmpp-no-starttls",
            Personality::XmppFailure => "xmpp-failure",
            Personality::XmppHostUnknown => "xmpp-host-unknown",
            Personality::DovecotImap => "dovecot-imap",
            Personality::CyrusImap => "cyrus-imap",
            Personality::CourierImap => "courier-imap",
            Personality::DovecotPop3 => "dovecot-pop3",
            Personality::CourierPop3 => "courier-pop3",
            Personality::DovecotSieve => "dovecot-sieve",
            Personality::ImapNoStartTls => "imap-no-starttls",
            Personality::ImapStartTlsRefused => "imap-starttls-no",
            Personality::ImapGreetingBye => "imap-bye",
            Personality::ImapPreauth => "imap-preauth",
            Personality::Pop3StlsRefused => "pop3-stls-err",
            Personality::PostfixSmtps => "postfix-smtps",
            Personality::DovecotImaps => "dovecot-imaps",
            Personality::DovecotPop3s => "dovecot-pop3s",
            Personality::OpenLdaps => "openldap-ldaps",
            Personality::BareTls => "bare-tls",
            Personality::VsftpdFtps => "vsftpd-ftps",
            Personality::ProsodyXmpps => "prosody-xmpps",
            Personality::FtpsPlaintext => "ftps-plaintext-220",
            Personality::XmppsPlaintext => "xmpps-not-well-formed",
        }
    }

    /// The personality called `name` (as [`Personality::name`] gives it).
    pub fn from_name(name: &str) -> Option<Personality> {
        Self::all().iter().copied().find(|p| p.name() == name)
    }

    /// For failure personalities, the specific error the probe must report.
    pub fn expected_failure(self) -> Option<ExpectedFailure> {
        use crate::ldap_dialogue::{
            NOTICE_DIAGNOSTIC, PROTOCOL_ERROR_DIAGNOSTIC, UNAVAILABLE_DIAGNOSTIC,
        };
        match self {
            Personality::NoStartTls => Some(ExpectedFailure::StartTlsNotAdvertised),
            Personality::TlsNotAvailable => Some(ExpectedFailure::StartTlsRefused { code: 454 }),
            Personality::GreetingRefused => Some(ExpectedFailure::GreetingRejected { code: 421 }),
            Personality::LdapProtocolError => Some(ExpectedFailure::LdapRefused {
                result_code: 2,
                diagnostic: PROTOCOL_ERROR_DIAGNOSTIC,
            }),
            Personality::LdapUnavailable => Some(ExpectedFailure::LdapRefused {
                result_code: 52,
                diagnostic: UNAVAILABLE_DIAGNOSTIC,
            }),
            Personality::LdapNoticeOfDisconnection => {
                Some(ExpectedFailure::LdapNoticeOfDisconnection {
                    diagnostic: NOTICE_DIAGNOSTIC,
                })
            }
            Personality::PostgresSslOff => Some(ExpectedFailure::PostgresSslOff),
            Personality::PostgresForkFailure => Some(ExpectedFailure::PostgresRefused {
                message: crate::db_dialogue::FORK_FAILURE_MESSAGE,
            }),
            Personality::MariaDbNoSsl => Some(ExpectedFailure::MysqlNoSsl),
            Personality::MariaDbHostNotAllowed => {
                Some(ExpectedFailure::MysqlRefused { code: 1130 })
            }
            Personality::FtpAuthRefused => Some(ExpectedFailure::FtpAuthTlsRefused { code: 530 }),
            Personality::NntpStartTlsRefused => Some(ExpectedFailure::NntpRefused {
                phase: Phase::StartTls,
                code: 580,
            }),
            Personality::NntpNoPermission => Some(ExpectedFailure::NntpRefused {
                phase: Phase::Greeting,
                code: 502,
            }),
            Personality::NntpNoStartTls => Some(ExpectedFailure::NntpStartTlsNotAdvertised),
            Personality::XmppNoStartTls => Some(ExpectedFailure::XmppStartTlsNotOffered),
            Personality::XmppFailure => Some(ExpectedFailure::XmppRefused),
            Personality::XmppHostUnknown => Some(ExpectedFailure::XmppStreamError {
                condition: "host-unknown",
            }),
            Personality::ImapNoStartTls => Some(ExpectedFailure::ImapStartTlsNotAdvertised),
            Personality::ImapStartTlsRefused => Some(ExpectedFailure::ImapStartTlsRefused),
            Personality::ImapGreetingBye => Some(ExpectedFailure::ImapGreetingBye),
            Personality::ImapPreauth => Some(ExpectedFailure::ImapPreauth),
            Personality::Pop3StlsRefused => Some(ExpectedFailure::Pop3StlsRefused),
            Personality::FtpsPlaintext => {
                Some(ExpectedFailure::PlaintextInsteadOfTls { looks_like: "FTP" })
            }
            Personality::XmppsPlaintext => {
                Some(ExpectedFailure::PlaintextInsteadOfTls { looks_like: "XMPP" })
            }
            _ => None,
        }
    }
}

impl fmt::Display for Personality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_protocol_has_a_working_personality() {
        for &protocol in Protocol::ALL {
            assert!(
                Personality::working().any(|p| p.protocol() == protocol),
                "no working personality speaks {protocol}"
            );
        }
    }

    #[test]
    fn names_round_trip_and_are_unique() {
        for &p in Personality::all() {
            assert_eq!(Personality::from_name(p.name()), Some(p));
        }
        assert_eq!(Personality::working().count(), 38);
        assert_eq!(Personality::failing().count(), 24);
    }
}
