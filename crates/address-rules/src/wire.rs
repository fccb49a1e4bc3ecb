//! RFC 5321 paths and ESMTP parameters: what follows `MAIL FROM:` and `RCPT TO:`.

use compact_str::CompactString;
use std::borrow::Cow;
use std::fmt;

use crate::error::{ParseError, ParseErrorKind};
use crate::mailbox::{Domain, LocalPart, MAX_PATH_LEN, Mailbox};
use crate::syntax;

/// How much a parser forgives.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Strictness {
    /// The letter of the RFC.
    ///
    /// On the wire: RFC 5321's grammar exactly (`MAIL FROM:<a@b.example> SIZE=10`, no space
    /// after the colon, brackets required, one space between parameters); general address
    /// literals with an unregistered tag refused. In headers: RFC 5322 without the obsolete
    /// syntax of its section 4.
    #[default]
    Strict,
    /// What a robust receiver tolerates.
    ///
    /// On the wire: white space after the colon and between parameters, a path without
    /// angle brackets (`MAIL FROM:a@b.example`, as Postfix accepts unless
    /// `strict_rfc821_envelopes`). In headers: the obsolete syntax that RFC 5322 §4 says
    /// must be accepted (`John Q. Public`, CFWS around the dots of a local part or domain,
    /// routes in angle brackets, empty list elements).
    Lenient,
}

/// Options for the wire parsers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WireOptions {
    /// The transaction announced `SMTPUTF8` on `MAIL FROM` (RFC 6531), so non-ASCII local
    /// parts and U-label domains are allowed. [`parse_mail_from`] also honours an
    /// `SMTPUTF8` parameter of its own command.
    pub smtputf8: bool,
    /// How much to forgive.
    pub strictness: Strictness,
}

/// The reverse path of `MAIL FROM`: a mailbox, or `<>` for bounces.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReversePath {
    /// `<>`: the null reverse path of delivery status notifications (RFC 5321 §4.5.5).
    Null,
    /// A sender mailbox.
    Mailbox(Mailbox),
}

impl ReversePath {
    /// The mailbox, unless this is the null path.
    pub fn mailbox(&self) -> Option<&Mailbox> {
        match self {
            ReversePath::Null => None,
            ReversePath::Mailbox(mailbox) => Some(mailbox),
        }
    }
}

impl fmt::Display for ReversePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReversePath::Null => f.write_str("<>"),
            ReversePath::Mailbox(mailbox) => write!(f, "<{mailbox}>"),
        }
    }
}

/// The forward path of `RCPT TO`: a mailbox, or the bare `<Postmaster>` every server must
/// accept (RFC 5321 §4.5.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ForwardPath {
    /// `<Postmaster>` without a domain (any case): the local postmaster.
    Postmaster,
    /// A recipient mailbox.
    Mailbox(Mailbox),
}

impl ForwardPath {
    /// The mailbox, unless this is the bare `<Postmaster>`.
    pub fn mailbox(&self) -> Option<&Mailbox> {
        match self {
            ForwardPath::Postmaster => None,
            ForwardPath::Mailbox(mailbox) => Some(mailbox),
        }
    }
}

impl fmt::Display for ForwardPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ForwardPath::Postmaster => f.write_str("<Postmaster>"),
            ForwardPath::Mailbox(mailbox) => write!(f, "<{mailbox}>"),
        }
    }
}

/// ESMTP parameters (`SIZE=1000 BODY=8BITMIME SMTPUTF8`), keywords in upper case, in the
/// order given, each at most once.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Parameters(Vec<(CompactString, Option<CompactString>)>);

impl Parameters {
    /// The value of `keyword` (any case): `None` if absent, `Some(None)` if given without
    /// a value (`SMTPUTF8`).
    pub fn get(&self, keyword: &str) -> Option<Option<&str>> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(keyword))
            .map(|(_, v)| v.as_deref())
    }

    /// True if `keyword` (any case) was given.
    pub fn contains(&self, keyword: &str) -> bool {
        self.get(keyword).is_some()
    }

    /// The announced message size, `SIZE=` (RFC 1870); validated when parsed.
    pub fn size(&self) -> Option<u64> {
        self.get("SIZE").flatten().and_then(|v| v.parse().ok())
    }

    /// True if `SMTPUTF8` (RFC 6531) was given.
    pub fn smtputf8(&self) -> bool {
        self.contains("SMTPUTF8")
    }

    /// All parameters, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_deref()))
    }

    /// The number of parameters.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Parameters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (keyword, value)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(keyword)?;
            if let Some(value) = value {
                write!(f, "={value}")?;
            }
        }
        Ok(())
    }
}

/// The argument of `MAIL FROM:`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailFrom {
    /// The sender, or `<>`.
    pub reverse_path: ReversePath,
    /// `SIZE=`, `BODY=`, `SMTPUTF8`, ...
    pub parameters: Parameters,
}

/// The argument of `RCPT TO:`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RcptTo {
    /// The recipient.
    pub forward_path: ForwardPath,
    /// `NOTIFY=`, `ORCPT=`, ...
    pub parameters: Parameters,
}

/// Parses what follows `MAIL FROM:`: a reverse path and its ESMTP parameters.
///
/// Non-ASCII addresses need `SMTPUTF8`, either in `options` or among these parameters.
///
/// ```
/// use mail_policy_address_rules::{parse_mail_from, ReversePath, WireOptions};
///
/// let mail = parse_mail_from("<taro@aa2.so-net.ne.jp> SIZE=2048", WireOptions::default())?;
/// assert_eq!(mail.parameters.size(), Some(2048));
/// assert_eq!(mail.reverse_path.mailbox().unwrap().to_string(), "taro@aa2.so-net.ne.jp");
///
/// let bounce = parse_mail_from("<>", WireOptions::default())?;
/// assert_eq!(bounce.reverse_path, ReversePath::Null);
/// # Ok::<(), mail_policy_address_rules::ParseError>(())
/// ```
pub fn parse_mail_from(argument: &str, options: WireOptions) -> Result<MailFrom, ParseError> {
    let mut cursor = Cursor::new(argument);
    let path = cursor.path(options.strictness, PathKind::Reverse)?;
    let parameters = cursor.parameters(options.strictness)?;
    if let Some(at) = path.first_non_ascii {
        if !(options.smtputf8 || parameters.smtputf8()) {
            return Err(ParseError::new(ParseErrorKind::Utf8WithoutSmtputf8, at));
        }
    }
    let reverse_path = match path.mailbox {
        None => ReversePath::Null,
        Some(mailbox) => ReversePath::Mailbox(mailbox),
    };
    Ok(MailFrom {
        reverse_path,
        parameters,
    })
}

/// Parses what follows `RCPT TO:`: a forward path and its ESMTP parameters.
///
/// ```
/// use mail_policy_address_rules::{parse_rcpt_to, ForwardPath, WireOptions};
///
/// let rcpt = parse_rcpt_to("<@relay.example:hanako@ts1.so-net.ne.jp>", WireOptions::default())?;
/// // The source route is validated, then ignored (RFC 5321 §C).
/// assert_eq!(rcpt.forward_path.to_string(), "<hanako@ts1.so-net.ne.jp>");
/// assert_eq!(parse_rcpt_to("<POSTMASTER>", WireOptions::default())?.forward_path, ForwardPath::Postmaster);
/// # Ok::<(), mail_policy_address_rules::ParseError>(())
/// ```
pub fn parse_rcpt_to(argument: &str, options: WireOptions) -> Result<RcptTo, ParseError> {
    let mut cursor = Cursor::new(argument);
    let path = cursor.path(options.strictness, PathKind::Forward)?;
    let parameters = cursor.parameters(options.strictness)?;
    if let Some(at) = path.first_non_ascii {
        if !options.smtputf8 {
            return Err(ParseError::new(ParseErrorKind::Utf8WithoutSmtputf8, at));
        }
    }
    let forward_path = match path.mailbox {
        None => ForwardPath::Postmaster,
        Some(mailbox) => ForwardPath::Mailbox(mailbox),
    };
    Ok(RcptTo {
        forward_path,
        parameters,
    })
}

/// [`parse_mail_from`] for the raw bytes of an SMTP command line, as a server reads them:
/// bytes that are not UTF-8 are a [`ParseErrorKind::InvalidUtf8`] error at the first bad
/// byte.
pub fn parse_mail_from_bytes(
    argument: &[u8],
    options: WireOptions,
) -> Result<MailFrom, ParseError> {
    parse_mail_from(utf8(argument)?, options)
}

/// [`parse_rcpt_to`] for raw bytes; see [`parse_mail_from_bytes`].
pub fn parse_rcpt_to_bytes(argument: &[u8], options: WireOptions) -> Result<RcptTo, ParseError> {
    parse_rcpt_to(utf8(argument)?, options)
}

/// Where the `@` and the `>` of a plain path (see [`Cursor::plain_path`]) at the start of
/// `bytes` are, or `None` when it is not one. Tight loops that keep only positions: this
/// runs for every MAIL and RCPT command.
fn plain_path_bounds(bytes: &[u8]) -> Option<(usize, usize)> {
    if bytes.first() != Some(&b'<') {
        return None;
    }
    // Local part: atoms of ASCII atext joined by single dots, up to the `@`. Each loop
    // finds a run of one class, then looks at the byte after it: LLVM keeps such loops
    // in registers, where one loop over every byte with its state did not.
    let mut at = 0;
    loop {
        let atom_start = at + 1;
        let len = run_length(bytes, atom_start, syntax::is_atext_ascii)?;
        if len == 0 {
            return None;
        }
        at = atom_start + len;
        match bytes.get(at) {
            Some(b'.') => {}
            Some(b'@') => break,
            _ => return None,
        }
    }
    if at - 1 > crate::MAX_LOCAL_PART_LEN {
        return None;
    }
    // Domain: LDH labels of 1 to 63 octets joined by single dots, no hyphen at either end
    // of a label, no A-label (those need IDNA), up to the `>`.
    let mut end = at;
    loop {
        let label_start = end + 1;
        let len = run_length(bytes, label_start, syntax::is_ldh)?;
        let label = &bytes[label_start..label_start + len];
        if label.is_empty()
            || label.len() > 63
            || label[0] == b'-'
            || label[len - 1] == b'-'
            || (len >= 4 && label[..4].eq_ignore_ascii_case(b"xn--"))
        {
            return None;
        }
        end = label_start + len;
        match bytes.get(end) {
            Some(b'.') => {}
            Some(b'>') => break,
            _ => return None,
        }
    }
    // The mailbox is what lies between the brackets.
    (end - 1 <= crate::MAX_MAILBOX_LEN).then_some((at, end))
}

/// How many bytes of `class` run from `start` (`None` when `start` is past the end).
#[inline]
fn run_length(bytes: &[u8], start: usize, class: impl Fn(u8) -> bool) -> Option<usize> {
    let rest = bytes.get(start..)?;
    Some(rest.iter().position(|&b| !class(b)).unwrap_or(rest.len()))
}

fn utf8(bytes: &[u8]) -> Result<&str, ParseError> {
    std::str::from_utf8(bytes)
        .map_err(|e| ParseError::new(ParseErrorKind::InvalidUtf8, e.valid_up_to()))
}

/// Parses a reverse path alone (`<a@b.example>` or `<>`), without parameters.
pub fn parse_reverse_path(path: &str, options: WireOptions) -> Result<ReversePath, ParseError> {
    let mail = parse_mail_from(path, options)?;
    if !mail.parameters.is_empty() {
        return Err(ParseError::new(
            ParseErrorKind::TrailingInput,
            path.find('>').map_or(0, |i| i + 1),
        ));
    }
    Ok(mail.reverse_path)
}

/// Parses a forward path alone (`<a@b.example>` or `<Postmaster>`), without parameters.
pub fn parse_forward_path(path: &str, options: WireOptions) -> Result<ForwardPath, ParseError> {
    let rcpt = parse_rcpt_to(path, options)?;
    if !rcpt.parameters.is_empty() {
        return Err(ParseError::new(
            ParseErrorKind::TrailingInput,
            path.find('>').map_or(0, |i| i + 1),
        ));
    }
    Ok(rcpt.forward_path)
}

/// Parses a bare RFC 5321 `Mailbox` (`local@domain`), nothing before or after.
pub(crate) fn parse_mailbox(input: &str, utf8: bool) -> Result<Mailbox, ParseError> {
    let mut cursor = Cursor::new(input);
    if input.is_empty() {
        return Err(ParseError::new(ParseErrorKind::Empty, 0));
    }
    let parsed = cursor.mailbox(Strictness::Strict, PathKind::Reverse)?;
    if cursor.pos != input.len() {
        return Err(cursor.unexpected("end of address"));
    }
    match (parsed.first_non_ascii, parsed.mailbox) {
        (Some(at), _) if !utf8 => Err(ParseError::new(ParseErrorKind::Utf8WithoutSmtputf8, at)),
        (_, Some(mailbox)) => Ok(mailbox),
        (_, None) => Err(ParseError::new(ParseErrorKind::MissingDomain, input.len())),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PathKind {
    Reverse,
    Forward,
}

struct ParsedPath {
    /// `None` for `<>` (reverse) or `<Postmaster>` (forward).
    mailbox: Option<Mailbox>,
    first_non_ascii: Option<usize>,
}

struct Cursor<'a> {
    input: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(input: &'a str) -> Self {
        Self {
            input,
            bytes: input.as_bytes(),
            pos: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn unexpected(&self, expected: &'static str) -> ParseError {
        match self
            .input
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
        {
            None => ParseError::new(ParseErrorKind::UnexpectedEnd { expected }, self.pos),
            Some(c) if c.is_ascii_control() => ParseError::new(
                ParseErrorKind::ControlCharacter { code: c as u32 },
                self.pos,
            ),
            Some(found) => {
                ParseError::new(ParseErrorKind::UnexpectedChar { found, expected }, self.pos)
            }
        }
    }

    fn expect(&mut self, byte: u8, expected: &'static str) -> Result<(), ParseError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }

    fn skip_spaces(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// `Path = "<" [ A-d-l ":" ] Mailbox ">"`, or `<>`; lenient also takes a bare mailbox.
    fn path(&mut self, strictness: Strictness, kind: PathKind) -> Result<ParsedPath, ParseError> {
        if let Some(mailbox) = self.plain_path() {
            return Ok(ParsedPath {
                mailbox: Some(mailbox),
                first_non_ascii: None,
            });
        }
        self.any_path(strictness, kind)
    }

    /// The path nearly every command carries, `<local@domain>` in plain ASCII (a
    /// dot-string local part, an LDH domain without A-labels), read in one pass with no
    /// intermediate results; `None` for anything else (quoted or non-ASCII local parts,
    /// IDNs, literals, source routes, `<>`, `<Postmaster>`, every error), which
    /// [`any_path`](Self::any_path) then reads. Whatever it accepts, `any_path` reads
    /// the same (a property test holds the two equal).
    fn plain_path(&mut self) -> Option<Mailbox> {
        let (at, end) = plain_path_bounds(self.bytes.get(self.pos..)?)?;
        // Offsets in `self.input`: `<` at `pos`, `@` at `pos + at`, `>` at `pos + end`.
        let local = self.input.get(self.pos + 1..self.pos + at)?;
        let domain = self.input.get(self.pos + at + 1..self.pos + end)?;
        let local = LocalPart::from_plain(CompactString::from(local));
        let mut domain = CompactString::from(domain);
        domain.make_ascii_lowercase();
        self.pos += end + 1;
        Some(Mailbox::from_plain(
            local,
            Domain::Name(crate::DomainName::from_ascii(domain, false)),
        ))
    }

    /// Any path: [`path`](Self::path) without its fast case.
    fn any_path(
        &mut self,
        strictness: Strictness,
        kind: PathKind,
    ) -> Result<ParsedPath, ParseError> {
        if strictness == Strictness::Lenient {
            self.skip_spaces();
        }
        let start = self.pos;
        if self.peek() != Some(b'<') {
            if strictness == Strictness::Lenient && self.peek().is_some() {
                let parsed = self.mailbox(strictness, kind)?;
                if self.pos - start > MAX_PATH_LEN - 2 {
                    let len = self.pos - start + 2;
                    return Err(ParseError::new(ParseErrorKind::PathTooLong { len }, start));
                }
                return Ok(parsed);
            }
            return Err(self.unexpected("'<'"));
        }
        self.pos += 1;
        let parsed = if kind == PathKind::Reverse && self.peek() == Some(b'>') {
            ParsedPath {
                mailbox: None,
                first_non_ascii: None,
            }
        } else {
            let mut first_non_ascii = None;
            if self.peek() == Some(b'@') {
                first_non_ascii = self.source_route()?;
            }
            let mut parsed = self.mailbox(strictness, kind)?;
            parsed.first_non_ascii = first_non_ascii.or(parsed.first_non_ascii);
            parsed
        };
        if self.peek() != Some(b'>') {
            return Err(match self.peek() {
                None => ParseError::new(ParseErrorKind::UnterminatedAngleAddr, self.pos),
                Some(_) => self.unexpected("'>'"),
            });
        }
        self.pos += 1;
        let len = self.pos - start;
        if len > MAX_PATH_LEN {
            return Err(ParseError::new(ParseErrorKind::PathTooLong { len }, start));
        }
        Ok(parsed)
    }

    /// `A-d-l ":"` (`@one.example,@two.example:`): validated, then dropped.
    fn source_route(&mut self) -> Result<Option<usize>, ParseError> {
        let mut first_non_ascii = None;
        loop {
            self.expect(b'@', "'@' of a source route")?;
            let start = self.pos;
            let (domain, non_ascii) = self.domain_name()?;
            drop(domain);
            first_non_ascii = first_non_ascii.or(non_ascii.then_some(start));
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b':') => {
                    self.pos += 1;
                    return Ok(first_non_ascii);
                }
                _ => return Err(self.unexpected("',' or ':' in a source route")),
            }
        }
    }

    /// `Mailbox = Local-part "@" ( Domain / address-literal )`.
    fn mailbox(
        &mut self,
        strictness: Strictness,
        kind: PathKind,
    ) -> Result<ParsedPath, ParseError> {
        let local_start = self.pos;
        let (local, mut first_non_ascii) = if self.peek() == Some(b'"') {
            self.quoted_local_part()?
        } else {
            self.dot_string()?
        };
        if self.peek() != Some(b'@') {
            // RFC 5321 §4.5.1: `RCPT TO:<Postmaster>` without a domain must be accepted.
            if kind == PathKind::Forward
                && local.eq_ignore_ascii_case("postmaster")
                && self.bytes[local_start] != b'"'
            {
                return Ok(ParsedPath {
                    mailbox: None,
                    first_non_ascii: None,
                });
            }
            return Err(match self.peek() {
                None | Some(b'>' | b' ') => {
                    ParseError::new(ParseErrorKind::MissingDomain, self.pos)
                }
                Some(_) => self.unexpected("'@'"),
            });
        }
        // A quoted local part is canonically unquoted when it is a dot-string after all.
        let quoted = self.bytes[local_start] == b'"' && !syntax::is_dot_atom_text(&local);
        let len = LocalPart::canonical_len_of(&local, quoted);
        if len > crate::MAX_LOCAL_PART_LEN {
            return Err(ParseError::new(
                ParseErrorKind::LocalPartTooLong { len },
                local_start,
            ));
        }
        self.pos += 1;
        let domain_start = self.pos;
        let domain = if self.peek() == Some(b'[') {
            Domain::Literal(self.address_literal(strictness)?)
        } else {
            let (name, non_ascii) = self.domain_name()?;
            if non_ascii {
                first_non_ascii = first_non_ascii.or(Some(domain_start));
            }
            Domain::Name(name)
        };
        // Allocated only now that the domain is valid too.
        let local = LocalPart::from_parser(compact_str::CompactString::from(local), quoted)
            .map_err(|kind| ParseError::new(kind, local_start))?;
        let mailbox = Mailbox::new(local, domain)
            .map_err(|e| ParseError::new(e.kind().clone(), local_start))?;
        Ok(ParsedPath {
            mailbox: Some(mailbox),
            first_non_ascii,
        })
    }

    /// `Dot-string = Atom *("." Atom)`, UTF-8 allowed.
    fn dot_string(&mut self) -> Result<(Cow<'a, str>, Option<usize>), ParseError> {
        let start = self.pos;
        let rest = &self.bytes[start..];
        // One pass: where the atoms end, the first empty atom (a leading dot, the second
        // of two, a trailing one), the first non-ASCII byte.
        let mut len = 0;
        let mut empty_atom = None;
        let mut first_non_ascii = None;
        let mut after_dot = true;
        while let Some(&b) = rest.get(len) {
            if b == b'.' {
                if after_dot && empty_atom.is_none() {
                    empty_atom = Some(len);
                }
                after_dot = true;
            } else if syntax::is_atext_utf8(b) {
                if b >= 0x80 && first_non_ascii.is_none() {
                    first_non_ascii = Some(start + len);
                }
                after_dot = false;
            } else {
                break;
            }
            len += 1;
        }
        if empty_atom.is_none() && after_dot && len > 0 {
            empty_atom = Some(len);
        }
        if let Some(at) = empty_atom {
            return Err(ParseError::new(ParseErrorKind::EmptyLabel, start + at));
        }
        if len == 0 {
            self.pos = start;
            return Err(if self.peek() == Some(b'@') {
                ParseError::new(ParseErrorKind::EmptyLocalPart, start)
            } else {
                self.unexpected("a local part")
            });
        }
        self.pos = start + len;
        Ok((Cow::Borrowed(&self.input[start..self.pos]), first_non_ascii))
    }

    /// `Quoted-string = DQUOTE *QcontentSMTP DQUOTE`, UTF-8 allowed.
    fn quoted_local_part(&mut self) -> Result<(Cow<'a, str>, Option<usize>), ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut content = String::new();
        let mut first_non_ascii = None;
        let mut run_start = self.pos;
        loop {
            match self.peek() {
                None => {
                    return Err(ParseError::new(
                        ParseErrorKind::UnterminatedQuotedString,
                        open,
                    ));
                }
                Some(b'"') => {
                    content.push_str(&self.input[run_start..self.pos]);
                    self.pos += 1;
                    return Ok((Cow::Owned(content), first_non_ascii));
                }
                Some(b'\\') => {
                    content.push_str(&self.input[run_start..self.pos]);
                    self.pos += 1;
                    // quoted-pairSMTP = %d92 %d32-126
                    match self.peek() {
                        Some(b @ 32..=126) => {
                            content.push(char::from(b));
                            self.pos += 1;
                        }
                        None => {
                            return Err(ParseError::new(
                                ParseErrorKind::UnterminatedQuotedString,
                                open,
                            ));
                        }
                        Some(_) => {
                            return Err(self.unexpected("a printable ASCII character after '\\'"));
                        }
                    }
                    run_start = self.pos;
                }
                Some(b) if b >= 0x80 => {
                    first_non_ascii = first_non_ascii.or(Some(self.pos));
                    self.pos += 1;
                }
                Some(32..=126) => self.pos += 1,
                Some(_) => return Err(self.unexpected("a printable character in a quoted string")),
            }
        }
    }

    /// A host name: letters, digits, hyphens, dots and (checked later) UTF-8.
    fn domain_name(&mut self) -> Result<(crate::DomainName, bool), ParseError> {
        let start = self.pos;
        let scan = syntax::scan_domain(&self.bytes[start..])
            .map_err(|(kind, offset)| ParseError::new(kind, start + offset))?;
        self.pos += scan.len;
        let name = syntax::finish_domain(&self.input[start..self.pos], scan.needs_idna)
            .map_err(|(kind, offset)| ParseError::new(kind, start + offset))?;
        Ok((
            name,
            scan.needs_idna && !self.input[start..self.pos].is_ascii(),
        ))
    }

    /// `"[" ... "]"`, validated by [`syntax::parse_address_literal`].
    fn address_literal(
        &mut self,
        strictness: Strictness,
    ) -> Result<crate::AddressLiteral, ParseError> {
        let open = self.pos;
        let Some(len) = self.bytes[open + 1..].iter().position(|&b| b == b']') else {
            return Err(ParseError::new(
                ParseErrorKind::UnterminatedDomainLiteral,
                open,
            ));
        };
        let content = &self.input[open + 1..open + 1 + len];
        let literal =
            syntax::parse_address_literal(content, strictness).map_err(|e| e.shifted(open + 1))?;
        self.pos = open + 2 + len;
        Ok(literal)
    }

    /// `*( SP Mail-parameters )` up to the end of the input.
    fn parameters(&mut self, strictness: Strictness) -> Result<Parameters, ParseError> {
        let mut parameters: Vec<(CompactString, Option<CompactString>)> = Vec::new();
        loop {
            let spaces = match strictness {
                Strictness::Strict => {
                    if self.peek() == Some(b' ') {
                        self.pos += 1;
                        1
                    } else {
                        0
                    }
                }
                Strictness::Lenient => self.skip_spaces(),
            };
            if self.peek().is_none() {
                if spaces > 0 && strictness == Strictness::Strict {
                    return Err(ParseError::new(ParseErrorKind::TrailingInput, self.pos - 1));
                }
                return Ok(Parameters(parameters));
            }
            if spaces == 0 {
                return Err(self.unexpected("' ' before a parameter"));
            }
            let start = self.pos;
            let (keyword, value) = self.parameter()?;
            if parameters.iter().any(|(k, _)| *k == keyword) {
                return Err(ParseError::new(
                    ParseErrorKind::DuplicateParameter {
                        keyword: keyword.into(),
                    },
                    start,
                ));
            }
            check_known_parameter(&keyword, value.as_deref()).map_err(|reason| {
                ParseError::new(
                    ParseErrorKind::InvalidParameter {
                        keyword: keyword.to_string(),
                        reason,
                    },
                    start,
                )
            })?;
            parameters.push((keyword, value));
        }
    }

    /// `esmtp-keyword ["=" esmtp-value]`.
    /// Keywords and values are short: they stay inline, without an allocation.
    fn parameter(&mut self) -> Result<(CompactString, Option<CompactString>), ParseError> {
        let start = self.pos;
        if !self.peek().is_some_and(|b| b.is_ascii_alphanumeric()) {
            return Err(self.unexpected("an ESMTP parameter keyword"));
        }
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            self.pos += 1;
        }
        let mut keyword = CompactString::from(&self.input[start..self.pos]);
        keyword.make_ascii_uppercase();
        if self.peek() != Some(b'=') {
            if self.peek().is_some_and(|b| b != b' ' && b != b'\t') {
                return Err(self.unexpected("'=' or ' ' after an ESMTP keyword"));
            }
            return Ok((keyword, None));
        }
        self.pos += 1;
        let value_start = self.pos;
        // esmtp-value = 1*(%d33-60 / %d62-126), plus UTF-8 (RFC 6531 §3.3).
        while self
            .peek()
            .is_some_and(|b| matches!(b, 33..=60 | 62..=126) || b >= 0x80)
        {
            self.pos += 1;
        }
        if self.pos == value_start {
            return Err(ParseError::new(
                ParseErrorKind::InvalidParameter {
                    keyword: keyword.into(),
                    reason: "empty value",
                },
                value_start,
            ));
        }
        if self.peek().is_some_and(|b| b != b' ' && b != b'\t') {
            return Err(self.unexpected("a parameter value"));
        }
        Ok((
            keyword,
            Some(CompactString::from(&self.input[value_start..self.pos])),
        ))
    }
}

/// Values of the parameters this crate knows; others pass as they are.
fn check_known_parameter(keyword: &str, value: Option<&str>) -> Result<(), &'static str> {
    match (keyword, value) {
        // RFC 1870: size-value = 1*20DIGIT
        ("SIZE", Some(v)) => {
            if v.len() <= 20 && v.bytes().all(|b| b.is_ascii_digit()) {
                v.parse::<u64>()
                    .map(|_| ())
                    .map_err(|_| "size does not fit 64 bits")
            } else {
                Err("size is not 1 to 20 digits")
            }
        }
        ("SIZE", None) => Err("SIZE needs a value"),
        ("BODY", Some(v)) => ["7BIT", "8BITMIME", "BINARYMIME"]
            .iter()
            .any(|known| v.eq_ignore_ascii_case(known))
            .then_some(())
            .ok_or("BODY is not 7BIT, 8BITMIME or BINARYMIME"),
        ("BODY", None) => Err("BODY needs a value"),
        ("SMTPUTF8", Some(_)) => Err("SMTPUTF8 takes no value"),
        ("RET", Some(v)) => (v.eq_ignore_ascii_case("FULL") || v.eq_ignore_ascii_case("HDRS"))
            .then_some(())
            .ok_or("RET is not FULL or HDRS"),
        ("RET", None) => Err("RET needs a value"),
        ("NOTIFY", Some(v)) => {
            let words: Vec<&str> = v.split(',').collect();
            let never = words.len() == 1 && words[0].eq_ignore_ascii_case("NEVER");
            let listed = words.iter().all(|w| {
                ["SUCCESS", "FAILURE", "DELAY"]
                    .iter()
                    .any(|k| w.eq_ignore_ascii_case(k))
            });
            (never || listed)
                .then_some(())
                .ok_or("NOTIFY is not NEVER or a list of SUCCESS, FAILURE, DELAY")
        }
        ("NOTIFY", None) => Err("NOTIFY needs a value"),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: WireOptions = WireOptions {
        smtputf8: false,
        strictness: Strictness::Strict,
    };
    const LENIENT: WireOptions = WireOptions {
        smtputf8: false,
        strictness: Strictness::Lenient,
    };
    const UTF8: WireOptions = WireOptions {
        smtputf8: true,
        strictness: Strictness::Strict,
    };

    fn mail(s: &str) -> Result<MailFrom, ParseError> {
        parse_mail_from(s, STRICT)
    }

    fn kind(result: Result<MailFrom, ParseError>) -> (ParseErrorKind, usize) {
        let err = result.unwrap_err();
        (err.kind().clone(), err.offset())
    }

    /// What the plain-path case reads, the general parser reads the same: the mailbox
    /// and where the path ends.
    fn assert_plain_agrees(input: &str) {
        let mut fast = Cursor::new(input);
        let Some(mailbox) = fast.plain_path() else {
            return;
        };
        for kind in [PathKind::Reverse, PathKind::Forward] {
            for strictness in [Strictness::Strict, Strictness::Lenient] {
                let mut general = Cursor::new(input);
                let parsed = general
                    .any_path(strictness, kind)
                    .unwrap_or_else(|e| panic!("{input:?}: plain {mailbox}, general {e}"));
                assert_eq!(parsed.mailbox.as_ref(), Some(&mailbox), "{input:?}");
                assert_eq!(parsed.first_non_ascii, None, "{input:?}");
                assert_eq!(general.pos, fast.pos, "{input:?}");
            }
        }
    }

    #[test]
    fn plain_path_case_agrees_with_the_general_parser() {
        let long_label = "a".repeat(63);
        let cases = [
            "<taro@aa2.so-net.ne.jp>".to_owned(),
            "<Taro.Yamada@AA2.So-Net.NE.JP> SIZE=10".to_owned(),
            "<a!#$%&'*+-/=?^_`{|}~@b>".to_owned(),
            format!("<{}@b.example>", "x".repeat(64)),
            format!(
                "<x@{long_label}.{long_label}.{long_label}.{}>",
                "b".repeat(60)
            ),
            "<x@1.2.3.4>".to_owned(),
        ];
        for case in &cases {
            assert!(Cursor::new(case).plain_path().is_some(), "{case:?}");
            assert_plain_agrees(case);
        }
        // Left to the general parser (as accepted or as errors).
        let declined = [
            "<>".to_owned(),
            "<Postmaster>".to_owned(),
            "<\"a b\"@example.com>".to_owned(),
            "<@relay.example:a@b.example>".to_owned(),
            "<a@[192.0.2.1]>".to_owned(),
            "<a@xn--r8jz45g.jp>".to_owned(),
            "<a@XN--r8jz45g.jp>".to_owned(),
            "<用户@example.com>".to_owned(),
            "<a@例え.jp>".to_owned(),
            "<.a@b>".to_owned(),
            "<a.@b>".to_owned(),
            "<a..b@c>".to_owned(),
            "<a@b..c>".to_owned(),
            "<a@-b.c>".to_owned(),
            "<a@b-.c>".to_owned(),
            "<a@b.>".to_owned(),
            "<a@>".to_owned(),
            "<@b>".to_owned(),
            "<a@b".to_owned(),
            " <a@b>".to_owned(),
            format!("<{}@b.example>", "x".repeat(65)),
            format!("<x@{}.example>", "a".repeat(64)),
            format!(
                "<x@{long_label}.{long_label}.{long_label}.{}>",
                "b".repeat(61)
            ),
        ];
        for case in &declined {
            assert!(Cursor::new(case).plain_path().is_none(), "{case:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5000))]
        #[test]
        fn plain_path_case_never_disagrees(input in "<[a-zA-Z0-9.!#-]{0,8}@[a-zA-Z0-9.-]{0,12}>( SIZE=1)?") {
            assert_plain_agrees(&input);
        }

        #[test]
        fn plain_path_case_never_disagrees_on_any_text(input in "\\PC{0,30}") {
            assert_plain_agrees(&input);
        }
    }

    #[test]
    fn plain_paths() {
        let m = mail("<taro@aa2.so-net.ne.jp>").unwrap();
        assert_eq!(m.reverse_path.to_string(), "<taro@aa2.so-net.ne.jp>");
        assert!(m.parameters.is_empty());
        assert_eq!(mail("<>").unwrap().reverse_path, ReversePath::Null);
        let quoted = mail(r#"<"john \"j\" smith"@example.com>"#).unwrap();
        let mailbox = quoted.reverse_path.mailbox().unwrap();
        assert_eq!(mailbox.local_part().as_str(), r#"john "j" smith"#);
        assert_eq!(mailbox.to_string(), r#""john \"j\" smith"@example.com"#);
        // Unneeded quotes disappear in the canonical form.
        let m = mail(r#"<"taro"@example.com>"#).unwrap();
        assert_eq!(m.reverse_path.to_string(), "<taro@example.com>");
        let m = mail("<user@[192.0.2.1]>").unwrap();
        assert_eq!(m.reverse_path.to_string(), "<user@[192.0.2.1]>");
        let m = mail("<user@[IPv6:2001:DB8::1]>").unwrap();
        assert_eq!(m.reverse_path.to_string(), "<user@[IPv6:2001:db8::1]>");
    }

    #[test]
    fn source_routes_are_checked_and_dropped() {
        let m = mail("<@a.example,@b.example:user@c.example>").unwrap();
        assert_eq!(m.reverse_path.to_string(), "<user@c.example>");
        assert!(mail("<@a.example user@c.example>").is_err());
        assert!(mail("<@a..example:user@c.example>").is_err());
        assert!(mail("<@:user@c.example>").is_err());
    }

    #[test]
    fn errors_say_what_and_where() {
        assert_eq!(
            kind(mail("")),
            (ParseErrorKind::UnexpectedEnd { expected: "'<'" }, 0)
        );
        assert_eq!(
            kind(mail("<taro@example.com")),
            (ParseErrorKind::UnterminatedAngleAddr, 17)
        );
        assert_eq!(kind(mail("<taro>")), (ParseErrorKind::MissingDomain, 5));
        assert_eq!(
            kind(mail("<@example.com>")).0,
            ParseErrorKind::UnexpectedChar {
                found: '>',
                expected: "',' or ':' in a source route"
            }
        );
        assert_eq!(
            kind(mail("<a..b@example.com>")),
            (ParseErrorKind::EmptyLabel, 3)
        );
        assert_eq!(
            kind(mail("<.a@example.com>")),
            (ParseErrorKind::EmptyLabel, 1)
        );
        assert_eq!(
            kind(mail("<a.@example.com>")),
            (ParseErrorKind::EmptyLabel, 3)
        );
        assert_eq!(
            kind(mail("<@example.com:@x>")).0,
            ParseErrorKind::EmptyLocalPart
        );
        assert_eq!(kind(mail("<a@exa_mple.com>")).1, 6);
        assert_eq!(
            kind(mail("<a@example..com>")),
            (ParseErrorKind::EmptyLabel, 11)
        );
        assert_eq!(
            kind(mail("<a@-example.com>")),
            (ParseErrorKind::LabelHyphen, 3)
        );
        assert_eq!(
            kind(mail("<\"abc@example.com>")),
            (ParseErrorKind::UnterminatedQuotedString, 1)
        );
        assert_eq!(
            kind(mail("<\"a\u{7}\"@example.com>")),
            (ParseErrorKind::ControlCharacter { code: 7 }, 3)
        );
        assert_eq!(
            kind(mail("<a@[1.2.3.256]>")).0,
            ParseErrorKind::InvalidAddressLiteral {
                reason: "IPv4 part is more than 255"
            }
        );
        assert_eq!(
            kind(mail("<a@[1.2.3.4>")),
            (ParseErrorKind::UnterminatedDomainLiteral, 3)
        );
        assert_eq!(
            kind(mail("<a@[x-tag:stuff]>")).0,
            ParseErrorKind::UnregisteredLiteralTag
        );
        assert_eq!(
            kind(mail("<a@b.example> ")),
            (ParseErrorKind::TrailingInput, 13)
        );
        assert_eq!(
            kind(mail(" <a@b.example>")).0,
            ParseErrorKind::UnexpectedChar {
                found: ' ',
                expected: "'<'"
            }
        );
        assert_eq!(kind(mail("a@b.example")).1, 0);
    }

    #[test]
    fn length_limits() {
        let local64 = "a".repeat(64);
        assert!(mail(&format!("<{local64}@example.com>")).is_ok());
        let (k, at) = kind(mail(&format!("<{local64}a@example.com>")));
        assert_eq!((k, at), (ParseErrorKind::LocalPartTooLong { len: 65 }, 1));
        let label = "b".repeat(63);
        // 64 + 1 + (63 * 3 + 2 + 4) = 260 octets of mailbox.
        let long = format!("<{local64}@{label}.{label}.{label}.com>");
        assert_eq!(
            kind(mail(&long)),
            (ParseErrorKind::MailboxTooLong { len: 260 }, 1)
        );
        // Exactly 254 octets of mailbox (256 with brackets) passes.
        let domain = format!("{label}.{label}.{label}"); // 191
        let ok = format!("<{}@{domain}>", "a".repeat(62));
        assert_eq!(ok.len(), 256);
        assert!(mail(&ok).is_ok());
        // A source route counts towards the path limit.
        let routed = format!("<@{}:{}@{domain}>", "r".repeat(10), "a".repeat(62));
        assert!(matches!(
            kind(mail(&routed)).0,
            ParseErrorKind::PathTooLong { len: 268 }
        ));
    }

    #[test]
    fn parameters() {
        let m = mail("<a@b.example> SIZE=12345 BODY=8BITMIME smtputf8 X-FOO=bar").unwrap();
        assert_eq!(m.parameters.size(), Some(12345));
        assert_eq!(m.parameters.get("body"), Some(Some("8BITMIME")));
        assert!(m.parameters.smtputf8());
        assert_eq!(m.parameters.get("X-FOO"), Some(Some("bar")));
        assert_eq!(
            m.parameters.to_string(),
            "SIZE=12345 BODY=8BITMIME SMTPUTF8 X-FOO=bar"
        );
        for bad in [
            "<a@b.example> SIZE=",
            "<a@b.example> SIZE=12a",
            "<a@b.example> SIZE=99999999999999999999",
            "<a@b.example> SIZE=123456789012345678901",
            "<a@b.example> SIZE",
            "<a@b.example> BODY=9BIT",
            "<a@b.example> SMTPUTF8=yes",
            "<a@b.example> SIZE=1 SIZE=2",
            "<a@b.example>  SIZE=1",
            "<a@b.example> -X=1",
            "<a@b.example> X=a=b",
            "<a@b.example>SIZE=1",
            "<a@b.example> RET=ALL",
            "<a@b.example> NOTIFY=NEVER,DELAY",
        ] {
            assert!(mail(bad).is_err(), "{bad} should be refused");
        }
        let dup = mail("<a@b.example> SIZE=1 size=2").unwrap_err();
        assert_eq!(
            dup.kind(),
            &ParseErrorKind::DuplicateParameter {
                keyword: "SIZE".into()
            }
        );
        assert_eq!(dup.offset(), 21);
    }

    #[test]
    fn smtputf8() {
        let err = mail("<用户@例え.jp>").unwrap_err();
        assert_eq!(
            (err.kind(), err.offset()),
            (&ParseErrorKind::Utf8WithoutSmtputf8, 1)
        );
        let err = mail("<user@例え.jp>").unwrap_err();
        assert_eq!(
            (err.kind(), err.offset()),
            (&ParseErrorKind::Utf8WithoutSmtputf8, 6)
        );
        let m = mail("<用户@例え.jp> SMTPUTF8").unwrap();
        let mailbox = m.reverse_path.mailbox().unwrap();
        assert_eq!(mailbox.to_string(), "用户@xn--r8jz45g.jp");
        assert_eq!(mailbox.to_unicode_string(), "用户@例え.jp");
        assert!(mailbox.is_internationalized());
        assert!(parse_mail_from("<用户@例え.jp>", UTF8).is_ok());
        assert!(parse_rcpt_to("<用户@例え.jp>", UTF8).is_ok());
        assert!(parse_rcpt_to("<用户@例え.jp>", STRICT).is_err());
        // An A-label domain needs no SMTPUTF8.
        assert!(mail("<user@xn--r8jz45g.jp>").is_ok());
    }

    #[test]
    fn postmaster() {
        assert_eq!(
            parse_forward_path("<Postmaster>", STRICT).unwrap(),
            ForwardPath::Postmaster
        );
        assert_eq!(
            parse_forward_path("<postMASTER>", STRICT).unwrap(),
            ForwardPath::Postmaster
        );
        assert!(parse_forward_path("<\"postmaster\">", STRICT).is_err());
        assert!(parse_reverse_path("<postmaster>", STRICT).is_err());
        assert!(parse_forward_path("<>", STRICT).is_err());
        let p = parse_forward_path("<postmaster@example.com>", STRICT).unwrap();
        assert_eq!(p.mailbox().unwrap().to_string(), "postmaster@example.com");
    }

    #[test]
    fn lenient_wire() {
        let m = parse_mail_from("  <a@b.example>   SIZE=10  ", LENIENT).unwrap();
        assert_eq!(m.parameters.size(), Some(10));
        let m = parse_mail_from("a@b.example SIZE=10", LENIENT).unwrap();
        assert_eq!(m.reverse_path.to_string(), "<a@b.example>");
        let r = parse_rcpt_to(" postmaster", LENIENT).unwrap();
        assert_eq!(r.forward_path, ForwardPath::Postmaster);
        assert!(parse_mail_from("  ", LENIENT).is_err());
        assert_eq!(
            parse_mail_from("<a@[x:y]>", LENIENT)
                .unwrap()
                .reverse_path
                .to_string(),
            "<a@[x:y]>"
        );
    }

    #[test]
    fn raw_bytes() {
        let ok = parse_rcpt_to_bytes(b"<taro@aa2.so-net.ne.jp>", STRICT).unwrap();
        assert_eq!(ok.forward_path.to_string(), "<taro@aa2.so-net.ne.jp>");
        // Shift_JIS bytes are not UTF-8.
        let err = parse_mail_from_bytes(b"<\x83e\x83X\x83g@example.jp>", UTF8).unwrap_err();
        assert_eq!(
            (err.kind(), err.offset()),
            (&ParseErrorKind::InvalidUtf8, 1)
        );
    }

    #[test]
    fn paths_alone() {
        assert!(parse_reverse_path("<a@b.example> SIZE=1", STRICT).is_err());
        assert!(parse_forward_path("<a@b.example> NOTIFY=NEVER", STRICT).is_err());
        assert!(parse_forward_path("<a@b.example>", STRICT).is_ok());
    }

    #[test]
    fn bare_mailbox() {
        assert!("a@b.example".parse::<Mailbox>().is_ok());
        for bad in [
            "",
            "a",
            "a@",
            "@b",
            "a@b.example ",
            " a@b.example",
            "<a@b.example>",
            "a@@b",
            "a@b@c",
        ] {
            assert!(bad.parse::<Mailbox>().is_err(), "{bad:?} should be refused");
        }
    }
}
