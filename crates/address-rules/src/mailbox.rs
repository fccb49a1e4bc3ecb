//! The parsed address types: [`Mailbox`], its [`LocalPart`] and [`Domain`].
//!
//! They hold *semantic* content: quotes, escapes, comments and folding are gone, domains
//! are lower case, and `Display` writes the canonical form (the local part quoted only when
//! it must be, the domain in A-label form), which parses back to an equal value.

use std::borrow::Cow;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use compact_str::CompactString;

use unicode_normalization::UnicodeNormalization;

use crate::error::{ParseError, ParseErrorKind};
use crate::syntax;

/// RFC 5321 §4.5.3.1.1: the local part is at most 64 octets.
pub const MAX_LOCAL_PART_LEN: usize = 64;
/// RFC 5321 §4.5.3.1.2: a domain is at most 255 octets.
pub const MAX_DOMAIN_LEN: usize = 255;
/// RFC 5321 §4.5.3.1.3: a path is at most 256 octets, brackets included.
pub const MAX_PATH_LEN: usize = 256;
/// The longest mailbox that fits a path: 256 minus the two angle brackets.
pub const MAX_MAILBOX_LEN: usize = MAX_PATH_LEN - 2;

/// An e-mail address: `local-part@domain` (RFC 5321 `Mailbox`, RFC 5322 `addr-spec`).
///
/// Parse one from the wire with [`crate::parse_reverse_path`] / [`crate::parse_forward_path`],
/// from a header with [`crate::parse_address_list`], or a bare `local@domain` with
/// [`str::parse`] (RFC 5321 grammar, UTF-8 allowed).
///
/// ```
/// use mail_policy_address_rules::Mailbox;
///
/// let mailbox: Mailbox = "Taro@AA2.So-Net.ne.jp".parse()?;
/// assert_eq!(mailbox.local_part().as_str(), "Taro"); // local parts keep their case
/// assert_eq!(mailbox.domain().to_string(), "aa2.so-net.ne.jp");
/// assert_eq!(mailbox.normalized().to_string(), "taro@aa2.so-net.ne.jp");
/// # Ok::<(), mail_policy_address_rules::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mailbox {
    local: LocalPart,
    domain: Domain,
}

impl Mailbox {
    /// Builds a mailbox from its parts, checking the combined length limit.
    pub fn new(local: LocalPart, domain: Domain) -> Result<Self, ParseError> {
        let mailbox = Self { local, domain };
        let len = mailbox.canonical_len();
        if len > MAX_MAILBOX_LEN {
            return Err(ParseError::new(ParseErrorKind::MailboxTooLong { len }, 0));
        }
        Ok(mailbox)
    }

    /// A mailbox the parser's plain-path case has checked (lengths included).
    #[inline]
    pub(crate) fn from_plain(local: LocalPart, domain: Domain) -> Self {
        Self { local, domain }
    }

    /// The part left of `@`.
    #[inline]
    pub fn local_part(&self) -> &LocalPart {
        &self.local
    }

    /// The part right of `@`.
    #[inline]
    pub fn domain(&self) -> &Domain {
        &self.domain
    }

    /// Splits the mailbox into its parts.
    pub fn into_parts(self) -> (LocalPart, Domain) {
        (self.local, self.domain)
    }

    /// True when the local part has non-ASCII text, so the address can only be sent with
    /// `SMTPUTF8` (RFC 6531). (A non-ASCII domain can always be sent in A-label form.)
    pub fn is_internationalized(&self) -> bool {
        !self.local.as_str().is_ascii()
    }

    /// The form used to compare addresses the way the ISP does (ADDR-USER: case does not
    /// matter): the local part in Unicode NFC and lower case, the domain in lower-case
    /// A-label form. Idempotent.
    pub fn normalized(&self) -> Mailbox {
        Mailbox {
            local: self.local.normalized(),
            domain: self.domain.clone(),
        }
    }

    /// [`normalized`](Self::normalized), consuming the mailbox: an ASCII local part is
    /// lower-cased in place, without a copy.
    #[inline]
    pub fn into_normalized(self) -> Mailbox {
        Mailbox {
            local: self.local.into_normalized(),
            domain: self.domain,
        }
    }

    /// The mailbox with the domain in U-label form (`user@例え.jp`), for showing to people.
    pub fn to_unicode_string(&self) -> String {
        match &self.domain {
            Domain::Name(name) => format!("{}@{}", self.local, name.to_unicode()),
            Domain::Literal(_) => self.to_string(),
        }
    }

    /// Length in octets of the canonical form (`Display`).
    #[inline]
    pub fn canonical_len(&self) -> usize {
        self.local.canonical_len() + 1 + self.domain.canonical_len()
    }

    /// Writes the canonical form (as `Display` does) into `out`: into a `String` or a
    /// `CompactString` sized with [`canonical_len`](Self::canonical_len), this writes
    /// the common address (an unquoted local part, a domain name) with two copies and no
    /// formatting machinery, for servers that turn every recipient into a key.
    ///
    /// ```
    /// use mail_policy_address_rules::Mailbox;
    ///
    /// let mailbox: Mailbox = "Taro@AA2.So-Net.ne.jp".parse()?;
    /// let mut key = String::with_capacity(mailbox.canonical_len());
    /// mailbox.write_canonical(&mut key).unwrap();
    /// assert_eq!(key, "Taro@aa2.so-net.ne.jp");
    /// # Ok::<(), mail_policy_address_rules::ParseError>(())
    /// ```
    pub fn write_canonical<W: fmt::Write + ?Sized>(&self, out: &mut W) -> fmt::Result {
        if self.local.quoted {
            write!(out, "{}", self.local)?;
        } else {
            out.write_str(&self.local.content)?;
        }
        out.write_char('@')?;
        match &self.domain {
            Domain::Name(name) => out.write_str(name.as_ascii()),
            Domain::Literal(literal) => write!(out, "{literal}"),
        }
    }

    /// The canonical form, as [`to_string`](ToString::to_string) gives it, in a string
    /// allocated once at its final size (see [`write_canonical`](Self::write_canonical)).
    ///
    /// ```
    /// use mail_policy_address_rules::Mailbox;
    ///
    /// let mailbox: Mailbox = "\"taro yamada\"@[192.0.2.1]".parse()?;
    /// assert_eq!(mailbox.to_canonical_string(), mailbox.to_string());
    /// # Ok::<(), mail_policy_address_rules::ParseError>(())
    /// ```
    pub fn to_canonical_string(&self) -> String {
        let mut out = String::with_capacity(self.canonical_len());
        // Writing to a `String` cannot fail.
        let _ = self.write_canonical(&mut out);
        out
    }
}

impl fmt::Display for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_canonical(f)
    }
}

impl FromStr for Mailbox {
    type Err = ParseError;

    /// Parses a bare `local@domain` with RFC 5321 grammar (`Mailbox`), UTF-8 allowed
    /// (RFC 6531), no surrounding white space, brackets or comments.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        crate::wire::parse_mailbox(s, true)
    }
}

/// The local part of an address, unquoted: `"john smith"@example.com` has the local part
/// `john smith`.
///
/// It may hold printable ASCII (space included) and any non-ASCII character (RFC 6532); no
/// control characters, so that every local part can be carried in an SMTP command.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalPart {
    /// Inline up to 24 bytes: most local parts need no allocation.
    content: CompactString,
    /// Whether the canonical form quotes it: a function of `content`, kept so that display
    /// and length checks need not scan again.
    quoted: bool,
}

impl LocalPart {
    /// Checks `content` (unquoted) and wraps it.
    pub fn new(content: impl Into<String>) -> Result<Self, ParseError> {
        let content = content.into();
        if let Some((offset, c)) = content.char_indices().find(|&(_, c)| c.is_ascii_control()) {
            return Err(ParseError::new(
                ParseErrorKind::ControlCharacter { code: c as u32 },
                offset,
            ));
        }
        let quoted = !syntax::is_dot_atom_text(&content);
        Self::from_parser(CompactString::from(content), quoted)
            .map_err(|kind| ParseError::new(kind, 0))
    }

    /// Wraps content the parser has checked for control characters, with its quoting
    /// already known; checks the length.
    pub(crate) fn from_parser(
        content: CompactString,
        quoted: bool,
    ) -> Result<Self, ParseErrorKind> {
        debug_assert_eq!(quoted, !syntax::is_dot_atom_text(&content));
        let local = LocalPart { content, quoted };
        let len = local.canonical_len();
        if len > MAX_LOCAL_PART_LEN {
            return Err(ParseErrorKind::LocalPartTooLong { len });
        }
        Ok(local)
    }

    /// A dot-string of ASCII atext the parser has checked (length included): never
    /// quoted.
    #[inline]
    pub(crate) fn from_plain(content: CompactString) -> Self {
        debug_assert!(syntax::is_dot_atom_text(&content) && content.len() <= MAX_LOCAL_PART_LEN);
        LocalPart {
            content,
            quoted: false,
        }
    }

    /// The unquoted content.
    #[inline]
    pub fn as_str(&self) -> &str {
        &self.content
    }

    /// True if the local part must be written as a quoted string (it is not a dot-atom).
    #[inline]
    pub fn needs_quoting(&self) -> bool {
        self.quoted
    }

    /// NFC, then lower case, then NFC again (lower-casing can decompose), so that
    /// `normalized(normalized(x)) == normalized(x)`.
    pub fn normalized(&self) -> LocalPart {
        let content: CompactString = if self.content.is_ascii() {
            let mut lower = self.content.clone();
            lower.make_ascii_lowercase();
            lower
        } else {
            let lowered: String = self.content.nfc().collect::<String>().to_lowercase();
            lowered.nfc().collect()
        };
        // Lower-casing maps atext to atext and specials to specials, so quoting is kept;
        // recompute anyway for non-ASCII, where that is less obvious.
        let quoted = if content.is_ascii() {
            self.quoted
        } else {
            !syntax::is_dot_atom_text(&content)
        };
        LocalPart { content, quoted }
    }

    /// [`normalized`](Self::normalized), consuming the local part (no copy when ASCII).
    #[inline]
    pub fn into_normalized(mut self) -> LocalPart {
        if !self.content.is_ascii() {
            return self.normalized();
        }
        // Most local parts are written in lower case already: left as they are.
        if self.content.bytes().any(|b| b.is_ascii_uppercase()) {
            self.content.make_ascii_lowercase();
        }
        self
    }

    /// Octets of the canonical form, quotes and escapes included.
    pub(crate) fn canonical_len(&self) -> usize {
        Self::canonical_len_of(&self.content, self.quoted)
    }

    /// Octets of the canonical form of `content`, before it is wrapped.
    pub(crate) fn canonical_len_of(content: &str, quoted: bool) -> usize {
        if quoted {
            let escapes = content.bytes().filter(|&b| b == b'"' || b == b'\\').count();
            2 + content.len() + escapes
        } else {
            content.len()
        }
    }
}

impl fmt::Display for LocalPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.quoted {
            return f.write_str(&self.content);
        }
        f.write_str("\"")?;
        for c in self.content.chars() {
            if c == '"' || c == '\\' {
                f.write_str("\\")?;
            }
            fmt::Write::write_char(f, c)?;
        }
        f.write_str("\"")
    }
}

/// The right side of an address: a domain name or an address literal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Domain {
    /// A host name, `example.com` or `例え.jp`.
    Name(DomainName),
    /// An address literal, `[192.0.2.1]` or `[IPv6:2001:db8::1]`.
    Literal(AddressLiteral),
}

impl Domain {
    /// The domain name, if this is not an address literal.
    #[inline]
    pub fn as_name(&self) -> Option<&DomainName> {
        match self {
            Domain::Name(name) => Some(name),
            Domain::Literal(_) => None,
        }
    }

    fn canonical_len(&self) -> usize {
        match self {
            Domain::Name(name) => name.as_ascii().len(),
            Domain::Literal(literal) => literal.to_string().len(),
        }
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Domain::Name(name) => fmt::Display::fmt(name, f),
            Domain::Literal(literal) => fmt::Display::fmt(literal, f),
        }
    }
}

impl FromStr for Domain {
    type Err = ParseError;

    /// Parses a domain name or a bracketed address literal (strict).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(inner) = s.strip_prefix('[') {
            let Some(inner) = inner.strip_suffix(']') else {
                return Err(ParseError::new(
                    ParseErrorKind::UnterminatedDomainLiteral,
                    s.len(),
                ));
            };
            syntax::parse_address_literal(inner, crate::Strictness::Strict)
                .map(Domain::Literal)
                .map_err(|e| e.shifted(1))
        } else {
            DomainName::from_str(s).map(Domain::Name)
        }
    }
}

/// A validated host name, kept in lower-case A-label form (`xn--r8jz45g.jp`); its U-label
/// form (`例え.jp`) is computed on demand.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainName {
    /// Inline up to 24 bytes: most domains need no allocation.
    ascii: CompactString,
    /// Whether a label is an A-label (`xn--`): a function of `ascii`.
    idn: bool,
}

impl DomainName {
    pub(crate) fn from_ascii(ascii: CompactString, idn: bool) -> Self {
        Self { ascii, idn }
    }

    /// Lower-case A-label form, as used in DNS and on the wire without `SMTPUTF8`.
    #[inline]
    pub fn as_ascii(&self) -> &str {
        &self.ascii
    }

    /// True if some label is an internationalised (`xn--`) label.
    pub fn is_idn(&self) -> bool {
        self.idn
    }

    /// U-label form, for people (`例え.jp`); the A-label form when there is no IDN label.
    pub fn to_unicode(&self) -> Cow<'_, str> {
        if !self.idn {
            return Cow::Borrowed(&self.ascii);
        }
        syntax::domain_to_unicode(&self.ascii)
    }

    /// The labels, in A-label form, left to right.
    pub fn labels(&self) -> impl DoubleEndedIterator<Item = &str> {
        self.ascii.split('.')
    }

    /// True if this is `parent` or a subdomain of it (both compared in A-label form).
    pub fn is_within(&self, parent: &DomainName) -> bool {
        self.ascii == parent.ascii
            || (self.ascii.len() > parent.ascii.len()
                && self.ascii.ends_with(parent.ascii.as_str())
                && self.ascii.as_bytes()[self.ascii.len() - parent.ascii.len() - 1] == b'.')
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.ascii)
    }
}

impl FromStr for DomainName {
    type Err = ParseError;

    /// Parses a host name in A-label or U-label form (RFC 5321 `Domain`, RFC 6531 U-labels).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        syntax::validate_domain_name(s).map_err(|(kind, offset)| ParseError::new(kind, offset))
    }
}

/// An address literal (RFC 5321 §4.1.3), the domain of `user@[192.0.2.1]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AddressLiteral {
    /// `[192.0.2.1]`
    Ipv4(Ipv4Addr),
    /// `[IPv6:2001:db8::1]`
    Ipv6(Ipv6Addr),
    /// `[tag:content]` with a tag other than `IPv6`; accepted only in lenient mode, since
    /// no other tag is registered.
    General {
        /// The standardized tag (an LDH string).
        tag: Box<str>,
        /// The text after the colon.
        content: Box<str>,
    },
}

impl fmt::Display for AddressLiteral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddressLiteral::Ipv4(ip) => write!(f, "[{ip}]"),
            AddressLiteral::Ipv6(ip) => write!(f, "[IPv6:{ip}]"),
            AddressLiteral::General { tag, content } => write!(f, "[{tag}:{content}]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_part_quotes_only_when_needed() {
        assert_eq!(
            LocalPart::new("taro.yamada").unwrap().to_string(),
            "taro.yamada"
        );
        assert_eq!(
            LocalPart::new("john smith").unwrap().to_string(),
            "\"john smith\""
        );
        assert_eq!(
            LocalPart::new("a\"b\\c").unwrap().to_string(),
            r#""a\"b\\c""#
        );
        assert_eq!(LocalPart::new(".a").unwrap().to_string(), "\".a\"");
        assert_eq!(LocalPart::new("").unwrap().to_string(), "\"\"");
        assert_eq!(LocalPart::new("用户").unwrap().to_string(), "用户");
    }

    #[test]
    fn local_part_refuses_controls_and_length() {
        assert!(matches!(
            LocalPart::new("a\tb").unwrap_err().kind(),
            ParseErrorKind::ControlCharacter { code: 9 }
        ));
        assert!(LocalPart::new("a".repeat(64)).is_ok());
        assert!(matches!(
            LocalPart::new("a".repeat(65)).unwrap_err().kind(),
            ParseErrorKind::LocalPartTooLong { len: 65 }
        ));
        // 63 characters that need quoting become 65 octets.
        assert!(LocalPart::new(" ".repeat(63)).is_err());
    }

    #[test]
    fn normalization_is_case_insensitive_and_idempotent() {
        let a = LocalPart::new("TaRo").unwrap().normalized();
        assert_eq!(a.as_str(), "taro");
        assert_eq!(a.normalized(), a);
        // U+0041 U+030A (A + ring) and U+00C5 (Å) normalise to the same å.
        let decomposed = LocalPart::new("A\u{30a}").unwrap().normalized();
        let composed = LocalPart::new("\u{c5}").unwrap().normalized();
        assert_eq!(decomposed, composed);
        assert_eq!(composed.as_str(), "\u{e5}");
    }

    #[test]
    fn domain_within() {
        let parent: DomainName = "so-net.ne.jp".parse().unwrap();
        let child: DomainName = "aa2.so-net.ne.jp".parse().unwrap();
        let other: DomainName = "xso-net.ne.jp".parse().unwrap();
        assert!(child.is_within(&parent));
        assert!(parent.is_within(&parent));
        assert!(!other.is_within(&parent));
        assert!(!parent.is_within(&child));
    }

    #[test]
    fn mailbox_length_limit() {
        let local = LocalPart::new("a".repeat(64)).unwrap();
        let label = "b".repeat(63);
        let domain: Domain = format!("{label}.{label}.{label}.c").parse().unwrap();
        // 64 + 1 + 193 = 258 > 254
        let err = Mailbox::new(local, domain).unwrap_err();
        assert!(matches!(
            err.kind(),
            ParseErrorKind::MailboxTooLong { len: 258 }
        ));
    }
}
