//! The crate's error type.

use std::fmt;

/// What was wrong with an `Authentication-Results` value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// Something else stood where this was expected.
    Expected(&'static str),
    /// A quoted string without its closing `"`.
    UnterminatedQuotedString,
    /// A comment without its closing `)`.
    UnterminatedComment,
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Expected(what) => write!(f, "expected {what}"),
            Self::UnterminatedQuotedString => f.write_str("quoted string without closing '\"'"),
            Self::UnterminatedComment => f.write_str("comment without closing ')'"),
        }
    }
}

/// An `Authentication-Results` value that could not be parsed: what, and at which byte.
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

    /// The byte offset in the value.
    pub fn offset(&self) -> usize {
        self.offset
    }
}
