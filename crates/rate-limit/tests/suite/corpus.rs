//! Replays the committed fuzz corpora through the fuzz targets' own checks, so
//! `cargo test` covers every seed and regression input.

use crate::fuzz_checks;
use crate::replay::replay;

#[test]
fn rate_config_corpus() {
    replay(
        env!("CARGO_MANIFEST_DIR"),
        "rate_config",
        fuzz_checks::rate_config,
    );
}
