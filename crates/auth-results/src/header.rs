//! The `Authentication-Results` header (RFC 8601): the model, the formatter (in the
//! ISP's shape, folded at 78 columns) and our own parser of the full grammar.

use std::fmt;

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
            ptype: CompactString::from(ptype.to_ascii_lowercase()),
            property: CompactString::from(property.to_ascii_lowercase()),
            value: CompactString::from(value),
        }
    }
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
            method: CompactString::from(method.to_ascii_lowercase()),
            method_version: None,
            result: CompactString::from(result.to_ascii_lowercase()),
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
fn is_tspecial(c: char) -> bool {
    matches!(
        c,
        '(' | ')' | '<' | '>' | '@' | ',' | ';' | ':' | '\\' | '"' | '/' | '[' | ']' | '?' | '='
    )
}

/// RFC 2045 `token` (UTF-8 allowed, RFC 6532).
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| !c.is_ascii_control() && c != ' ' && !is_tspecial(c))
}

/// `[local-part] "@" domain-name` with a dot-atom local part: written without quotes.
fn is_address_form(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    // Atoms of `atext` less the three that are also tspecials (`/`, `=`, `?`): a local
    // part written unquoted must read back as one value.
    let atom = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-^_`{|}~".contains(c))
    };
    let local_ok = local.is_empty() || local.split('.').all(atom);
    let domain_ok = !domain.is_empty()
        && domain
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
    local_ok && domain_ok
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

    /// The pieces of the value, each a unit that folding never splits: the authserv-id
    /// (with `;`), then per result `method=result`, `reason=...`, each property, the last
    /// piece of a result carrying its `;`.
    fn pieces(&self) -> Vec<String> {
        let mut pieces = self.raw_pieces();
        for piece in &mut pieces {
            piece.retain(|c| c != '\r' && c != '\n');
        }
        pieces
    }

    fn raw_pieces(&self) -> Vec<String> {
        let mut pieces = Vec::new();
        let mut first = String::new();
        write_value(&mut first, &self.authserv_id);
        if let Some(version) = self.version {
            first.push(' ');
            first.push_str(&version.to_string());
        }
        first.push(';');
        pieces.push(first);
        if self.results.is_empty() {
            pieces.push("none".to_owned());
            return pieces;
        }
        for (i, result) in self.results.iter().enumerate() {
            let start = pieces.len();
            let mut head = result.method.to_string();
            if let Some(version) = result.method_version {
                head.push('/');
                head.push_str(&version.to_string());
            }
            head.push('=');
            head.push_str(&result.result);
            pieces.push(head);
            if let Some(reason) = &result.reason {
                let mut piece = "reason=".to_owned();
                write_value(&mut piece, reason);
                pieces.push(piece);
            }
            for p in &result.properties {
                let mut piece = format!("{}.{}=", p.ptype, p.property);
                write_value(&mut piece, &p.value);
                pieces.push(piece);
            }
            if i + 1 < self.results.len() {
                if let Some(last) = pieces[start..].last_mut() {
                    last.push(';');
                }
            }
        }
        pieces
    }

    /// The value on one line: `so-net.ne.jp; spf=pass smtp.mailfrom=...; dkim=pass ...`.
    /// Line breaks in the model's fields are dropped: the output is one header field, never
    /// two.
    pub fn to_value(&self) -> String {
        self.pieces().join(" ")
    }

    /// The whole header field, `Authentication-Results: ...`, folded at 78 columns
    /// (RFC 5322 §2.1.1) with two-space continuation lines, as in the seed's example;
    /// lines end with CRLF.
    pub fn to_header(&self) -> String {
        fold("Authentication-Results:", &self.pieces(), 78)
    }
}

/// Joins `pieces` after `name` with spaces, breaking before a piece that would pass
/// `width` columns.
pub(crate) fn fold(name: &str, pieces: &[String], width: usize) -> String {
    let mut out = String::from(name);
    let mut column = name.len();
    for piece in pieces {
        let len = piece.chars().count();
        if column + 1 + len > width && column > 2 {
            out.push_str("\r\n  ");
            column = 2;
        } else {
            out.push(' ');
            column += 1;
        }
        out.push_str(piece);
        column += len;
    }
    out.push_str("\r\n");
    out
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
pub fn parse_authentication_results(value: &str) -> Result<AuthenticationResults, ParseError> {
    let mut p = Parser {
        text: value,
        pos: 0,
    };
    p.cfws()?;
    let authserv_id = p
        .value()?
        .ok_or_else(|| p.error(ParseErrorKind::Expected("an authserv-id")))?;
    p.cfws()?;
    let mut version = None;
    if p.peek().is_some_and(|c| c.is_ascii_digit()) {
        version = Some(p.number()?);
        p.cfws()?;
    }
    let mut results = Vec::new();
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
            && results.is_empty()
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
        results.push(p.resinfo(keyword)?);
    }
    if results.is_empty() && !saw_none {
        return Err(p.error(ParseErrorKind::Expected("'; none' or a result")));
    }
    Ok(AuthenticationResults {
        authserv_id,
        version,
        results,
    })
}

/// The authserv-id of a value, read as leniently as possible (the rest of the value may
/// be broken): for recognising forged headers.
pub fn authserv_id_of(value: &str) -> Option<String> {
    let mut p = Parser {
        text: value,
        pos: 0,
    };
    p.cfws().ok()?;
    p.value().ok().flatten().map(String::from)
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
        let tspecial = matches!(
            c,
            b'(' | b')' | b'<' | b'>' | b'@' | b',' | b';' | b':' | b'\\' | b'"' | b'/' | b'['
                | b']' | b'?' | b'='
        );
        // Bytes of multi-byte UTF-8 characters (>= 0x80) belong to tokens (RFC 6532).
        if c >= 0x80 || (!c.is_ascii_control() && c != b' ' && (!tspecial || c == b'@')) {
            class |= VALUE;
        }
        table[b] = class;
        b += 1;
    }
    table
};

impl Parser<'_> {
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

    /// `Keyword` (an LDH string), returned in lower case.
    fn keyword(&mut self) -> Result<CompactString, ParseError> {
        let start = self.pos;
        let end = self.scan(start, KEYWORD);
        if end == start {
            return Err(self.error(ParseErrorKind::Expected("a keyword")));
        }
        self.pos = end;
        let mut word = CompactString::from(&self.text[start..end]);
        word.make_ascii_lowercase();
        Ok(word)
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

    fn quoted(&mut self) -> Result<CompactString, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = CompactString::default();
        loop {
            let Some(c) = self.peek() else {
                return Err(ParseError::new(
                    ParseErrorKind::UnterminatedQuotedString,
                    open,
                ));
            };
            self.pos += c.len_utf8();
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let Some(next) = self.peek() else {
                        return Err(ParseError::new(
                            ParseErrorKind::UnterminatedQuotedString,
                            open,
                        ));
                    };
                    self.pos += next.len_utf8();
                    // Line breaks are folding, quoted or not: never part of a value.
                    if next != '\r' && next != '\n' {
                        out.push(next);
                    }
                }
                '\r' | '\n' => {}
                c => out.push(c),
            }
        }
    }

    /// `value` (token or quoted string), or the `[local-part]@domain` form of `pvalue`.
    /// `None` when nothing value-like is here.
    fn value(&mut self) -> Result<Option<CompactString>, ParseError> {
        let quoted = self.peek() == Some('"');
        let mut out = if quoted {
            self.quoted()?
        } else {
            CompactString::default()
        };
        let start = self.pos;
        // Token bytes (UTF-8 continuation bytes included) end only at ASCII delimiters,
        // so the slice is always on character boundaries.
        self.pos = self.scan(start, VALUE);
        let token = &self.text[start..self.pos];
        if out.is_empty() {
            if token.is_empty() && !quoted {
                return Ok(None);
            }
            return Ok(Some(CompactString::from(token)));
        }
        out.push_str(token);
        Ok(Some(out))
    }

    /// `resinfo` after its method keyword: `[/version] = result [reason=...] [props]`.
    fn resinfo(&mut self, method: CompactString) -> Result<MethodResult, ParseError> {
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
        let mut properties = Vec::new();
        loop {
            self.cfws()?;
            if matches!(self.peek(), None | Some(';')) {
                break;
            }
            let start = self.pos;
            let name = self.keyword()?;
            self.cfws()?;
            match self.peek() {
                Some('=') if name == "reason" && properties.is_empty() && reason.is_none() => {
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
                    properties.push(Property {
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
        Ok(MethodResult {
            method,
            method_version,
            result,
            reason,
            properties,
        })
    }
}
