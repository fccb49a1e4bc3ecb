//! Replays the committed fuzz corpora through the fuzz targets' own checks, so
//! `cargo test` covers every seed and regression input.

use crate::fuzz_checks;
use crate::replay::replay;

#[test]
fn cidr_list_corpus() {
    replay(
        env!("CARGO_MANIFEST_DIR"),
        "cidr_list",
        fuzz_checks::cidr_list,
    );
}

#[test]
fn ptr_hostname_corpus() {
    replay(
        env!("CARGO_MANIFEST_DIR"),
        "ptr_hostname",
        fuzz_checks::ptr_hostname,
    );
}
