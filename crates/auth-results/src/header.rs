//! The `Authentication-Results` header (RFC 8601): the model, the formatter (in the
//! ISP's shape, folded at 78 columns) and our own parser of the full grammar.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::error::{ParseError, ParseErrorKind};

/// One `ptype.property=value` of a result: `smtp.mailfrom=taro@aa2.so-net.ne.jp`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Property {
    /// `smtp`, `header`, `body`, `policy` (lower case).
    pub ptype: CompactString,
    /// `mailfrom`, `i`, `from`, ... (lower case).
    pub property: CompactString,
    /// The value, unquoted.
    pub value: CompactString,
}

impl Property {
    /// A property.
    pub fn new(ptype: &str, property: &str, value: &str) -> Self {
        Self {
            ptype: lower(ptype),
            property: lower(property),
            value: CompactString::from(value),
        }
    }
}

/// `text` in ASCII lower case, inline when short (names such as `dkim` and `mailfrom`
/// are), without a `String` on the way.
fn lower(text: &str) -> CompactString {
    let mut lower = CompactString::from(text);
    // Names are nearly always given in lower case already.
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        lower.make_ascii_lowercase();
    }
    lower
}

/// One method's result: `dkim=pass header.i=@example.jp`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MethodResult {
    /// `spf`, `dkim`, `dkim-adsp`, `dmarc`, `arc`, `iprev`, or any other (lower case).
    pub method: CompactString,
    /// `dkim/1`: the method version, if written.
    pub method_version: Option<u32>,
    /// `pass`, `fail`, ... (lower case).
    pub result: CompactString,
    /// `reason="..."`, if any.
    pub reason: Option<CompactString>,
    /// The properties, in order.
    pub properties: Vec<Property>,
}

impl MethodResult {
    /// A result without reason or properties.
    pub fn new(method: &str, result: &str) -> Self {
        Self {
            method: lower(method),
            method_version: None,
            result: lower(result),
            reason: None,
            properties: Vec::new(),
        }
    }

    /// Adds a property.
    pub fn with(mut self, ptype: &str, property: &str, value: &str) -> Self {
        self.properties.push(Property::new(ptype, property, value));
        self
    }

    /// Sets the reason.
    pub fn because(mut self, reason: &str) -> Self {
        self.reason = Some(CompactString::from(reason));
        self
    }
}

/// An `Authentication-Results` header's value: who checked, and the results (none for
/// `; none`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AuthenticationResults {
    /// The authserv-id: the checking domain (`so-net.ne.jp`).
    pub authserv_id: CompactString,
    /// `authres-version`, if written (`1`).
    pub version: Option<u32>,
    /// The results; empty means `none`.
    pub results: Vec<MethodResult>,
}

/// RFC 2045 `tspecials`, which a token cannot hold.
const fn is_tspecial(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')'
            | b'<'
            | b'>'
            | b'@'
            | b','
            | b';'
            | b':'
            | b'\\'
            | b'"'
            | b'/'
            | b'['
            | b']'
            | b'?'
            | b'='
    )
}

/// RFC 2045 `token` (UTF-8 allowed, RFC 6532): no ASCII control, space or tspecial. Read
/// byte by byte: every byte of a non-ASCII character is 0x80 or more, and passes.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b >= 0x80 || (b > b' ' && b != 0x7f && !is_tspecial(b)))
}

/// The specials of `atext` less the three that are also tspecials (`/`, `=`, `?`): a
/// local part written unquoted must read back as one value.
fn is_local_special(b: u8) -> bool {
    matches!(
        b,
        b'!' | b'#'
            | b'$'
            | b'%'
            | b'&'
            | b'\''
            | b'*'
            | b'+'
            | b'-'
            | b'^'
            | b'_'
            | b'`'
            | b'{'
            | b'|'
            | b'}'
            | b'~'
    )
}

/// `[local-part] "@" domain-name` with a dot-atom local part: written without quotes.
fn is_address_form(text: &str) -> bool {
    if text.is_ascii() {
        // Nearly every value: read as bytes, without the character machinery.
        let bytes = text.as_bytes();
        let Some(at) = bytes.iter().rposition(|&b| b == b'@') else {
            return false;
        };
        let (local, domain) = (&bytes[..at], &bytes[at + 1..]);
        return (local.is_empty()
            || dotted(local.iter().copied(), b'.', |b| {
                b.is_ascii_alphanumeric() || is_local_special(b)
            }))
            && dotted(domain.iter().copied(), b'.', |b| {
                b.is_ascii_alphanumeric() || b == b'-'
            });
    }
    is_address_form_unicode(text)
}

/// [`is_address_form`] character by character, for text that is not ASCII.
fn is_address_form_unicode(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    (local.is_empty()
        || dotted(local.chars(), '.', |c| {
            c.is_alphanumeric() || u8::try_from(c).is_ok_and(is_local_special)
        }))
        && dotted(domain.chars(), '.', |c| c.is_alphanumeric() || c == '-')
}

/// Non-empty parts of `allowed` characters joined by single `dot`s (`a.b`, not `.a`,
/// `a..b` or `a.`), in one pass: over the bytes of ASCII text or the characters of any.
fn dotted<T: Copy + PartialEq>(
    text: impl IntoIterator<Item = T>,
    dot: T,
    allowed: impl Fn(T) -> bool,
) -> bool {
    let mut after_dot = true;
    for item in text {
        if item == dot {
            if after_dot {
                return false;
            }
            after_dot = true;
        } else if allowed(item) {
            after_dot = false;
        } else {
            return false;
        }
    }
    !after_dot
}

fn write_value(out: &mut String, value: &str) {
    if is_token(value) || is_address_form(value) {
        out.push_str(value);
    } else {
        out.push('"');
        // Line breaks never go out: they would fold the header or inject another one.
        for c in value.chars().filter(|&c| c != '\r' && c != '\n') {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    }
}

impl AuthenticationResults {
    /// A header value of `authserv_id` with `results`.
    pub fn new(authserv_id: &str, results: Vec<MethodResult>) -> Self {
        Self {
            authserv_id: CompactString::from(authserv_id),
            version: None,
            results,
        }
    }

    /// Calls `emit` with each piece of the value, a unit that folding never splits: the
    /// authserv-id (with `;`), then per result `method=result`, `reason=...`, each
    /// property, the last piece of a result carrying its `;`. One buffer serves every
    /// piece; line breaks in the model's fields are dropped, so the output is one header
    /// field, never two.
    fn for_each_piece(&self, mut emit: impl FnMut(&str)) {
        let mut piece = String::with_capacity(64);
        let mut flush = |piece: &mut String, last_of_result: bool, more: bool| {
            if last_of_result && more {
                piece.push(';');
            }
            if piece.bytes().any(|b| b == b'\r' || b == b'\n') {
                piece.retain(|c| c != '\r' && c != '\n');
            }
            emit(piece);
            piece.clear();
        };
        write_value(&mut piece, &self.authserv_id);
        if let Some(version) = self.version {
            piece.push(' ');
            piece.push_str(&version.to_string());
        }
        piece.push(';');
        flush(&mut piece, false, false);
        if self.results.is_empty() {
            piece.push_str("none");
            flush(&mut piece, false, false);
            return;
        }
        for (i, result) in self.results.iter().enumerate() {
            let more = i + 1 < self.results.len();
            let tail = usize::from(result.reason.is_some()) + result.properties.len();
            piece.push_str(&result.method);
            if let Some(version) = result.method_version {
                piece.push('/');
                piece.push_str(&version.to_string());
            }
            piece.push('=');
            piece.push_str(&result.result);
            flush(&mut piece, tail == 0, more);
            if let Some(reason) = &result.reason {
                piece.push_str("reason=");
                write_value(&mut piece, reason);
                flush(&mut piece, result.properties.is_empty(), more);
            }
            for (j, p) in result.properties.iter().enumerate() {
                piece.push_str(&p.ptype);
                piece.push('.');
                piece.push_str(&p.property);
                piece.push('=');
                write_value(&mut piece, &p.value);
                flush(&mut piece, j + 1 == result.properties.len(), more);
            }
        }
    }

    /// The value on one line: `so-net.ne.jp; spf=pass smtp.mailfrom=...; dkim=pass ...`.
    /// Line breaks in the model's fields are dropped: the output is one header field, never
    /// two.
    pub fn to_value(&self) -> String {
        let mut out = String::with_capacity(128);
        self.for_each_piece(|piece| {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(piece);
        });
        out
    }

    /// The whole header field, `Authentication-Results: ...`, folded at 78 columns
    /// (RFC 5322 §2.1.1) with two-space continuation lines, as in the seed's example;
    /// lines end with CRLF.
    pub fn to_header(&self) -> String {
        let mut folder = Folder::new("Authentication-Results:", 78);
        self.for_each_piece(|piece| folder.push(piece));
        folder.finish()
    }
}

/// Joins pieces after a header name with spaces, breaking before a piece that would pass
/// `width` columns.
pub(crate) struct Folder {
    out: String,
    column: usize,
    width: usize,
}

impl Folder {
    pub(crate) fn new(name: &str, width: usize) -> Self {
        let mut out = String::with_capacity(160);
        out.push_str(name);
        Self {
            out,
            column: name.len(),
            width,
        }
    }

    pub(crate) fn push(&mut self, piece: &str) {
        let len = if piece.is_ascii() {
            piece.len()
        } else {
            piece.chars().count()
        };
        if self.column + 1 + len > self.width && self.column > 2 {
            self.out.push_str("\r\n  ");
            self.column = 2;
        } else {
            self.out.push(' ');
            self.column += 1;
        }
        self.out.push_str(piece);
        self.column += len;
    }

    pub(crate) fn finish(mut self) -> String {
        self.out.push_str("\r\n");
        self.out
    }
}

impl fmt::Display for AuthenticationResults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_value())
    }
}

/// Parses an `Authentication-Results` value (RFC 8601 §2.2: authserv-id with optional
/// version, `none` or results with method versions, reasons and properties whose values
/// are tokens, quoted strings or `[local-part]@domain`; comments and folding anywhere
/// between tokens). Method, result, ptype and property names come back in lower case.
///
/// For many headers, [`AuthenticationResultsRef::parse_into`] parses the same grammar
/// without copying and without allocating once its buffers have grown.
pub fn parse_authentication_results(value: &str) -> Result<AuthenticationResults, ParseError> {
    AuthenticationResultsRef::parse(value).map(|parsed| parsed.to_owned_results())
}

/// One property of a borrowed parse: names as written (compare them with
/// `eq_ignore_ascii_case`), the value unquoted (borrowed unless it had to be unescaped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyRef<'a> {
    /// `smtp`, `header`, ... as written.
    pub ptype: &'a str,
    /// `mailfrom`, `i`, ... as written.
    pub property: &'a str,
    /// The value, unquoted.
    pub value: Cow<'a, str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct RawResult<'a> {
    method: &'a str,
    method_version: Option<u32>,
    result: &'a str,
    reason: Option<Cow<'a, str>>,
    properties: Range<usize>,
}

/// One method's result of a borrowed parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodResultRef<'s, 'a> {
    /// `spf`, `dkim`, ... as written.
    pub method: &'a str,
    /// `dkim/1`: the method version, if written.
    pub method_version: Option<u32>,
    /// `pass`, `fail`, ... as written.
    pub result: &'a str,
    /// `reason=...`, unquoted.
    pub reason: Option<&'s str>,
    /// The properties, in order.
    pub properties: &'s [PropertyRef<'a>],
}

/// An `Authentication-Results` value parsed without copying: slices of the header, with
/// buffers that [`parse_into`](Self::parse_into) reuses from one header to the next.
///
/// ```
/// use mail_policy_auth_results::AuthenticationResultsRef;
///
/// let mut parsed = AuthenticationResultsRef::default();
/// for value in ["example.jp; spf=pass smtp.mailfrom=a@example.jp", "example.jp; none"] {
///     parsed.parse_into(value)?;
///     assert_eq!(parsed.authserv_id(), "example.jp");
/// }
/// assert_eq!(parsed.results().count(), 0);
/// # Ok::<(), mail_policy_auth_results::ParseError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthenticationResultsRef<'a> {
    authserv_id: Cow<'a, str>,
    version: Option<u32>,
    results: Vec<RawResult<'a>>,
    properties: Vec<PropertyRef<'a>>,
}

impl<'a> AuthenticationResultsRef<'a> {
    /// Parses `value` (see [`parse_authentication_results`] for the grammar).
    pub fn parse(value: &'a str) -> Result<Self, ParseError> {
        let mut parsed = Self::default();
        parsed.parse_into(value)?;
        Ok(parsed)
    }

    /// Parses `value` into `self`, reusing its buffers. On error `self` holds a partial
    /// parse.
    pub fn parse_into(&mut self, value: &'a str) -> Result<(), ParseError> {
        self.results.clear();
        self.properties.clear();
        self.version = None;
        let mut p = Parser {
            text: value,
            pos: 0,
        };
        p.cfws()?;
        self.authserv_id = p
            .value()?
            .ok_or_else(|| p.error(ParseErrorKind::Expected("an authserv-id")))?;
        p.cfws()?;
        if p.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.version = Some(p.number()?);
            p.cfws()?;
        }
        let mut saw_none = false;
        loop {
            p.cfws()?;
            match p.peek() {
                None => break,
                Some(';') => {
                    p.pos += 1;
                    p.cfws()?;
                }
                Some(_) => return Err(p.error(ParseErrorKind::Expected("';'"))),
            }
            if p.peek().is_none() {
                // A trailing ';' is tolerated.
                break;
            }
            let start = p.pos;
            let keyword = p.keyword()?;
            p.cfws()?;
            if keyword.eq_ignore_ascii_case("none")
                && self.results.is_empty()
                && !matches!(p.peek(), Some('=' | '/'))
            {
                saw_none = true;
                continue;
            }
            if saw_none {
                return Err(ParseError::new(
                    ParseErrorKind::Expected("nothing after 'none'"),
                    start,
                ));
            }
            let result = p.resinfo(keyword, &mut self.properties)?;
            self.results.push(result);
        }
        if self.results.is_empty() && !saw_none {
            return Err(p.error(ParseErrorKind::Expected("'; none' or a result")));
        }
        Ok(())
    }

    /// The authserv-id.
    pub fn authserv_id(&self) -> &str {
        &self.authserv_id
    }

    /// `authres-version`, if written.
    pub fn version(&self) -> Option<u32> {
        self.version
    }

    /// The results, in order; none for `; none`.
    pub fn results(&self) -> impl ExactSizeIterator<Item = MethodResultRef<'_, 'a>> + '_ {
        self.results.iter().map(|raw| MethodResultRef {
            method: raw.method,
            method_version: raw.method_version,
            result: raw.result,
            reason: raw.reason.as_deref(),
            properties: &self.properties[raw.properties.clone()],
        })
    }

    /// The owned model, names in lower case.
    pub fn to_owned_results(&self) -> AuthenticationResults {
        let lower = |text: &str| {
            let mut word = CompactString::from(text);
            word.make_ascii_lowercase();
            word
        };
        AuthenticationResults {
            authserv_id: CompactString::from(self.authserv_id.as_ref()),
            version: self.version,
            results: self
                .results()
                .map(|r| MethodResult {
                    method: lower(r.method),
                    method_version: r.method_version,
                    result: lower(r.result),
                    reason: r.reason.map(CompactString::from),
                    properties: r
                        .properties
                        .iter()
                        .map(|p| Property {
                            ptype: lower(p.ptype),
                            property: lower(p.property),
                            value: CompactString::from(p.value.as_ref()),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// The authserv-id of a value, read as leniently as possible (the rest of the value may
/// be broken): for recognising forged headers.
pub fn authserv_id_of(value: &str) -> Option<String> {
    let mut p = Parser {
        text: value,
        pos: 0,
    };
    p.cfws().ok()?;
    p.value().ok().flatten().map(Cow::into_owned)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

/// Byte classes of the grammar, looked up once per byte in the hot loops.
const KEYWORD: u8 = 1; // ALPHA / DIGIT / "-" / "_"
const VALUE: u8 = 2; // token characters (RFC 2045, UTF-8 allowed) and "@"
const BYTE_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0usize;
    while b < 256 {
        let c = b as u8;
        let mut class = 0;
        if c.is_ascii_alphanumeric() || c == b'-' || c == b'_' {
            class |= KEYWORD;
        }
        let tspecial = is_tspecial(c);
        // Bytes of multi-byte UTF-8 characters (>= 0x80) belong to tokens (RFC 6532).
        if c >= 0x80 || (!c.is_ascii_control() && c != b' ' && (!tspecial || c == b'@')) {
            class |= VALUE;
        }
        table[b] = class;
        b += 1;
    }
    table
};

impl<'a> Parser<'a> {
    /// The next character. ASCII (all the grammar's punctuation) without decoding.
    #[inline]
    fn peek(&self) -> Option<char> {
        match self.text.as_bytes().get(self.pos) {
            Some(&b) if b < 0x80 => Some(char::from(b)),
            Some(_) => self.text[self.pos..].chars().next(),
            None => None,
        }
    }

    fn error(&self, kind: ParseErrorKind) -> ParseError {
        ParseError::new(kind, self.pos)
    }

    /// Folding white space and nested comments (with quoted pairs), iteratively.
    fn cfws(&mut self) -> Result<(), ParseError> {
        let bytes = self.text.as_bytes();
        loop {
            while matches!(bytes.get(self.pos), Some(b' ' | b'\t' | b'\r' | b'\n')) {
                self.pos += 1;
            }
            if bytes.get(self.pos) != Some(&b'(') {
                return Ok(());
            }
            // A comment, nested, with quoted pairs. Byte-wise: the delimiters are ASCII
            // and never occur inside a multi-byte character, so the loop ends on a
            // character boundary.
            let open = self.pos;
            let mut depth = 0usize;
            loop {
                let Some(&b) = bytes.get(self.pos) else {
                    return Err(ParseError::new(ParseErrorKind::UnterminatedComment, open));
                };
                self.pos += 1;
                match b {
                    b'(' => depth += 1,
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    // The quoted byte is skipped; a quoted multi-byte character's other
                    // bytes are plain content.
                    b'\\' if self.pos < bytes.len() => self.pos += 1,
                    _ => {}
                }
            }
        }
    }

    /// `Keyword` (an LDH string), as written.
    fn keyword(&mut self) -> Result<&'a str, ParseError> {
        let start = self.pos;
        let end = self.scan(start, KEYWORD);
        if end == start {
            return Err(self.error(ParseErrorKind::Expected("a keyword")));
        }
        self.pos = end;
        Ok(&self.text[start..end])
    }

    /// The end of the run of bytes of `class` from `start`.
    #[inline]
    fn scan(&self, start: usize, class: u8) -> usize {
        let bytes = self.text.as_bytes();
        let mut end = start;
        while end < bytes.len() && BYTE_CLASS[usize::from(bytes[end])] & class != 0 {
            end += 1;
        }
        end
    }

    fn number(&mut self) -> Result<u32, ParseError> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.text[start..self.pos]
            .parse()
            .map_err(|_| ParseError::new(ParseErrorKind::Expected("a version number"), start))
    }

    /// A quoted string, unquoted: borrowed when it holds no quoted pair and no line
    /// break (line breaks are folding, quoted or not: never part of a value).
    fn quoted(&mut self) -> Result<Cow<'a, str>, ParseError> {
        let open = self.pos;
        let bytes = self.text.as_bytes();
        let start = open + 1;
        let mut end = start;
        while let Some(&b) = bytes.get(end) {
            match b {
                b'"' => {
                    self.pos = end + 1;
                    return Ok(Cow::Borrowed(&self.text[start..end]));
                }
                b'\\' | b'\r' | b'\n' => break,
                _ => end += 1,
            }
        }
        // The slow path: unescape into a new string.
        let mut out = String::from(&self.text[start..end]);
        self.pos = end;
        loop {
            let Some(c) = self.peek() else {
                return Err(ParseError::new(
                    ParseErrorKind::UnterminatedQuotedString,
                    open,
                ));
            };
            self.pos += c.len_utf8();
            match c {
                '"' => return Ok(Cow::Owned(out)),
                '\\' => {
                    let Some(next) = self.peek() else {
                        return Err(ParseError::new(
                            ParseErrorKind::UnterminatedQuotedString,
                            open,
                        ));
                    };
                    self.pos += next.len_utf8();
                    if next != '\r' && next != '\n' {
                        out.push(next);
                    }
                }
                '\r' | '\n' => {}
                c => out.push(c),
            }
        }
    }

    /// `value` (token or quoted string), or the `[local-part]@domain` form of `pvalue`
    /// (which may begin with a quoted local part). `None` when nothing value-like is here.
    fn value(&mut self) -> Result<Option<Cow<'a, str>>, ParseError> {
        let quoted = if self.text.as_bytes().get(self.pos) == Some(&b'"') {
            Some(self.quoted()?)
        } else {
            None
        };
        let start = self.pos;
        // Token bytes (UTF-8 continuation bytes included) end only at ASCII delimiters,
        // so the slice is always on character boundaries.
        self.pos = self.scan(start, VALUE);
        let token = &self.text[start..self.pos];
        Ok(match quoted {
            None if token.is_empty() => None,
            None => Some(Cow::Borrowed(token)),
            Some(quoted) if token.is_empty() => Some(quoted),
            Some(quoted) => Some(Cow::Owned(format!("{quoted}{token}"))),
        })
    }

    /// `resinfo` after its method keyword: `[/version] = result [reason=...] [props]`;
    /// the properties go to `properties`.
    fn resinfo(
        &mut self,
        method: &'a str,
        properties: &mut Vec<PropertyRef<'a>>,
    ) -> Result<RawResult<'a>, ParseError> {
        let mut method_version = None;
        if self.peek() == Some('/') {
            self.pos += 1;
            self.cfws()?;
            method_version = Some(self.number()?);
            self.cfws()?;
        }
        if self.peek() != Some('=') {
            return Err(self.error(ParseErrorKind::Expected("'=' after the method")));
        }
        self.pos += 1;
        self.cfws()?;
        let result = self.keyword()?;
        let mut reason = None;
        let first_property = properties.len();
        loop {
            self.cfws()?;
            if matches!(self.peek(), None | Some(';')) {
                break;
            }
            let start = self.pos;
            let name = self.keyword()?;
            self.cfws()?;
            match self.peek() {
                Some('=')
                    if name.eq_ignore_ascii_case("reason")
                        && properties.len() == first_property
                        && reason.is_none() =>
                {
                    self.pos += 1;
                    self.cfws()?;
                    reason = Some(
                        self.value()?
                            .ok_or_else(|| self.error(ParseErrorKind::Expected("a reason")))?,
                    );
                }
                Some('.') => {
                    self.pos += 1;
                    self.cfws()?;
                    let property = self.keyword()?;
                    self.cfws()?;
                    if self.peek() != Some('=') {
                        return Err(self.error(ParseErrorKind::Expected("'=' after a property")));
                    }
                    self.pos += 1;
                    self.cfws()?;
                    let value = self
                        .value()?
                        .ok_or_else(|| self.error(ParseErrorKind::Expected("a property value")))?;
                    properties.push(PropertyRef {
                        ptype: name,
                        property,
                        value,
                    });
                }
                _ => {
                    return Err(ParseError::new(
                        ParseErrorKind::Expected("reason=... or ptype.property=..."),
                        start,
                    ));
                }
            }
        }
        Ok(RawResult {
            method,
            method_version,
            result,
            reason,
            properties: first_property..properties.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The byte path for ASCII text decides as the character path does.
        #[test]
        fn ascii_address_forms_read_alike(text in "[a-zA-Z0-9.@!#/=?_-]{0,12}") {
            proptest::prop_assert_eq!(is_address_form(&text), is_address_form_unicode(&text));
        }
    }

    #[test]
    fn address_forms() {
        for yes in [
            "a@b",
            "@b.example",
            "taro.yamada@aa2.so-net.ne.jp",
            "用户@例え.jp",
            "a+b@c-d.e",
        ] {
            assert!(is_address_form(yes), "{yes}");
        }
        for no in [
            "a", "a@", "a@b.", ".a@b", "a..b@c", "a/b@c", "a=b@c", "a?b@c", "a b@c", "a@b_c",
        ] {
            assert!(!is_address_form(no), "{no}");
        }
    }
}
