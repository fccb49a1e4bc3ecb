//! Integration tests of `mail-policy-address-rules`, one binary: properties (proptest),
//! the fuzz corpus replayed, configuration from TOML, and end-to-end scenarios.

/// The fuzz targets' checks, shared with the corpus replay and the properties.
#[path = "../../../fuzz/src/address.rs"]
mod fuzz_checks;

/// Replays committed fuzz corpora.
#[path = "../../../fuzz/src/replay.rs"]
mod replay;

mod suite {
    mod config;
    mod corpus;
    mod properties;
    mod scenarios;
}
