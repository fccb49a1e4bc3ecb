//! What the session API returns at every stage: a [`Verdict`].

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use compact_str::CompactString;
use serde::Serialize;
use smallvec::SmallVec;

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

/// The checks of a verdict, in the order they were consulted. Read it as a slice
/// (`verdict.checks.iter()`, `verdict.checks[0]`, `verdict.checks.len()`). Up to three
/// are held without a heap allocation: most SMTP stages consult one to three rules, and a
/// server answers several stages per message.
///
/// ```
/// use mail_policy::{Check, Checks};
///
/// let mut checks = Checks::new();
/// for rule in ["P25-IN", "P25-TLS", "ADDR-RFC", "MBX-RCPT"] {
///     checks.push(Check { rule, outcome: String::new() });
/// }
/// assert_eq!(checks.len(), 4);
/// assert_eq!(checks[3].rule, "MBX-RCPT");
/// assert_eq!(checks.iter().filter(|c| c.rule.starts_with("P25")).count(), 2);
/// assert_eq!(checks.into_vec().len(), 4);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checks(SmallVec<[Check; 3]>);

impl Checks {
    /// No checks.
    pub fn new() -> Self {
        Self(SmallVec::new())
    }

    /// Appends a check.
    pub fn push(&mut self, check: Check) {
        self.0.push(check);
    }

    /// Makes room for `additional` more checks.
    pub fn reserve(&mut self, additional: usize) {
        self.0.reserve(additional);
    }

    /// The checks in a `Vec`.
    pub fn into_vec(self) -> Vec<Check> {
        self.0.into_vec()
    }
}

impl std::ops::Deref for Checks {
    type Target = [Check];

    fn deref(&self) -> &[Check] {
        &self.0
    }
}

impl std::ops::DerefMut for Checks {
    fn deref_mut(&mut self) -> &mut [Check] {
        &mut self.0
    }
}

impl<'a> IntoIterator for &'a Checks {
    type Item = &'a Check;
    type IntoIter = std::slice::Iter<'a, Check>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl FromIterator<Check> for Checks {
    fn from_iter<I: IntoIterator<Item = Check>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl Extend<Check> for Checks {
    fn extend<I: IntoIterator<Item = Check>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl From<Vec<Check>> for Checks {
    fn from(checks: Vec<Check>) -> Self {
        Self(SmallVec::from_vec(checks))
    }
}

impl Serialize for Checks {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter())
    }
}

/// A header field to add (prepended, in order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeaderField {
    /// The name: ours are constants (`Authentication-Results`), borrowed rather than
    /// allocated for every message.
    pub name: Cow<'static, str>,
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
    /// The recipient, normalised (`taro@aa2.so-net.ne.jp`). A `CompactString` reads as a
    /// `&str` and holds an address of up to 24 octets without a heap allocation.
    pub recipient: CompactString,
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
    pub checks: Checks,
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
    #[inline]
    pub fn new(stage: Stage, reply: Reply) -> Self {
        Self {
            stage,
            action: reply.action(),
            reply,
            add_headers: Vec::new(),
            edit_headers: Vec::new(),
            subject: None,
            deliveries: Vec::new(),
            checks: Checks::new(),
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

    /// The verdict with `earlier` checks before its own.
    pub(crate) fn with_checks(mut self, earlier: Checks) -> Self {
        let mut all = earlier;
        all.extend(std::mem::take(&mut self.checks).0);
        self.checks = all;
        self
    }
}
