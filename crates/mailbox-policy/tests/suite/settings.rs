//! Settings are serde data: TOML in, validated into the compiled form; errors name the
//! field and the limit.

use mail_policy_mailbox_policy::{
    Confirmation, Error, MailboxPolicy, MailboxPolicyConfig, MailboxSettings, RejectMode, Rule,
    SpamMode,
};

const SETTINGS: &str = r#"
[reject]
mode = "reject-matching"
action = "refuse"
rules = [
  { field = "subject", contains = "未承諾広告※" },
  { field = "from", contains = "spam.example" },
  { field = "size", at_least_kb = 10240 },
]

[forwarding]
keep_copy = false

[[forwarding.destinations]]
address = "taro.mobile@example.jp"
when = "matching"
conditions = [
  { field = "from", contains = "boss@work.example" },
  { field = "priority", priority = "high" },
]
confirmation = "confirmed"

[[forwarding.destinations]]
address = "archive@example.org"
confirmation = { pending = { key = "042917", expires_at = "2026-12-05T00:00:00Z", attempts_left = 5 } }

[spam]
mode = "spam-folder"
level = 3
pass_list = [{ field = "sender", contains = "friend.example" }]
block_list = [{ field = "subject", contains = "casino" }]

[virus]
incoming = true
on_virus = "discard"
"#;

#[test]
fn mailbox_settings_from_toml() {
    let settings: MailboxSettings = toml::from_str(SETTINGS).expect("valid TOML");
    assert_eq!(settings.reject.mode, RejectMode::RejectMatching);
    assert_eq!(settings.reject.rules.len(), 3);
    assert_eq!(settings.forwarding.destinations.len(), 2);
    assert!(matches!(
        settings.forwarding.destinations[1].confirmation,
        Confirmation::Pending(_)
    ));
    assert_eq!(settings.spam.mode, SpamMode::SpamFolder);
    let policy = MailboxPolicy::sonet();
    let mailbox = policy
        .compile_mailbox(
            &"taro@aa2.so-net.ne.jp".parse().expect("address"),
            &settings,
        )
        .expect("valid settings");
    assert_eq!(mailbox.reject_list().len(), 3);
    // Round trip.
    let text = toml::to_string(&settings).expect("serialize");
    assert_eq!(
        toml::from_str::<MailboxSettings>(&text).expect("deserialize"),
        settings
    );
}

#[test]
fn operator_config_from_toml() {
    let config: MailboxPolicyConfig = toml::from_str(
        "spam_thresholds = [20.0, 12.0, 8.0, 4.0]\n[limits]\nmax_message_bytes = 10485760\n",
    )
    .expect("valid TOML");
    let policy = MailboxPolicy::new(config).expect("valid config");
    assert_eq!(policy.limits().max_message_bytes(), 10_485_760);
    assert_eq!(
        policy.limits().max_recipients(),
        200,
        "unset keys keep the profile"
    );
    let bad: MailboxPolicyConfig =
        toml::from_str("spam_thresholds = [1.0, 2.0, 3.0, 4.0]\n").expect("valid TOML");
    assert!(
        matches!(MailboxPolicy::new(bad), Err(Error::Setting { field, .. }) if field == "spam_thresholds")
    );
    assert!(toml::from_str::<MailboxPolicyConfig>("[limits]\nmax_mesage_bytes = 1\n").is_err());
}

#[test]
fn too_many_rules_names_the_limit() {
    let rules = "{ field = \"subject\", contains = \"x\" },".repeat(201);
    let text = format!("[reject]\nmode = \"reject-matching\"\nrules = [{rules}]\n");
    let settings: MailboxSettings = toml::from_str(&text).expect("valid TOML");
    let err = MailboxPolicy::sonet()
        .compile_mailbox(
            &"taro@aa2.so-net.ne.jp".parse().expect("address"),
            &settings,
        )
        .expect_err("201 rules");
    assert_eq!(
        err,
        Error::TooMany {
            field: "reject.rules".into(),
            count: 201,
            limit: 200,
            rule: Rule::RejList
        }
    );
    assert_eq!(
        err.to_string(),
        "reject.rules has 201 entries, more than the limit of 200 (REJ-LIST)"
    );
}
