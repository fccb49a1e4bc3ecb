//! The crate's error type.

/// Everything that can go wrong in this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A CIDR list has a bad entry. `source` names the list (a file name or a setting),
    /// `line` counts from 1.
    #[error("{source_name}:{line}: {reason}")]
    CidrList {
        /// The list: a file name or a setting such as `op25b.access_pools`.
        source_name: String,
        /// The line, from 1.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A setting is invalid.
    #[error("invalid port 25 setting {field}: {reason}")]
    Setting {
        /// The setting, as a dotted path.
        field: String,
        /// Why.
        reason: String,
    },
}
