#![no_main]
//! Fuzzes the Postfix policy protocol request decoder.

libfuzzer_sys::fuzz_target!(|data: &[u8]| mail_policy_fuzz::policy::policy_request(data));
