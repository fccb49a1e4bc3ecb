#![no_main]
//! Fuzzes the DKIM ADSP record parser (RFC 5617).

libfuzzer_sys::fuzz_target!(|data: &[u8]| mail_policy_fuzz::auth::adsp_record(data));
