//! The closing phase: the certificate is in, the goodbye is sent, and the
//! probe waits only as long as a clean end needs.
//!
//! Rules (the report is complete before this phase starts, so nothing here
//! can fail a check):
//! - **A goodbye with an answer** (SMTP/LMTP `QUIT`): the probe sends `QUIT`
//!   alone and waits for the server's reply (Postfix `221 2.0.0 Bye`), its
//!   close_notify, or its close, whichever comes first, at most
//!   [`Timeouts::closing`]; then it sends close_notify and is done. The reply
//!   is the server's own acknowledgement: Postfix has logged `quit=1` by
//!   then, so a reset or a missing close_notify after it does not make the
//!   end unclean ([`CloseOutcome::Clean`]). The probe does not wait for the
//!   server's idle timer or for its close after that. (close_notify goes
//!   after the reply, not with `QUIT`: Postfix 3.7 drops its `221` and
//!   resets when both arrive together.)
//! - **A goodbye without an answer** (LDAP unbind, RFC 4511 §4.3: "the client
//!   ... may consider the session terminated" once the UnbindRequest is
//!   sent): the probe sends unbind and close_notify together and ends as
//!   soon as they are handed to the driver, without waiting for the server
//!   (389-ds closes about 250 ms later on its own schedule).
//! - **close_notify as the goodbye** (`tls`: TLS at once on any port, nothing
//!   said after the handshake): the probe sends close_notify at once and waits
//!   for the server's close_notify or close, at most [`Timeouts::closing`],
//!   reading past what arrives meanwhile (TLS 1.3 session tickets, a
//!   service's banner). Ending before that would leave those bytes unread,
//!   and a socket closed with unread bytes ends in a reset: stunnel logs
//!   that as `TLS socket closed (write hangup)`.
//! - **A byte budget** ([`CLOSING_BYTE_BUDGET`]): a server that streams data
//!   after the handshake does not make the probe download and decrypt it for
//!   the whole closing limit; past the budget the probe stops reading
//!   ([`CloseOutcome::BudgetExceeded`]).
//!
//! [`Timeouts::closing`]: crate::Timeouts::closing

use bytes::BytesMut;

use crate::config::Limits;
use crate::lines::LineReader;
use crate::numeric::NumericReader;
use crate::report::{CloseOutcome, Report};
use crate::smtp::ReplyReader;
use crate::tls::{Closing as TlsClosing, TlsSession};
use crate::xmpp::{Item, Scanner};

/// Most bytes (TLS records as received) the probe takes from the server
/// after its goodbye: enough for TLS 1.3 session tickets, the reply to
/// `QUIT`, close_notify and one full-size TLS record, and little enough that
/// a server streaming data costs almost nothing.
pub const CLOSING_BYTE_BUDGET: usize = 16 * 1024 + 512;

/// How the server acknowledges the goodbye.
#[derive(Clone, Debug)]
pub(crate) enum GoodbyeAnswer {
    /// The server replies in the protocol (SMTP/LMTP reply to `QUIT`).
    Reply(ReplyReader),
    /// An FTP or NNTP reply to `QUIT`.
    Numbered(NumericReader),
    /// The server closes its XMPP stream (`</stream:stream>`).
    StreamEnd(Scanner),
    /// The server's XMPP stream header and `<stream:features>` (XMPP over
    /// direct TLS greets with them once the client's header arrived).
    Features(Scanner),
    /// The protocol defines no reply (LDAP unbind): the session is over once
    /// the goodbye is sent.
    None,
    /// Nothing is said after the handshake (`tls`): the goodbye is
    /// close_notify, answered by the server's close_notify or close.
    CloseNotify,
    /// The server answers with text lines (IMAP, POP3, ManageSieve).
    Lines(LineAnswer),
    /// Implicit TLS with a server that speaks first: the goodbye waits
    /// until `greeting` is complete inside TLS (a client that talks before
    /// the greeting is "improper pipelining" to Postfix), then `then`
    /// reads its answer.
    AfterGreeting {
        /// Sent at once, before the greeting: what makes a server whose
        /// client speaks first greet (the XMPP stream header).
        opening: Vec<u8>,
        /// Reads the greeting (any complete reply or line counts).
        greeting: Box<GoodbyeAnswer>,
        /// Reads the answer to the goodbye.
        then: Box<GoodbyeAnswer>,
    },
}

/// Waiting for the line(s) that answer a text protocol's goodbye.
#[derive(Clone, Debug)]
pub(crate) struct LineAnswer {
    reader: LineReader,
    /// Whether a line is one of the awaited ones.
    ends: fn(&[u8]) -> bool,
    /// Awaited lines still to come.
    remaining: usize,
}

impl LineAnswer {
    /// Waits for `count` lines for which `ends` is true, framed within
    /// `limits` (following literals when `literals`).
    pub(crate) fn new(
        limits: Limits,
        literals: bool,
        ends: fn(&[u8]) -> bool,
        count: usize,
    ) -> Self {
        let reader = if literals {
            LineReader::with_literals(limits)
        } else {
            LineReader::new(limits)
        };
        LineAnswer {
            reader,
            ends,
            remaining: count,
        }
    }

    /// Takes in plaintext; `Some` once the answer is complete (or broken).
    fn feed(&mut self, mut plain: &[u8]) -> Option<CloseOutcome> {
        loop {
            match self.reader.feed(plain) {
                Ok(None) => return None,
                Ok(Some((line, used))) => {
                    plain = &plain[used..];
                    if (self.ends)(&line) {
                        self.remaining = self.remaining.saturating_sub(1);
                        if self.remaining == 0 {
                            return Some(CloseOutcome::Clean);
                        }
                    }
                }
                Err(_) => return Some(CloseOutcome::Error),
            }
        }
    }
}

/// The reader for the answer, once the closing phase waits for one.
#[derive(Clone, Debug)]
enum Answer {
    Reply(ReplyReader),
    Numbered(NumericReader),
    StreamEnd(Scanner),
    Features(Scanner),
    Lines(LineAnswer),
    /// Nothing to read: the wait ends at once.
    Nothing,
    /// Plaintext does not end the wait (only close_notify or a close does).
    Ignored,
}

impl From<GoodbyeAnswer> for Answer {
    fn from(answer: GoodbyeAnswer) -> Self {
        match answer {
            GoodbyeAnswer::Reply(reader) => Answer::Reply(reader),
            GoodbyeAnswer::Numbered(reader) => Answer::Numbered(reader),
            GoodbyeAnswer::StreamEnd(scanner) => Answer::StreamEnd(scanner),
            GoodbyeAnswer::Features(scanner) => Answer::Features(scanner),
            GoodbyeAnswer::Lines(lines) => Answer::Lines(lines),
            GoodbyeAnswer::CloseNotify => Answer::Ignored,
            // Not produced: a greeting is never followed by a greeting,
            // and every protocol that greets answers its goodbye.
            GoodbyeAnswer::None | GoodbyeAnswer::AfterGreeting { .. } => Answer::Nothing,
        }
    }
}

impl Answer {
    fn feed(&mut self, plain: &[u8]) -> Option<CloseOutcome> {
        match self {
            Answer::Reply(reader) => reply_ends(reader, plain),
            Answer::Numbered(reader) => match reader.feed(plain) {
                Ok(Some(_)) => Some(CloseOutcome::Clean),
                Ok(None) => None,
                Err(_) => Some(CloseOutcome::Error),
            },
            Answer::StreamEnd(scanner) => match stream_ends(scanner, plain) {
                Ok(true) => Some(CloseOutcome::Clean),
                Ok(false) => None,
                Err(()) => Some(CloseOutcome::Error),
            },
            Answer::Features(scanner) => match features_end(scanner, plain) {
                Ok(true) => Some(CloseOutcome::Clean),
                Ok(false) => None,
                Err(()) => Some(CloseOutcome::Error),
            },
            Answer::Lines(lines) => lines.feed(plain),
            Answer::Nothing => Some(CloseOutcome::Clean),
            Answer::Ignored => None,
        }
    }

    fn buffered(&self) -> usize {
        match self {
            Answer::Reply(reader) => reader.buffered(),
            Answer::Numbered(reader) => reader.buffered(),
            Answer::StreamEnd(scanner) | Answer::Features(scanner) => scanner.buffered(),
            Answer::Lines(lines) => lines.reader.buffered(),
            Answer::Nothing | Answer::Ignored => 0,
        }
    }
}

/// Waiting for the end of a session whose report is complete.
#[derive(Debug)]
pub(crate) struct Closing {
    tls: Box<TlsSession>,
    report: Box<Report>,
    answer: Answer,
    /// The goodbye and the reader of its answer, held until the greeting
    /// `answer` reads is complete (implicit TLS).
    held: Option<(Vec<u8>, Answer)>,
    received: usize,
}

/// What became of the closing phase after some input.
#[derive(Debug)]
pub(crate) enum Step {
    /// Keep waiting.
    Open(Box<Closing>),
    /// The session is over.
    Ended(Box<Report>, CloseOutcome),
}

impl Closing {
    /// Starts closing once the handshake is done: queues `goodbye` on
    /// `tls` (or holds it until the greeting, see
    /// [`GoodbyeAnswer::AfterGreeting`]); ends at once (with close_notify)
    /// when the goodbye has no answer. Records to send go to `out`.
    pub(crate) fn start(
        mut tls: Box<TlsSession>,
        report: Box<Report>,
        goodbye: Vec<u8>,
        answer: GoodbyeAnswer,
        out: &mut BytesMut,
    ) -> Step {
        let (answer, held) = match answer {
            GoodbyeAnswer::None => {
                tls.say_goodbye(&goodbye);
                tls.send_close_notify();
                tls.write_to(out);
                return Step::Ended(report, CloseOutcome::Clean);
            }
            GoodbyeAnswer::CloseNotify => {
                tls.send_close_notify();
                (Answer::Ignored, None)
            }
            GoodbyeAnswer::AfterGreeting {
                opening,
                greeting,
                then,
            } => {
                if !opening.is_empty() {
                    tls.say_goodbye(&opening);
                }
                (
                    Answer::from(*greeting),
                    Some((goodbye, Answer::from(*then))),
                )
            }
            other => {
                tls.say_goodbye(&goodbye);
                (Answer::from(other), None)
            }
        };
        tls.write_to(out);
        Step::Open(Box::new(Closing {
            tls,
            report,
            answer,
            held,
            received: 0,
        }))
    }

    /// Takes in server bytes, at most up to the byte budget; close_notify
    /// goes to `out` when the wait ends.
    pub(crate) fn receive(mut self: Box<Self>, data: &[u8], out: &mut BytesMut) -> Step {
        let room = CLOSING_BYTE_BUDGET.saturating_sub(self.received);
        let (taken, over) = match data.get(..room) {
            Some(part) if part.len() < data.len() => (part, true),
            _ => (data, false),
        };
        self.received += taken.len();
        let Closing {
            tls, answer, held, ..
        } = &mut *self;
        let mut greeted = false;
        // Plaintext after the greeting in the same record is not counted
        // against the goodbye's answer: a server waits for the goodbye.
        let mut ends = |plain: &[u8]| match answer.feed(plain) {
            Some(CloseOutcome::Clean) if held.is_some() => {
                if let Some((_, then)) = held.as_ref() {
                    *answer = then.clone();
                }
                greeted = true;
                None
            }
            other => other,
        };
        let closing = tls.receive_closing(taken, &mut ends);
        if greeted {
            if let Some((goodbye, _)) = held.take() {
                tls.say_goodbye(&goodbye);
                tls.write_to(out);
            }
        }
        let outcome = match closing {
            TlsClosing::Ended(outcome) => Some(outcome),
            TlsClosing::Open if over => Some(CloseOutcome::BudgetExceeded),
            TlsClosing::Open => None,
        };
        match outcome {
            Some(outcome) => {
                let (report, outcome) = (*self).end(outcome, out);
                Step::Ended(report, outcome)
            }
            None => Step::Open(self),
        }
    }

    /// Ends the wait with `outcome` (the server closed, or the closing limit
    /// ran out); close_notify goes to `out` unless the server is gone.
    pub(crate) fn end(
        mut self,
        outcome: CloseOutcome,
        out: &mut BytesMut,
    ) -> (Box<Report>, CloseOutcome) {
        if outcome != CloseOutcome::ServerClosed {
            self.tls.send_close_notify();
            self.tls.write_to(out);
        }
        (self.report, outcome)
    }

    /// Bytes held for a partial reply.
    pub(crate) fn buffered(&self) -> usize {
        self.answer.buffered()
    }
}

/// Whether `plain` completes the server's reply to our goodbye. Any reply
/// counts (servers answer `QUIT` with `221`; a `500` still shows it read
/// the goodbye); bytes that are not a reply end the wait as an error.
fn reply_ends(reader: &mut ReplyReader, plain: &[u8]) -> Option<CloseOutcome> {
    match reader.feed(plain) {
        Ok(Some(_)) => Some(CloseOutcome::Clean),
        Ok(None) => None,
        Err(_) => Some(CloseOutcome::Error),
    }
}

/// True once the server's `</stream:stream>` arrived, closing the stream it
/// opened inside TLS or the one from before (its header, features and
/// anything else before it are read past).
fn stream_ends(scanner: &mut Scanner, plain: &[u8]) -> Result<bool, ()> {
    scanner.push(plain).map_err(drop)?;
    while let Some(item) = scanner.next().map_err(drop)? {
        if let Item::Close {
            name,
            depth: None | Some(0),
        } = item
        {
            if name == "stream:stream" {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// True once the server's `<stream:features>` (the greeting of XMPP over
/// direct TLS) is complete; the stream closing first, or anything that is
/// not XML, is an error.
fn features_end(scanner: &mut Scanner, plain: &[u8]) -> Result<bool, ()> {
    scanner.push(plain).map_err(drop)?;
    while let Some(item) = scanner.next().map_err(drop)? {
        match item {
            Item::Open {
                name,
                depth: 1,
                empty: true,
                ..
            }
            | Item::Close {
                name,
                depth: Some(1),
            } if name == "stream:features" => return Ok(true),
            Item::Close {
                depth: None | Some(0),
                ..
            } => return Err(()),
            _ => {}
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Limits;

    #[test]
    fn line_answers_end_after_the_awaited_count() {
        let mut sieve = LineAnswer::new(Limits::default(), true, crate::sieve::is_final, 2);
        assert_eq!(sieve.feed(b"\"STARTTLS\"\r\nOK \"caps\"\r\n\"SIE"), None);
        assert_eq!(
            sieve.feed(b"VE\" \"x\"\r\nOK \"Logout completed.\"\r\n"),
            Some(CloseOutcome::Clean)
        );
        let mut imap = LineAnswer::new(Limits::default(), true, crate::imap::logout_done, 1);
        assert_eq!(imap.feed(b"* BYE Logging out\r\n"), None);
        assert_eq!(
            imap.feed(b"a3 OK Logout completed.\r\n"),
            Some(CloseOutcome::Clean)
        );
        let mut long = LineAnswer::new(Limits::default(), false, |_| true, 1);
        let junk = vec![b'x'; Limits::default().reply_line + 1];
        assert_eq!(long.feed(&junk), Some(CloseOutcome::Error));
    }

    #[test]
    fn any_whole_reply_ends_the_wait_and_partial_ones_do_not() {
        let mut reader = ReplyReader::new(Limits::default());
        assert_eq!(reply_ends(&mut reader, b"221 2.0"), None);
        assert_eq!(
            reply_ends(&mut reader, b".0 Bye\r\n"),
            Some(CloseOutcome::Clean)
        );
        let mut reader = ReplyReader::new(Limits::default());
        assert_eq!(reply_ends(&mut reader, b"221-mail\r\n"), None);
        assert_eq!(
            reply_ends(&mut reader, b"221 bye\n"),
            Some(CloseOutcome::Clean)
        );
        let mut reader = ReplyReader::new(Limits::default());
        assert_eq!(
            reply_ends(&mut reader, b"\x00\x01garbage\r\n"),
            Some(CloseOutcome::Error)
        );
    }

    #[test]
    fn ftp_nntp_and_xmpp_goodbyes_end_on_their_answers() {
        use crate::numeric::Style;
        let mut ftp = Answer::Numbered(NumericReader::new(Style::MultiLine, Limits::default()));
        assert_eq!(ftp.feed(b"221-Goodbye.\r\nthanks\r\n"), None);
        assert_eq!(ftp.feed(b"221 bye\r\n"), Some(CloseOutcome::Clean));
        let mut xmpp = Answer::StreamEnd(Scanner::new(4096));
        assert_eq!(
            xmpp.feed(
                b"<?xml version='1.0'?><stream:stream xmlns='jabber:client'><stream:features/>"
            ),
            None
        );
        assert_eq!(xmpp.feed(b"</stream:stream>"), Some(CloseOutcome::Clean));
        let mut xmpp = Answer::StreamEnd(Scanner::new(4096));
        assert_eq!(xmpp.feed(b"<message/></stream:str"), None);
        assert_eq!(xmpp.feed(b"eam>"), Some(CloseOutcome::Clean));
        let mut xmpp = Answer::StreamEnd(Scanner::new(4096));
        assert_eq!(xmpp.feed(b"221 not xml\r\n"), Some(CloseOutcome::Error));
    }

    #[test]
    fn direct_tls_xmpp_greeting_ends_with_the_features() {
        let header = b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
        let mut greeting = Answer::Features(Scanner::new(4096));
        assert_eq!(greeting.feed(header), None);
        assert_eq!(greeting.feed(b"<stream:features><mechanisms"), None);
        assert_eq!(
            greeting.feed(b"/></stream:features>"),
            Some(CloseOutcome::Clean)
        );
        let mut empty = Answer::Features(Scanner::new(4096));
        assert_eq!(
            empty.feed(&[&header[..], b"<stream:features/>"].concat()),
            Some(CloseOutcome::Clean)
        );
        let mut refused = Answer::Features(Scanner::new(4096));
        assert_eq!(
            refused.feed(&[&header[..], b"<stream:error/></stream:stream>"].concat()),
            Some(CloseOutcome::Error)
        );
        let mut junk = Answer::Features(Scanner::new(4096));
        assert_eq!(
            junk.feed(b"220 (vsFTPd 3.0.3)\r\n"),
            Some(CloseOutcome::Error)
        );
    }
}
