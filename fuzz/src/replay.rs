//! Replays a fuzz target's committed corpus (`fuzz/corpus/<target>/`) through its check:
//! the policy crates' integration tests include this file, so `cargo test` runs every
//! seed and every regression input on the stable toolchain.

use std::path::Path;

/// Runs `check` on every file of `fuzz/corpus/<target>/`, seen from a crate in
/// `crates/<name>/`, and insists the corpus is not empty.
#[allow(unreachable_pub)] // public in the fuzz crate, private where tests include this file
#[allow(dead_code)] // each including crate uses it
pub fn replay(crate_dir: &str, target: &str, check: fn(&[u8])) {
    let dir = Path::new(crate_dir).join("../../fuzz/corpus").join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("corpus entry").path();
        check(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
        count += 1;
    }
    assert!(
        count >= 10,
        "{target}: only {count} corpus files in {}",
        dir.display()
    );
}
