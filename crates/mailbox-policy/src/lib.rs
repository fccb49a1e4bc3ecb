//! Mailbox rules of a large Japanese consumer ISP (`SPEC.md` sections MBX, REJ, FWD, SPAM,
//! VIRUS), for any Rust mail server:
//!
//! - **Limits** (MBX-SIZE, MBX-RCPT): 20 MiB per message, checked on `SIZE=` and on the
//!   real size; what an attachment grows to when encoded ([`Limits::attachment_fit`]); 200
//!   recipients per message ([`Limits`]).
//! - **Retention** (MBX-RETAIN, MBX-RETAIN-JUNK, MBX-RETAIN-IMAP, MBX-LEAVE, MBX-LOAD): when
//!   a stored message expires, a streaming sweep planner, a mailbox report, and the
//!   operator's emergency load restriction ([`Retention`], [`LoadRestriction`]).
//! - **Reject list** (REJ-*): up to 200 rules on From, To, Subject and size, three modes,
//!   compiled into one Aho-Corasick automaton per field; subjects and display names are
//!   RFC 2047-decoded (ISO-2022-JP, Shift_JIS, EUC-JP, UTF-8) and NFKC-normalised first
//!   ([`RejectList`]).
//! - **Forwarding** (FWD-*): up to 5 confirmed destinations with up to 30 conditions, the
//!   keep-a-copy switch, 6-digit setting keys, loop prevention ([`Forwarding`]).
//! - **Spam sorting and virus check** (SPAM-*, VIRUS-CHECK): the outside classifier's
//!   verdict at 4 sensitivity levels, pass and block lists, `[meiwaku]` tagging or the spam
//!   folder ([`SpamSorting`], [`VirusConfig`]).
//! - **One delivery plan** that puts it all together ([`MailboxPolicy::plan_delivery`]).
//!
//! Sans-IO: no clock, no I/O; `now`, the classifier's verdict and the scanner's result
//! come in as arguments. Every decision names the `SPEC.md` rule behind it ([`Rule`]).
//! Most users reach this crate through the facade, as `mail_policy::mailbox`.
//!
//! # Example
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use mail_policy_mailbox_policy::{
//!     Disposition, FolderKind, IncomingMessage, MailboxPolicy, MailboxSettings, RejectField,
//!     RejectMode, RejectRule, SpamMode, SpamVerdict,
//! };
//!
//! let policy = MailboxPolicy::sonet();
//! let mut settings = MailboxSettings::default();
//! settings.reject.mode = RejectMode::RejectMatching;
//! settings.reject.rules.push(RejectRule::contains(RejectField::Subject, "未承諾広告※"));
//! settings.spam.mode = SpamMode::SpamFolder;
//! let mailbox = policy.compile_mailbox(&"taro@aa2.so-net.ne.jp".parse()?, &settings)?;
//!
//! let now = Utc.with_ymd_and_hms(2026, 12, 4, 3, 0, 0).unwrap();
//! // An ad whose subject is ISO-2022-JP encoded: the rule written in Japanese matches.
//! let ad = b"From: shop@example.com\r\nSubject: =?ISO-2022-JP?B?GyRCTCQ+NUJ6OS05cCIoGyhC?= SALE\r\n\r\n";
//! let plan = policy.plan_delivery(&mailbox, &IncomingMessage::parse(ad, 80)?, SpamVerdict::Unknown, None, now);
//! assert_eq!(plan.disposition, Disposition::Discard);
//! assert_eq!(plan.trace[0].rule.id(), "REJ-FIELDS");
//!
//! // Spam goes to the spam folder, kept 15 days.
//! let spam = b"From: x@example.net\r\nSubject: hello\r\n\r\n";
//! let plan = policy.plan_delivery(&mailbox, &IncomingMessage::parse(spam, 40)?, SpamVerdict::Score(12.0), None, now);
//! assert!(matches!(plan.disposition, Disposition::Store { folder: FolderKind::Spam, .. }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! None: the crate does no I/O. Settings implement `serde`'s `Serialize` and
//! `Deserialize`, since configuration is data.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod forward;
mod limits;
mod message;
mod plan;
mod reject;
mod retention;
mod rule;
mod spam;
mod text;

pub use crate::error::Error;
pub use crate::forward::{
    ConfirmOutcome, Confirmation, ForwardCondition, ForwardDestination, ForwardField,
    ForwardOutcome, ForwardWhen, Forwarding, ForwardingConfig, MAX_CONDITIONS, MAX_DESTINATIONS,
    PendingConfirmation,
};
pub use crate::limits::{
    AttachmentFit, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_RECIPIENTS, Limits, LimitsConfig,
    RecipientDecision, SizeDecision, base64_encoded_len,
};
pub use crate::message::{FORWARD_MARKER_HEADER, HeaderAddress, IncomingMessage, Priority};
pub use crate::plan::{
    CompiledMailbox, DeliveryPlan, Disposition, MailboxPolicy, MailboxPolicyConfig,
    MailboxSettings, RefusalReason, Step,
};
pub use crate::reject::{
    MAX_REJECT_RULES, NaiveRejectList, RejectAction, RejectField, RejectList, RejectListConfig,
    RejectMode, RejectOutcome, RejectRule,
};
pub use crate::retention::{
    AccessDecision, Expiry, FolderKind, LoadRestriction, MailAccess, MailboxReport, Retention,
    RetentionConfig, StoredMessage,
};
pub use crate::rule::Rule;
pub use crate::spam::{
    Direction, ListEntry, ListField, SPAM_TAG, ScanResult, SpamConfig, SpamMode, SpamOutcome,
    SpamReason, SpamSorting, SpamThresholds, SpamVerdict, VirusAction, VirusConfig, tag_subject,
};
