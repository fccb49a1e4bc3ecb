//! Character classes and the validators shared by the wire and header parsers: domain
//! names (LDH and IDNA) and address literals (RFC 5321 §4.1.3).

use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};

use compact_str::CompactString;
use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};

use crate::Strictness;
use crate::error::{ParseError, ParseErrorKind};
use crate::mailbox::{AddressLiteral, DomainName, MAX_DOMAIN_LEN};

/// Longest label, in octets (RFC 1035 §2.3.4).
const MAX_LABEL_LEN: usize = 63;

/// Byte classes, one table lookup per byte on the hot paths.
const ATEXT: u8 = 1;
const LDH: u8 = 2;
const ATEXT_ASCII: u8 = 4;

const fn byte_classes() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let mut class = 0;
        if matches!(c,
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9'
            | b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'/' | b'='
            | b'?' | b'^' | b'_' | b'`' | b'{' | b'|' | b'}' | b'~')
        {
            class |= ATEXT | ATEXT_ASCII;
        }
        if c >= 0x80 {
            // Any byte of a non-ASCII UTF-8 character (RFC 6531/6532 `UTF8-non-ascii`).
            class |= ATEXT;
        }
        if c.is_ascii_alphanumeric() || c == b'-' {
            class |= LDH;
        }
        table[b] = class;
        b += 1;
    }
    table
}

static CLASSES: [u8; 256] = byte_classes();

/// RFC 5322 `atext` in ASCII: letters, digits and ``!#$%&'*+-/=?^_`{|}~``.
pub(crate) fn is_atext(b: u8) -> bool {
    b < 0x80 && is_atext_utf8(b)
}

/// [`is_atext`] in one table lookup.
#[inline]
pub(crate) fn is_atext_ascii(b: u8) -> bool {
    CLASSES[usize::from(b)] & ATEXT_ASCII != 0
}

/// `atext` or any byte of a non-ASCII UTF-8 character (RFC 6531/6532 `UTF8-non-ascii`).
#[inline]
pub(crate) fn is_atext_utf8(b: u8) -> bool {
    CLASSES[usize::from(b)] & ATEXT != 0
}

/// A letter, digit or hyphen (RFC 5321 `Let-dig` and `Ldh-str`).
#[inline]
pub(crate) fn is_ldh(b: u8) -> bool {
    CLASSES[usize::from(b)] & LDH != 0
}

/// True if `s` is a `Dot-string` (RFC 5321) / `dot-atom-text` (RFC 5322), UTF-8 allowed:
/// one or more atoms of `atext` separated by single dots.
pub(crate) fn is_dot_atom_text(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut previous_dot = true; // no dot at the start
    for &b in bytes {
        if b == b'.' {
            if previous_dot {
                return false;
            }
            previous_dot = true;
        } else if is_atext_utf8(b) {
            previous_dot = false;
        } else {
            return false;
        }
    }
    !previous_dot
}

/// What [`scan_domain`] found.
pub(crate) struct DomainScan {
    /// Bytes of the name.
    pub(crate) len: usize,
    /// Some label is non-ASCII or an A-label, so IDNA must convert and check it.
    pub(crate) needs_idna: bool,
}

/// Scans a host name (RFC 5321 `Domain`, with RFC 6531 U-labels) at the start of `bytes`,
/// up to the first byte that cannot be part of one, checking the label structure on the
/// way: no empty labels, no hyphen at a label's ends, ASCII labels of at most 63 octets.
/// Errors carry an offset relative to `bytes`.
pub(crate) fn scan_domain(bytes: &[u8]) -> Result<DomainScan, (ParseErrorKind, usize)> {
    let mut needs_idna = false;
    let mut label_start = 0;
    let mut label_non_ascii = false;
    let mut i = 0;
    loop {
        let b = bytes.get(i).copied();
        match b {
            Some(b) if CLASSES[usize::from(b)] & LDH != 0 => {}
            Some(b) if b >= 0x80 => {
                needs_idna = true;
                label_non_ascii = true;
            }
            _ => {
                // The end of a label: at a dot, or at the end of the name.
                let label = &bytes[label_start..i];
                if label.is_empty() {
                    if i == 0 && b != Some(b'.') {
                        let kind = match b {
                            None => ParseErrorKind::UnexpectedEnd {
                                expected: "a domain",
                            },
                            Some(b) => unexpected_byte(b, "a domain"),
                        };
                        return Err((kind, 0));
                    }
                    return Err((ParseErrorKind::EmptyLabel, label_start));
                }
                if label[0] == b'-' {
                    return Err((ParseErrorKind::LabelHyphen, label_start));
                }
                if label[label.len() - 1] == b'-' {
                    return Err((ParseErrorKind::LabelHyphen, i - 1));
                }
                if !label_non_ascii {
                    if label.len() > MAX_LABEL_LEN {
                        return Err((
                            ParseErrorKind::LabelTooLong { len: label.len() },
                            label_start,
                        ));
                    }
                    if label.len() >= 4 && label[..4].eq_ignore_ascii_case(b"xn--") {
                        needs_idna = true;
                    }
                }
                if b != Some(b'.') {
                    return Ok(DomainScan { len: i, needs_idna });
                }
                label_start = i + 1;
                label_non_ascii = false;
            }
        }
        i += 1;
    }
}

/// The error for byte `b` where `expected` should stand.
pub(crate) fn unexpected_byte(b: u8, expected: &'static str) -> ParseErrorKind {
    if b.is_ascii_control() {
        ParseErrorKind::ControlCharacter { code: u32::from(b) }
    } else if b < 0x80 {
        ParseErrorKind::UnexpectedChar {
            found: char::from(b),
            expected,
        }
    } else {
        ParseErrorKind::UnexpectedChar {
            found: char::REPLACEMENT_CHARACTER,
            expected,
        }
    }
}

/// Validates a whole host name and converts it to its lower-case A-label form. Errors
/// carry an offset relative to `text`.
pub(crate) fn validate_domain_name(text: &str) -> Result<DomainName, (ParseErrorKind, usize)> {
    let scan = scan_domain(text.as_bytes())?;
    if scan.len < text.len() {
        let b = text.as_bytes()[scan.len];
        let kind = if b == b' ' {
            ParseErrorKind::ControlCharacter { code: u32::from(b) }
        } else {
            unexpected_byte(b, "a letter, digit or '-' in a domain")
        };
        return Err((kind, scan.len));
    }
    finish_domain(text, scan.needs_idna)
}

/// Converts a scanned host name to a [`DomainName`]: a lower-casing copy for plain ASCII
/// names, IDNA (UTS #46) for the others.
pub(crate) fn finish_domain(
    text: &str,
    needs_idna: bool,
) -> Result<DomainName, (ParseErrorKind, usize)> {
    if !needs_idna {
        if text.len() > MAX_DOMAIN_LEN {
            return Err((ParseErrorKind::DomainTooLong { len: text.len() }, 0));
        }
        let mut ascii = CompactString::from(text);
        ascii.make_ascii_lowercase();
        return Ok(DomainName::from_ascii(ascii, false));
    }

    // Internationalised: UTS #46 non-transitional processing, STD3 rules, hyphens checked at
    // label ends only (RFC 5891 allows `ab--c` style labels that are not A-labels). This
    // also decodes and validates every `xn--` label.
    let ascii = Uts46::new()
        .to_ascii(
            text.as_bytes(),
            AsciiDenyList::STD3,
            Hyphens::CheckFirstLast,
            DnsLength::Ignore,
        )
        .map_err(|_| (ParseErrorKind::InvalidIdn, 0))?
        .into_owned();
    // The mapping may have changed label boundaries (e.g. U+3002 IDEOGRAPHIC FULL STOP):
    // check the limits again on the result.
    let mut idn = false;
    for label in ascii.split('.') {
        if label.is_empty() {
            return Err((ParseErrorKind::EmptyLabel, 0));
        }
        if label.len() > MAX_LABEL_LEN {
            return Err((ParseErrorKind::LabelTooLong { len: label.len() }, 0));
        }
        idn |= label.starts_with("xn--");
    }
    if ascii.len() > MAX_DOMAIN_LEN {
        return Err((ParseErrorKind::DomainTooLong { len: ascii.len() }, 0));
    }
    Ok(DomainName::from_ascii(CompactString::from(ascii), idn))
}

/// The U-label form of a validated A-label domain.
pub(crate) fn domain_to_unicode(ascii: &str) -> Cow<'_, str> {
    // `ascii` was validated by `validate_domain_name`, so conversion cannot fail; if it
    // did, the A-label form is still a correct name for the domain.
    let (unicode, result) = Uts46::new().to_unicode(
        ascii.as_bytes(),
        AsciiDenyList::STD3,
        Hyphens::CheckFirstLast,
    );
    if result.is_err() {
        return Cow::Borrowed(ascii);
    }
    unicode
}

fn literal_error(reason: &'static str, offset: usize) -> ParseError {
    ParseError::new(ParseErrorKind::InvalidAddressLiteral { reason }, offset)
}

/// Parses the text between `[` and `]` of an address literal (RFC 5321 §4.1.3). Offsets
/// are relative to `content`.
pub(crate) fn parse_address_literal(
    content: &str,
    strictness: Strictness,
) -> Result<AddressLiteral, ParseError> {
    let bytes = content.as_bytes();
    if bytes.is_empty() {
        return Err(literal_error("empty", 0));
    }
    if bytes.len() >= 5 && bytes[..5].eq_ignore_ascii_case(b"IPv6:") {
        return parse_ipv6(&content[5..])
            .map(AddressLiteral::Ipv6)
            .map_err(|e| e.shifted(5));
    }
    if bytes[0].is_ascii_digit() && !content.contains(':') {
        return parse_ipv4(content).map(AddressLiteral::Ipv4);
    }
    // General-address-literal = Standardized-tag ":" 1*dcontent
    let Some(colon) = content.find(':') else {
        return Err(literal_error("neither an IPv4 address nor tag:content", 0));
    };
    let tag = &content[..colon];
    let tag_ok = !tag.is_empty()
        && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !tag.ends_with('-')
        && !tag.starts_with('-');
    if !tag_ok {
        return Err(literal_error("tag is not a letter-digit-hyphen string", 0));
    }
    let value = &content[colon + 1..];
    if value.is_empty() {
        return Err(literal_error("nothing after the tag", colon + 1));
    }
    if let Some(i) = value.bytes().position(|b| !matches!(b, 33..=90 | 94..=126)) {
        return Err(literal_error(
            "character not allowed in a literal",
            colon + 1 + i,
        ));
    }
    match strictness {
        Strictness::Strict => Err(ParseError::new(ParseErrorKind::UnregisteredLiteralTag, 0)),
        Strictness::Lenient => Ok(AddressLiteral::General {
            tag: tag.into(),
            content: value.into(),
        }),
    }
}

/// `IPv4-address-literal = Snum 3("." Snum)`, `Snum = 1*3DIGIT` with a value of 0–255.
fn parse_ipv4(text: &str) -> Result<Ipv4Addr, ParseError> {
    let mut octets = [0u8; 4];
    let mut count = 0;
    let mut offset = 0;
    for part in text.split('.') {
        if count == 4 {
            return Err(literal_error(
                "more than four parts in an IPv4 address",
                offset,
            ));
        }
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(literal_error("IPv4 part is not 1 to 3 digits", offset));
        }
        let value: u16 = part
            .bytes()
            .fold(0, |acc, b| acc * 10 + u16::from(b - b'0'));
        octets[count] =
            u8::try_from(value).map_err(|_| literal_error("IPv4 part is more than 255", offset))?;
        count += 1;
        offset += part.len() + 1;
    }
    if count != 4 {
        return Err(literal_error(
            "fewer than four parts in an IPv4 address",
            text.len(),
        ));
    }
    Ok(Ipv4Addr::from(octets))
}

/// `IPv6-addr` of RFC 5321 §4.1.3: full, compressed (`::` standing for at least two
/// groups), and both with an IPv4 tail.
fn parse_ipv6(text: &str) -> Result<Ipv6Addr, ParseError> {
    // An IPv4 tail takes the place of the last two groups.
    let (hex_part, v4) = match text.rfind(':') {
        Some(last) if text[last + 1..].contains('.') => {
            let v4 = parse_ipv4(&text[last + 1..]).map_err(|e| e.shifted(last + 1))?;
            // Keep the colon when it belongs to a `::`.
            let hex_end = if text[..last].ends_with(':') {
                last + 1
            } else {
                last
            };
            (&text[..hex_end], Some(v4))
        }
        _ => (text, None),
    };
    let max_groups = if v4.is_some() { 6 } else { 8 };

    let parse_groups = |part: &str, base: usize| -> Result<Vec<u16>, ParseError> {
        if part.is_empty() {
            return Ok(Vec::new());
        }
        let mut groups = Vec::new();
        let mut offset = base;
        for group in part.split(':') {
            if group.is_empty() || group.len() > 4 || !group.bytes().all(|b| b.is_ascii_hexdigit())
            {
                return Err(literal_error("IPv6 group is not 1 to 4 hex digits", offset));
            }
            groups.push(
                u16::from_str_radix(group, 16).map_err(|_| literal_error("bad hex", offset))?,
            );
            offset += group.len() + 1;
        }
        Ok(groups)
    };

    let mut groups = [0u16; 8];
    if let Some(gap) = hex_part.find("::") {
        if hex_part[gap + 2..].contains("::") {
            return Err(literal_error("more than one '::'", gap + 2));
        }
        let left = parse_groups(&hex_part[..gap], 0)?;
        let right = parse_groups(&hex_part[gap + 2..], gap + 2)?;
        // RFC 5321: "::" represents at least 2 groups, so at most 6 (or 4 before IPv4).
        if left.len() + right.len() > max_groups - 2 {
            return Err(literal_error("too many groups around '::'", 0));
        }
        groups[..left.len()].copy_from_slice(&left);
        let right_start = max_groups - right.len();
        groups[right_start..max_groups].copy_from_slice(&right);
    } else {
        let all = parse_groups(hex_part, 0)?;
        if all.len() != max_groups {
            return Err(literal_error("wrong number of IPv6 groups", 0));
        }
        groups[..max_groups].copy_from_slice(&all);
    }
    if let Some(v4) = v4 {
        let [a, b, c, d] = v4.octets();
        groups[6] = u16::from_be_bytes([a, b]);
        groups[7] = u16::from_be_bytes([c, d]);
    }
    Ok(Ipv6Addr::from(groups))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Result<AddressLiteral, ParseError> {
        parse_address_literal(s, Strictness::Strict)
    }

    #[test]
    fn ipv4_literals() {
        assert_eq!(
            lit("192.0.2.1").unwrap(),
            AddressLiteral::Ipv4(Ipv4Addr::new(192, 0, 2, 1))
        );
        assert_eq!(
            lit("010.0.0.1").unwrap(),
            AddressLiteral::Ipv4(Ipv4Addr::new(10, 0, 0, 1))
        );
        for bad in [
            "256.0.0.1",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            "1.2.3.4444",
            "1.2.3.-4",
            "1.2.3.4.",
        ] {
            assert!(lit(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn ipv6_literals() {
        let ok = [
            ("IPv6:2001:db8::1", "2001:db8::1"),
            ("ipv6:2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
            ("IPv6:::1", "::1"),
            ("IPv6:::", "::"),
            ("IPv6:::ffff:192.0.2.1", "::ffff:192.0.2.1"),
            ("IPv6:1:2:3:4:5:6:192.0.2.1", "1:2:3:4:5:6:c000:201"),
            ("IPv6:1:2:3:4:5:6::", "1:2:3:4:5:6::"),
            ("IPv6:1::2:3:4:192.0.2.1", "1::2:3:4:c000:201"),
        ];
        for (input, expected) in ok {
            let parsed = lit(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(
                parsed,
                AddressLiteral::Ipv6(expected.parse().unwrap()),
                "{input}"
            );
        }
        let bad = [
            "IPv6:",
            "IPv6:1:2:3:4:5:6:7",           // 7 groups, no ::
            "IPv6:1:2:3:4:5:6:7:8:9",       // 9 groups
            "IPv6:1:2:3:4:5:6:7::",         // :: for a single group
            "IPv6:1::2::3",                 // two ::
            "IPv6:12345::",                 // group too long
            "IPv6:g::",                     // not hex
            "IPv6:1:2:3:4:5::192.0.2.1",    // :: for one group before IPv4
            "IPv6:::256.0.0.1",             // bad IPv4 tail
            "IPv6:1:2:3:4:5:6:7:192.0.2.1", // too many groups before IPv4
            "IPv6::1",                      // single leading colon
        ];
        for input in bad {
            assert!(lit(input).is_err(), "{input} should be refused");
        }
    }

    #[test]
    fn general_literals_only_when_lenient() {
        assert_eq!(
            lit("x-foo:bar").unwrap_err().kind(),
            &ParseErrorKind::UnregisteredLiteralTag
        );
        assert_eq!(
            parse_address_literal("x-foo:bar", Strictness::Lenient).unwrap(),
            AddressLiteral::General {
                tag: "x-foo".into(),
                content: "bar".into()
            }
        );
        assert!(parse_address_literal("x-foo:", Strictness::Lenient).is_err());
        assert!(parse_address_literal("-x:a", Strictness::Lenient).is_err());
        assert!(parse_address_literal("x:a[b", Strictness::Lenient).is_err());
        assert!(lit("").is_err());
        assert!(lit("hello").is_err());
    }

    #[test]
    fn domain_names() {
        let d = validate_domain_name("Example.COM").unwrap();
        assert_eq!(d.as_ascii(), "example.com");
        assert_eq!(d.to_unicode(), "example.com");
        let d = validate_domain_name("例え.テスト").unwrap();
        assert_eq!(d.as_ascii(), "xn--r8jz45g.xn--zckzah");
        assert_eq!(d.to_unicode(), "例え.テスト");
        let d = validate_domain_name("XN--R8JZ45G.jp").unwrap();
        assert_eq!(d.as_ascii(), "xn--r8jz45g.jp");
        assert_eq!(d.to_unicode(), "例え.jp");

        let err = |s: &str| validate_domain_name(s).unwrap_err();
        assert_eq!(err("a..b"), (ParseErrorKind::EmptyLabel, 2));
        assert_eq!(err(".a"), (ParseErrorKind::EmptyLabel, 0));
        assert_eq!(err("a."), (ParseErrorKind::EmptyLabel, 2));
        assert_eq!(err("-a.b"), (ParseErrorKind::LabelHyphen, 0));
        assert_eq!(err("a.b-"), (ParseErrorKind::LabelHyphen, 3));
        assert!(matches!(
            err("a_b.c"),
            (ParseErrorKind::UnexpectedChar { found: '_', .. }, 1)
        ));
        assert!(matches!(
            err(&"a".repeat(64)),
            (ParseErrorKind::LabelTooLong { len: 64 }, 0)
        ));
        assert_eq!(err("xn--a"), (ParseErrorKind::InvalidIdn, 0));
        let long = vec!["a".repeat(63); 5].join("."); // 319 octets
        assert!(matches!(
            err(&long),
            (ParseErrorKind::DomainTooLong { len: 319 }, 0)
        ));
    }
}
