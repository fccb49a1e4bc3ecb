//! Integration tests of `mail-policy-geo-restrict`, one binary: the five RIR files with
//! their quirks, real data from the CC0 ip-location-db (fetched by `.ci/run`), MaxMind DB
//! files, atomic reload under load, properties, the fuzz corpus replayed.

/// The fuzz target's check, shared with the corpus replay.
#[path = "../../../fuzz/src/geo.rs"]
mod fuzz_checks;

/// Replays committed fuzz corpora.
#[path = "../../../fuzz/src/replay.rs"]
mod replay;

mod suite {
    mod corpus;
    mod properties;
    mod real_data;
    mod reload;
    mod rir_files;
}
