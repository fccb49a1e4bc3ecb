#![no_main]
//! Fuzzes the PTR hostname classifier of IP25B.

libfuzzer_sys::fuzz_target!(|data: &[u8]| mail_policy_fuzz::port25::ptr_hostname(data));
