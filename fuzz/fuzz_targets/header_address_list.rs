#![no_main]
//! Fuzzes the RFC 5322 address-list parser.

libfuzzer_sys::fuzz_target!(|data: &[u8]| mail_policy_fuzz::address::header_address_list(data));
