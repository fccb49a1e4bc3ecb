//! SPAM-SORT, SPAM-LEVEL, VIRUS-CHECK: what the outside classifier's verdict and the
//! virus scanner's result do to a message.

use serde::{Deserialize, Serialize};

use crate::Rule;
use crate::error::Error;
use crate::message::IncomingMessage;
use crate::reject::Haystacks;
use crate::text::normalize;

/// The subject tag of mode A.
pub const SPAM_TAG: &str = "[meiwaku]";

/// How spam is handled (SPAM-SORT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpamMode {
    /// No sorting.
    #[default]
    Off,
    /// Mode A: prefix the subject with `[meiwaku]`.
    TagSubject,
    /// Mode B: file into the server-side spam folder (MBX-RETAIN-JUNK applies).
    SpamFolder,
}

/// What a pass-list or block-list entry looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ListField {
    /// `From`.
    Sender,
    /// `To`.
    Recipient,
    /// `Subject`.
    Subject,
}

/// A pass-list or block-list entry: `{ field = "sender", contains = "example.com" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListEntry {
    /// What it looks at.
    pub field: ListField,
    /// The field contains this (decoded, NFKC, any case).
    pub contains: String,
}

/// A mailbox's spam-sorting settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpamConfig {
    /// Off, tag, or folder.
    pub mode: SpamMode,
    /// Sensitivity 1 (least: only certain spam) to 4 (most). Default 2.
    pub level: u8,
    /// Senders, recipients or subjects that are never spam.
    pub pass_list: Vec<ListEntry>,
    /// Senders, recipients or subjects that are always spam.
    pub block_list: Vec<ListEntry>,
}

impl Default for SpamConfig {
    fn default() -> Self {
        Self {
            mode: SpamMode::Off,
            level: 2,
            pass_list: Vec::new(),
            block_list: Vec::new(),
        }
    }
}

/// Operator setting: the classifier score at or above which a message is spam, for each
/// sensitivity level (SPAM-LEVEL). Default `[15.0, 10.0, 7.0, 5.0]` (rspamd-like
/// scores: level 1 takes only the clearest spam).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SpamThresholds(pub [f64; 4]);

impl Default for SpamThresholds {
    fn default() -> Self {
        Self([15.0, 10.0, 7.0, 5.0])
    }
}

/// What the outside classifier says of a message.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpamVerdict {
    /// Not classified.
    Unknown,
    /// A score; compared with the level's threshold.
    Score(f64),
    /// The classifier's own yes/no.
    Spam(bool),
}

/// Why a message is (or is not) spam.
#[derive(Debug, Clone, PartialEq)]
pub enum SpamOutcome {
    /// Not spam, or sorting is off.
    Clean,
    /// On the pass list: never spam.
    Passed {
        /// The entry's index in the pass list.
        entry: usize,
    },
    /// Spam.
    Spam {
        /// Why.
        reason: SpamReason,
        /// What to do: tag or file.
        mode: SpamMode,
        /// The rule: SPAM-LEVEL for a score or a list, SPAM-SORT for a verdict.
        rule: Rule,
    },
}

/// Why a message is spam.
#[derive(Debug, Clone, PartialEq)]
pub enum SpamReason {
    /// The score reached the level's threshold.
    Score {
        /// The score.
        score: f64,
        /// The threshold of the mailbox's level.
        threshold: f64,
        /// The level.
        level: u8,
    },
    /// The classifier said spam.
    Verdict,
    /// On the block list.
    BlockList {
        /// The entry's index in the block list.
        entry: usize,
    },
}

/// Compiled spam settings of a mailbox.
#[derive(Debug, Clone)]
pub struct SpamSorting {
    mode: SpamMode,
    level: u8,
    threshold: f64,
    pass: Vec<(ListField, String)>,
    block: Vec<(ListField, String)>,
}

fn compile_list(entries: &[ListEntry], name: &str) -> Result<Vec<(ListField, String)>, Error> {
    entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let text = normalize(entry.contains.trim());
            if text.is_empty() || text.chars().any(char::is_control) {
                return Err(Error::Setting {
                    field: format!("spam.{name}[{i}].contains"),
                    reason: "must be non-empty text without control characters".to_owned(),
                });
            }
            Ok((entry.field, text))
        })
        .collect()
}

fn find(list: &[(ListField, String)], haystacks: &Haystacks) -> Option<usize> {
    list.iter().position(|(field, text)| {
        let haystack = match field {
            ListField::Sender => &haystacks.from,
            ListField::Recipient => &haystacks.to,
            ListField::Subject => &haystacks.subject,
        };
        haystack.contains(text.as_str())
    })
}

impl SpamSorting {
    /// Validates and compiles spam settings against the operator's thresholds.
    pub fn compile(config: &SpamConfig, thresholds: &SpamThresholds) -> Result<Self, Error> {
        if !(1..=4).contains(&config.level) {
            return Err(Error::Setting {
                field: "spam.level".to_owned(),
                reason: format!("levels are 1 to 4, got {}", config.level),
            });
        }
        Ok(Self {
            mode: config.mode,
            level: config.level,
            threshold: thresholds.0[usize::from(config.level - 1)],
            pass: compile_list(&config.pass_list, "pass_list")?,
            block: compile_list(&config.block_list, "block_list")?,
        })
    }

    /// Classifies a message: pass list first, then block list, then the verdict.
    pub fn evaluate(&self, message: &IncomingMessage, verdict: SpamVerdict) -> SpamOutcome {
        self.evaluate_with(&Haystacks::of(message), verdict)
    }

    /// Whether sorting is switched off (then it never looks at a message).
    pub(crate) fn is_off(&self) -> bool {
        self.mode == SpamMode::Off
    }

    pub(crate) fn evaluate_with(&self, haystacks: &Haystacks, verdict: SpamVerdict) -> SpamOutcome {
        if self.mode == SpamMode::Off {
            return SpamOutcome::Clean;
        }
        if let Some(entry) = find(&self.pass, haystacks) {
            return SpamOutcome::Passed { entry };
        }
        let spam = |reason, rule| SpamOutcome::Spam {
            reason,
            mode: self.mode,
            rule,
        };
        if let Some(entry) = find(&self.block, haystacks) {
            return spam(SpamReason::BlockList { entry }, Rule::SpamLevel);
        }
        match verdict {
            SpamVerdict::Score(score) if score >= self.threshold => spam(
                SpamReason::Score {
                    score,
                    threshold: self.threshold,
                    level: self.level,
                },
                Rule::SpamLevel,
            ),
            SpamVerdict::Spam(true) => spam(SpamReason::Verdict, Rule::SpamSort),
            _ => SpamOutcome::Clean,
        }
    }
}

/// The new raw `Subject` value for mode A, or `None` when the subject is already tagged
/// (never twice). The tag goes in front of the raw value with a space between, which
/// keeps encoded words valid (RFC 2047 §5: an encoded word is separated from text by
/// white space) whatever the charset.
pub fn tag_subject(decoded: Option<&str>, raw: Option<&str>) -> Option<String> {
    if decoded.is_some_and(|s| s.trim_start().starts_with(SPAM_TAG)) {
        return None;
    }
    match raw.map(str::trim) {
        None | Some("") => Some(SPAM_TAG.to_owned()),
        Some(raw) => Some(format!("{SPAM_TAG} {raw}")),
    }
}

/// The direction of a message, for the virus check's two subscriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Sent by the customer (submission).
    Outgoing,
    /// Received for the customer.
    Incoming,
}

/// What a positive scan does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VirusAction {
    /// Deliver the scanner's cleaned copy (the infected part removed): the seed's
    /// "checked and cleaned on the server".
    #[default]
    Clean,
    /// Drop the message.
    Discard,
    /// Refuse it at SMTP time (554 5.7.0 at end of data).
    Refuse,
}

/// A mailbox's virus-check subscriptions (165 yen/month each direction).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VirusConfig {
    /// Scan mail the customer sends.
    pub outgoing: bool,
    /// Scan mail the customer receives.
    pub incoming: bool,
    /// What a positive result does.
    pub on_virus: VirusAction,
}

/// What the scanner found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanResult {
    /// Nothing.
    Clean,
    /// A virus, by name.
    Infected(String),
}

impl VirusConfig {
    /// Whether a message in `direction` must be scanned (VIRUS-CHECK).
    pub fn must_scan(&self, direction: Direction) -> bool {
        match direction {
            Direction::Outgoing => self.outgoing,
            Direction::Incoming => self.incoming,
        }
    }

    /// What a scan result does: `None` when clean.
    pub fn on_result(&self, result: &ScanResult) -> Option<VirusAction> {
        match result {
            ScanResult::Clean => None,
            ScanResult::Infected(_) => Some(self.on_virus),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(from: &str, subject: &str) -> IncomingMessage {
        let raw =
            format!("From: {from}\r\nTo: taro@aa2.so-net.ne.jp\r\nSubject: {subject}\r\n\r\n");
        IncomingMessage::parse(raw.as_bytes(), 1).unwrap()
    }

    fn sorting(mode: SpamMode, level: u8) -> SpamSorting {
        let config = SpamConfig {
            mode,
            level,
            pass_list: vec![ListEntry {
                field: ListField::Sender,
                contains: "friend.example".into(),
            }],
            block_list: vec![ListEntry {
                field: ListField::Subject,
                contains: "ＣＡＳＩＮＯ".into(),
            }],
        };
        SpamSorting::compile(&config, &SpamThresholds::default()).unwrap()
    }

    #[test]
    fn levels_map_to_thresholds() {
        let m = message("x@example.com", "hello");
        assert_eq!(
            sorting(SpamMode::SpamFolder, 1).evaluate(&m, SpamVerdict::Score(12.0)),
            SpamOutcome::Clean
        );
        assert!(matches!(
            sorting(SpamMode::SpamFolder, 2).evaluate(&m, SpamVerdict::Score(12.0)),
            SpamOutcome::Spam { reason: SpamReason::Score { threshold, level: 2, .. }, rule: Rule::SpamLevel, .. } if threshold == 10.0
        ));
        assert!(matches!(
            sorting(SpamMode::SpamFolder, 4).evaluate(&m, SpamVerdict::Score(5.0)),
            SpamOutcome::Spam { .. }
        ));
        assert_eq!(
            sorting(SpamMode::SpamFolder, 4).evaluate(&m, SpamVerdict::Score(4.9)),
            SpamOutcome::Clean
        );
        assert!(matches!(
            sorting(SpamMode::TagSubject, 1).evaluate(&m, SpamVerdict::Spam(true)),
            SpamOutcome::Spam {
                rule: Rule::SpamSort,
                mode: SpamMode::TagSubject,
                ..
            }
        ));
        assert_eq!(
            sorting(SpamMode::Off, 4).evaluate(&m, SpamVerdict::Spam(true)),
            SpamOutcome::Clean
        );
        assert!(
            matches!(SpamSorting::compile(&SpamConfig { level: 5, ..Default::default() }, &SpamThresholds::default()), Err(Error::Setting { field, .. }) if field == "spam.level")
        );
    }

    #[test]
    fn pass_and_block_lists() {
        let s = sorting(SpamMode::SpamFolder, 2);
        assert_eq!(
            s.evaluate(
                &message("a@friend.example", "casino"),
                SpamVerdict::Spam(true)
            ),
            SpamOutcome::Passed { entry: 0 }
        );
        assert!(matches!(
            s.evaluate(
                &message("a@x.example", "Big Casino night"),
                SpamVerdict::Unknown
            ),
            SpamOutcome::Spam {
                reason: SpamReason::BlockList { entry: 0 },
                ..
            }
        ));
    }

    #[test]
    fn subject_tagging() {
        assert_eq!(
            tag_subject(Some("hello"), Some("hello")).as_deref(),
            Some("[meiwaku] hello")
        );
        let encoded = "=?ISO-2022-JP?B?GyRCTCQ+NUJ6OS05cBsoQg==?=";
        let tagged = tag_subject(Some("未承諾広告"), Some(encoded)).unwrap();
        assert_eq!(tagged, format!("[meiwaku] {encoded}"));
        // The tagged value still decodes to the tag plus the original subject.
        let raw = format!("Subject: {tagged}\r\n\r\n");
        let reparsed = IncomingMessage::parse(raw.as_bytes(), 1).unwrap();
        assert_eq!(reparsed.subject.as_deref(), Some("[meiwaku] 未承諾広告"));
        // Never twice.
        assert_eq!(
            tag_subject(reparsed.subject.as_deref(), reparsed.raw_subject.as_deref()),
            None
        );
        assert_eq!(tag_subject(None, None).as_deref(), Some("[meiwaku]"));
    }

    #[test]
    fn virus_check() {
        let config = VirusConfig {
            outgoing: false,
            incoming: true,
            on_virus: VirusAction::Discard,
        };
        assert!(config.must_scan(Direction::Incoming));
        assert!(!config.must_scan(Direction::Outgoing));
        assert_eq!(config.on_result(&ScanResult::Clean), None);
        assert_eq!(
            config.on_result(&ScanResult::Infected("EICAR".into())),
            Some(VirusAction::Discard)
        );
    }
}
