//! Hot reload: readers never block and never see a half-built table; a bad reload keeps
//! the old table.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use mail_policy_geo_restrict::{
    CountryCode, DomesticTable, GeoSourceConfig, SharedTable, SourceFile, SourceFormat,
};

fn apnic() -> GeoSourceConfig {
    GeoSourceConfig {
        country: CountryCode::JP,
        files: vec![SourceFile {
            path: PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/delegated-apnic-extended-latest"),
            format: SourceFormat::Rir,
        }],
    }
}

#[test]
fn reload_swaps_atomically_under_readers() {
    let shared = Arc::new(SharedTable::new(DomesticTable::empty(CountryCode::JP)));
    let stop = Arc::new(AtomicBool::new(false));
    let lookups = Arc::new(AtomicU64::new(0));
    let probe: IpAddr = "1.0.20.1".parse().expect("address");
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let shared = Arc::clone(&shared);
            let stop = Arc::clone(&stop);
            let lookups = Arc::clone(&lookups);
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let table = shared.current();
                    // A table is either the empty one or the full one: never in between.
                    let v4 = table.v4_ranges();
                    assert!(
                        v4.is_empty() || v4.len() == 2,
                        "partial table with {} ranges",
                        v4.len()
                    );
                    assert_eq!(table.is_domestic(probe), !v4.is_empty());
                    lookups.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    // Let the readers start before swapping (on a busy machine threads start late).
    let wait_for_lookups = |at_least: u64| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while lookups.load(Ordering::Relaxed) < at_least && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
    };
    wait_for_lookups(100);
    for i in 0..200 {
        if i % 2 == 0 {
            shared.reload(&apnic()).expect("valid file");
        } else {
            shared.replace(DomesticTable::empty(CountryCode::JP));
        }
    }
    shared.reload(&apnic()).expect("valid file");
    let before = lookups.load(Ordering::Relaxed);
    wait_for_lookups(before + 100);
    stop.store(true, Ordering::Relaxed);
    for reader in readers {
        reader.join().expect("reader");
    }
    assert!(lookups.load(Ordering::Relaxed) > 0);
    assert!(shared.current().is_domestic(probe));

    // A reload that fails keeps the table in use.
    let mut broken = apnic();
    broken.files[0].path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/malformed-apnic");
    assert!(shared.reload(&broken).is_err());
    assert!(shared.current().is_domestic(probe));
}
