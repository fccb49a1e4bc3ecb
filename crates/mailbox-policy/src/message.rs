//! The parsed view of an incoming message that every decision of this crate reads: decoded
//! subject and addresses, priority, trace headers, size.

use mail_parser::{Address, HeaderValue, MessageParser};
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The header that marks a copy forwarded by a mailbox (FWD-LOOP); its value is the
/// forwarding mailbox's address. Forwarded copies carry it, and a message that already
/// carries it for a mailbox is never forwarded by that mailbox again.
pub const FORWARD_MARKER_HEADER: &str = "X-Mail-Policy-Forwarded";

/// A message priority, from `X-Priority` (1–5) or `Importance` (high/normal/low).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Priority {
    /// `X-Priority: 1` or `2`, `Importance: high`.
    High,
    /// No priority header, `X-Priority: 3`, `Importance: normal`.
    #[default]
    Normal,
    /// `X-Priority: 4` or `5`, `Importance: low`.
    Low,
}

/// One address of a header, with its display name decoded (RFC 2047).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HeaderAddress {
    /// The decoded display name, if any.
    pub name: Option<String>,
    /// The address, if any.
    pub address: Option<String>,
}

/// What this crate needs to know of a message: built once from its header section by
/// [`IncomingMessage::parse`], then read by every decision.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IncomingMessage {
    /// Size in octets as received, before this server adds headers (REJ-FIELDS).
    pub size: u64,
    /// The subject, decoded (RFC 2047 B and Q, any charset `mail-parser` knows:
    /// ISO-2022-JP, Shift_JIS, EUC-JP, UTF-8, ...).
    pub subject: Option<String>,
    /// The subject exactly as written (still encoded), for rewriting (SPAM-SORT).
    pub raw_subject: Option<String>,
    /// `From` addresses.
    pub from: Vec<HeaderAddress>,
    /// `To` addresses.
    pub to: Vec<HeaderAddress>,
    /// `Cc` addresses.
    pub cc: Vec<HeaderAddress>,
    /// `X-Priority` / `Importance`.
    pub priority: Priority,
    /// Values of `Delivered-To` headers, lower case.
    pub delivered_to: Vec<String>,
    /// Values of [`FORWARD_MARKER_HEADER`] headers, lower case.
    pub forwarded_by: Vec<String>,
}

impl IncomingMessage {
    /// Parses a message's header section (the whole message is fine too; the body is not
    /// read) with `mail-parser`. `size` is the message's size as received.
    ///
    /// Malformed headers are read as well as they can be, as a mail server must; only
    /// input without any header is an error.
    pub fn parse(raw: &[u8], size: u64) -> Result<Self, Error> {
        let message = MessageParser::new()
            .parse_headers(raw)
            .ok_or(Error::NoHeaders)?;
        if message.headers().is_empty() {
            return Err(Error::NoHeaders);
        }
        let addresses = |address: Option<&Address<'_>>| -> Vec<HeaderAddress> {
            address
                .map(|a| {
                    a.iter()
                        .map(|addr| HeaderAddress {
                            name: addr.name.as_deref().map(str::to_owned),
                            address: addr.address.as_deref().map(str::to_owned),
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let raw_values = |name: &str| -> Vec<String> {
            message
                .headers()
                .iter()
                .filter(|h| h.name().eq_ignore_ascii_case(name))
                .filter_map(|h| {
                    let start = usize::try_from(h.offset_start()).ok()?;
                    let end = usize::try_from(h.offset_end()).ok()?;
                    let value = raw.get(start..end)?;
                    Some(String::from_utf8_lossy(value).trim().to_ascii_lowercase())
                })
                .collect()
        };
        let priority = priority_of(
            raw_values("X-Priority").first().map(String::as_str),
            raw_values("Importance").first().map(String::as_str),
        );
        let raw_subject = message.header_raw("Subject").map(|s| s.trim().to_owned());
        let subject = match message.header("Subject") {
            Some(HeaderValue::Text(text)) => Some(text.to_string()),
            Some(HeaderValue::TextList(list)) => Some(list.join(" ")),
            _ => message.subject().map(str::to_owned),
        };
        Ok(Self {
            size,
            subject,
            raw_subject,
            from: addresses(message.from()),
            to: addresses(message.to()),
            cc: addresses(message.cc()),
            priority,
            delivered_to: raw_values("Delivered-To")
                .into_iter()
                .map(|v| v.trim_matches(['<', '>']).to_owned())
                .collect(),
            forwarded_by: raw_values(FORWARD_MARKER_HEADER),
        })
    }
}

fn priority_of(x_priority: Option<&str>, importance: Option<&str>) -> Priority {
    // `X-Priority: 2 (High)`: the leading digit counts.
    if let Some(digit) = x_priority.and_then(|v| v.trim().chars().next()) {
        match digit {
            '1' | '2' => return Priority::High,
            '4' | '5' => return Priority::Low,
            '3' => return Priority::Normal,
            _ => {}
        }
    }
    match importance.map(str::trim) {
        Some("high") => Priority::High,
        Some("low") => Priority::Low,
        _ => Priority::Normal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_japanese_subjects_in_every_charset_and_encoding() {
        // 未承諾広告※テスト in each charset, B and Q encoded.
        let expected = "未承諾広告※テスト";
        let subjects = [
            // ISO-2022-JP, B
            "=?ISO-2022-JP?B?GyRCTCQ+NUJ6OS05cCIoJUYlOSVIGyhC?=",
            // Shift_JIS, B
            "=?Shift_JIS?B?lqKPs5H4jUyNkIGmg2WDWINn?=",
            // EUC-JP, B
            "=?EUC-JP?B?zKS+tcL6ua258KKopcaluaXI?=",
            // UTF-8, B
            "=?UTF-8?B?5pyq5om/6Ku+5bqD5ZGK4oC744OG44K544OI?=",
            // UTF-8, Q
            "=?UTF-8?Q?=E6=9C=AA=E6=89=BF=E8=AB=BE=E5=BA=83=E5=91=8A=E2=80=BB=E3=83=86=E3=82=B9=E3=83=88?=",
            // ISO-2022-JP, Q
            "=?ISO-2022-JP?Q?=1B=24BL=24=3E5Bz9=2D9p=22=28=25F=259=25H=1B=28B?=",
            // Shift_JIS, Q
            "=?Shift_JIS?Q?=96=A2=8F=B3=91=F8=8DL=8D=90=81=A6=83e=83X=83g?=",
            // EUC-JP, Q (lower-case charset name)
            "=?euc-jp?Q?=CC=A4=BE=B5=C2=FA=B9=AD=B9=F0=A2=A8=A5=C6=A5=B9=A5=C8?=",
            // Split over two encoded words in different charsets, folded.
            "=?ISO-2022-JP?B?GyRCTCQ+NUJ6OS05cCIoGyhC?=\r\n =?UTF-8?B?44OG44K544OI?=",
        ];
        for encoded in subjects {
            let raw = format!("From: a@example.com\r\nSubject: {encoded}\r\n\r\nbody");
            let message = IncomingMessage::parse(raw.as_bytes(), raw.len() as u64).unwrap();
            assert_eq!(message.subject.as_deref(), Some(expected), "{encoded}");
            assert_eq!(message.raw_subject.as_deref(), Some(encoded), "{encoded}");
        }
    }

    #[test]
    fn addresses_priority_and_trace_headers() {
        let raw = b"From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>\r\n\
To: taro@aa2.so-net.ne.jp, \"Hanako\" <hanako@ts1.so-net.ne.jp>\r\n\
Cc: c@example.com\r\n\
X-Priority: 1 (Highest)\r\n\
Delivered-To: <Taro@AA2.so-net.ne.jp>\r\n\
X-Mail-Policy-Forwarded: taro@aa2.so-net.ne.jp\r\n\r\n";
        let m = IncomingMessage::parse(raw, 1234).unwrap();
        assert_eq!(m.from[0].name.as_deref(), Some("山田"));
        assert_eq!(m.from[0].address.as_deref(), Some("yamada@example.jp"));
        assert_eq!(m.to.len(), 2);
        assert_eq!(m.cc.len(), 1);
        assert_eq!(m.priority, Priority::High);
        assert_eq!(m.delivered_to, vec!["taro@aa2.so-net.ne.jp"]);
        assert_eq!(m.forwarded_by, vec!["taro@aa2.so-net.ne.jp"]);
        assert_eq!(m.size, 1234);
    }

    #[test]
    fn priorities() {
        assert_eq!(priority_of(Some("5 (lowest)"), None), Priority::Low);
        assert_eq!(priority_of(None, Some("high")), Priority::High);
        assert_eq!(priority_of(Some("x"), Some("low")), Priority::Low);
        assert_eq!(priority_of(None, None), Priority::Normal);
    }

    #[test]
    fn no_headers_is_an_error() {
        assert_eq!(IncomingMessage::parse(b"", 0), Err(Error::NoHeaders));
    }
}
