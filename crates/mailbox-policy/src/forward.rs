//! FWD-*: forwarding ("メール転送"): up to 5 destinations with up to 30 conditions each,
//! the keep-a-copy switch, confirmation by a 6-digit setting key, and loop prevention.

use chrono::{DateTime, Utc};
use mail_policy_address_rules::Mailbox;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::Rule;
use crate::error::Error;
use crate::message::{IncomingMessage, Priority};
use crate::reject::Haystacks;
use crate::text::normalize;

/// FWD-RULES: at most 5 destinations.
pub const MAX_DESTINATIONS: usize = 5;
/// FWD-RULES: at most 30 conditions per destination.
pub const MAX_CONDITIONS: usize = 30;

/// What a condition looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForwardField {
    /// `From` (decoded display names and addresses).
    From,
    /// `To` (decoded display names and addresses).
    To,
    /// `Subject`, decoded.
    Subject,
    /// `X-Priority` / `Importance`.
    Priority,
}

/// One condition: `{ field = "subject", contains = "invoice" }` or
/// `{ field = "priority", priority = "high" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardCondition {
    /// What it looks at.
    pub field: ForwardField,
    /// Text conditions: the field contains this (decoded, NFKC, any case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    /// Priority conditions: the message has this priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
}

/// Whether a destination takes the mail that matches its conditions or the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForwardWhen {
    /// Forward mail that matches (any condition); no conditions means all mail.
    #[default]
    Matching,
    /// Forward mail that matches none of the conditions.
    NotMatching,
}

/// A pending confirmation (FWD-CONSENT): the key mailed to the destination, when it
/// expires, and how many wrong tries are left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingConfirmation {
    /// The 6-digit setting key.
    pub key: String,
    /// After this instant the key no longer confirms.
    pub expires_at: DateTime<Utc>,
    /// Wrong keys still allowed before the key is void (a million keys, a handful of
    /// tries).
    pub attempts_left: u32,
}

/// The confirmation state of a destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confirmation {
    /// Confirmed by its owner: active.
    Confirmed,
    /// Waiting for the owner to enter the key: inactive.
    Pending(PendingConfirmation),
}

/// One destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardDestination {
    /// Where to forward.
    pub address: String,
    /// Matching mail or the rest.
    #[serde(default)]
    pub when: ForwardWhen,
    /// Up to 30 conditions, any of which makes a message match.
    #[serde(default)]
    pub conditions: Vec<ForwardCondition>,
    /// Active only once confirmed.
    pub confirmation: Confirmation,
}

/// A mailbox's forwarding settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ForwardingConfig {
    /// Keep a copy in the mailbox (FWD-KEEP). Default on.
    pub keep_copy: bool,
    /// Up to 5 destinations.
    pub destinations: Vec<ForwardDestination>,
}

impl Default for ForwardingConfig {
    fn default() -> Self {
        Self {
            keep_copy: true,
            destinations: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
enum CompiledCondition {
    From(String),
    To(String),
    Subject(String),
    Priority(Priority),
}

#[derive(Debug, Clone)]
struct CompiledDestination {
    address: Mailbox,
    when: ForwardWhen,
    conditions: Vec<CompiledCondition>,
    active: bool,
}

/// Compiled forwarding settings of one mailbox.
#[derive(Debug, Clone)]
pub struct Forwarding {
    mailbox: String,
    keep_copy: bool,
    destinations: Vec<CompiledDestination>,
}

/// What forwarding does with one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardOutcome {
    /// Where copies go.
    pub targets: Vec<Mailbox>,
    /// Whether the mailbox keeps a copy (always, when nothing is forwarded).
    pub keep_copy: bool,
    /// The header every forwarded copy carries (FWD-LOOP).
    pub marker: (String, String),
    /// True when forwarding was skipped because the message already went through this
    /// mailbox's forwarding (FWD-LOOP).
    pub loop_detected: bool,
    /// Destinations skipped because they are not confirmed yet (FWD-CONSENT).
    pub unconfirmed: usize,
}

impl Forwarding {
    /// Validates and compiles the forwarding settings of `mailbox`.
    pub fn compile(mailbox: &Mailbox, config: &ForwardingConfig) -> Result<Self, Error> {
        if config.destinations.len() > MAX_DESTINATIONS {
            return Err(Error::TooMany {
                field: "forwarding.destinations".to_owned(),
                count: config.destinations.len(),
                limit: MAX_DESTINATIONS,
                rule: Rule::FwdRules,
            });
        }
        let own = mailbox.normalized();
        let mut destinations = Vec::with_capacity(config.destinations.len());
        for (i, destination) in config.destinations.iter().enumerate() {
            let field = |name: &str| format!("forwarding.destinations[{i}].{name}");
            let address: Mailbox = destination.address.parse().map_err(|e| Error::Setting {
                field: field("address"),
                reason: format!("{e}"),
            })?;
            if address.normalized() == own {
                return Err(Error::Setting {
                    field: field("address"),
                    reason: "a mailbox cannot forward to itself (FWD-LOOP)".to_owned(),
                });
            }
            if destination.conditions.len() > MAX_CONDITIONS {
                return Err(Error::TooMany {
                    field: field("conditions"),
                    count: destination.conditions.len(),
                    limit: MAX_CONDITIONS,
                    rule: Rule::FwdRules,
                });
            }
            let mut conditions = Vec::with_capacity(destination.conditions.len());
            for (j, condition) in destination.conditions.iter().enumerate() {
                let bad = |reason: &str| Error::Setting {
                    field: format!("forwarding.destinations[{i}].conditions[{j}]"),
                    reason: reason.to_owned(),
                };
                let compiled = match (condition.field, &condition.contains, condition.priority) {
                    (ForwardField::Priority, None, Some(priority)) => {
                        CompiledCondition::Priority(priority)
                    }
                    (ForwardField::Priority, _, _) => {
                        return Err(bad("a priority condition takes priority only"));
                    }
                    (field, Some(text), None) => {
                        let text = normalize(text.trim());
                        if text.is_empty() || text.chars().any(char::is_control) {
                            return Err(bad(
                                "contains must be non-empty text without control characters",
                            ));
                        }
                        match field {
                            ForwardField::From => CompiledCondition::From(text),
                            ForwardField::To => CompiledCondition::To(text),
                            _ => CompiledCondition::Subject(text),
                        }
                    }
                    _ => return Err(bad("a text condition takes contains only")),
                };
                conditions.push(compiled);
            }
            destinations.push(CompiledDestination {
                address: address.normalized(),
                when: destination.when,
                conditions,
                active: destination.confirmation == Confirmation::Confirmed,
            });
        }
        Ok(Self {
            mailbox: own.to_string(),
            keep_copy: config.keep_copy,
            destinations,
        })
    }

    /// True if no destination is set.
    pub fn is_empty(&self) -> bool {
        self.destinations.is_empty()
    }

    /// Decides where a message goes.
    pub fn evaluate(&self, message: &IncomingMessage) -> ForwardOutcome {
        self.evaluate_with(message, &Haystacks::of(message))
    }

    pub(crate) fn evaluate_with(
        &self,
        message: &IncomingMessage,
        haystacks: &Haystacks,
    ) -> ForwardOutcome {
        let marker = (
            crate::FORWARD_MARKER_HEADER.to_owned(),
            self.mailbox.clone(),
        );
        let looped = message.forwarded_by.contains(&self.mailbox)
            || message.delivered_to.contains(&self.mailbox);
        if looped || self.destinations.is_empty() {
            return ForwardOutcome {
                targets: Vec::new(),
                keep_copy: true,
                marker,
                loop_detected: looped && !self.destinations.is_empty(),
                unconfirmed: 0,
            };
        }
        let mut targets = Vec::new();
        let mut unconfirmed = 0;
        for destination in &self.destinations {
            let matches = destination.conditions.is_empty()
                || destination.conditions.iter().any(|c| match c {
                    CompiledCondition::From(t) => haystacks.from.contains(t.as_str()),
                    CompiledCondition::To(t) => haystacks.to.contains(t.as_str()),
                    CompiledCondition::Subject(t) => haystacks.subject.contains(t.as_str()),
                    CompiledCondition::Priority(p) => message.priority == *p,
                });
            let wanted = match destination.when {
                ForwardWhen::Matching => matches,
                ForwardWhen::NotMatching => !matches,
            };
            if !wanted {
                continue;
            }
            if destination.active {
                if !targets.contains(&destination.address) {
                    targets.push(destination.address.clone());
                }
            } else {
                unconfirmed += 1;
            }
        }
        ForwardOutcome {
            keep_copy: self.keep_copy || targets.is_empty(),
            targets,
            marker,
            loop_detected: false,
            unconfirmed,
        }
    }
}

/// The outcome of entering a setting key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmOutcome {
    /// The key was right: mark the destination [`Confirmation::Confirmed`].
    Confirmed,
    /// The key was wrong; this many tries are left.
    WrongKey {
        /// Tries left.
        attempts_left: u32,
    },
    /// The key has expired, or no tries are left: issue a new one.
    Expired,
}

impl PendingConfirmation {
    /// Issues a 6-digit key valid until `expires_at`, with `attempts` wrong tries allowed.
    /// `fill_random` is the caller's source of randomness (a CSPRNG such as `getrandom`);
    /// digits are drawn without modulo bias.
    pub fn issue(
        mut fill_random: impl FnMut(&mut [u8]),
        expires_at: DateTime<Utc>,
        attempts: u32,
    ) -> Self {
        // 2^32 - (2^32 mod 10^6): values at or above this would favour low keys.
        const LIMIT: u32 = u32::MAX - (u32::MAX % 1_000_000) - 1;
        let value = loop {
            let mut bytes = [0u8; 4];
            fill_random(&mut bytes);
            let candidate = u32::from_le_bytes(bytes);
            if candidate <= LIMIT {
                break candidate % 1_000_000;
            }
        };
        Self {
            key: format!("{value:06}"),
            expires_at,
            attempts_left: attempts,
        }
    }

    /// Checks an entered key at `now`, in constant time, and counts the try.
    pub fn verify(&mut self, entered: &str, now: DateTime<Utc>) -> ConfirmOutcome {
        if now >= self.expires_at || self.attempts_left == 0 {
            return ConfirmOutcome::Expired;
        }
        let entered = entered.trim();
        let equal: bool = entered.as_bytes().ct_eq(self.key.as_bytes()).into();
        if equal {
            return ConfirmOutcome::Confirmed;
        }
        self.attempts_left -= 1;
        if self.attempts_left == 0 {
            return ConfirmOutcome::Expired;
        }
        ConfirmOutcome::WrongKey {
            attempts_left: self.attempts_left,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn taro() -> Mailbox {
        "taro@aa2.so-net.ne.jp".parse().unwrap()
    }

    fn destination(
        address: &str,
        when: ForwardWhen,
        conditions: Vec<ForwardCondition>,
    ) -> ForwardDestination {
        ForwardDestination {
            address: address.into(),
            when,
            conditions,
            confirmation: Confirmation::Confirmed,
        }
    }

    fn text(field: ForwardField, contains: &str) -> ForwardCondition {
        ForwardCondition {
            field,
            contains: Some(contains.into()),
            priority: None,
        }
    }

    fn message(extra: &str) -> IncomingMessage {
        let raw = format!(
            "From: Boss <boss@work.example>\r\nTo: taro@aa2.so-net.ne.jp\r\nSubject: =?UTF-8?B?6KuL5rGC5pu4?= invoice\r\n{extra}\r\n"
        );
        IncomingMessage::parse(raw.as_bytes(), 100).unwrap()
    }

    #[test]
    fn matching_and_not_matching() {
        let config = ForwardingConfig {
            keep_copy: false,
            destinations: vec![
                destination(
                    "work@example.com",
                    ForwardWhen::Matching,
                    vec![text(ForwardField::From, "WORK.example")],
                ),
                destination(
                    "rest@example.com",
                    ForwardWhen::NotMatching,
                    vec![text(ForwardField::Subject, "請求書")],
                ),
                destination("all@example.com", ForwardWhen::Matching, vec![]),
                destination(
                    "urgent@example.com",
                    ForwardWhen::Matching,
                    vec![ForwardCondition {
                        field: ForwardField::Priority,
                        contains: None,
                        priority: Some(Priority::High),
                    }],
                ),
            ],
        };
        let forwarding = Forwarding::compile(&taro(), &config).unwrap();
        let outcome = forwarding.evaluate(&message(""));
        let targets: Vec<String> = outcome.targets.iter().map(ToString::to_string).collect();
        assert_eq!(targets, ["work@example.com", "all@example.com"]);
        assert!(!outcome.keep_copy);
        assert_eq!(
            outcome.marker,
            (
                "X-Mail-Policy-Forwarded".into(),
                "taro@aa2.so-net.ne.jp".into()
            )
        );
        let urgent = forwarding.evaluate(&message("X-Priority: 1\r\n"));
        assert!(
            urgent
                .targets
                .iter()
                .any(|t| t.to_string() == "urgent@example.com")
        );
    }

    #[test]
    fn loops_are_not_forwarded() {
        let config = ForwardingConfig {
            keep_copy: false,
            destinations: vec![destination("a@example.com", ForwardWhen::Matching, vec![])],
        };
        let forwarding = Forwarding::compile(&taro(), &config).unwrap();
        for header in [
            "X-Mail-Policy-Forwarded: Taro@aa2.so-net.ne.jp\r\n",
            "Delivered-To: taro@aa2.so-net.ne.jp\r\n",
        ] {
            let outcome = forwarding.evaluate(&message(header));
            assert!(outcome.targets.is_empty(), "{header}");
            assert!(outcome.loop_detected);
            assert!(outcome.keep_copy, "a message that is not forwarded is kept");
        }
        // Another mailbox's marker is no loop for this one.
        assert_eq!(
            forwarding
                .evaluate(&message(
                    "X-Mail-Policy-Forwarded: hanako@ts1.so-net.ne.jp\r\n"
                ))
                .targets
                .len(),
            1
        );
        let to_self = ForwardingConfig {
            keep_copy: true,
            destinations: vec![destination(
                "TARO@aa2.so-net.ne.jp",
                ForwardWhen::Matching,
                vec![],
            )],
        };
        assert!(matches!(
            Forwarding::compile(&taro(), &to_self),
            Err(Error::Setting { .. })
        ));
    }

    #[test]
    fn unconfirmed_destinations_are_inactive() {
        let pending = PendingConfirmation {
            key: "123456".into(),
            expires_at: Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
            attempts_left: 3,
        };
        let mut d = destination("a@example.com", ForwardWhen::Matching, vec![]);
        d.confirmation = Confirmation::Pending(pending);
        let forwarding = Forwarding::compile(
            &taro(),
            &ForwardingConfig {
                keep_copy: false,
                destinations: vec![d],
            },
        )
        .unwrap();
        let outcome = forwarding.evaluate(&message(""));
        assert!(outcome.targets.is_empty());
        assert_eq!(outcome.unconfirmed, 1);
        assert!(outcome.keep_copy);
    }

    #[test]
    fn limits() {
        let many = ForwardingConfig {
            keep_copy: true,
            destinations: (0..6)
                .map(|i| destination(&format!("d{i}@example.com"), ForwardWhen::Matching, vec![]))
                .collect(),
        };
        assert_eq!(
            Forwarding::compile(&taro(), &many).unwrap_err(),
            Error::TooMany {
                field: "forwarding.destinations".into(),
                count: 6,
                limit: 5,
                rule: Rule::FwdRules
            }
        );
        let conditions = ForwardingConfig {
            keep_copy: true,
            destinations: vec![destination(
                "d@example.com",
                ForwardWhen::Matching,
                vec![text(ForwardField::Subject, "x"); 31],
            )],
        };
        assert!(matches!(
            Forwarding::compile(&taro(), &conditions),
            Err(Error::TooMany { limit: 30, .. })
        ));
        let bad_address = ForwardingConfig {
            keep_copy: true,
            destinations: vec![destination("not an address", ForwardWhen::Matching, vec![])],
        };
        assert!(
            matches!(Forwarding::compile(&taro(), &bad_address), Err(Error::Setting { field, .. }) if field == "forwarding.destinations[0].address")
        );
    }

    #[test]
    fn setting_keys() {
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 0, 0, 0).unwrap();
        // A deterministic "random" source: first a value that must be rejected for bias.
        let mut calls = 0;
        let pending = PendingConfirmation::issue(
            |buf| {
                calls += 1;
                let value: u32 = if calls == 1 { u32::MAX } else { 1_234_567 };
                buf.copy_from_slice(&value.to_le_bytes());
            },
            now + Duration::days(1),
            3,
        );
        assert_eq!(pending.key, "234567");
        assert_eq!(calls, 2);
        let mut p = pending.clone();
        assert_eq!(
            p.verify("000000", now),
            ConfirmOutcome::WrongKey { attempts_left: 2 }
        );
        assert_eq!(p.verify(" 234567 ", now), ConfirmOutcome::Confirmed);
        let mut late = pending.clone();
        assert_eq!(
            late.verify("234567", now + Duration::days(1)),
            ConfirmOutcome::Expired
        );
        let mut guessing = pending;
        assert_eq!(
            guessing.verify("1", now),
            ConfirmOutcome::WrongKey { attempts_left: 2 }
        );
        assert_eq!(
            guessing.verify("2", now),
            ConfirmOutcome::WrongKey { attempts_left: 1 }
        );
        assert_eq!(guessing.verify("3", now), ConfirmOutcome::Expired);
        assert_eq!(guessing.verify("234567", now), ConfirmOutcome::Expired);
    }
}
