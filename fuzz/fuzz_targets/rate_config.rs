#![no_main]
//! Fuzzes rate-limit configuration parsing and validation.

libfuzzer_sys::fuzz_target!(|data: &[u8]| mail_policy_fuzz::rate::rate_config(data));
