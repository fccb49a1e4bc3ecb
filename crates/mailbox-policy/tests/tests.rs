//! Integration tests of `mail-policy-mailbox-policy`, one binary: properties, the fuzz
//! corpus replayed, settings from TOML, and delivery scenarios for every rule ID.

/// The fuzz target's check, shared with the corpus replay and the properties.
#[path = "../../../fuzz/src/mailbox.rs"]
mod fuzz_checks;

/// Replays committed fuzz corpora.
#[path = "../../../fuzz/src/replay.rs"]
mod replay;

mod suite {
    mod corpus;
    mod delivery;
    mod properties;
    mod settings;
}
