//! Replays `fuzz/corpus/` through the fuzz targets' own checks, so `cargo test` covers the
//! seed corpus (and anything the fuzzer added and was committed) on the stable toolchain.

use std::path::Path;

use crate::fuzz_checks;
fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("corpus entry").path();
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        check(&data);
        count += 1;
    }
    assert!(
        count >= 10,
        "{target}: only {count} corpus files in {}",
        dir.display()
    );
}

#[test]
fn wire_address_corpus() {
    replay("wire_address", fuzz_checks::wire_address);
}

#[test]
fn header_address_list_corpus() {
    replay("header_address_list", fuzz_checks::header_address_list);
}
