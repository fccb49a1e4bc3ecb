//! The crate's error type.

/// Everything that can go wrong in this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A source file is malformed: which file, which line (from 1), why. Nothing of a
    /// file that fails is used.
    #[error("{file}:{line}: {reason}")]
    Source {
        /// The file's name as given.
        file: String,
        /// The line, from 1 (0 for binary formats).
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A source file could not be read.
    #[error("{file}: {reason}")]
    Io {
        /// The file's name.
        file: String,
        /// The I/O error.
        reason: String,
    },
    /// A setting is invalid.
    #[error("invalid geo setting {field}: {reason}")]
    Setting {
        /// The setting.
        field: String,
        /// Why.
        reason: String,
    },
}
