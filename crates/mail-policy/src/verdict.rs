//! What the session API returns at every stage: a [`Verdict`].

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::mailbox::{ScanResult, SpamVerdict};
use crate::reply::{Action, Reply};

/// What the content scanners said of a message, for the end of message: the spam
/// classifier's verdict (SPAM-*) and the virus scanner's result (VIRUS-CHECK, read for
/// mailboxes that subscribe to incoming checks).
#[derive(Debug, Clone, PartialEq)]
pub struct ContentScan {
    /// The spam classifier's verdict.
    pub spam: SpamVerdict,
    /// The virus scanner's result, when the message was scanned.
    pub virus: Option<ScanResult>,
}

impl Default for ContentScan {
    /// Nothing known: no spam verdict, not scanned.
    fn default() -> Self {
        Self {
            spam: SpamVerdict::Unknown,
            virus: None,
        }
    }
}

impl ContentScan {
    /// A spam score, nothing else known.
    pub fn spam_score(score: f64) -> Self {
        Self {
            spam: SpamVerdict::Score(score),
            virus: None,
        }
    }
}

/// The SMTP stage a verdict answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The client connected.
    Connect,
    /// HELO/EHLO.
    Ehlo,
    /// AUTH.
    Auth,
    /// MAIL FROM.
    Mail,
    /// RCPT TO.
    Rcpt,
    /// DATA (before the message).
    Data,
    /// The end of the message.
    EndOfMessage,
}

/// One check consulted, for the explain trace: the `SPEC.md` rule and what it found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The rule ID (`MBX-SIZE`).
    pub rule: &'static str,
    /// What it found, with the figures.
    pub outcome: String,
}

/// A header field to add (prepended, in order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeaderField {
    /// The name.
    pub name: String,
    /// The value, folded, without the final CRLF.
    pub value: String,
}

/// An existing header field to remove or rename.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeaderEdit {
    /// The field's name as written.
    pub name: String,
    /// Which field: its position among all header fields of the message (0-based).
    pub index: usize,
    /// The new name, when renamed rather than removed.
    pub rename_to: Option<String>,
    /// The rule behind the edit.
    pub rule: &'static str,
}

/// What happens to the message for one local recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// The recipient.
    pub recipient: String,
    /// `inbox`, `junk`, `trash`, `discard`, `refuse`, or `not-kept` (forwarded without a
    /// copy).
    pub outcome: &'static str,
    /// Forwarding destinations.
    pub forward_to: Vec<String>,
    /// When the stored copy expires (MBX-RETAIN), if it does; RFC 3339 in JSON.
    pub expires: Option<DateTime<Utc>>,
}

/// The answer to one stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The stage answered.
    pub stage: Stage,
    /// What the MTA does.
    pub action: Action,
    /// The reply to send.
    pub reply: Reply,
    /// Header fields to prepend (`Authentication-Results`, `DKIM-Signature`).
    pub add_headers: Vec<HeaderField>,
    /// Header fields to remove or rename (forged `Authentication-Results`).
    pub edit_headers: Vec<HeaderEdit>,
    /// The new `Subject`, when it is rewritten (`[meiwaku]`).
    pub subject: Option<String>,
    /// Per local recipient: folder, forwards, expiry.
    pub deliveries: Vec<Delivery>,
    /// Every check consulted, in order.
    pub checks: Vec<Check>,
    /// Whether checks carry their outcome text (see [`crate::Session::set_explain`]).
    #[serde(skip)]
    pub(crate) explain: bool,
}

/// What a check found, formatted only when the session explains (a closure), or already
/// text.
pub(crate) trait Outcome {
    fn text(self) -> String;
}

impl Outcome for &'static str {
    fn text(self) -> String {
        self.to_owned()
    }
}

impl Outcome for String {
    fn text(self) -> String {
        self
    }
}

impl<F: FnOnce() -> String> Outcome for F {
    fn text(self) -> String {
        self()
    }
}

impl Verdict {
    /// A verdict of `reply` with the action it implies.
    pub fn new(stage: Stage, reply: Reply) -> Self {
        Self {
            stage,
            action: reply.action(),
            reply,
            add_headers: Vec::new(),
            edit_headers: Vec::new(),
            subject: None,
            deliveries: Vec::new(),
            checks: Vec::new(),
            explain: true,
        }
    }

    /// Whether the transaction goes on.
    pub fn is_accept(&self) -> bool {
        self.action == Action::Accept
    }

    /// Records a check; its outcome is formatted only when the session explains.
    pub(crate) fn check(&mut self, rule: &'static str, outcome: impl Outcome) {
        let outcome = if self.explain {
            outcome.text()
        } else {
            String::new()
        };
        self.checks.push(Check { rule, outcome });
    }

    pub(crate) fn with_checks(mut self, checks: Vec<Check>) -> Self {
        let mut all = checks;
        all.append(&mut self.checks);
        self.checks = all;
        self
    }
}
