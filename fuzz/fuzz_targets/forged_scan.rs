#![no_main]
//! Fuzzes the forged `Authentication-Results` scanner.

libfuzzer_sys::fuzz_target!(|data: &[u8]| mail_policy_fuzz::auth::forged_scan(data));
