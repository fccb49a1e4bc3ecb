//! The checks behind each fuzz target, shared with `cargo test`: each policy crate's
//! integration tests include the module for its parsers (`#[path = ...]`) and replay
//! `fuzz/corpus/<target>/` through the same functions, so the seed corpus is tested on
//! every `cargo test`, without nightly.
//!
//! Each check panics (which the fuzzer reports) when a property fails.

pub mod address;
pub mod auth;
pub mod config;
pub mod dkim;
pub mod geo;
pub mod mailbox;
pub mod policy;
pub mod port25;
pub mod rate;
pub mod replay;
