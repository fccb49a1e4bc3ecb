//! Replays the committed fuzz corpora through the fuzz targets' own checks, so
//! `cargo test` covers every seed and regression input.

use crate::fuzz_checks;
use crate::replay::replay;

#[test]
fn wire_address_corpus() {
    replay(
        env!("CARGO_MANIFEST_DIR"),
        "wire_address",
        fuzz_checks::wire_address,
    );
}

#[test]
fn header_address_list_corpus() {
    replay(
        env!("CARGO_MANIFEST_DIR"),
        "header_address_list",
        fuzz_checks::header_address_list,
    );
}
