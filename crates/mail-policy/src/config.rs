//! One TOML file for everything (DESIGN.md, the facade): every section is optional, and
//! what a file leaves out keeps the profile of `SPEC.md` ([`Config::sonet`]). Errors name
//! the file, the line and column, and the key.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::address::AddressConfig;
use crate::auth::{DmarcMode, ForgedConfig, VerifierConfig};
use crate::geo::{CountryCode, DetectorConfig, SourceFile};
use crate::mailbox::{MailboxPolicyConfig, MailboxSettings};
use crate::port25::{Ip25bConfig, ListenerRole, Op25bConfig, SubmissionConfig};
use crate::rate::RateLimitConfig;

/// The whole configuration. `Config::default()` is [`Config::sonet`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// ISP domains, account kinds, user names, passwords, address changes (ADDR-*).
    pub address: AddressConfig,
    /// Size and recipient limits, retention, spam thresholds (MBX-*, SPAM-LEVEL).
    pub mailbox: MailboxPolicyConfig,
    /// The listeners: which port plays which role (P25-*).
    pub listeners: Vec<ListenerConfig>,
    /// Submission rules: who may send as whom, AUTH on the MX (P25-SUBMIT).
    pub submission: SubmissionConfig,
    /// Outbound Port 25 Blocking address sets (P25-OUT).
    pub op25b: Op25bConfig,
    /// Inbound Port 25 Blocking of dynamic senders (P25-IN).
    pub ip25b: Ip25bConfig,
    /// Send-rate limits and their store (RATE-*).
    pub rate: RateConfig,
    /// The domestic-address table and the automatic restriction (GEO-*).
    pub geo: GeoConfig,
    /// Sender authentication (AUTH-*).
    pub auth: AuthConfig,
    /// Where per-mailbox settings (reject lists, forwarding, spam sorting) come from.
    pub mailboxes: MailboxesConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self::sonet()
    }
}

/// One listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenerConfig {
    /// The TCP port.
    pub port: u16,
    /// Its role.
    pub role: ListenerRole,
}

/// Where rate-limit counters live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum RateStoreConfig {
    /// In this process (one server).
    Memory {
        /// Keys kept before the idle ones are evicted.
        max_keys: usize,
    },
    /// On Redis, shared by the fleet (RATE-FLEET; needs the `redis` feature).
    Redis {
        /// `redis://host:port/db`.
        url: String,
    },
}

/// Send-rate limits (RATE-SEND) per authenticated account and per client address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateConfig {
    /// Limits per account (authenticated submissions).
    pub accounts: RateLimitConfig,
    /// Limits per client address (the MX).
    pub client_ips: RateLimitConfig,
    /// Where the counters live.
    pub store: RateStoreConfig,
}

impl Default for RateConfig {
    fn default() -> Self {
        Self {
            accounts: RateLimitConfig::sonet_accounts(),
            client_ips: RateLimitConfig::sonet_client_ips(),
            store: RateStoreConfig::Memory {
                max_keys: 1_000_000,
            },
        }
    }
}

/// The overseas restriction (GEO-*).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GeoConfig {
    /// The country counted as domestic.
    pub country: CountryCode,
    /// Files the domestic table is built from (RIR `delegated-*` files, range CSV,
    /// MaxMind DB). Without any, no address is domestic, so accounts that restrict
    /// overseas access are refused everywhere but webmail: configure them.
    pub files: Vec<SourceFile>,
    /// When suspicious access switches an account to "restrict" (GEO-AUTO).
    pub detector: DetectorConfig,
}

impl Default for GeoConfig {
    fn default() -> Self {
        Self {
            country: CountryCode::new("JP").unwrap_or_else(|e| unreachable!("JP: {e}")),
            files: Vec::new(),
            detector: DetectorConfig::default(),
        }
    }
}

/// Sender authentication (AUTH-*).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// The authserv-id of our `Authentication-Results` for ordinary accounts.
    pub authserv_id: String,
    /// Annotate DMARC results only (the ISP's rule) or enforce the sender's policy.
    pub dmarc: DmarcMode,
    /// Which incoming `Authentication-Results` are forged and what to do with them.
    pub forged: ForgedConfig,
    /// DNS for verification (used with the feature `dns-hickory`; accepted without it, so
    /// one file serves every build): name servers, timeout, tries, ADSP, ARC, iprev.
    pub dns: VerifierConfig,
    /// DKIM signing of authenticated submissions (AUTH-OUT-DKIM); none when absent.
    pub dkim: Option<DkimConfig>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            authserv_id: "so-net.ne.jp".to_owned(),
            dmarc: DmarcMode::Annotate,
            forged: ForgedConfig::default(),
            dns: VerifierConfig::default(),
            dkim: None,
        }
    }
}

/// One DKIM signing key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DkimConfig {
    /// The signing domain (`d=`).
    pub domain: String,
    /// The selector (`s=`).
    pub selector: String,
    /// The private key, PEM or DER (RSA ≥ 2048 bits or Ed25519).
    pub key_file: PathBuf,
}

/// Per-mailbox settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailboxesConfig {
    /// A TOML file of `[[mailbox]]` tables (`address` plus the settings); mailboxes not
    /// listed have the defaults (no reject list, no forwarding, spam sorting off).
    pub file: Option<PathBuf>,
}

/// The per-mailbox settings file: `[[mailbox]] address = "…"` and its settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailboxesFile {
    /// The mailboxes.
    pub mailbox: Vec<MailboxEntry>,
}

/// One mailbox's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailboxEntry {
    /// Its address.
    pub address: String,
    /// The account's "no access from abroad" switch (GEO-RESTRICT): logins and
    /// submissions from outside the domestic table are refused.
    #[serde(default)]
    pub restrict_overseas: bool,
    /// Its settings.
    #[serde(flatten)]
    pub settings: MailboxSettings,
}

impl Config {
    /// The profile of `SPEC.md`: the ISP's domains and limits, listeners on 25 (MX), 587
    /// and 465 (submission), DMARC annotated only, no DKIM key, no domestic table.
    pub fn sonet() -> Self {
        Self {
            address: AddressConfig::sonet(),
            mailbox: MailboxPolicyConfig::default(),
            listeners: vec![
                ListenerConfig {
                    port: 25,
                    role: ListenerRole::Mx,
                },
                ListenerConfig {
                    port: 587,
                    role: ListenerRole::Submission,
                },
                ListenerConfig {
                    port: 465,
                    role: ListenerRole::Submissions,
                },
            ],
            submission: SubmissionConfig::default(),
            op25b: Op25bConfig::default(),
            ip25b: Ip25bConfig::default(),
            rate: RateConfig::default(),
            geo: GeoConfig::default(),
            auth: AuthConfig::default(),
            mailboxes: MailboxesConfig::default(),
        }
    }

    /// Parses a configuration; `origin` names the text in errors (a file name).
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::from_toml(&e, text, origin))
    }

    /// Parses another TOML file of ours (the mailbox settings file) with the same error
    /// reporting.
    pub(crate) fn parse_other<T: serde::de::DeserializeOwned>(
        text: &str,
        origin: &str,
    ) -> Result<T, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::from_toml(&e, text, origin))
    }

    /// Reads and parses a configuration file. Relative paths inside it (keys, data
    /// files) are taken relative to the file's directory.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            origin: path.display().to_string(),
            line: 0,
            column: 0,
            key: None,
            message: format!("cannot read: {e}"),
        })?;
        let mut config = Self::from_toml(&text, &path.display().to_string())?;
        if let Some(dir) = path.parent() {
            config.resolve_paths(dir);
        }
        Ok(config)
    }

    /// Makes relative paths relative to `dir`.
    pub fn resolve_paths(&mut self, dir: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        };
        for file in &mut self.geo.files {
            fix(&mut file.path);
        }
        if let Some(dkim) = &mut self.auth.dkim {
            fix(&mut dkim.key_file);
        }
        if let Some(file) = &mut self.mailboxes.file {
            fix(file);
        }
    }
}

/// A configuration that could not be read or used: where, which key, what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The file (or other origin) of the text.
    pub origin: String,
    /// 1-based line; 0 when the error is not tied to a place.
    pub line: usize,
    /// 1-based column; 0 when the error is not tied to a place.
    pub column: usize,
    /// The key concerned, when known.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if let Some(key) = &self.key {
            write!(f, ": key `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl ConfigError {
    fn from_toml(error: &toml::de::Error, text: &str, origin: &str) -> Self {
        let (line, column, key) = match error.span() {
            Some(span) => {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                (line, column, key_at(text, span.start))
            }
            None => (0, 0, None),
        };
        Self {
            origin: origin.to_owned(),
            line,
            column,
            key,
            message: error.message().trim().to_owned(),
        }
    }

    /// An error in a setting found after parsing (a value the crates refuse).
    pub fn setting(origin: &str, key: &str, message: impl fmt::Display) -> Self {
        Self {
            origin: origin.to_owned(),
            line: 0,
            column: 0,
            key: Some(key.to_owned()),
            message: message.to_string(),
        }
    }
}

/// The dotted key at `offset`: the enclosing `[table]` header and the line's own key, or
/// the header itself when the error is in one.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("").trim();
    let header = |line: &str| {
        line.strip_prefix('[').map(|h| {
            h.trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim()
                .to_owned()
        })
    };
    if let Some(header) = header(line) {
        return Some(header);
    }
    let table = text[..line_start]
        .lines()
        .filter_map(|l| header(l.trim()))
        .next_back()
        .unwrap_or_default();
    let own = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_owned())
        .filter(|k| !k.is_empty());
    match (table.is_empty(), own) {
        (true, None) => None,
        (true, Some(own)) => Some(own),
        (false, None) => Some(table),
        (false, Some(own)) => Some(format!("{table}.{own}")),
    }
}
