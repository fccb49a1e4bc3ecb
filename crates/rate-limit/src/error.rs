//! The crate's error type.

/// Everything that can go wrong in this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A limit setting is invalid; `field` names it (`limits[2].quota`).
    #[error("invalid rate-limit setting {field}: {reason}")]
    Setting {
        /// The setting, as a dotted path.
        field: String,
        /// Why.
        reason: String,
    },
    /// The shared store could not be reached or answered nonsense.
    #[error("rate-limit store: {0}")]
    Store(String),
}
