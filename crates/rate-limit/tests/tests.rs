//! Integration tests of `mail-policy-rate-limit`, one binary: GCRA properties, threads on
//! one key, the fuzz corpus replayed, settings from TOML, and (with `redis`) the Redis
//! store against a real `redis-server`: agreement with memory, contention across tasks and
//! a second OS process, failure modes with Redis killed and restarted.

/// The fuzz target's check, shared with the corpus replay.
#[path = "../../../fuzz/src/rate.rs"]
mod fuzz_checks;

/// Replays committed fuzz corpora.
#[path = "../../../fuzz/src/replay.rs"]
mod replay;

mod suite {
    mod contention;
    mod corpus;
    mod properties;
    #[cfg(feature = "redis")]
    mod redis;
    mod settings;
}
