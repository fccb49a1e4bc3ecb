#![no_main]
//! Fuzzes DKIM private-key loading (PEM and DER).

libfuzzer_sys::fuzz_target!(|data: &[u8]| mail_policy_fuzz::dkim::dkim_key(data));
