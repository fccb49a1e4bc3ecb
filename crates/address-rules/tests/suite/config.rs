//! The configuration is data: it reads from TOML, partial files override the profile, and
//! bad files fail with the offending key.

use mail_policy_address_rules::{AddressConfig, AddressPolicy, DomainKind, Error};

#[test]
fn profile_round_trips_through_toml() {
    let profile = AddressConfig::sonet();
    let text = toml::to_string(&profile).expect("serialize");
    let back: AddressConfig = toml::from_str(&text).expect("deserialize");
    assert_eq!(back, profile);
}

#[test]
fn a_partial_file_overrides_the_profile() {
    let config: AddressConfig = toml::from_str(
        r#"
        [changes]
        free_per_year = 3

        [passwords]
        min_classes = 3
        "#,
    )
    .expect("valid TOML");
    assert_eq!(config.changes.free_per_year, 3);
    assert_eq!(
        config.changes.fee_yen, 330,
        "untouched keys keep the profile's value"
    );
    assert_eq!(config.domains, AddressConfig::sonet().domains);
    assert!(AddressPolicy::new(config).is_ok());
}

#[test]
fn domains_from_toml() {
    let config: AddressConfig = toml::from_str(
        r#"
        [[domains]]
        name = "example.ne.jp"
        kind = "isp"
        subdomain = { required = true, patterns = ["aa9", "a99"], exceptions = ["mail"] }

        [[domains]]
        name = "g.example.jp"
        kind = "service-g"
        "#,
    )
    .expect("valid TOML");
    assert_eq!(config.domains[1].kind, DomainKind::ServiceG);
    let policy = AddressPolicy::new(config).expect("valid config");
    let isp = policy
        .parse_isp_address(&"x@b12.example.ne.jp".parse().expect("address"))
        .expect("pattern a99");
    assert_eq!(isp.sub.as_deref(), Some("b12"));
}

#[test]
fn unknown_keys_and_bad_values_are_refused() {
    let err = toml::from_str::<AddressConfig>("[changes]\nfree_per_yaer = 3\n").unwrap_err();
    assert!(err.to_string().contains("free_per_yaer"), "{err}");
    let err = toml::from_str::<AddressConfig>("[[domains]]\nname = \"x.jp\"\nkind = \"moon\"\n")
        .unwrap_err();
    assert!(err.to_string().contains("moon"), "{err}");
    let config: AddressConfig = toml::from_str("[[domains]]\nname = \"x..jp\"\nkind = \"isp\"\n")
        .expect("syntactically valid");
    let err = AddressPolicy::new(config).unwrap_err();
    assert!(
        matches!(&err, Error::Config { field, .. } if field == "domains[0].name"),
        "{err}"
    );
}
