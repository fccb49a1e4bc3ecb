//! Integration tests of the facade, one binary: whole SMTP sessions for every listener
//! role and every refusal of the reply table, the configuration file and its errors, the
//! reply table against `docs/replies.md`, the
//! configuration fuzz corpus replayed.

/// The fuzz target's check, shared with the corpus replay.
#[path = "../../../fuzz/src/config.rs"]
mod fuzz_checks;

/// Replays committed fuzz corpora.
#[path = "../../../fuzz/src/replay.rs"]
mod replay;

mod suite {
    mod account;
    mod config;
    mod corpus;
    mod replies;
    mod session;
    #[cfg(all(feature = "dns-hickory", feature = "mail-auth"))]
    mod verified;
}
