//! Replays the `config` fuzz corpus through the fuzz target's own check.

use crate::fuzz_checks;
use crate::replay::replay;

#[test]
fn config_corpus() {
    replay(env!("CARGO_MANIFEST_DIR"), "config", fuzz_checks::config);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

    #[test]
    fn config_parsing_never_panics(text in "(\\[[a-z._]{1,20}\\]\\n)?([a-z_]{1,16} = (\"[ -~]{0,12}\"|[0-9]{1,6}|true|\\[\\]))?\\n?") {
        fuzz_checks::config(text.as_bytes());
    }
}
