//! The crate's error types.

use std::fmt;

use crate::Rule;

/// What went wrong while parsing an address, a path or an address list.
///
/// Every kind is paired with a byte offset in [`ParseError`], so a caller can point at the
/// offending byte of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The input was empty (or only white space and comments).
    Empty,
    /// The input is not valid UTF-8 (the offset is where it stops being valid). Raw 8-bit
    /// text in another charset must be decoded by the caller first.
    InvalidUtf8,
    /// The input ended where more was expected.
    UnexpectedEnd {
        /// What the parser was looking for.
        expected: &'static str,
    },
    /// A character that the grammar does not allow at this place.
    UnexpectedChar {
        /// The character found.
        found: char,
        /// What the parser was looking for.
        expected: &'static str,
    },
    /// An ASCII control character (or TAB/DEL) where only printable text may stand.
    ControlCharacter {
        /// The character's code point.
        code: u32,
    },
    /// Non-ASCII text in an address on a transaction that did not announce `SMTPUTF8`
    /// (RFC 6531 §3.4).
    Utf8WithoutSmtputf8,
    /// A quoted string without its closing `"`.
    UnterminatedQuotedString,
    /// A comment without its closing `)`.
    UnterminatedComment,
    /// A domain literal without its closing `]`.
    UnterminatedDomainLiteral,
    /// A `<` without its closing `>`.
    UnterminatedAngleAddr,
    /// A group (`name: ...`) without its closing `;`.
    UnterminatedGroup,
    /// The address has no `@` and domain.
    MissingDomain,
    /// The local part (left of `@`) is empty.
    EmptyLocalPart,
    /// The local part is longer than RFC 5321's 64 octets (§4.5.3.1.1).
    LocalPartTooLong {
        /// Its length in octets, as written canonically.
        len: usize,
    },
    /// The domain is longer than RFC 5321's 255 octets (§4.5.3.1.2).
    DomainTooLong {
        /// Its length in octets, in A-label form.
        len: usize,
    },
    /// A domain label is longer than 63 octets (RFC 1035 §2.3.4).
    LabelTooLong {
        /// Its length in octets, in A-label form.
        len: usize,
    },
    /// Two dots in a row, or a dot at the start or end of a domain or dot-atom.
    EmptyLabel,
    /// A domain label begins or ends with a hyphen (RFC 5321 `sub-domain`).
    LabelHyphen,
    /// An internationalised domain name that IDNA (UTS #46, non-transitional) refuses, or
    /// an `xn--` label that is not valid Punycode of a valid U-label.
    InvalidIdn,
    /// A domain literal (`[...]`) that is not a valid IPv4, IPv6 or general address
    /// literal (RFC 5321 §4.1.3).
    InvalidAddressLiteral {
        /// Why.
        reason: &'static str,
    },
    /// A general address literal whose tag is not registered with IANA (only `IPv6` is);
    /// refused in strict mode.
    UnregisteredLiteralTag,
    /// The mailbox (`local@domain`) is longer than the 254 octets that fit a 256-octet
    /// path (RFC 5321 §4.5.3.1.3).
    MailboxTooLong {
        /// Its length in octets.
        len: usize,
    },
    /// The path (`<...>`, with its brackets and source route) is longer than 256 octets
    /// (RFC 5321 §4.5.3.1.3).
    PathTooLong {
        /// Its length in octets.
        len: usize,
    },
    /// An ESMTP parameter (`KEYWORD[=value]`) that does not follow RFC 5321's grammar, or a
    /// known one (`SIZE`, `BODY`, `SMTPUTF8`, `RET`, `ENVID`, `NOTIFY`) with a bad value.
    InvalidParameter {
        /// The parameter's keyword (upper case), or what was found instead of one.
        keyword: String,
        /// Why.
        reason: &'static str,
    },
    /// The same ESMTP parameter keyword given twice.
    DuplicateParameter {
        /// The keyword (upper case).
        keyword: String,
    },
    /// A group inside a group, or a group where only mailboxes may stand (`From`).
    GroupNotAllowed,
    /// An empty element in an address list (`a@x, , b@y`), allowed only by the obsolete
    /// syntax that [`Strictness::Lenient`](crate::Strictness::Lenient) accepts.
    EmptyListElement,
    /// A display name is required here (groups) but missing.
    MissingDisplayName,
    /// Text after the end of what was parsed.
    TrailingInput,
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty address"),
            Self::InvalidUtf8 => f.write_str("invalid UTF-8"),
            Self::UnexpectedEnd { expected } => {
                write!(f, "input ends where {expected} was expected")
            }
            Self::UnexpectedChar { found, expected } => {
                write!(f, "unexpected {found:?} where {expected} was expected")
            }
            Self::ControlCharacter { code } => write!(f, "control character U+{code:04X}"),
            Self::Utf8WithoutSmtputf8 => {
                f.write_str("non-ASCII address without the SMTPUTF8 parameter (RFC 6531)")
            }
            Self::UnterminatedQuotedString => f.write_str("quoted string without closing '\"'"),
            Self::UnterminatedComment => f.write_str("comment without closing ')'"),
            Self::UnterminatedDomainLiteral => f.write_str("domain literal without closing ']'"),
            Self::UnterminatedAngleAddr => f.write_str("'<' without closing '>'"),
            Self::UnterminatedGroup => f.write_str("group without closing ';'"),
            Self::MissingDomain => f.write_str("address without '@' and domain"),
            Self::EmptyLocalPart => f.write_str("empty local part"),
            Self::LocalPartTooLong { len } => {
                write!(
                    f,
                    "local part is {len} octets, more than the 64 of RFC 5321"
                )
            }
            Self::DomainTooLong { len } => {
                write!(f, "domain is {len} octets, more than the 255 of RFC 5321")
            }
            Self::LabelTooLong { len } => {
                write!(f, "domain label is {len} octets, more than 63")
            }
            Self::EmptyLabel => f.write_str("empty label (two dots in a row, or a dot at an end)"),
            Self::LabelHyphen => f.write_str("domain label begins or ends with '-'"),
            Self::InvalidIdn => f.write_str("invalid internationalised domain name"),
            Self::InvalidAddressLiteral { reason } => {
                write!(f, "invalid address literal: {reason}")
            }
            Self::UnregisteredLiteralTag => {
                f.write_str("address literal tag is not registered (only IPv6 is)")
            }
            Self::MailboxTooLong { len } => {
                write!(
                    f,
                    "mailbox is {len} octets, more than the 254 that fit a path"
                )
            }
            Self::PathTooLong { len } => {
                write!(f, "path is {len} octets, more than the 256 of RFC 5321")
            }
            Self::InvalidParameter { keyword, reason } => {
                write!(f, "invalid ESMTP parameter {keyword:?}: {reason}")
            }
            Self::DuplicateParameter { keyword } => {
                write!(f, "ESMTP parameter {keyword} given twice")
            }
            Self::GroupNotAllowed => f.write_str("group not allowed here"),
            Self::EmptyListElement => f.write_str("empty element in address list"),
            Self::MissingDisplayName => f.write_str("group without a display name"),
            Self::TrailingInput => f.write_str("unexpected text after the address"),
        }
    }
}

/// An address that could not be parsed: what was wrong, and at which byte of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct ParseError {
    kind: ParseErrorKind,
    offset: usize,
}

impl ParseError {
    pub(crate) fn new(kind: ParseErrorKind, offset: usize) -> Self {
        Self { kind, offset }
    }

    /// What was wrong.
    pub fn kind(&self) -> &ParseErrorKind {
        &self.kind
    }

    /// The byte offset in the input where the problem was found.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The rule this error enforces: always [`Rule::AddrRfc`].
    pub fn rule(&self) -> Rule {
        Rule::AddrRfc
    }

    pub(crate) fn shifted(mut self, by: usize) -> Self {
        self.offset += by;
        self
    }
}

/// Everything that can go wrong in this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An address could not be parsed (ADDR-RFC).
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The configuration is invalid; `field` names the offending setting.
    #[error("invalid address configuration: {field}: {reason}")]
    Config {
        /// The setting, as a dotted path (`domains[0].sub_patterns`).
        field: String,
        /// Why.
        reason: String,
    },
    /// A change history holds a change that happened after `now` (ADDR-CHANGE): the caller
    /// passed a wrong clock or a wrong history.
    #[error("address change history has a change at {at} which is after now ({now})")]
    ChangeInFuture {
        /// The offending history entry.
        at: chrono::DateTime<chrono::Utc>,
        /// The `now` passed in.
        now: chrono::DateTime<chrono::Utc>,
    },
    /// The address given as an account's current address is not on one of the configured
    /// ISP domains, so there is no user name to change (ADDR-FORM).
    #[error("{address} is not an address on a configured ISP domain")]
    NotIspAddress {
        /// The address.
        address: String,
    },
}
