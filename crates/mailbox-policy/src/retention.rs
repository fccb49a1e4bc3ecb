//! MBX-RETAIN, MBX-RETAIN-JUNK, MBX-RETAIN-IMAP, MBX-LEAVE, MBX-LOAD: when stored mail
//! expires, a sweep planner that finds what to delete, a mailbox report, and the
//! operator's emergency load restriction.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, FixedOffset, Months, Utc};
use serde::{Deserialize, Serialize};

use crate::Rule;

/// Where a message is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FolderKind {
    /// The inbox, and any server folder other than those below (MBX-RETAIN).
    Inbox,
    /// The server-side spam folder (SPAM-SORT mode B; MBX-RETAIN-JUNK).
    Spam,
    /// The webmail trash folder (MBX-RETAIN-JUNK).
    Trash,
    /// A folder the user created with the IMAP service (MBX-RETAIN-IMAP).
    ImapUser,
}

/// When a stored message expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Expiry {
    /// Deleted at this instant (it is kept while `now < at`).
    At(DateTime<Utc>),
    /// Kept with no time limit.
    Never,
}

impl std::fmt::Display for Expiry {
    /// `2027-03-04T10:00:00Z` (RFC 3339, UTC, whole seconds), or `never`. Written digit by
    /// digit: a delivery plan states its expiry for every message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use chrono::{Datelike, Timelike};
        let Expiry::At(at) = self else {
            return f.write_str("never");
        };
        let year = at.year();
        if !(0..=9999).contains(&year) {
            return write!(f, "{}", at.format("%Y-%m-%dT%H:%M:%SZ"));
        }
        let mut text = *b"0000-00-00T00:00:00Z";
        let mut put = |at: usize, value: u32, digits: usize| {
            let mut value = value;
            for i in (0..digits).rev() {
                text[at + i] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        put(0, year.unsigned_abs(), 4);
        put(5, at.month(), 2);
        put(8, at.day(), 2);
        put(11, at.hour(), 2);
        put(14, at.minute(), 2);
        put(17, at.second(), 2);
        // Only ASCII digits and separators were written.
        f.write_str(std::str::from_utf8(&text).map_err(|_| std::fmt::Error)?)
    }
}

impl Expiry {
    /// True if the message is due for deletion at `now`.
    pub fn is_due(self, now: DateTime<Utc>) -> bool {
        matches!(self, Expiry::At(at) if at <= now)
    }
}

/// Operator settings for retention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// Calendar months the inbox keeps mail (MBX-RETAIN): 2.
    pub months: u32,
    /// Days after receipt at which spam and trash are deleted (MBX-RETAIN-JUNK): 15, so
    /// that mail is kept 14 full days.
    pub junk_days: u32,
    /// Offset of the calendar's time zone from UTC, in minutes: Japan is +540, no DST.
    pub utc_offset_minutes: i32,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            months: 2,
            junk_days: 15,
            utc_offset_minutes: 9 * 60,
        }
    }
}

/// A stored message, as a mailbox listing gives it.
pub trait StoredMessage {
    /// The folder it is in.
    fn folder(&self) -> FolderKind;
    /// When it was received.
    fn received(&self) -> DateTime<Utc>;
}

impl StoredMessage for (FolderKind, DateTime<Utc>) {
    fn folder(&self) -> FolderKind {
        self.0
    }

    fn received(&self) -> DateTime<Utc> {
        self.1
    }
}

/// How much of a mailbox is near expiry (MBX-LEAVE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MailboxReport {
    /// Messages listed.
    pub total: usize,
    /// Messages already due for deletion.
    pub due: usize,
    /// Messages that expire within the window asked for (not yet due).
    pub expiring_soon: usize,
    /// The earliest expiry still ahead, if any.
    pub next_expiry: Option<DateTime<Utc>>,
}

/// Compiled retention rules.
#[derive(Debug, Clone)]
pub struct Retention {
    months: Months,
    junk: Duration,
    offset: FixedOffset,
}

impl Retention {
    pub(crate) fn new(config: &RetentionConfig) -> Option<Self> {
        Some(Self {
            months: Months::new(config.months),
            junk: Duration::try_days(i64::from(config.junk_days))?,
            offset: FixedOffset::east_opt(config.utc_offset_minutes.checked_mul(60)?)?,
        })
    }

    /// When a message received at `received` into `folder` expires, and the rule.
    ///
    /// Inbox: the same wall-clock time `months` calendar months later in Japan time; when
    /// that month is shorter, the last day of it (Dec 31 → Feb 28, or Feb 29 in a leap
    /// year; Jan 31 → Mar 31). Spam and trash: `junk_days` × 24 hours after receipt.
    /// User IMAP folders: never.
    pub fn expiry(&self, folder: FolderKind, received: DateTime<Utc>) -> (Expiry, Rule) {
        match folder {
            FolderKind::Inbox => {
                let local = received.with_timezone(&self.offset);
                let expiry = local
                    .checked_add_months(self.months)
                    .map_or(Expiry::Never, |at| Expiry::At(at.with_timezone(&Utc)));
                (expiry, Rule::MbxRetain)
            }
            FolderKind::Spam | FolderKind::Trash => {
                let expiry = received
                    .checked_add_signed(self.junk)
                    .map_or(Expiry::Never, Expiry::At);
                (expiry, Rule::MbxRetainJunk)
            }
            FolderKind::ImapUser => (Expiry::Never, Rule::MbxRetainImap),
        }
    }

    /// The messages of `listing` that are due for deletion at `now`, lazily: one pass, no
    /// buffering, whatever the size of the mailbox.
    pub fn sweep<I>(&self, listing: I, now: DateTime<Utc>) -> impl Iterator<Item = I::Item>
    where
        I: IntoIterator,
        I::Item: StoredMessage,
    {
        listing
            .into_iter()
            .filter(move |m| self.expiry(m.folder(), m.received()).0.is_due(now))
    }

    /// Counts, in one pass, what is due and what expires within `window` of `now`
    /// (MBX-LEAVE).
    pub fn report<I>(&self, listing: I, now: DateTime<Utc>, window: Duration) -> MailboxReport
    where
        I: IntoIterator,
        I::Item: StoredMessage,
    {
        let horizon = now.checked_add_signed(window).unwrap_or(now);
        let mut report = MailboxReport::default();
        for message in listing {
            report.total += 1;
            if let (Expiry::At(at), _) = self.expiry(message.folder(), message.received()) {
                if at <= now {
                    report.due += 1;
                } else {
                    if at <= horizon {
                        report.expiring_soon += 1;
                    }
                    report.next_expiry = Some(report.next_expiry.map_or(at, |n| n.min(at)));
                }
            }
        }
        report
    }
}

/// What a customer tries to do with stored mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MailAccess {
    /// POP3 receiving.
    Pop,
    /// IMAP receiving.
    Imap,
    /// Reading in webmail.
    Webmail,
}

/// The operator's emergency restriction under heavy load (MBX-LOAD): receiving (POP/IMAP)
/// and webmail reading stop, for every mailbox or for listed ones, even for mail within
/// its retention period. Data the caller holds and swaps; decisions read it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoadRestriction {
    /// Restrict every mailbox.
    pub global: bool,
    /// Restrict these mailboxes (addresses, lower case).
    pub mailboxes: BTreeSet<String>,
}

/// The outcome of [`LoadRestriction::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessDecision {
    /// Go ahead.
    Allowed,
    /// Temporarily restricted (a temporary failure: `-ERR [SYS/TEMP]` in POP3,
    /// `NO [UNAVAILABLE]` in IMAP).
    Restricted {
        /// Whether the restriction is global or for this mailbox.
        global: bool,
        /// Always [`Rule::MbxLoad`].
        rule: Rule,
    },
}

impl LoadRestriction {
    /// Whether `mailbox` may be read by `access` now.
    pub fn check(&self, mailbox: &str, access: MailAccess) -> AccessDecision {
        let _ = access; // every kind of reading is restricted alike
        if self.global {
            return AccessDecision::Restricted {
                global: true,
                rule: Rule::MbxLoad,
            };
        }
        if self.mailboxes.contains(&mailbox.to_lowercase()) {
            return AccessDecision::Restricted {
                global: false,
                rule: Rule::MbxLoad,
            };
        }
        AccessDecision::Allowed
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn retention() -> Retention {
        Retention::new(&RetentionConfig::default()).unwrap()
    }

    /// A Japan-time wall clock instant, as UTC.
    fn jst(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        FixedOffset::east_opt(9 * 3600)
            .unwrap()
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn expiry_reads_as_rfc3339() {
        assert_eq!(Expiry::Never.to_string(), "never");
        let at = Utc.with_ymd_and_hms(2027, 3, 4, 5, 6, 7).unwrap();
        assert_eq!(Expiry::At(at).to_string(), "2027-03-04T05:06:07Z");
        // Every second of a day and the ends of the years chrono knows, as chrono writes
        // them.
        let day = Utc.with_ymd_and_hms(2026, 12, 31, 0, 0, 0).unwrap();
        for seconds in (0..86_400).step_by(7) {
            let at = day + chrono::Duration::seconds(seconds);
            assert_eq!(
                Expiry::At(at).to_string(),
                at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
            );
        }
        for at in [
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
            DateTime::<Utc>::UNIX_EPOCH,
        ] {
            assert_eq!(
                Expiry::At(at).to_string(),
                at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
            );
        }
    }

    fn inbox(received: DateTime<Utc>) -> Expiry {
        retention().expiry(FolderKind::Inbox, received).0
    }

    #[test]
    fn two_calendar_months_in_japan_time() {
        assert_eq!(
            inbox(jst(2026, 3, 15, 10, 0)),
            Expiry::At(jst(2026, 5, 15, 10, 0))
        );
        // Month ends clamp to the shorter month's last day.
        assert_eq!(
            inbox(jst(2026, 12, 31, 23, 30)),
            Expiry::At(jst(2027, 2, 28, 23, 30))
        );
        assert_eq!(
            inbox(jst(2027, 12, 31, 8, 0)),
            Expiry::At(jst(2028, 2, 29, 8, 0))
        );
        assert_eq!(
            inbox(jst(2027, 1, 31, 0, 0)),
            Expiry::At(jst(2027, 3, 31, 0, 0))
        );
        assert_eq!(
            inbox(jst(2026, 12, 30, 0, 0)),
            Expiry::At(jst(2027, 2, 28, 0, 0))
        );
        assert_eq!(
            inbox(jst(2027, 8, 31, 0, 0)),
            Expiry::At(jst(2027, 10, 31, 0, 0))
        );
        assert_eq!(
            inbox(jst(2027, 7, 31, 0, 0)),
            Expiry::At(jst(2027, 9, 30, 0, 0))
        );
        // The month is Japan's: 2026-12-31T20:00Z is already January 1 in Japan.
        let new_year_in_japan = Utc.with_ymd_and_hms(2026, 12, 31, 20, 0, 0).unwrap();
        assert_eq!(inbox(new_year_in_japan), Expiry::At(jst(2027, 3, 1, 5, 0)));
        assert_eq!(
            retention()
                .expiry(FolderKind::Inbox, jst(2026, 1, 1, 0, 0))
                .1,
            Rule::MbxRetain
        );
    }

    #[test]
    fn junk_after_fifteen_days_imap_never() {
        let received = jst(2026, 12, 1, 12, 0);
        let (expiry, rule) = retention().expiry(FolderKind::Spam, received);
        assert_eq!(
            (expiry, rule),
            (Expiry::At(jst(2026, 12, 16, 12, 0)), Rule::MbxRetainJunk)
        );
        assert!(!expiry.is_due(jst(2026, 12, 16, 11, 59)));
        assert!(expiry.is_due(jst(2026, 12, 16, 12, 0)));
        assert_eq!(retention().expiry(FolderKind::Trash, received).0, expiry);
        assert_eq!(
            retention().expiry(FolderKind::ImapUser, received),
            (Expiry::Never, Rule::MbxRetainImap)
        );
        assert!(!Expiry::Never.is_due(jst(2999, 1, 1, 0, 0)));
    }

    #[test]
    fn sweep_and_report() {
        let now = jst(2026, 12, 4, 12, 0);
        let listing = vec![
            (FolderKind::Inbox, jst(2026, 10, 4, 11, 0)), // due (Dec 4 11:00)
            (FolderKind::Inbox, jst(2026, 10, 4, 13, 0)), // in one hour
            (FolderKind::Spam, jst(2026, 11, 18, 0, 0)),  // due (Dec 3)
            (FolderKind::Trash, jst(2026, 12, 1, 0, 0)),  // Dec 16
            (FolderKind::ImapUser, jst(2000, 1, 1, 0, 0)), // never
        ];
        let due: Vec<_> = retention().sweep(listing.clone(), now).collect();
        assert_eq!(due, vec![listing[0], listing[2]]);
        let report = retention().report(listing, now, Duration::days(7));
        assert_eq!(
            report,
            MailboxReport {
                total: 5,
                due: 2,
                expiring_soon: 1,
                next_expiry: Some(jst(2026, 12, 4, 13, 0))
            }
        );
    }

    #[test]
    fn sweep_streams_without_buffering() {
        // A listing of ten million messages, generated lazily: the sweep consumes it one
        // message at a time.
        let old = jst(2020, 1, 1, 0, 0);
        let listing = (0..10_000_000u64).map(move |_| (FolderKind::Inbox, old));
        let retention = retention();
        let mut due = retention.sweep(listing, jst(2026, 1, 1, 0, 0));
        assert!(due.next().is_some());
    }

    #[test]
    fn load_restriction() {
        let mut restriction = LoadRestriction::default();
        assert_eq!(
            restriction.check("taro@aa2.so-net.ne.jp", MailAccess::Pop),
            AccessDecision::Allowed
        );
        restriction.mailboxes.insert("taro@aa2.so-net.ne.jp".into());
        assert_eq!(
            restriction.check("Taro@aa2.so-net.ne.jp", MailAccess::Webmail),
            AccessDecision::Restricted {
                global: false,
                rule: Rule::MbxLoad
            }
        );
        assert_eq!(
            restriction.check("hanako@aa2.so-net.ne.jp", MailAccess::Imap),
            AccessDecision::Allowed
        );
        restriction.global = true;
        assert!(matches!(
            restriction.check("hanako@aa2.so-net.ne.jp", MailAccess::Imap),
            AccessDecision::Restricted { global: true, .. }
        ));
    }
}
