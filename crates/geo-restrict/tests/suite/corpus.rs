//! Replays `fuzz/corpus/rir_file/` through the fuzz target's own check.

use std::path::Path;

use crate::fuzz_checks;

#[test]
fn rir_file_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/rir_file");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("corpus entry").path();
        fuzz_checks::rir_file(
            &std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        );
        count += 1;
    }
    assert!(count >= 10, "only {count} corpus files");
}
