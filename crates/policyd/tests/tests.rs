//! Integration tests of `mail-policyd`, one binary: the `check` command run as a process
//! on the sample messages of `examples/data/`; the policy protocol decoder (corpus,
//! properties); the daemon (`serve`) in process over real sockets.

/// The fuzz target's check, shared with the corpus replay and the properties.
#[path = "../../../fuzz/src/policy.rs"]
mod fuzz_checks;

/// Replays committed fuzz corpora.
#[path = "../../../fuzz/src/replay.rs"]
mod replay;

mod suite {
    mod check;
    mod milter;
    mod postfix;
    mod protocol;
    mod serve;
}
