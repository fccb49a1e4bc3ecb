#![no_main]
//! Fuzzes the RIR statistics file parser and the domestic table built from it.

libfuzzer_sys::fuzz_target!(|data: &[u8]| mail_policy_fuzz::geo::rir_file(data));
