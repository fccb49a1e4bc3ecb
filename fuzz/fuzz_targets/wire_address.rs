#![no_main]
//! Fuzzes the RFC 5321 path and ESMTP parameter parser.

libfuzzer_sys::fuzz_target!(|data: &[u8]| mail_policy_fuzz::address::wire_address(data));
