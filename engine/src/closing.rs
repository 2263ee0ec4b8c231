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
//! - **A byte budget** ([`CLOSING_BYTE_BUDGET`]): a server that streams data
//!   after the handshake does not make the probe download and decrypt it for
//!   the whole closing limit; past the budget the probe stops reading
//!   ([`CloseOutcome::BudgetExceeded`]).
//!
//! [`Timeouts::closing`]: crate::Timeouts::closing

use bytes::BytesMut;

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
    /// The protocol defines no reply (LDAP unbind): the session is over once
    /// the goodbye is sent.
    None,
}

/// Waiting for the end of a session whose report is complete.
#[derive(Debug)]
pub(crate) struct Closing {
    tls: Box<TlsSession>,
    report: Box<Report>,
    answer: GoodbyeAnswer,
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
    /// Starts closing after the goodbye was queued on `tls`: ends at once
    /// (with close_notify) when the goodbye has no answer. Records to send
    /// go to `out`.
    pub(crate) fn start(
        mut tls: Box<TlsSession>,
        report: Box<Report>,
        answer: GoodbyeAnswer,
        out: &mut BytesMut,
    ) -> Step {
        if matches!(answer, GoodbyeAnswer::None) {
            tls.send_close_notify();
        }
        tls.write_to(out);
        match answer {
            GoodbyeAnswer::None => Step::Ended(report, CloseOutcome::Clean),
            answer => Step::Open(Box::new(Closing {
                tls,
                report,
                answer,
                received: 0,
            })),
        }
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
        let Closing { tls, answer, .. } = &mut *self;
        let outcome = match tls.receive_closing(taken, &mut |plain| reply_ends(answer, plain)) {
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
        match &self.answer {
            GoodbyeAnswer::Reply(r) => r.buffered(),
            GoodbyeAnswer::Numbered(r) => r.buffered(),
            GoodbyeAnswer::StreamEnd(s) => s.buffered(),
            GoodbyeAnswer::None => 0,
        }
    }
}

/// Whether `plain` completes the server's answer to our goodbye. Any reply
/// counts (servers answer `QUIT` with `221` or `205`; a `500` still shows
/// it read the goodbye), and so does an XMPP server's `</stream:stream>`;
/// bytes that are not a reply or not XML end the wait as an error.
fn reply_ends(answer: &mut GoodbyeAnswer, plain: &[u8]) -> Option<CloseOutcome> {
    let fed = match answer {
        GoodbyeAnswer::Reply(reader) => reader.feed(plain).map(|r| r.is_some()).map_err(drop),
        GoodbyeAnswer::Numbered(reader) => reader.feed(plain).map(|r| r.is_some()).map_err(drop),
        GoodbyeAnswer::StreamEnd(scanner) => stream_ends(scanner, plain),
        GoodbyeAnswer::None => Ok(true),
    };
    match fed {
        Ok(true) => Some(CloseOutcome::Clean),
        Ok(false) => None,
        Err(()) => Some(CloseOutcome::Error),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Limits;

    #[test]
    fn any_whole_reply_ends_the_wait_and_partial_ones_do_not() {
        let mut reader = GoodbyeAnswer::Reply(ReplyReader::new(Limits::default()));
        assert_eq!(reply_ends(&mut reader, b"221 2.0"), None);
        assert_eq!(
            reply_ends(&mut reader, b".0 Bye\r\n"),
            Some(CloseOutcome::Clean)
        );
        let mut reader = GoodbyeAnswer::Reply(ReplyReader::new(Limits::default()));
        assert_eq!(reply_ends(&mut reader, b"221-mail\r\n"), None);
        assert_eq!(
            reply_ends(&mut reader, b"221 bye\n"),
            Some(CloseOutcome::Clean)
        );
        let mut reader = GoodbyeAnswer::Reply(ReplyReader::new(Limits::default()));
        assert_eq!(
            reply_ends(&mut reader, b"\x00\x01garbage\r\n"),
            Some(CloseOutcome::Error)
        );
    }

    #[test]
    fn ftp_nntp_and_xmpp_goodbyes_end_on_their_answers() {
        use crate::numeric::Style;
        let mut ftp =
            GoodbyeAnswer::Numbered(NumericReader::new(Style::MultiLine, Limits::default()));
        assert_eq!(reply_ends(&mut ftp, b"221-Goodbye.\r\nthanks\r\n"), None);
        assert_eq!(
            reply_ends(&mut ftp, b"221 bye\r\n"),
            Some(CloseOutcome::Clean)
        );
        let mut xmpp = GoodbyeAnswer::StreamEnd(Scanner::new(4096));
        assert_eq!(
            reply_ends(
                &mut xmpp,
                b"<?xml version='1.0'?><stream:stream xmlns='jabber:client'><stream:features/>"
            ),
            None
        );
        assert_eq!(
            reply_ends(&mut xmpp, b"</stream:stream>"),
            Some(CloseOutcome::Clean)
        );
        let mut xmpp = GoodbyeAnswer::StreamEnd(Scanner::new(4096));
        assert_eq!(reply_ends(&mut xmpp, b"<message/></stream:str"), None);
        assert_eq!(reply_ends(&mut xmpp, b"eam>"), Some(CloseOutcome::Clean));
        let mut xmpp = GoodbyeAnswer::StreamEnd(Scanner::new(4096));
        assert_eq!(
            reply_ends(&mut xmpp, b"221 not xml\r\n"),
            Some(CloseOutcome::Error)
        );
    }
}
