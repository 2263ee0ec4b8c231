//! What each XMPP personality says, byte for byte, and how it reads the
//! client's XML (a test server may search strings; the engine may not).
//!
//! Sources:
//! - Prosody 0.12.3 (Debian 12), captured byte for byte from the interop
//!   instance (`tests/interop/servers.sh`, c2s and s2s, 2026-11-29): the
//!   c2s header `xmlns:stream`, `id`, `from`, `version`, `xmlns`,
//!   `xml:lang`; the s2s header `xmlns:stream`, `xmlns`, `id`, `xml:lang`,
//!   `version`, `to=''`, `from`, `xmlns:db`; features `<starttls …><required/></starttls>`
//!   (plus the dialback feature for s2s); `<proceed
//!   xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`; for an unknown `to`, a
//!   header `from` that domain, then `host-unknown` with the text `This
//!   server does not serve <domain>` and `</stream:stream>`. Only the `id`
//!   (a UUID per stream) is fixed here.
//! - ejabberd 23.01, captured from Debian 12 ejabberd 23.01 on 2026-11-29
//!   (`tests/interop/servers.sh`, Debian's default `ejabberd.yml` with
//!   loopback c2s and s2s listeners, answering this engine's stream
//!   header): the header lists `id` (a decimal number per stream),
//!   `version`, `xml:lang`, (s2s: `xmlns:db`,) `xmlns:stream`, `from`,
//!   `xmlns`, and comes in one write, the features in the next; Debian's
//!   `starttls_required: true` and `s2s_use_starttls: required` make the
//!   features `<starttls …><required/></starttls>` alone; `<proceed
//!   xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`. Inside TLS it answers the
//!   new header with a new header and the SASL mechanisms (c2s: PLAIN,
//!   SCRAM-SHA-1-PLUS, SCRAM-SHA-1; s2s: EXTERNAL and dialback with
//!   `<errors/>`), and `</stream:stream>` with `</stream:stream>` before it
//!   closes.
//! - Prosody 0.12.3 on `c2s_direct_tls_ports` (XEP-0368), captured from the
//!   interop instance (`xmpps-good`, 2026-11-29): inside TLS its header
//!   lists `xmlns:stream`, `id`, `version`, `xmlns`, `xml:lang`, `from`
//!   (another order than on the STARTTLS port), the features are the SASL
//!   mechanisms alone, and `</stream:stream>` is answered in kind before it
//!   closes. Its STARTTLS port given a ClientHello answers a header with
//!   `id=''` and a `not-well-formed` stream error, then closes.
//! - Failures: `<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>` then
//!   `</stream:stream>` (RFC 6120 section 5.4.2.2); a server without TLS
//!   configured lists SASL mechanisms only (Prosody without certificates).

use crate::certs::SERVER_NAME;
use crate::personality::Personality;
use crate::smtp_dialogue::Reaction;

const TLS_NS: &str = "urn:ietf:params:xml:ns:xmpp-tls";
const STREAMS_NS: &str = "urn:ietf:params:xml:ns:xmpp-streams";

/// The client's next complete request found in `input`, consumed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// A stream header (`<stream:stream …>`), with its `to` value.
    Header(Option<String>),
    /// `<starttls/>`.
    StartTls,
    /// `</stream:stream>`.
    Close,
    /// Anything else, up to its `>`.
    Other,
}

/// Takes the next whole request (up to a `>`) from `input`.
pub fn take_request(input: &mut Vec<u8>) -> Option<Request> {
    let text = String::from_utf8_lossy(input).into_owned();
    let start = text.find("<stream:stream");
    let end = match start {
        Some(s) => s + text[s..].find('>')?,
        None => text.find('>')?,
    };
    let unit: String = text[..=end].to_owned();
    input.drain(..=end);
    Some(if unit.contains("</stream:stream") {
        Request::Close
    } else if let Some(s) = start.filter(|_| !unit.trim_start().starts_with("</")) {
        let head = &unit[s..];
        let to = head.split("to='").nth(1).and_then(|r| r.split('\'').next());
        Request::Header(to.map(str::to_owned))
    } else if unit.contains("<starttls") {
        Request::StartTls
    } else {
        Request::Other
    })
}

fn header(personality: Personality) -> String {
    let server = personality.protocol() == starttls_engine::Protocol::XmppServer;
    let ns = if server {
        "jabber:server"
    } else {
        "jabber:client"
    };
    let db = if server {
        " xmlns:db='jabber:server:dialback'"
    } else {
        ""
    };
    match personality {
        Personality::Ejabberd | Personality::EjabberdS2s => format!(
            "<?xml version='1.0'?><stream:stream id='14749945370957548835' version='1.0' xml:lang='en'{db} xmlns:stream='http://etherx.jabber.org/streams' from='{SERVER_NAME}' xmlns='{ns}'>"
        ),
        _ if server => format!(
            "<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='{ns}' id='58f279f0-c5b0-4423-96b4-8821d5430a89' xml:lang='en' version='1.0' to='' from='{SERVER_NAME}'{db}>"
        ),
        _ => format!(
            "<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' id='ca410a58-baf9-405b-98c3-8195962bdd4b' from='{SERVER_NAME}' version='1.0' xmlns='{ns}' xml:lang='en'>"
        ),
    }
}

fn features(personality: Personality) -> String {
    let body = match personality {
        Personality::Prosody | Personality::XmppFailure | Personality::Ejabberd | Personality::EjabberdS2s => {
            format!("<starttls xmlns='{TLS_NS}'><required/></starttls>")
        }
        Personality::ProsodyS2s => format!(
            "<starttls xmlns='{TLS_NS}'><required/></starttls><dialback xmlns='urn:xmpp:features:dialback'/>"
        ),
        _ => "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms>".to_owned(),
    };
    format!("<stream:features>{body}</stream:features>")
}

/// The header and features a personality sends inside TLS after the
/// client's stream header there: Prosody's on direct TLS (XEP-0368), and
/// ejabberd's new stream after STARTTLS. `None` for a personality that
/// answers the header inside TLS with nothing.
pub fn greeting_in_tls(personality: Personality) -> Option<Vec<u8>> {
    let text = match personality {
        Personality::ProsodyXmpps => format!(
            "<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' id='4abce71d-0aad-4f80-a03c-6e79d24de64f' version='1.0' xmlns='jabber:client' xml:lang='en' from='{SERVER_NAME}'><stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms></stream:features>"
        ),
        Personality::Ejabberd => format!(
            "<?xml version='1.0'?><stream:stream id='886577691169470376' version='1.0' xml:lang='en' xmlns:stream='http://etherx.jabber.org/streams' from='{SERVER_NAME}' xmlns='jabber:client'><stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism><mechanism>SCRAM-SHA-1-PLUS</mechanism><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>"
        ),
        Personality::EjabberdS2s => format!(
            "<?xml version='1.0'?><stream:stream id='16763472387848592003' version='1.0' xml:lang='en' xmlns:db='jabber:server:dialback' xmlns:stream='http://etherx.jabber.org/streams' from='{SERVER_NAME}' xmlns='jabber:server'><stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>EXTERNAL</mechanism></mechanisms><dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback></stream:features>"
        ),
        _ => return None,
    };
    Some(text.into_bytes())
}

/// Prosody's answer to bytes that are not XML (a ClientHello on its
/// STARTTLS port), after which it closes.
pub fn not_well_formed() -> Vec<u8> {
    format!(
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xml:lang='en' id=''><stream:error><not-well-formed xmlns='{STREAMS_NS}'/></stream:error></stream:stream>"
    )
    .into_bytes()
}

/// How an XMPP personality answers one request.
pub fn answer(personality: Personality, request: &Request) -> Reaction {
    match request {
        Request::Header(to) if personality == Personality::XmppHostUnknown => {
            let to = to.as_deref().unwrap_or("");
            Reaction::ReplyThenClose(
                format!(
                    "{}<stream:error><host-unknown xmlns='{STREAMS_NS}'/><text xmlns='{STREAMS_NS}'>This server does not serve {to}</text></stream:error></stream:stream>",
                    // Prosody answers from the domain it was asked for.
                    header(personality).replace(SERVER_NAME, to)
                )
                .into_bytes(),
            )
        }
        Request::Header(_) => Reaction::Reply(
            format!("{}{}", header(personality), features(personality)).into_bytes(),
        ),
        Request::StartTls if personality == Personality::XmppFailure => Reaction::ReplyThenClose(
            format!("<failure xmlns='{TLS_NS}'/></stream:stream>").into_bytes(),
        ),
        Request::StartTls => {
            Reaction::ReplyThenTls(format!("<proceed xmlns='{TLS_NS}'/>").into_bytes())
        }
        Request::Close => Reaction::ReplyThenClose(b"</stream:stream>".to_vec()),
        Request::Other => Reaction::ReplyThenClose(
            format!("<stream:error><not-authorized xmlns='{STREAMS_NS}'/></stream:error></stream:stream>")
                .into_bytes(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_taken_whole() {
        let mut input = b"<?xml version='1.0'?><stream:stream to='a.test' version='1.0'><starttls xmlns='x'/></stream:str".to_vec();
        assert_eq!(
            take_request(&mut input),
            Some(Request::Header(Some("a.test".into())))
        );
        assert_eq!(take_request(&mut input), Some(Request::StartTls));
        assert_eq!(take_request(&mut input), None);
        input.extend_from_slice(b"eam>");
        assert_eq!(take_request(&mut input), Some(Request::Close));
    }
}
