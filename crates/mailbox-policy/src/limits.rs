//! MBX-SIZE and MBX-RCPT: the message size limit, what an attachment grows to when
//! encoded, and the recipient limit.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::Rule;

/// 20 MB read as 20 MiB: 20 × 1024 × 1024 = 20,971,520 octets. Of the two readings of
/// "20 MB" this is the larger, so no message a customer believes to be under 20 MB is
/// refused; it also gives the seed's "about 14 MB" of attachment (14.6 MiB, see
/// [`Limits::max_attachment_bytes`]).
pub const DEFAULT_MAX_MESSAGE_BYTES: u64 = 20 * 1024 * 1024;

/// MBX-RCPT: 200 recipients per message.
pub const DEFAULT_MAX_RECIPIENTS: usize = 200;

/// Operator settings for the limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Largest message, in octets, sent or received (MBX-SIZE).
    pub max_message_bytes: u64,
    /// Most recipients of one message (MBX-RCPT).
    pub max_recipients: usize,
    /// What a message with one attachment spends besides the encoded attachment: its
    /// header, a short text part, MIME boundaries and part headers. Used by
    /// [`Limits::attachment_fit`]. Default 4096 octets.
    pub attachment_overhead_bytes: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            max_recipients: DEFAULT_MAX_RECIPIENTS,
            attachment_overhead_bytes: 4096,
        }
    }
}

/// The outcome of a size check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeDecision {
    /// Within the limit (or no size announced).
    Accept,
    /// Over the limit: refuse (552 5.3.4 at SMTP).
    TooLarge {
        /// The size seen.
        size: u64,
        /// The limit.
        limit: u64,
        /// Always [`Rule::MbxSize`].
        rule: Rule,
    },
}

/// The outcome of adding recipients to a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipientDecision {
    /// Within the limit; the new count.
    Accept {
        /// Recipients counted so far, this one included.
        count: usize,
    },
    /// Over the limit: refuse this recipient (452 4.5.3 at SMTP, so the client sends the
    /// rest in another transaction).
    TooMany {
        /// Recipients already accepted.
        count: usize,
        /// The limit.
        limit: usize,
        /// Always [`Rule::MbxRcpt`].
        rule: Rule,
    },
}

/// How a raw attachment of a given size fares (MBX-SIZE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentFit {
    /// The attachment as given, in octets.
    pub raw_bytes: u64,
    /// Its base64 form with CRLF after every 76 characters (RFC 2045 §6.8).
    pub encoded_bytes: u64,
    /// The whole message: encoded attachment plus the configured overhead.
    pub message_bytes: u64,
    /// Whether that message is within the limit.
    pub fits: bool,
    /// The limit.
    pub limit: u64,
}

/// Compiled limits.
#[derive(Debug, Clone)]
pub struct Limits {
    config: LimitsConfig,
}

/// Octets of `raw` octets in base64 with CRLF line breaks every 76 characters.
pub fn base64_encoded_len(raw: u64) -> u64 {
    let chars = raw.div_ceil(3) * 4;
    let lines = chars.div_ceil(76);
    chars + 2 * lines
}

impl Limits {
    pub(crate) fn new(config: LimitsConfig) -> Self {
        Self { config }
    }

    /// The size limit in octets.
    #[inline]
    pub fn max_message_bytes(&self) -> u64 {
        self.config.max_message_bytes
    }

    /// The recipient limit.
    #[inline]
    pub fn max_recipients(&self) -> usize {
        self.config.max_recipients
    }

    /// Checks the size a client announced with `SIZE=` on `MAIL FROM` (RFC 1870), before
    /// any data is sent. No announcement is not a refusal.
    #[inline]
    pub fn check_announced_size(&self, announced: Option<u64>) -> SizeDecision {
        announced.map_or(SizeDecision::Accept, |size| self.check_message_size(size))
    }

    /// Checks the real size of a message, sent or received.
    #[inline]
    pub fn check_message_size(&self, size: u64) -> SizeDecision {
        let limit = self.config.max_message_bytes;
        if size > limit {
            SizeDecision::TooLarge {
                size,
                limit,
                rule: Rule::MbxSize,
            }
        } else {
            SizeDecision::Accept
        }
    }

    /// Whether a message with one attachment of `raw_bytes` fits the limit once encoded.
    pub fn attachment_fit(&self, raw_bytes: u64) -> AttachmentFit {
        let encoded_bytes = base64_encoded_len(raw_bytes);
        let message_bytes = encoded_bytes.saturating_add(self.config.attachment_overhead_bytes);
        AttachmentFit {
            raw_bytes,
            encoded_bytes,
            message_bytes,
            fits: message_bytes <= self.config.max_message_bytes,
            limit: self.config.max_message_bytes,
        }
    }

    /// The largest attachment that fits: with the defaults 15,322,347 octets (14.6 MiB),
    /// the seed's "about 14 MB".
    pub fn max_attachment_bytes(&self) -> u64 {
        let budget = self
            .config
            .max_message_bytes
            .saturating_sub(self.config.attachment_overhead_bytes);
        // Every 78 encoded octets (76 characters + CRLF) carry 57 raw octets: start from
        // that estimate and step to the exact answer.
        let mut raw = budget / 78 * 57;
        while base64_encoded_len(raw + 1) <= budget {
            raw += 1;
        }
        while raw > 0 && base64_encoded_len(raw) > budget {
            raw -= 1;
        }
        raw
    }

    /// Counts one more `RCPT TO` of an SMTP transaction that has accepted `accepted` so far.
    /// Every `RCPT TO` counts, duplicates included, as Postfix's
    /// `smtpd_recipient_limit` does: the limit bounds the work a transaction causes.
    #[inline]
    pub fn check_next_recipient(&self, accepted: usize) -> RecipientDecision {
        let limit = self.config.max_recipients;
        if accepted >= limit {
            RecipientDecision::TooMany {
                count: accepted,
                limit,
                rule: Rule::MbxRcpt,
            }
        } else {
            RecipientDecision::Accept {
                count: accepted + 1,
            }
        }
    }

    /// Counts the recipients of a submitted message, To + Cc + Bcc together. An address
    /// that appears twice (in any case) counts once, since it receives one copy.
    pub fn check_message_recipients<'a>(
        &self,
        addresses: impl IntoIterator<Item = &'a str>,
    ) -> RecipientDecision {
        let unique: HashSet<String> = addresses
            .into_iter()
            .map(|a| a.trim().to_lowercase())
            .filter(|a| !a.is_empty())
            .collect();
        let count = unique.len();
        let limit = self.config.max_recipients;
        if count > limit {
            RecipientDecision::TooMany {
                count,
                limit,
                rule: Rule::MbxRcpt,
            }
        } else {
            RecipientDecision::Accept { count }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::new(LimitsConfig::default())
    }

    #[test]
    fn size_limit_is_twenty_mebibytes() {
        let l = limits();
        assert_eq!(l.max_message_bytes(), 20_971_520);
        assert_eq!(l.check_message_size(20_971_520), SizeDecision::Accept);
        assert_eq!(
            l.check_message_size(20_971_521),
            SizeDecision::TooLarge {
                size: 20_971_521,
                limit: 20_971_520,
                rule: Rule::MbxSize
            }
        );
        assert_eq!(l.check_announced_size(None), SizeDecision::Accept);
        assert!(matches!(
            l.check_announced_size(Some(30_000_000)),
            SizeDecision::TooLarge { .. }
        ));
    }

    #[test]
    fn base64_growth() {
        assert_eq!(base64_encoded_len(0), 0);
        assert_eq!(base64_encoded_len(1), 6); // "xx==" + CRLF
        assert_eq!(base64_encoded_len(57), 78); // one full line
        assert_eq!(base64_encoded_len(58), 78 + 6);
    }

    #[test]
    fn about_fourteen_megabytes_of_attachment() {
        let l = limits();
        let max = l.max_attachment_bytes();
        assert!(l.attachment_fit(max).fits);
        assert!(!l.attachment_fit(max + 1).fits);
        // "About 14 MB": 14.6 MiB.
        let mib = 1024.0 * 1024.0;
        let max_mib = max as f64 / mib;
        assert!((14.0..15.0).contains(&max_mib), "{max_mib}");
        assert!(l.attachment_fit(14 * 1024 * 1024).fits);
        assert!(!l.attachment_fit(15 * 1024 * 1024).fits);
        assert_eq!(max, 15_322_347);
    }

    #[test]
    fn recipients() {
        let l = limits();
        assert_eq!(
            l.check_next_recipient(0),
            RecipientDecision::Accept { count: 1 }
        );
        assert_eq!(
            l.check_next_recipient(199),
            RecipientDecision::Accept { count: 200 }
        );
        assert_eq!(
            l.check_next_recipient(200),
            RecipientDecision::TooMany {
                count: 200,
                limit: 200,
                rule: Rule::MbxRcpt
            }
        );
        let addresses: Vec<String> = (0..200).map(|i| format!("u{i}@example.com")).collect();
        let mut with_dupes: Vec<&str> = addresses.iter().map(String::as_str).collect();
        with_dupes.push("U0@EXAMPLE.COM");
        assert_eq!(
            l.check_message_recipients(with_dupes.clone()),
            RecipientDecision::Accept { count: 200 }
        );
        with_dupes.push("one-more@example.com");
        assert!(matches!(
            l.check_message_recipients(with_dupes),
            RecipientDecision::TooMany { count: 201, .. }
        ));
    }
}
