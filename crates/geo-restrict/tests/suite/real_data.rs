//! Real data: the CC0 ip-location-db country data (range CSV and MaxMind DB), which
//! `.ci/run` fetches from the npm registry into the directory named by
//! `MAIL_POLICY_GEO_DATA` (not committed: tens of megabytes). Without it these tests skip
//! loudly, except under CI, where they fail.

use std::net::IpAddr;
use std::path::PathBuf;

use mail_policy_geo_restrict::{
    CountryCode, DomesticTable, GeoSourceConfig, SourceFile, SourceFormat, load_table,
};

fn geo_data() -> Option<PathBuf> {
    match std::env::var_os("MAIL_POLICY_GEO_DATA") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must fetch the geo data and set MAIL_POLICY_GEO_DATA"
            );
            eprintln!(
                "SKIPPED: run `bash .ci/fetch-geo-data` and set MAIL_POLICY_GEO_DATA=target/geo-data to test with real data"
            );
            None
        }
    }
}

fn csv_table(dir: &std::path::Path) -> DomesticTable {
    load_table(&GeoSourceConfig {
        country: CountryCode::JP,
        files: vec![
            SourceFile {
                path: dir.join("geo-whois-asn-country-ipv4.csv"),
                format: SourceFormat::RangeCsv,
            },
            SourceFile {
                path: dir.join("geo-whois-asn-country-ipv6.csv"),
                format: SourceFormat::RangeCsv,
            },
        ],
    })
    .expect("the ip-location-db CSV files load")
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("address")
}

#[test]
fn full_size_table_is_small_and_right() {
    let Some(dir) = geo_data() else { return };
    let table = csv_table(&dir);
    let (v4, v6) = (table.v4_ranges(), table.v6_ranges());
    assert!(
        v4.len() > 1_000 && v6.len() > 100,
        "{} and {} ranges",
        v4.len(),
        v6.len()
    );
    assert!(
        table.memory_bytes() <= 4 * 1024 * 1024,
        "{} bytes",
        table.memory_bytes()
    );
    // Well-known Japanese and foreign networks.
    for domestic in [
        "133.0.0.1",   /* WIDE/JPNIC */
        "210.130.0.1", /* IIJ */
        "202.224.0.1",
    ] {
        assert!(table.is_domestic(ip(domestic)), "{domestic}");
    }
    for abroad in ["8.8.8.8", "1.1.1.1", "81.2.69.160", "2001:4860::8888"] {
        assert!(!table.is_domestic(ip(abroad)), "{abroad}");
    }
}

#[cfg(feature = "maxminddb")]
#[test]
fn maxmind_db_agrees_with_the_csv() {
    let Some(dir) = geo_data() else { return };
    let from_csv = csv_table(&dir);
    let from_mmdb = load_table(&GeoSourceConfig {
        country: CountryCode::JP,
        files: vec![SourceFile {
            path: dir.join("geo-whois-asn-country.mmdb"),
            format: SourceFormat::Mmdb,
        }],
    })
    .expect("the ip-location-db MaxMind DB loads");
    // The same data in two formats: every range end of the CSV table answers alike.
    let v4 = from_csv.v4_ranges();
    for &(a, b) in v4.iter().step_by(7) {
        for x in [a, b] {
            let address = IpAddr::V4(std::net::Ipv4Addr::from(x));
            assert_eq!(
                from_mmdb.is_domestic(address),
                from_csv.is_domestic(address),
                "{address}"
            );
        }
    }
    assert!(from_mmdb.is_domestic(ip("133.0.0.1")));
    assert!(!from_mmdb.is_domestic(ip("8.8.8.8")));
}

#[cfg(feature = "maxminddb")]
#[test]
fn a_broken_mmdb_is_an_error() {
    let path = std::env::temp_dir().join(format!("broken-{}.mmdb", std::process::id()));
    std::fs::write(&path, b"not a maxmind db").expect("write");
    let result = load_table(&GeoSourceConfig {
        country: CountryCode::JP,
        files: vec![SourceFile {
            path: path.clone(),
            format: SourceFormat::Mmdb,
        }],
    });
    let _ = std::fs::remove_file(&path);
    assert!(
        matches!(result, Err(mail_policy_geo_restrict::Error::Source { .. })),
        "{result:?}"
    );
}
