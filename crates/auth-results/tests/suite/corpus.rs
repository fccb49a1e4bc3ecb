//! Replays `fuzz/corpus/authentication_results/` and `fuzz/corpus/forged_scan/` through the
//! fuzz targets' own checks.

use std::path::Path;

use crate::fuzz_checks;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("corpus entry").path();
        check(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
        count += 1;
    }
    assert!(count >= 10, "{target}: only {count} corpus files");
}

#[test]
fn authentication_results_corpus() {
    replay(
        "authentication_results",
        fuzz_checks::authentication_results,
    );
}

#[test]
fn forged_scan_corpus() {
    replay("forged_scan", fuzz_checks::forged_scan);
}
