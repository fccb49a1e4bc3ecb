//! Integration tests of `mail-policy-auth-results`, one binary: the seed's example, the
//! examples of RFC 8601 Appendix B, forged headers, properties, the fuzz corpora replayed, the
//! report → header mapping and ADSP; with `mail-auth`, DKIM keys and signing; with
//! `dns-hickory`, verification against an authoritative DNS server on loopback.

/// The fuzz targets' checks, shared with the corpus replay and the properties.
#[path = "../../../fuzz/src/auth.rs"]
mod fuzz_checks;

/// The `dkim_key` fuzz target's check.
#[cfg(feature = "mail-auth")]
#[path = "../../../fuzz/src/dkim.rs"]
mod fuzz_dkim;

/// Replays committed fuzz corpora.
#[path = "../../../fuzz/src/replay.rs"]
mod replay;

mod suite {
    mod corpus;
    mod forged;
    mod header;
    mod properties;
    mod report;
    #[cfg(feature = "mail-auth")]
    mod sign;
    #[cfg(feature = "dns-hickory")]
    mod verify;
}
