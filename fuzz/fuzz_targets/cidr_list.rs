#![no_main]
//! Fuzzes the CIDR list parser and the set's export.

libfuzzer_sys::fuzz_target!(|data: &[u8]| mail_policy_fuzz::port25::cidr_list(data));
