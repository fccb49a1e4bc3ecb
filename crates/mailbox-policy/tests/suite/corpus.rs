//! Replays `fuzz/corpus/reject_matching/` through the fuzz target's own check.

use std::path::Path;

use crate::fuzz_checks;

#[test]
fn reject_matching_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/reject_matching");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("corpus entry").path();
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        fuzz_checks::reject_matching(&data);
        count += 1;
    }
    assert!(
        count >= 10,
        "only {count} corpus files in {}",
        dir.display()
    );
}
