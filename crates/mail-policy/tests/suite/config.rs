//! The TOML configuration: the commented example parses and compiles, a file overrides
//! only what it names, errors name the file, line, column and key.

use mail_policy::{Config, Engine, RateStoreConfig};

fn example_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/mail-policy.toml")
}

#[test]
fn the_example_config_compiles() {
    let config = Config::load(example_path()).unwrap_or_else(|e| panic!("{e}"));
    Engine::new(&config, "examples/mail-policy.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.auth.authserv_id, "so-net.ne.jp");
}

#[test]
fn an_empty_file_is_the_built_in_profile() {
    let config = Config::from_toml("", "empty.toml").expect("empty");
    assert_eq!(config, Config::sonet());
    let config =
        Config::from_toml("[mailbox.limits]\nmax_recipients = 50\n", "x.toml").expect("override");
    assert_eq!(config.mailbox.limits.max_recipients, 50);
    assert_eq!(config.address, Config::sonet().address, "the rest stays");
}

#[test]
fn errors_name_file_line_column_and_key() {
    let text = "# comment\n[auth]\nauthserv_id = \"so-net.ne.jp\"\ndmark = \"enforce\"\n";
    let error = Config::from_toml(text, "/etc/mail-policy.toml").expect_err("typo");
    assert_eq!(error.origin, "/etc/mail-policy.toml");
    assert_eq!(error.line, 4, "{error}");
    assert_eq!(error.column, 1, "{error}");
    assert_eq!(error.key.as_deref(), Some("auth.dmark"), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("/etc/mail-policy.toml:4:1: key `auth.dmark`: "),
        "{error}"
    );

    let error = Config::from_toml("[auth]\ndmarc = \"annotate\"\n\n[auth.dnss]\n", "c.toml")
        .expect_err("unknown table");
    assert_eq!(
        (error.line, error.key.as_deref()),
        (4, Some("auth.dnss")),
        "{error}"
    );

    let error = Config::from_toml("[mailbox.limits]\nmax_recipients = \"many\"\n", "c.toml")
        .expect_err("type");
    assert_eq!(
        (error.line, error.key.as_deref()),
        (2, Some("mailbox.limits.max_recipients")),
        "{error}"
    );
}

#[test]
fn settings_the_crates_refuse_are_named() {
    let mut config = Config::sonet();
    config.rate.store = RateStoreConfig::Redis {
        url: "redis://127.0.0.1:6379".into(),
    };
    let error = Engine::new(&config, "c.toml").expect_err("redis");
    assert_eq!(error.key.as_deref(), Some("rate.store"));
    let text = "[[geo.files]]\npath = \"/no/such/file\"\nformat = \"rir\"\n";
    let config = Config::from_toml(text, "c.toml").expect("parses");
    let error = Engine::new(&config, "c.toml").expect_err("missing file");
    assert_eq!(error.key.as_deref(), Some("geo.files"), "{error}");
    let config =
        Config::from_toml("[op25b]\naccess_pools = [\"not-a-cidr\"]\n", "c.toml").expect("parses");
    let error = Engine::new(&config, "c.toml").expect_err("bad cidr");
    assert_eq!(error.key.as_deref(), Some("op25b"), "{error}");
}
