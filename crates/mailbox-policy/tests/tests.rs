//! Integration tests of `mail-policy-mailbox-policy`, one binary: properties, the fuzz
//! corpus replayed, settings from TOML, and delivery scenarios for every rule ID.

/// The fuzz target's check, shared with the corpus replay and the properties.
#[path = "../../../fuzz/src/mailbox.rs"]
mod fuzz_checks;

mod suite {
    mod corpus;
    mod delivery;
    mod properties;
    mod settings;
}
