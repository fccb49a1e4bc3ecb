//! Replays the committed fuzz corpora through the fuzz targets' own checks, so
//! `cargo test` covers every seed and regression input.

use crate::fuzz_checks;
use crate::replay::replay;

#[test]
fn rir_file_corpus() {
    replay(
        env!("CARGO_MANIFEST_DIR"),
        "rir_file",
        fuzz_checks::rir_file,
    );
}
