//! Settings are serde data: TOML in, validated; errors name the list and the entry.

use mail_policy_port25_policy::{
    Error, Ip25b, Ip25bConfig, Op25b, Op25bConfig, SenderMatch, SubmissionConfig,
};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Port25Settings {
    op25b: Op25bConfig,
    ip25b: Ip25bConfig,
    submission: SubmissionConfig,
}

#[test]
fn all_settings_from_toml() {
    let settings: Port25Settings = toml::from_str(
        r#"
        [op25b]
        access_pools = ["198.51.100.0/24", "2001:db8:100::/40"]
        own_mail_servers = ["192.0.2.25"]
        fixed_ip_customers = []

        [ip25b]
        dynamic_pools = ["203.0.113.0/24"]
        volume_threshold = 20
        support_contact = "postmaster@so-net.ne.jp"

        [submission]
        sender_match = "same-address"
        "#,
    )
    .expect("valid TOML");
    assert!(Op25b::new(&settings.op25b).is_ok());
    assert_eq!(settings.ip25b.volume_threshold, 20);
    assert!(
        !settings.ip25b.ptr_patterns.is_empty(),
        "unset keys keep the defaults"
    );
    assert!(Ip25b::new(settings.ip25b).is_ok());
    assert_eq!(settings.submission.sender_match, SenderMatch::SameAddress);
}

#[test]
fn bad_entries_are_named() {
    let config: Op25bConfig =
        toml::from_str("access_pools = [\"198.51.100.0/24\", \"198.51.100.0/99\"]")
            .expect("valid TOML");
    let err = Op25b::new(&config).expect_err("bad prefix");
    assert!(
        matches!(&err, Error::CidrList { source_name, line: 2, .. } if source_name == "op25b.access_pools"),
        "{err}"
    );
    assert!(toml::from_str::<Ip25bConfig>("volume_treshold = 3").is_err());
}
