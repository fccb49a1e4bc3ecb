//! The five registries' files, each with its quirks, loaded together.

use std::net::IpAddr;
use std::path::PathBuf;

use mail_policy_geo_restrict::{
    CountryCode, Error, GeoSourceConfig, SourceFile, SourceFormat, load_table,
};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn all_five() -> GeoSourceConfig {
    GeoSourceConfig {
        country: CountryCode::JP,
        files: ["apnic", "arin", "ripencc", "lacnic", "afrinic"]
            .iter()
            .map(|rir| SourceFile {
                path: data(&format!("delegated-{rir}-extended-latest")),
                format: SourceFormat::Rir,
            })
            .collect(),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("address")
}

#[test]
fn japanese_ranges_from_all_five_registries() {
    let table = load_table(&all_five()).expect("valid files");
    for domestic in [
        "1.0.16.0",
        "1.0.31.255",
        "1.0.64.0",
        "1.0.69.255", // APNIC, incl. a 1536-address row
        "8.25.2.255", // ARIN
        "2.16.104.1",
        "2a00:7b80::1", // RIPE, 7-field row
        "190.0.3.231",  // LACNIC, 1000 addresses
        "102.0.1.255",  // AFRINIC
        "2001:200::1",
        "::ffff:1.0.16.5",
    ] {
        assert!(
            table.is_domestic(ip(domestic)),
            "{domestic} should be domestic"
        );
    }
    for abroad in [
        "1.0.15.255",
        "1.0.32.0",
        "1.0.70.0",
        "1.0.1.1",
        "1.1.0.1", /* reserved, not allocated */
        "1.11.0.1",
        "3.3.3.3",
        "8.25.3.0",
        "23.128.0.1",
        "2.16.0.1",
        "2.56.0.1",
        "190.0.3.232",
        "41.62.0.1",
        "102.0.2.0",
        "2001:360::1",
        "2600::1",
        "2001:4200::1",
    ] {
        assert!(!table.is_domestic(ip(abroad)), "{abroad} should be abroad");
    }
}

#[test]
fn a_malformed_file_names_itself_and_nothing_is_loaded() {
    let mut config = all_five();
    config.files.push(SourceFile {
        path: data("malformed-apnic"),
        format: SourceFormat::Rir,
    });
    match load_table(&config) {
        Err(Error::Source { file, line, reason }) => {
            assert!(file.ends_with("malformed-apnic"), "{file}");
            assert_eq!(line, 3);
            assert!(reason.contains("1.0.300.0"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let mut missing = all_five();
    missing.files.push(SourceFile {
        path: data("no-such-file"),
        format: SourceFormat::Rir,
    });
    assert!(matches!(load_table(&missing), Err(Error::Io { .. })));
}

#[test]
fn another_country() {
    let mut config = all_five();
    config.country = CountryCode::new("br").expect("code");
    let table = load_table(&config).expect("valid files");
    assert!(table.is_domestic(ip("177.1.2.3")));
    assert!(table.is_domestic(ip("2801::1")));
    assert!(!table.is_domestic(ip("1.0.16.1")));
}

#[test]
fn sources_from_toml() {
    let config: GeoSourceConfig = toml::from_str(
        r#"
        files = [
          { path = "/var/lib/mail-policy/delegated-apnic-extended-latest", format = "rir" },
          { path = "/var/lib/mail-policy/geo.mmdb", format = "mmdb" },
        ]
        "#,
    )
    .expect("valid TOML");
    assert_eq!(config.country, CountryCode::JP, "the default country");
    assert_eq!(config.files[1].format, SourceFormat::Mmdb);
    assert!(toml::from_str::<GeoSourceConfig>("country = \"JPN\"\nfiles = []\n").is_err());
}
