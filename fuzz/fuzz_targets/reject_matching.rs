#![no_main]
//! Fuzzes header decoding (RFC 2047, Japanese charsets) and reject-list matching.

libfuzzer_sys::fuzz_target!(|data: &[u8]| mail_policy_fuzz::mailbox::reject_matching(data));
