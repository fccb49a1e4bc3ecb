//! Embedding mail-policy in a real Rust SMTP server: [`PolicyHandler`] implements
//! `mailin-embedded`'s `Handler` (one callback per SMTP stage) by walking a
//! `mail_policy::Session` through the same stages and answering with its verdicts.
//!
//! Run it: `cargo run -p examples --example smtp_server` (listens on 127.0.0.1:2525),
//! then talk SMTP to it (`nc 127.0.0.1 2525`, or `swaks --server 127.0.0.1:2525`).
//! The test `examples/tests/smtp_server.rs` does exactly that over loopback.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::io;
use std::net::IpAddr;

use chrono::Utc;
use mail_policy::port25::{DnsblAnswer, PtrAnswer};
use mail_policy::{Action, Connect, ContentScan, Engine, Session, Verdict};
use mailin_embedded::{Handler, Response, response};

/// One SMTP connection's policy: mailin clones a fresh handler (no session yet) for every
/// connection, and calls it at each stage.
pub struct PolicyHandler {
    engine: &'static Engine,
    /// The port the server listens on (its role: MX on 25, submission on 587/465).
    port: u16,
    session: Option<Session<'static>>,
    message: Vec<u8>,
    /// What the last end of message decided, for the caller to act on (header edits,
    /// deliveries); kept for inspection in tests and logs.
    last: Option<Verdict>,
}

impl Clone for PolicyHandler {
    // A new connection starts without a session.
    fn clone(&self) -> Self {
        Self::new(self.engine, self.port)
    }
}

impl PolicyHandler {
    /// A handler deciding with `engine` for a listener on `port`. The engine is shared by
    /// every connection for the life of the server, hence `'static` (for example
    /// `Box::leak(Box::new(engine))` once at start-up).
    pub fn new(engine: &'static Engine, port: u16) -> Self {
        Self {
            engine,
            port,
            session: None,
            message: Vec::new(),
            last: None,
        }
    }

    /// What the last end of message decided.
    pub fn last_verdict(&self) -> Option<&Verdict> {
        self.last.as_ref()
    }
}

/// mailin enforces the command order itself; this is only reached if it did not.
fn out_of_sequence() -> Response {
    Response::custom(503, "5.5.1 Error: send HELO/EHLO first".to_owned())
}

/// A verdict as mailin's reply: the code, then the enhanced code and the text.
fn respond(verdict: &Verdict, ok: Response) -> Response {
    match verdict.action {
        Action::Accept | Action::Discard => ok,
        Action::Reject | Action::Defer => Response::custom(
            verdict.reply.code,
            format!("{} {}", verdict.reply.enhanced, verdict.reply.text),
        ),
    }
}

impl Handler for PolicyHandler {
    fn helo(&mut self, ip: IpAddr, domain: &str) -> Response {
        // mailin has no callback at connect: the session starts at HELO/EHLO. A real
        // server passes the client's PTR and DNSBL answers from its resolver here.
        let (mut session, verdict) = self.engine.connect(&Connect {
            client_ip: ip,
            port: self.port,
            ptr: &PtrAnswer::NoName,
            dnsbl: &DnsblAnswer::NotListed,
            recent_messages: 0,
            explain: true,
        });
        if !verdict.is_accept() {
            return respond(&verdict, response::OK);
        }
        let verdict = session.ehlo(domain);
        self.session = Some(session);
        respond(&verdict, response::OK)
    }

    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> Response {
        let Some(session) = &mut self.session else {
            return out_of_sequence();
        };
        self.message.clear();
        let verdict = session.mail_from(&format!("<{from}>"), Utc::now());
        respond(&verdict, response::OK)
    }

    fn rcpt(&mut self, to: &str) -> Response {
        let Some(session) = &mut self.session else {
            return out_of_sequence();
        };
        let verdict = session.rcpt_to(&format!("<{to}>"));
        respond(&verdict, response::OK)
    }

    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        _to: &[String],
    ) -> Response {
        let Some(session) = &mut self.session else {
            return out_of_sequence();
        };
        let verdict = session.data();
        respond(&verdict, response::OK)
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        // Keep at most one octet more than the limit: enough to refuse, never more memory.
        let limit = usize::try_from(self.engine.mailbox_policy().limits().max_message_bytes() + 1)
            .unwrap_or(usize::MAX);
        let room = limit.saturating_sub(self.message.len());
        self.message.extend_from_slice(&buf[..buf.len().min(room)]);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let Some(session) = &mut self.session else {
            return out_of_sequence();
        };
        // A real server passes its SPF/DKIM/DMARC report here (or awaits
        // `end_of_message_verified` with the `dns-hickory` feature), applies
        // `verdict.edit_headers` and `add_headers`, and files the message per
        // `verdict.deliveries`.
        let verdict =
            session.end_of_message(&self.message, None, &ContentScan::default(), Utc::now());
        let reply = respond(&verdict, response::OK);
        self.last = Some(verdict);
        reply
    }
}
