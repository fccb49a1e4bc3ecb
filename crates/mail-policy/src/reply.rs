//! Replies in one place: how each crate's decision becomes an SMTP reply (RFC 5321 code,
//! RFC 3463 enhanced status code, a text naming the `SPEC.md` rule and the figures), in
//! Postfix's conventions. `docs/replies.md` lists every reply; a test checks the table
//! against this module.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What the MTA does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Go on (2xx/3xx).
    Accept,
    /// Refuse permanently (5xx).
    Reject,
    /// Refuse for now (4xx); the client retries.
    Defer,
    /// Accept, then drop the message (REJ-LIST in discard mode, a virus).
    Discard,
}

/// An SMTP reply: `552 5.3.4 Message too big for system (MBX-SIZE: …)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reply {
    /// The basic code (RFC 5321 §4.2).
    pub code: u16,
    /// The enhanced status code (RFC 3463), `5.3.4`.
    pub enhanced: &'static str,
    /// The text, naming the rule.
    pub text: Cow<'static, str>,
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.enhanced.is_empty() {
            write!(f, "{} {}", self.code, self.text)
        } else {
            write!(f, "{} {} {}", self.code, self.enhanced, self.text)
        }
    }
}

impl Reply {
    /// A reply; control characters in the text (from client-supplied addresses and
    /// names quoted in it) become `?`, so a reply is always one line on the wire, whatever
    /// the client sent.
    fn new(code: u16, enhanced: &'static str, text: impl Into<Cow<'static, str>>) -> Self {
        let mut text = text.into();
        // Borrowed texts are this module's constants; only formatted ones can carry what a
        // client sent.
        if matches!(text, Cow::Owned(_)) && text.chars().any(char::is_control) {
            text = Cow::Owned(
                text.chars()
                    .map(|c| if c.is_control() { '?' } else { c })
                    .collect(),
            );
        }
        Self {
            code,
            enhanced,
            text,
        }
    }

    /// The action the code implies.
    pub fn action(&self) -> Action {
        match self.code {
            500..=599 => Action::Reject,
            400..=499 => Action::Defer,
            _ => Action::Accept,
        }
    }
}

/// `250 2.0.0 Ok` and friends.
pub fn ok(stage: &str) -> Reply {
    match stage {
        "connect" => Reply::new(220, "2.0.0", "ESMTP ready"),
        "data" => Reply::new(354, "", "End data with <CR><LF>.<CR><LF>"),
        "auth" => Reply::new(235, "2.7.0", "Authentication successful"),
        "mail" | "rcpt" => Reply::new(250, "2.1.0", "Ok"),
        _ => Reply::new(250, "2.0.0", "Ok"),
    }
}

/// The end of data was accepted, queued (or discarded silently: the sender is not told).
pub fn queued() -> Reply {
    Reply::new(250, "2.0.0", "Ok: queued")
}

/// MBX-SIZE: the message (or its announced SIZE) is over the limit.
pub fn too_large(size: u64, limit: u64) -> Reply {
    Reply::new(
        552,
        "5.3.4",
        format!("Message size exceeds fixed limit (MBX-SIZE: {size} > {limit} octets)"),
    )
}

/// MBX-RCPT: one recipient more than the limit; the client sends the rest later.
pub fn too_many_recipients(limit: usize) -> Reply {
    Reply::new(
        452,
        "4.5.3",
        format!("Too many recipients (MBX-RCPT: at most {limit} per message)"),
    )
}

/// P25-SUBMIT: MAIL or RCPT on a submission port without AUTH.
pub fn auth_required() -> Reply {
    Reply::new(
        530,
        "5.7.0",
        "Authentication required (P25-SUBMIT: submission needs SMTP AUTH)",
    )
}

/// P25-TLS: a submission command before STARTTLS.
pub fn tls_required() -> Reply {
    Reply::new(
        530,
        "5.7.0",
        "Must issue a STARTTLS command first (P25-TLS)",
    )
}

/// P25-TLS: AUTH before STARTTLS.
pub fn encryption_required() -> Reply {
    Reply::new(
        538,
        "5.7.11",
        "Encryption required for requested authentication mechanism (P25-TLS)",
    )
}

/// P25-SUBMIT: AUTH on a port that does not offer it (the MX).
pub fn auth_not_offered() -> Reply {
    Reply::new(
        503,
        "5.5.1",
        "Error: authentication not enabled on this port (P25-SUBMIT)",
    )
}

/// P25-SUBMIT: relaying for an unauthenticated client.
pub fn relay_denied(recipient: &str) -> Reply {
    Reply::new(
        554,
        "5.7.1",
        format!("<{recipient}>: Relay access denied (P25-SUBMIT)"),
    )
}

/// P25-SUBMIT: the sender address is not the authenticated account's.
pub fn sender_not_owned(sender: &str, identity: &str) -> Reply {
    Reply::new(
        553,
        "5.7.1",
        format!("<{sender}>: Sender address rejected: not owned by user {identity} (P25-SUBMIT)"),
    )
}

/// P25-IN: a dynamic-address client sending directly to the MX.
pub fn dynamic_client(client: IpAddr, contact: &str) -> Reply {
    Reply::new(
        554,
        "5.7.1",
        format!(
            "Client host [{client}] blocked: dynamic address sending direct to MX; \
             use your provider's mail server or contact {contact} (P25-IN)"
        ),
    )
}

/// P25-IN: the client could not be classified because DNS failed.
pub fn client_unverified(client: IpAddr) -> Reply {
    Reply::new(
        450,
        "4.7.1",
        format!(
            "Client host [{client}] rejected: cannot check your address now, try later (P25-IN)"
        ),
    )
}

/// RATE-SEND: over a send limit; the text says when sending resumes.
pub fn rate_limited(limit: &str, resume_at: Option<DateTime<Utc>>) -> Reply {
    let when = resume_at.map_or_else(
        || "later".to_owned(),
        |t| format!("after {}", t.format("%Y-%m-%dT%H:%M:%SZ")),
    );
    Reply::new(
        450,
        "4.7.1",
        format!("Sending rate exceeded (RATE-SEND: limit {limit}); try again {when}"),
    )
}

/// GEO-RESTRICT / GEO-AUTO: the account refuses access from abroad.
pub fn overseas_refused(client: IpAddr, rule: &str) -> Reply {
    Reply::new(
        550,
        "5.7.1",
        format!("Access from [{client}] outside Japan is refused for this account ({rule})"),
    )
}

/// ADDR-RFC: MAIL FROM that does not parse.
pub fn bad_sender(error: &str) -> Reply {
    Reply::new(
        501,
        "5.1.7",
        format!("Bad sender address syntax: {error} (ADDR-RFC)"),
    )
}

/// ADDR-RFC: RCPT TO that does not parse.
pub fn bad_recipient(error: &str) -> Reply {
    Reply::new(
        501,
        "5.1.3",
        format!("Bad recipient address syntax: {error} (ADDR-RFC)"),
    )
}

/// RCPT before MAIL, DATA before RCPT.
pub fn bad_sequence(what: &str) -> Reply {
    Reply::new(503, "5.5.1", format!("Error: {what}"))
}

/// REJ-LIST: every recipient's reject list refuses the message.
pub fn reject_list() -> Reply {
    Reply::new(
        550,
        "5.7.1",
        "Message refused by the recipient's reject list (REJ-LIST)",
    )
}

/// VIRUS-CHECK: a virus was found and the mailbox refuses infected mail.
pub fn virus(name: &str) -> Reply {
    Reply::new(
        554,
        "5.7.1",
        format!("Message refused: virus {name} found (VIRUS-CHECK)"),
    )
}

/// AUTH-IN-DMARC-NOENFORCE (enforce mode): the sender's DMARC policy says reject.
pub fn dmarc_reject(detail: &str) -> Reply {
    Reply::new(
        550,
        "5.7.1",
        format!("Message rejected by DMARC policy: {detail} (AUTH-IN-DMARC-NOENFORCE)"),
    )
}

/// A message that cannot be read (no header section).
pub fn unreadable(error: &str) -> Reply {
    Reply::new(550, "5.6.0", format!("Message not readable: {error}"))
}

/// Every reply this module gives, with a sample of its arguments: the source of
/// `docs/replies.md`, checked by a test.
pub fn table() -> Vec<(&'static str, &'static str, Reply)> {
    let client: IpAddr = IpAddr::from([203, 0, 113, 5]);
    vec![
        (
            "MBX-SIZE",
            "SIZE= or the message over 20 MiB",
            too_large(20_971_521, 20_971_520),
        ),
        ("MBX-RCPT", "the 201st RCPT", too_many_recipients(200)),
        (
            "P25-SUBMIT",
            "MAIL/RCPT on 587/465 without AUTH",
            auth_required(),
        ),
        ("P25-TLS", "MAIL on 587 before STARTTLS", tls_required()),
        ("P25-TLS", "AUTH before STARTTLS", encryption_required()),
        ("P25-SUBMIT", "AUTH on the MX", auth_not_offered()),
        (
            "P25-SUBMIT",
            "relay attempt on the MX",
            relay_denied("someone@example.com"),
        ),
        (
            "P25-SUBMIT",
            "MAIL FROM not the account's",
            sender_not_owned("boss@example.com", "taro@aa2.so-net.ne.jp"),
        ),
        (
            "P25-IN",
            "dynamic client on port 25",
            dynamic_client(client, "support"),
        ),
        (
            "P25-IN",
            "client not classifiable (DNS failure)",
            client_unverified(client),
        ),
        (
            "RATE-SEND",
            "over a send limit",
            rate_limited("messages-10min", None),
        ),
        (
            "GEO-RESTRICT",
            "AUTH from abroad, switch on",
            overseas_refused(client, "GEO-RESTRICT"),
        ),
        (
            "GEO-AUTO",
            "AUTH from abroad, restricted automatically",
            overseas_refused(client, "GEO-AUTO"),
        ),
        (
            "ADDR-RFC",
            "MAIL FROM unparsable",
            bad_sender("empty local part at byte 1"),
        ),
        (
            "ADDR-RFC",
            "RCPT TO unparsable",
            bad_recipient("empty local part at byte 1"),
        ),
        (
            "",
            "RCPT before MAIL, DATA before RCPT",
            bad_sequence("need MAIL command"),
        ),
        (
            "REJ-LIST",
            "every recipient's reject list matches (reject mode)",
            reject_list(),
        ),
        (
            "VIRUS-CHECK",
            "virus found, mailbox refuses",
            virus("EICAR-Test-File"),
        ),
        (
            "AUTH-IN-DMARC-NOENFORCE",
            "DMARC fail, p=reject, operator enforces",
            dmarc_reject("dmarc=fail for example.com (p=reject)"),
        ),
        (
            "",
            "message without a header section",
            unreadable("no header section"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn client_text_cannot_break_a_reply_into_lines() {
        let reply = super::sender_not_owned("a@b.example", "taro@aa2\r\n250 Ok\r\n.so-net.ne.jp");
        assert!(!reply.text.contains(['\r', '\n']), "{}", reply.text);
        assert!(
            reply.text.contains("taro@aa2??250 Ok??.so-net.ne.jp"),
            "{}",
            reply.text
        );
        assert!(matches!(
            super::ok("rcpt").text,
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
