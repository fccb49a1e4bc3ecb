//! RFC 5322 §3.4 address lists, as found in `From`, `To`, `Cc`, `Reply-To` (with RFC 6532
//! UTF-8), including the obsolete forms of §4.4 in lenient mode.

use std::fmt;

use crate::error::{ParseError, ParseErrorKind};
use crate::mailbox::{Domain, LocalPart, Mailbox};
use crate::syntax::{self, is_atext_utf8};
use crate::wire::Strictness;

/// One element of an address list: a mailbox or a group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Address {
    /// `Name <local@domain>` or `local@domain`.
    Mailbox(NamedMailbox),
    /// `Name: member, member;`
    Group(Group),
}

impl Address {
    /// The mailboxes of this element: itself, or a group's members.
    pub fn mailboxes(&self) -> impl Iterator<Item = &NamedMailbox> {
        let (single, members) = match self {
            Address::Mailbox(mailbox) => (Some(mailbox), &[][..]),
            Address::Group(group) => (None, group.members.as_slice()),
        };
        single.into_iter().chain(members)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Mailbox(mailbox) => fmt::Display::fmt(mailbox, f),
            Address::Group(group) => fmt::Display::fmt(group, f),
        }
    }
}

/// A mailbox with its display name, if any (RFC 5322 `mailbox`).
///
/// The display name is kept as written, unquoted and unfolded, comments removed; RFC 2047
/// encoded words (`=?ISO-2022-JP?B?...?=`) are *not* decoded here.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NamedMailbox {
    /// The phrase before `<...>`, if any.
    pub display_name: Option<String>,
    /// The address.
    pub mailbox: Mailbox,
}

impl fmt::Display for NamedMailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.display_name {
            None => write!(f, "{}", self.mailbox),
            Some(name) => {
                write_phrase(f, name)?;
                write!(f, " <{}>", self.mailbox)
            }
        }
    }
}

/// A named group of mailboxes (RFC 5322 `group`), e.g. `undisclosed-recipients:;`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Group {
    /// The group's name.
    pub display_name: String,
    /// Its members; possibly none.
    pub members: Vec<NamedMailbox>,
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_phrase(f, &self.display_name)?;
        f.write_str(":")?;
        for (i, member) in self.members.iter().enumerate() {
            f.write_str(if i == 0 { " " } else { ", " })?;
            fmt::Display::fmt(member, f)?;
        }
        f.write_str(";")
    }
}

/// Writes a display name as atoms when it is words of `atext` separated by single spaces,
/// otherwise as one quoted string.
fn write_phrase(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    let plain = !name.is_empty()
        && name
            .split(' ')
            .all(|word| !word.is_empty() && word.bytes().all(is_atext_utf8));
    if plain {
        return f.write_str(name);
    }
    f.write_str("\"")?;
    for c in name.chars() {
        if c == '"' || c == '\\' {
            f.write_str("\\")?;
        }
        fmt::Write::write_char(f, c)?;
    }
    f.write_str("\"")
}

/// Writes an address list back in canonical form, elements separated by `", "`.
pub fn format_address_list(addresses: &[Address]) -> String {
    let mut out = String::new();
    for (i, address) in addresses.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&address.to_string());
    }
    out
}

/// Parses an RFC 5322 `address-list` (`To`, `Cc`, `Bcc`, `Reply-To`): mailboxes and
/// groups, with display names, quoted strings, comments and folding white space.
///
/// Pass the header's value, after the colon; folded lines (CRLF followed by white space)
/// are fine.
///
/// ```
/// use mail_policy_address_rules::{parse_address_list, Address, Strictness};
///
/// let list = parse_address_list(
///     "\"Yamada, Taro\" <taro@aa2.so-net.ne.jp> (work), friends: hanako@ts1.so-net.ne.jp;",
///     Strictness::Strict,
/// )?;
/// assert_eq!(list.len(), 2);
/// let Address::Mailbox(taro) = &list[0] else { unreachable!() };
/// assert_eq!(taro.display_name.as_deref(), Some("Yamada, Taro"));
/// assert_eq!(list[1].mailboxes().count(), 1);
///
/// // Obsolete forms that RFC 5322 §4 says a parser must accept:
/// assert!(parse_address_list("John Q. Public <jqp@example.com>", Strictness::Strict).is_err());
/// assert!(parse_address_list("John Q. Public <jqp@example.com>", Strictness::Lenient).is_ok());
/// # Ok::<(), mail_policy_address_rules::ParseError>(())
/// ```
pub fn parse_address_list(input: &str, strictness: Strictness) -> Result<Vec<Address>, ParseError> {
    let mut parser = Parser::new(input, strictness);
    let list = parser.list(true, None)?;
    parser.finish()?;
    Ok(list)
}

/// Parses an RFC 5322 `mailbox-list` (`From`, `Resent-From`): like
/// [`parse_address_list`], but groups are refused.
pub fn parse_mailbox_list(
    input: &str,
    strictness: Strictness,
) -> Result<Vec<NamedMailbox>, ParseError> {
    let mut parser = Parser::new(input, strictness);
    let list = parser.list(false, None)?;
    parser.finish()?;
    Ok(list
        .into_iter()
        .filter_map(|address| match address {
            Address::Mailbox(mailbox) => Some(mailbox),
            Address::Group(_) => None,
        })
        .collect())
}

/// Parses exactly one RFC 5322 `mailbox` (`Sender`), with or without display name.
pub fn parse_header_mailbox(
    input: &str,
    strictness: Strictness,
) -> Result<NamedMailbox, ParseError> {
    let mut parser = Parser::new(input, strictness);
    parser.cfws()?;
    if parser.peek().is_none() {
        return Err(ParseError::new(ParseErrorKind::Empty, 0));
    }
    let Some(Address::Mailbox(mailbox)) = parser.address(false)? else {
        return Err(ParseError::new(ParseErrorKind::GroupNotAllowed, 0));
    };
    parser.cfws()?;
    parser.finish()?;
    Ok(mailbox)
}

/// A word of a phrase or local part, or a dot between them.
#[derive(Debug)]
enum Token {
    Atom { text: String },
    Quoted { text: String },
    Dot,
}

#[derive(Debug)]
struct Spanned {
    token: Token,
    start: usize,
    /// White space or a comment stood between this token and the one before.
    after_cfws: bool,
}

struct Parser<'a> {
    input: &'a str,
    bytes: &'a [u8],
    pos: usize,
    strictness: Strictness,
}

impl<'a> Parser<'a> {
    fn new(input: &'a str, strictness: Strictness) -> Self {
        Self {
            input,
            bytes: input.as_bytes(),
            pos: 0,
            strictness,
        }
    }

    fn lenient(&self) -> bool {
        self.strictness == Strictness::Lenient
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn error(&self, kind: ParseErrorKind) -> ParseError {
        ParseError::new(kind, self.pos)
    }

    fn unexpected(&self, expected: &'static str) -> ParseError {
        match self
            .input
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
        {
            None => self.error(ParseErrorKind::UnexpectedEnd { expected }),
            Some(c) if c.is_ascii_control() => {
                self.error(ParseErrorKind::ControlCharacter { code: c as u32 })
            }
            Some(found) => self.error(ParseErrorKind::UnexpectedChar { found, expected }),
        }
    }

    fn finish(&mut self) -> Result<(), ParseError> {
        if self.lenient() {
            // The header line's own line break, if the caller left it on.
            while matches!(self.peek(), Some(b'\r' | b'\n')) {
                self.pos += 1;
            }
        }
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(self.error(ParseErrorKind::TrailingInput))
        }
    }

    /// Skips a line break that folds (is followed by WSP); returns whether it did.
    fn fold(&mut self) -> bool {
        let rest = &self.bytes[self.pos..];
        let len = if rest.starts_with(b"\r\n") {
            2
        } else if self.lenient() && rest.starts_with(b"\n") {
            1
        } else {
            return false;
        };
        if matches!(rest.get(len), Some(b' ' | b'\t')) {
            self.pos += len;
            true
        } else {
            false
        }
    }

    /// `CFWS`: folding white space and (nested) comments. Returns whether any was skipped.
    fn cfws(&mut self) -> Result<bool, ParseError> {
        let start = self.pos;
        loop {
            match self.peek() {
                Some(b' ' | b'\t') => self.pos += 1,
                Some(b'\r' | b'\n') if self.fold() => {}
                Some(b'(') => self.comment()?,
                _ => return Ok(self.pos > start),
            }
        }
    }

    /// `comment = "(" *([FWS] ccontent) [FWS] ")"`, nesting tracked with a counter so that
    /// deep nesting cannot exhaust the stack.
    fn comment(&mut self) -> Result<(), ParseError> {
        let open = self.pos;
        let mut depth = 0usize;
        loop {
            match self.peek() {
                None => return Err(ParseError::new(ParseErrorKind::UnterminatedComment, open)),
                Some(b'(') => {
                    depth += 1;
                    self.pos += 1;
                }
                Some(b')') => {
                    depth -= 1;
                    self.pos += 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        None => {
                            return Err(ParseError::new(ParseErrorKind::UnterminatedComment, open));
                        }
                        // quoted-pair = "\" (VCHAR / WSP); obs-qp adds controls (lenient).
                        Some(b) if b >= 0x21 && b != 0x7f || b == b' ' || b == b'\t' => {
                            self.pos += self.input[self.pos..]
                                .chars()
                                .next()
                                .map_or(1, char::len_utf8);
                        }
                        Some(b'\r' | b'\n') => return Err(self.unexpected("a quoted character")),
                        Some(_) if self.lenient() => self.pos += 1,
                        Some(_) => return Err(self.unexpected("a quoted character")),
                    }
                }
                Some(b'\r' | b'\n') => {
                    if !self.fold() {
                        return Err(self.unexpected("')'"));
                    }
                }
                // ctext, WSP, UTF-8; obs-ctext (controls) only when lenient.
                Some(b) if b >= 0x20 && b != 0x7f || b == b'\t' => self.pos += 1,
                Some(_) if self.lenient() => self.pos += 1,
                Some(_) => return Err(self.unexpected("comment text")),
            }
        }
    }

    /// `quoted-string` after its opening quote has been seen; returns the unquoted,
    /// unfolded content.
    fn quoted_string(&mut self) -> Result<String, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut content = String::new();
        let mut run = self.pos;
        loop {
            match self.peek() {
                None => {
                    return Err(ParseError::new(
                        ParseErrorKind::UnterminatedQuotedString,
                        open,
                    ));
                }
                Some(b'"') => {
                    content.push_str(&self.input[run..self.pos]);
                    self.pos += 1;
                    return Ok(content);
                }
                Some(b'\\') => {
                    content.push_str(&self.input[run..self.pos]);
                    self.pos += 1;
                    match self.input[self.pos..].chars().next() {
                        None => {
                            return Err(ParseError::new(
                                ParseErrorKind::UnterminatedQuotedString,
                                open,
                            ));
                        }
                        Some(c) if !c.is_ascii_control() || c == '\t' => {
                            content.push(c);
                            self.pos += c.len_utf8();
                        }
                        // obs-qp (a quoted control character) is syntax a lenient parser
                        // accepts, but a control character cannot be carried further.
                        Some(_) => return Err(self.unexpected("a quoted character")),
                    }
                    run = self.pos;
                }
                Some(b'\r' | b'\n') => {
                    content.push_str(&self.input[run..self.pos]);
                    if !self.fold() {
                        return Err(self.unexpected("'\"'"));
                    }
                    run = self.pos;
                }
                Some(b' ' | b'\t') => self.pos += 1,
                Some(b) if b >= 0x20 && b != 0x7f => self.pos += 1,
                Some(_) => return Err(self.unexpected("a printable character in a quoted string")),
            }
        }
    }

    /// Reads words (atoms, quoted strings) and dots with the CFWS around them, up to the
    /// first character that cannot continue a phrase or local part.
    fn words(&mut self) -> Result<Vec<Spanned>, ParseError> {
        let mut tokens = Vec::new();
        let mut after_cfws = self.cfws()?;
        loop {
            let start = self.pos;
            let token = match self.peek() {
                Some(b'"') => Token::Quoted {
                    text: self.quoted_string()?,
                },
                Some(b'.') => {
                    self.pos += 1;
                    Token::Dot
                }
                Some(b) if is_atext_utf8(b) => {
                    while self.peek().is_some_and(is_atext_utf8) {
                        self.pos += 1;
                    }
                    Token::Atom {
                        text: self.input[start..self.pos].to_owned(),
                    }
                }
                _ => return Ok(tokens),
            };
            tokens.push(Spanned {
                token,
                start,
                after_cfws,
            });
            after_cfws = self.cfws()?;
        }
    }

    /// `list` of addresses (or, with `until`, a group's members up to `;`).
    fn list(&mut self, allow_group: bool, until: Option<u8>) -> Result<Vec<Address>, ParseError> {
        let mut list = Vec::new();
        let mut after_comma = false;
        loop {
            self.cfws()?;
            let at_end = match until {
                Some(end) => self.peek() == Some(end) || self.peek().is_none(),
                None => {
                    self.peek().is_none()
                        || (self.lenient() && matches!(self.peek(), Some(b'\r' | b'\n')))
                }
            };
            if at_end {
                if after_comma && !self.lenient() {
                    return Err(self.error(ParseErrorKind::EmptyListElement));
                }
                if list.is_empty() && until.is_none() {
                    return Err(self.error(ParseErrorKind::Empty));
                }
                return Ok(list);
            }
            if self.peek() == Some(b',') {
                if !self.lenient() {
                    return Err(self.error(ParseErrorKind::EmptyListElement));
                }
                self.pos += 1;
                after_comma = true;
                continue;
            }
            if let Some(address) = self.address(allow_group)? {
                list.push(address);
            }
            self.cfws()?;
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    after_comma = true;
                }
                Some(end) if Some(end) == until => after_comma = false,
                None => after_comma = false,
                Some(b'\r' | b'\n') if self.lenient() && until.is_none() => after_comma = false,
                Some(_) => {
                    return Err(self.unexpected(if until.is_some() {
                        "',' or ';'"
                    } else {
                        "',' or the end of the list"
                    }));
                }
            }
        }
    }

    /// `address = mailbox / group`.
    fn address(&mut self, allow_group: bool) -> Result<Option<Address>, ParseError> {
        let start = self.pos;
        let tokens = self.words()?;
        match self.peek() {
            Some(b'<') => {
                let display_name = if tokens.is_empty() {
                    None
                } else {
                    Some(self.phrase(&tokens)?)
                };
                let mailbox = self.angle_addr()?;
                Ok(Some(Address::Mailbox(NamedMailbox {
                    display_name,
                    mailbox,
                })))
            }
            Some(b':') => {
                if !allow_group {
                    return Err(self.error(ParseErrorKind::GroupNotAllowed));
                }
                if tokens.is_empty() {
                    return Err(self.error(ParseErrorKind::MissingDisplayName));
                }
                let display_name = self.phrase(&tokens)?;
                self.pos += 1;
                let members = self.list(false, Some(b';'))?;
                if self.peek() != Some(b';') {
                    return Err(ParseError::new(ParseErrorKind::UnterminatedGroup, start));
                }
                self.pos += 1;
                let members = members
                    .into_iter()
                    .filter_map(|address| match address {
                        Address::Mailbox(mailbox) => Some(mailbox),
                        Address::Group(_) => None,
                    })
                    .collect();
                Ok(Some(Address::Group(Group {
                    display_name,
                    members,
                })))
            }
            Some(b'@') => {
                let local = self.local_part(&tokens, start)?;
                self.pos += 1;
                let domain = self.domain()?;
                let mailbox = Mailbox::new(local, domain)
                    .map_err(|e| ParseError::new(e.kind().clone(), start))?;
                Ok(Some(Address::Mailbox(NamedMailbox {
                    display_name: None,
                    mailbox,
                })))
            }
            _ if tokens.is_empty() => Err(self.unexpected("an address")),
            None | Some(b',' | b';' | b'\r' | b'\n') => {
                Err(self.error(ParseErrorKind::MissingDomain))
            }
            Some(_) => Err(self.unexpected("'@', '<' or ':'")),
        }
    }

    /// `angle-addr = [CFWS] "<" addr-spec ">" [CFWS]`, plus `obs-angle-addr` (a route)
    /// when lenient.
    fn angle_addr(&mut self) -> Result<Mailbox, ParseError> {
        let open = self.pos;
        self.pos += 1;
        self.cfws()?;
        if self.peek() == Some(b'@') || (self.lenient() && self.peek() == Some(b',')) {
            if !self.lenient() {
                return Err(self.unexpected("an address (routes are obsolete syntax)"));
            }
            self.obs_route()?;
        }
        let start = self.pos;
        let tokens = self.words()?;
        if self.peek() != Some(b'@') {
            return Err(match self.peek() {
                None => ParseError::new(ParseErrorKind::UnterminatedAngleAddr, open),
                Some(b'>') if tokens.is_empty() => self.error(ParseErrorKind::EmptyLocalPart),
                Some(b'>') => self.error(ParseErrorKind::MissingDomain),
                Some(_) => self.unexpected("'@'"),
            });
        }
        let local = self.local_part(&tokens, start)?;
        self.pos += 1;
        let domain = self.domain()?;
        let mailbox =
            Mailbox::new(local, domain).map_err(|e| ParseError::new(e.kind().clone(), start))?;
        match self.peek() {
            Some(b'>') => {
                self.pos += 1;
                Ok(mailbox)
            }
            None => Err(ParseError::new(ParseErrorKind::UnterminatedAngleAddr, open)),
            Some(_) => Err(self.unexpected("'>'")),
        }
    }

    /// `obs-route = obs-domain-list ":"`, validated and dropped.
    fn obs_route(&mut self) -> Result<(), ParseError> {
        loop {
            self.cfws()?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'@') => {
                    self.pos += 1;
                    self.domain()?;
                }
                Some(b':') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.unexpected("'@', ',' or ':' of a route")),
            }
        }
    }

    /// Turns words into a display name: `phrase = 1*word`, or `obs-phrase` (dots) when
    /// lenient.
    fn phrase(&self, tokens: &[Spanned]) -> Result<String, ParseError> {
        let mut name = String::new();
        for (i, spanned) in tokens.iter().enumerate() {
            let text = match &spanned.token {
                Token::Atom { text } | Token::Quoted { text } => text.as_str(),
                Token::Dot if self.lenient() && i > 0 => ".",
                Token::Dot => {
                    return Err(ParseError::new(
                        ParseErrorKind::UnexpectedChar {
                            found: '.',
                            expected: "a word (a display name with '.' must be quoted)",
                        },
                        spanned.start,
                    ));
                }
            };
            if i > 0 && spanned.after_cfws {
                name.push(' ');
            }
            name.push_str(text);
        }
        Ok(name)
    }

    /// Turns words into a local part: `dot-atom` or a lone `quoted-string`, or
    /// `obs-local-part` (words and dots with CFWS between) when lenient.
    fn local_part(&self, tokens: &[Spanned], start: usize) -> Result<LocalPart, ParseError> {
        if tokens.is_empty() {
            return Err(self.error(ParseErrorKind::EmptyLocalPart));
        }
        let mut content = String::new();
        let mut expect_word = true;
        for (i, spanned) in tokens.iter().enumerate() {
            if i > 0 && spanned.after_cfws && !self.lenient() {
                return Err(ParseError::new(
                    ParseErrorKind::UnexpectedChar {
                        found: ' ',
                        expected: "'@' (white space inside a local part is obsolete syntax)",
                    },
                    spanned.start,
                ));
            }
            match (&spanned.token, expect_word) {
                (Token::Atom { text }, true) => content.push_str(text),
                (Token::Quoted { text }, true) => {
                    if tokens.len() > 1 && !self.lenient() {
                        return Err(ParseError::new(
                            ParseErrorKind::UnexpectedChar {
                                found: '"',
                                expected: "a dot-atom (mixing quoted strings and dots is obsolete syntax)",
                            },
                            spanned.start,
                        ));
                    }
                    content.push_str(text);
                }
                (Token::Dot, false) => content.push('.'),
                (Token::Dot, true) => {
                    return Err(ParseError::new(ParseErrorKind::EmptyLabel, spanned.start));
                }
                (_, false) => {
                    return Err(ParseError::new(
                        ParseErrorKind::UnexpectedChar {
                            found: if matches!(spanned.token, Token::Quoted { .. }) {
                                '"'
                            } else {
                                self.input[spanned.start..].chars().next().unwrap_or('?')
                            },
                            expected: "'.' or '@'",
                        },
                        spanned.start,
                    ));
                }
            }
            expect_word = !expect_word;
        }
        if expect_word {
            // Ends with a dot.
            let last = tokens.last().map_or(start, |t| t.start);
            return Err(ParseError::new(ParseErrorKind::EmptyLabel, last));
        }
        LocalPart::new(content).map_err(|e| ParseError::new(e.kind().clone(), start))
    }

    /// `domain = dot-atom / domain-literal / obs-domain`, validated as a host name or an
    /// address literal.
    fn domain(&mut self) -> Result<Domain, ParseError> {
        self.cfws()?;
        let start = self.pos;
        if self.peek() == Some(b'[') {
            let literal = self.domain_literal()?;
            self.cfws()?;
            return Ok(Domain::Literal(literal));
        }
        let mut text = String::new();
        let mut contiguous = true;
        loop {
            let atom_start = self.pos;
            while self.peek().is_some_and(is_atext_utf8) {
                self.pos += 1;
            }
            if self.pos == atom_start {
                return Err(if text.is_empty() && self.peek() != Some(b'.') {
                    self.unexpected("a domain")
                } else {
                    self.error(ParseErrorKind::EmptyLabel)
                });
            }
            text.push_str(&self.input[atom_start..self.pos]);
            let before_cfws = self.pos;
            let had_cfws = self.cfws()?;
            if self.peek() == Some(b'.') {
                if had_cfws {
                    if !self.lenient() {
                        return Err(ParseError::new(
                            ParseErrorKind::UnexpectedChar {
                                found: ' ',
                                expected: "'.' (white space inside a domain is obsolete syntax)",
                            },
                            before_cfws,
                        ));
                    }
                    contiguous = false;
                }
                self.pos += 1;
                text.push('.');
                if self.cfws()? {
                    if !self.lenient() {
                        return Err(self.unexpected("a domain label"));
                    }
                    contiguous = false;
                }
            } else {
                break;
            }
        }
        syntax::validate_domain_name(&text)
            .map(Domain::Name)
            .map_err(|(kind, offset)| {
                ParseError::new(kind, if contiguous { start + offset } else { start })
            })
    }

    /// `domain-literal = [CFWS] "[" *([FWS] dtext) [FWS] "]" [CFWS]`.
    fn domain_literal(&mut self) -> Result<crate::AddressLiteral, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut content = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(ParseError::new(
                        ParseErrorKind::UnterminatedDomainLiteral,
                        open,
                    ));
                }
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                Some(b' ' | b'\t') => self.pos += 1,
                Some(b'\r' | b'\n') => {
                    if !self.fold() {
                        return Err(self.unexpected("']'"));
                    }
                }
                Some(b'[' | b'\\') => return Err(self.unexpected("an address literal")),
                Some(b) if (33..=126).contains(&b) => {
                    content.push(char::from(b));
                    self.pos += 1;
                }
                Some(_) => return Err(self.unexpected("an address literal")),
            }
        }
        syntax::parse_address_literal(&content, self.strictness)
            .map_err(|e| ParseError::new(e.kind().clone(), open + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict(s: &str) -> Result<Vec<Address>, ParseError> {
        parse_address_list(s, Strictness::Strict)
    }

    fn lenient(s: &str) -> Result<Vec<Address>, ParseError> {
        parse_address_list(s, Strictness::Lenient)
    }

    fn single(list: &[Address]) -> &NamedMailbox {
        match list {
            [Address::Mailbox(m)] => m,
            other => panic!("expected one mailbox, got {other:?}"),
        }
    }

    #[test]
    fn simple_forms() {
        let list = strict("taro@aa2.so-net.ne.jp").unwrap();
        assert_eq!(single(&list).mailbox.to_string(), "taro@aa2.so-net.ne.jp");
        assert_eq!(single(&list).display_name, None);

        let list = strict("Taro Yamada <taro@aa2.so-net.ne.jp>").unwrap();
        assert_eq!(single(&list).display_name.as_deref(), Some("Taro Yamada"));

        let list = strict("<taro@aa2.so-net.ne.jp>").unwrap();
        assert_eq!(single(&list).display_name, None);

        let list = strict("  \"Yamada, Taro\"   <taro@aa2.so-net.ne.jp> ").unwrap();
        assert_eq!(single(&list).display_name.as_deref(), Some("Yamada, Taro"));

        let list = strict("a@b.example, c@d.example,e@f.example").unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(
            format_address_list(&list),
            "a@b.example, c@d.example, e@f.example"
        );
    }

    #[test]
    fn comments_and_folding() {
        let list =
            strict("(comment) taro (nested (comment) \\) here)@(x)aa2.so-net.ne.jp (y)").unwrap();
        assert_eq!(single(&list).mailbox.to_string(), "taro@aa2.so-net.ne.jp");
        let list = strict("Taro\r\n Yamada\r\n\t<taro@example.com>").unwrap();
        assert_eq!(single(&list).display_name.as_deref(), Some("Taro Yamada"));
        let list = strict("\"folded\r\n quoted\" <a@b.example>").unwrap();
        assert_eq!(single(&list).display_name.as_deref(), Some("folded quoted"));
        // A line break that does not fold ends the header.
        assert!(strict("a@b.example\r\nc@d.example").is_err());
        assert!(strict("(unterminated a@b.example").is_err());
        let deep = format!("{}a@b.example", "(".repeat(100_000));
        assert_eq!(
            strict(&deep).unwrap_err().kind(),
            &ParseErrorKind::UnterminatedComment
        );
        let deep_ok = format!("{}{}a@b.example", "(".repeat(100_000), ")".repeat(100_000));
        assert!(strict(&deep_ok).is_ok());
    }

    #[test]
    fn groups() {
        let list = strict("undisclosed-recipients:;").unwrap();
        assert_eq!(
            list,
            vec![Address::Group(Group {
                display_name: "undisclosed-recipients".into(),
                members: vec![]
            })]
        );
        let list =
            strict("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;, x@y.example")
                .unwrap();
        assert_eq!(list.len(), 2);
        let Address::Group(group) = &list[0] else {
            panic!()
        };
        assert_eq!(group.display_name, "A Group");
        assert_eq!(group.members.len(), 3);
        assert_eq!(list[0].mailboxes().count(), 3);
        assert_eq!(
            list[0].to_string(),
            "A Group: Ed Jones <c@a.test>, joe@where.test, John <jdoe@one.test>;"
        );
        assert_eq!(
            strict("g: a@b.example").unwrap_err().kind(),
            &ParseErrorKind::UnterminatedGroup
        );
        assert_eq!(
            strict("g: h: a@b.example;;").unwrap_err().kind(),
            &ParseErrorKind::GroupNotAllowed
        );
        assert_eq!(
            strict(": a@b.example;").unwrap_err().kind(),
            &ParseErrorKind::MissingDisplayName
        );
        assert_eq!(
            parse_mailbox_list("g: a@b.example;", Strictness::Strict)
                .unwrap_err()
                .kind(),
            &ParseErrorKind::GroupNotAllowed
        );
    }

    #[test]
    fn rfc5322_appendix_a_examples() {
        // A.1.1
        let list = strict("John Doe <jdoe@machine.example>").unwrap();
        assert_eq!(single(&list).display_name.as_deref(), Some("John Doe"));
        // A.1.2
        let list = strict("\"Joe Q. Public\" <john.q.public@example.com>").unwrap();
        assert_eq!(single(&list).display_name.as_deref(), Some("Joe Q. Public"));
        let list = strict("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>").unwrap();
        assert_eq!(list.len(), 3);
        let list = strict("<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>")
            .unwrap();
        let Address::Mailbox(m) = &list[1] else {
            panic!()
        };
        assert_eq!(m.display_name.as_deref(), Some("Giant; \"Big\" Box"));
        // A.1.3
        let list =
            strict("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>").unwrap();
        assert_eq!(single(&list).display_name.as_deref(), Some("Pete"));
        assert_eq!(single(&list).mailbox.to_string(), "pete@silly.test");
        let list = strict("A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of the group)").unwrap();
        assert_eq!(list[0].mailboxes().count(), 3);
        // A.6.1 / A.6.3 obsolete forms: lenient only.
        let obs = [
            "Joe Q. Public <john.q.public@example.com>",
            "Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
            "John Doe <jdoe@machine(comment).  example>",
        ];
        for input in obs {
            assert!(strict(input).is_err(), "strict should refuse {input:?}");
            assert!(
                lenient(input).is_ok(),
                "lenient should accept {input:?}: {:?}",
                lenient(input)
            );
        }
        let list =
            lenient("Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example").unwrap();
        assert_eq!(
            format_address_list(&list),
            "Mary Smith <mary@example.net>, jdoe@test.example"
        );
    }

    #[test]
    fn obsolete_local_parts() {
        let list = lenient("\"john\".\"q\" . public@example.com").unwrap();
        assert_eq!(single(&list).mailbox.local_part().as_str(), "john.q.public");
        assert!(strict("\"john\".public@example.com").is_err());
        assert!(strict("john .public@example.com").is_err());
        assert!(lenient("john..public@example.com").is_err());
        assert!(lenient(".john@example.com").is_err());
        assert!(lenient("john.@example.com").is_err());
    }

    #[test]
    fn empty_elements() {
        assert_eq!(strict("").unwrap_err().kind(), &ParseErrorKind::Empty);
        assert_eq!(
            strict(" (just a comment) ").unwrap_err().kind(),
            &ParseErrorKind::Empty
        );
        assert_eq!(
            strict("a@b.example,").unwrap_err().kind(),
            &ParseErrorKind::EmptyListElement
        );
        assert_eq!(
            strict(",a@b.example").unwrap_err().kind(),
            &ParseErrorKind::EmptyListElement
        );
        assert_eq!(lenient(", a@b.example, ,").unwrap().len(), 1);
        assert_eq!(
            lenient("g: , a@b.example, ;").unwrap()[0]
                .mailboxes()
                .count(),
            1
        );
    }

    #[test]
    fn utf8_and_idn() {
        let list = strict("山田 太郎 <taro@例え.jp>").unwrap();
        let m = single(&list);
        assert_eq!(m.display_name.as_deref(), Some("山田 太郎"));
        assert_eq!(m.mailbox.to_string(), "taro@xn--r8jz45g.jp");
        let list = strict("用户@例子.广告").unwrap();
        assert_eq!(single(&list).mailbox.local_part().as_str(), "用户");
    }

    #[test]
    fn errors_point_at_the_byte() {
        let err = strict("Taro <taro@exa mple.com>").unwrap_err();
        assert_eq!(err.offset(), 15);
        let err = strict("taro@example..com").unwrap_err();
        assert_eq!(
            (err.kind(), err.offset()),
            (&ParseErrorKind::EmptyLabel, 13)
        );
        let err = strict("taro@exa_mple.com").unwrap_err();
        assert_eq!(err.offset(), 8);
        let err = strict("Taro <taro@example.com").unwrap_err();
        assert_eq!(
            (err.kind(), err.offset()),
            (&ParseErrorKind::UnterminatedAngleAddr, 5)
        );
        let err = strict("Taro").unwrap_err();
        assert_eq!(
            (err.kind(), err.offset()),
            (&ParseErrorKind::MissingDomain, 4)
        );
        let err = strict("a@b.example c@d.example").unwrap_err();
        assert_eq!(err.offset(), 12);
        let err = strict("\"unterminated <a@b.example>").unwrap_err();
        assert_eq!(
            (err.kind(), err.offset()),
            (&ParseErrorKind::UnterminatedQuotedString, 0)
        );
        let err = strict("a\u{0}b@example.com").unwrap_err();
        assert_eq!(
            (err.kind(), err.offset()),
            (&ParseErrorKind::ControlCharacter { code: 0 }, 1)
        );
        let err = strict("a@[1.2.3.4").unwrap_err();
        assert_eq!(
            (err.kind(), err.offset()),
            (&ParseErrorKind::UnterminatedDomainLiteral, 2)
        );
    }

    #[test]
    fn literals_in_headers() {
        let list = strict("a@[ 192.0.2.1 ]").unwrap();
        assert_eq!(single(&list).mailbox.to_string(), "a@[192.0.2.1]");
        assert!(strict("a@[300.0.2.1]").is_err());
        assert!(strict("a@[x:y]").is_err());
        assert!(lenient("a@[x:y]").is_ok());
    }

    #[test]
    fn single_mailbox() {
        let m = parse_header_mailbox(" Taro <taro@example.com> ", Strictness::Strict).unwrap();
        assert_eq!(m.to_string(), "Taro <taro@example.com>");
        assert!(parse_header_mailbox("a@b.example, c@d.example", Strictness::Strict).is_err());
        assert!(parse_header_mailbox("", Strictness::Strict).is_err());
        assert!(parse_header_mailbox("g:;", Strictness::Strict).is_err());
    }

    #[test]
    fn display_round_trips() {
        for input in [
            "\"Yamada, Taro\" <taro@example.com>",
            "Taro <\"odd local\"@example.com>",
            "\"\" <a@b.example>",
            "g: a@b.example, \"x y\" <c@d.example>;",
            "\"a \\\"quoted\\\" name\" <a@b.example>",
        ] {
            let list = strict(input).unwrap();
            let printed = format_address_list(&list);
            assert_eq!(strict(&printed).unwrap(), list, "{input} -> {printed}");
        }
    }
}
