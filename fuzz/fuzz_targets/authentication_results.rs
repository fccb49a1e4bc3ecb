#![no_main]
//! Fuzzes the RFC 8601 `Authentication-Results` parser and formatter.

libfuzzer_sys::fuzz_target!(|data: &[u8]| mail_policy_fuzz::auth::authentication_results(data));
