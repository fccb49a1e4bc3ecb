//! The Postfix SMTP access policy delegation protocol (`check_policy_service`,
//! <https://www.postfix.org/SMTPD_POLICY_README.html>), sans-IO: a [`Decoder`] that turns
//! bytes into [`Request`]s, and [`encode_action`] for the reply.
//!
//! A request is `name=value` lines ended by an empty line; the reply is `action=...`
//! and an empty line. Postfix keeps the connection open for further requests. The decoder
//! bounds everything a client controls: the length of a line ([`MAX_LINE`]), the number of
//! attributes ([`MAX_ATTRIBUTES`]); past a bound the connection is to be closed, never
//! buffered further.

use std::fmt;

/// The longest line accepted, name and value, in octets (Postfix's own lines are far
/// shorter; certificate fingerprints and SASL names are the longest).
pub const MAX_LINE: usize = 4096;

/// The most attributes in one request (Postfix 3.7 sends about 35).
pub const MAX_ATTRIBUTES: usize = 100;

/// One request: the attributes as sent, names lower case, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Request {
    attributes: Vec<(String, String)>,
}

impl Request {
    /// The value of attribute `name`, if sent (the last one wins if sent twice).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `name`, or empty when absent (Postfix sends empty values as `name=`).
    pub fn value(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// Every attribute, in order.
    pub fn attributes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.attributes
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The number of attributes.
    pub fn len(&self) -> usize {
        self.attributes.len()
    }

    /// True for a request without attributes.
    pub fn is_empty(&self) -> bool {
        self.attributes.is_empty()
    }
}

/// Why a connection's input is not the policy protocol; the connection is to be closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// A line longer than [`MAX_LINE`].
    LineTooLong {
        /// The bound.
        limit: usize,
    },
    /// More than [`MAX_ATTRIBUTES`] attributes before the empty line.
    TooManyAttributes {
        /// The bound.
        limit: usize,
    },
    /// A line that is not `name=value` with a name of letters, digits, `_` and `-`.
    Malformed {
        /// The attribute's position in the request (0-based).
        attribute: usize,
    },
    /// A line that is not UTF-8 (Postfix sends UTF-8 with SMTPUTF8, ASCII otherwise).
    NotUtf8 {
        /// The attribute's position in the request (0-based).
        attribute: usize,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LineTooLong { limit } => write!(f, "line longer than {limit} octets"),
            Self::TooManyAttributes { limit } => {
                write!(f, "more than {limit} attributes in one request")
            }
            Self::Malformed { attribute } => {
                write!(f, "attribute {attribute} is not name=value")
            }
            Self::NotUtf8 { attribute } => write!(f, "attribute {attribute} is not UTF-8"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Turns the bytes of one connection into requests. Feed what the socket gives, then take
/// the complete requests; after an error, close the connection.
#[derive(Debug, Default)]
pub struct Decoder {
    /// Bytes not yet consumed: at most one partial line (bounded by [`MAX_LINE`]) after
    /// [`Decoder::next_request`] has returned `Ok(None)`.
    buffer: Vec<u8>,
    /// Where the unconsumed part of `buffer` starts.
    start: usize,
    /// The attributes of the request being read.
    attributes: Vec<(String, String)>,
}

impl Decoder {
    /// A decoder for a new connection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes read from the connection.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start == self.buffer.len() {
            self.buffer.clear();
            self.start = 0;
        }
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete request, `Ok(None)` when more bytes are needed.
    pub fn next_request(&mut self) -> Result<Option<Request>, DecodeError> {
        loop {
            let pending = &self.buffer[self.start..];
            let Some(end) = pending.iter().position(|&b| b == b'\n') else {
                if pending.len() > MAX_LINE {
                    return Err(DecodeError::LineTooLong { limit: MAX_LINE });
                }
                // Keep only the partial line.
                if self.start > 0 {
                    self.buffer.drain(..self.start);
                    self.start = 0;
                }
                return Ok(None);
            };
            if end > MAX_LINE {
                return Err(DecodeError::LineTooLong { limit: MAX_LINE });
            }
            let line = &pending[..end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let attribute = self.attributes.len();
            if line.is_empty() {
                self.start += end + 1;
                let attributes = std::mem::take(&mut self.attributes);
                return Ok(Some(Request { attributes }));
            }
            if attribute >= MAX_ATTRIBUTES {
                return Err(DecodeError::TooManyAttributes {
                    limit: MAX_ATTRIBUTES,
                });
            }
            let Ok(text) = std::str::from_utf8(line) else {
                return Err(DecodeError::NotUtf8 { attribute });
            };
            let Some((name, value)) = text.split_once('=') else {
                return Err(DecodeError::Malformed { attribute });
            };
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(DecodeError::Malformed { attribute });
            }
            self.attributes
                .push((name.to_ascii_lowercase(), value.to_owned()));
            self.start += end + 1;
        }
    }

    /// Octets held for an unfinished line or request (for memory accounting).
    pub fn buffered(&self) -> usize {
        self.buffer.len() - self.start
            + self
                .attributes
                .iter()
                .map(|(n, v)| n.len() + v.len())
                .sum::<usize>()
    }
}

/// The reply to one request: `action=<action>` and the empty line. Line breaks in the
/// action are replaced by spaces, so a reply is always one attribute.
pub fn encode_action(action: &str) -> String {
    let mut out = String::with_capacity(action.len() + 9);
    out.push_str("action=");
    out.extend(
        action
            .chars()
            .map(|c| if c == '\r' || c == '\n' { ' ' } else { c }),
    );
    out.push_str("\n\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_split_at_the_empty_line_in_any_chunking() {
        let input = b"request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.1\nsender=a@b.example\n\nrequest=smtpd_access_policy\nprotocol_state=DATA\n\n";
        for chunk in 1..input.len() {
            let mut decoder = Decoder::new();
            let mut requests = Vec::new();
            for piece in input.chunks(chunk) {
                decoder.feed(piece);
                while let Some(request) = decoder.next_request().expect("valid") {
                    requests.push(request);
                }
            }
            assert_eq!(requests.len(), 2, "chunk {chunk}");
            assert_eq!(requests[0].get("client_address"), Some("192.0.2.1"));
            assert_eq!(requests[1].value("protocol_state"), "DATA");
            assert_eq!(decoder.buffered(), 0);
        }
    }

    #[test]
    fn values_may_hold_equals_signs_and_be_empty() {
        let mut decoder = Decoder::new();
        decoder.feed(b"ccert_subject=CN=mail,O=x\r\nsasl_username=\n\n");
        let request = decoder.next_request().expect("valid").expect("complete");
        assert_eq!(request.get("ccert_subject"), Some("CN=mail,O=x"));
        assert_eq!(request.get("sasl_username"), Some(""));
        assert_eq!(request.get("missing"), None);
    }

    #[test]
    fn bounds_and_garbage_are_errors() {
        let mut decoder = Decoder::new();
        decoder.feed(&vec![b'a'; MAX_LINE + 10]);
        assert_eq!(
            decoder.next_request(),
            Err(DecodeError::LineTooLong { limit: MAX_LINE })
        );
        let mut decoder = Decoder::new();
        for i in 0..=MAX_ATTRIBUTES {
            decoder.feed(format!("a{i}=1\n").as_bytes());
        }
        assert_eq!(
            decoder.next_request(),
            Err(DecodeError::TooManyAttributes {
                limit: MAX_ATTRIBUTES
            })
        );
        for garbage in [
            &b"no equals sign\n"[..],
            b"=value\n",
            b"bad name=1\n",
            b"\xff\xfe=1\n",
        ] {
            let mut decoder = Decoder::new();
            decoder.feed(garbage);
            assert!(decoder.next_request().is_err(), "{garbage:?}");
        }
    }

    #[test]
    fn replies_are_one_attribute() {
        assert_eq!(encode_action("DUNNO"), "action=DUNNO\n\n");
        assert_eq!(
            encode_action("554 5.7.1 no\r\naction=OK"),
            "action=554 5.7.1 no  action=OK\n\n"
        );
    }
}
