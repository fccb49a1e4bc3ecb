//! Integration tests of `mail-policy-port25-policy`, one binary: properties, the fuzz
//! corpora replayed, settings from TOML, the nftables export checked by `nft`, and (with
//! `dns-hickory`) real DNS lookups against an authoritative server on loopback.

/// The fuzz targets' checks, shared with the corpus replay and the properties.
#[path = "../../../fuzz/src/port25.rs"]
mod fuzz_checks;

/// Replays committed fuzz corpora.
#[path = "../../../fuzz/src/replay.rs"]
mod replay;

mod suite {
    mod corpus;
    #[cfg(feature = "dns-hickory")]
    mod dns;
    mod nftables;
    mod properties;
    mod settings;
}
