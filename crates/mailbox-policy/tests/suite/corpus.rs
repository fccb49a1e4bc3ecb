//! Replays the committed fuzz corpora through the fuzz targets' own checks, so
//! `cargo test` covers every seed and regression input.

use crate::fuzz_checks;
use crate::replay::replay;

#[test]
fn reject_matching_corpus() {
    replay(
        env!("CARGO_MANIFEST_DIR"),
        "reject_matching",
        fuzz_checks::reject_matching,
    );
}
