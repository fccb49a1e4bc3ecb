#![no_main]
//! Fuzzes the TOML configuration (parsing and compiling).

libfuzzer_sys::fuzz_target!(|data: &[u8]| mail_policy_fuzz::config::config(data));
