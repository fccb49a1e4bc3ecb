//! Replays the committed fuzz corpora through the fuzz targets' own checks, so
//! `cargo test` covers every seed and regression input.

use crate::fuzz_checks;
use crate::replay::replay;

#[test]
fn authentication_results_corpus() {
    replay(
        env!("CARGO_MANIFEST_DIR"),
        "authentication_results",
        fuzz_checks::authentication_results,
    );
}

#[test]
fn forged_scan_corpus() {
    replay(
        env!("CARGO_MANIFEST_DIR"),
        "forged_scan",
        fuzz_checks::forged_scan,
    );
}

#[test]
fn adsp_record_corpus() {
    replay(
        env!("CARGO_MANIFEST_DIR"),
        "adsp_record",
        fuzz_checks::adsp_record,
    );
}

#[cfg(feature = "mail-auth")]
#[test]
fn dkim_key_corpus() {
    replay(
        env!("CARGO_MANIFEST_DIR"),
        "dkim_key",
        crate::fuzz_dkim::dkim_key,
    );
}
