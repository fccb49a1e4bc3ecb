//! Limits are serde data: TOML in, validated.

use mail_policy_rate_limit::{Counting, Error, Limits, RateLimitConfig};

#[test]
fn limits_from_toml() {
    let config: RateLimitConfig = toml::from_str(
        r#"
        [[limits]]
        name = "messages-10min"
        counting = "messages"
        quota = 100
        period_secs = 600
        suspend_secs = 3600

        [[limits]]
        name = "recipients-hour"
        counting = "recipients"
        quota = 1000
        period_secs = 3600
        burst = 300
        "#,
    )
    .expect("valid TOML");
    assert_eq!(config.limits[1].counting, Counting::Recipients);
    let limits = Limits::new(&config).expect("valid limits");
    assert_eq!(limits.compiled()[1].capacity, 300 * 3_600_000);
    let text = toml::to_string(&RateLimitConfig::sonet_accounts()).expect("serialize");
    assert_eq!(
        toml::from_str::<RateLimitConfig>(&text).expect("parse"),
        RateLimitConfig::sonet_accounts()
    );
}

#[test]
fn mistakes_are_named() {
    assert!(
        toml::from_str::<RateLimitConfig>(
            "[[limits]]\nname='x'\ncounting='messages'\nquota=1\nperiod_secs=1\nsuspend=5\n"
        )
        .is_err()
    );
    let config: RateLimitConfig = toml::from_str(
        "[[limits]]\nname='x'\ncounting='messages'\nquota=5\nperiod_secs=1\nburst=6\n",
    )
    .expect("valid TOML");
    assert!(
        matches!(Limits::new(&config), Err(Error::Setting { field, .. }) if field == "limits[0].burst")
    );
}
