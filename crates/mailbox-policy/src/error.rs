//! The crate's error type.

/// Everything that can go wrong in this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting is invalid; `field` names it as a dotted path (`reject.rules[3].contains`).
    #[error("invalid mailbox setting {field}: {reason}")]
    Setting {
        /// The setting.
        field: String,
        /// Why.
        reason: String,
    },
    /// A list is longer than its limit (REJ-LIST: 200 rules; FWD-RULES: 5 destinations,
    /// 30 conditions each).
    #[error("{field} has {count} entries, more than the limit of {limit} ({rule})")]
    TooMany {
        /// The setting.
        field: String,
        /// How many were given.
        count: usize,
        /// The limit.
        limit: usize,
        /// The rule that sets the limit.
        rule: crate::Rule,
    },
    /// The message has no header section that can be parsed.
    #[error("message has no parsable header section")]
    NoHeaders,
}
