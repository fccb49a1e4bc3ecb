//! The configuration ([`AddressConfig`], plain data that `serde` reads from TOML or JSON)
//! and its validated, compiled form ([`AddressPolicy`]).

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::mailbox::DomainName;

/// What kind of account an ISP domain hosts (ADDR-FORM, ADDR-POSTPET; GEO-ACCOUNTS lists
/// the kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum DomainKind {
    /// The ISP's main domain (`so-net.ne.jp`): basic mailboxes, A-Boxes, plus addresses,
    /// legacy aliases, all as `<user>@<sub>.<domain>`.
    Isp,
    /// A PostPet mail domain (a domain with `postpet` in it, ADDR-POSTPET).
    PostPet,
    /// "Mail service (G)" (`gyao.ne.jp`), whose `Authentication-Results` use its own
    /// authserv-id (AUTH-IN-FORMAT).
    ServiceG,
}

/// One domain the ISP hosts mail for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainConfig {
    /// The domain, e.g. `so-net.ne.jp`.
    pub name: String,
    /// What it hosts.
    pub kind: DomainKind,
    /// Whether addresses carry an ISP-assigned sub-domain label (`aa2` in
    /// `taro@aa2.so-net.ne.jp`), and its form.
    #[serde(default)]
    pub subdomain: SubdomainConfig,
}

/// The `<sub>` label of ADDR-FORM.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SubdomainConfig {
    /// Addresses must have exactly one label between the user name and the domain. When
    /// false, they must have none.
    pub required: bool,
    /// Usual forms of the label: `a` stands for an ASCII letter, `9` for a digit, any other
    /// character for itself. The default `["aa9"]` is "two letters and a digit" (`aa2`).
    pub patterns: Vec<String>,
    /// Labels allowed although they match no pattern: the seed says exceptions exist.
    pub exceptions: Vec<String>,
}

/// ADDR-USER: what a customer may choose as a user name. **\[ours\]**: the seed gives no
/// character rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserNameConfig {
    /// Fewest characters.
    pub min_len: usize,
    /// Most characters (at most 64, the RFC 5321 limit).
    pub max_len: usize,
    /// Characters allowed besides lower-case ASCII letters and digits. A `.` may not
    /// start or end a name or follow another `.`.
    pub symbols: String,
    /// Names nobody may take, compared without regard to case and ignoring `.`, `-` and
    /// `_` (so `post.master` is `postmaster`).
    pub reserved: Vec<String>,
}

impl Default for UserNameConfig {
    fn default() -> Self {
        Self {
            min_len: 3,
            max_len: 32,
            symbols: ".-_".to_owned(),
            reserved: [
                "abuse",
                "admin",
                "administrator",
                "daemon",
                "ftp",
                "hostmaster",
                "info",
                "mailer-daemon",
                "news",
                "nobody",
                "noc",
                "noreply",
                "no-reply",
                "postmaster",
                "root",
                "security",
                "so-net",
                "support",
                "sysadmin",
                "usenet",
                "uucp",
                "webmaster",
                "www",
            ]
            .map(str::to_owned)
            .to_vec(),
        }
    }
}

/// ADDR-PW: the mail-address password rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordConfig {
    /// Fewest characters: 8 (seed).
    pub min_len: usize,
    /// Most characters: 16 (seed).
    pub max_len: usize,
    /// How many of the four classes (lower case, upper case, digit, symbol) must appear.
    /// **\[ours\]**, default 2.
    pub min_classes: usize,
    /// Refuse a password that contains the user name (any case). **\[ours\]**, default on.
    pub forbid_user_name: bool,
}

impl Default for PasswordConfig {
    fn default() -> Self {
        Self {
            min_len: 8,
            max_len: 16,
            min_classes: 2,
            forbid_user_name: true,
        }
    }
}

/// ADDR-CHANGE: the yearly free-change quota and the fee after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChangeConfig {
    /// Free changes per fiscal year: 10.
    pub free_per_year: u32,
    /// Fee for each change after those, in yen, tax included: 330.
    pub fee_yen: u32,
    /// First month of the fiscal year (1–12): April.
    pub fiscal_year_start_month: u32,
    /// Offset of the calendar's time zone from UTC, in minutes: Japan is +540, no DST.
    pub utc_offset_minutes: i32,
}

impl Default for ChangeConfig {
    fn default() -> Self {
        Self {
            free_per_year: 10,
            fee_yen: 330,
            fiscal_year_start_month: 4,
            utc_offset_minutes: 9 * 60,
        }
    }
}

/// ADDR-PLUS, ADDR-ABOX: how many extra addresses an account may hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExtraAddressConfig {
    /// Plus addresses on top of the basic mailbox's address: 10.
    pub max_plus_addresses: usize,
    /// Additional mailboxes (A-Box): 5.
    pub max_a_boxes: usize,
}

impl Default for ExtraAddressConfig {
    fn default() -> Self {
        Self {
            max_plus_addresses: 10,
            max_a_boxes: 5,
        }
    }
}

/// Everything this crate can be told, as data. [`AddressConfig::sonet`] is the profile of
/// `SPEC.md`; [`AddressPolicy::new`] validates and compiles it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AddressConfig {
    /// The domains the ISP hosts mail for.
    pub domains: Vec<DomainConfig>,
    /// User-name rules.
    pub user_names: UserNameConfig,
    /// Password rules.
    pub passwords: PasswordConfig,
    /// Address-change quota and fee.
    pub changes: ChangeConfig,
    /// Limits on extra addresses.
    pub extras: ExtraAddressConfig,
}

impl Default for AddressConfig {
    fn default() -> Self {
        Self::sonet()
    }
}

impl AddressConfig {
    /// The profile of `SPEC.md`: `so-net.ne.jp` with a two-letters-and-a-digit
    /// sub-domain, PostPet on `postpet.so-net.ne.jp`, mail service (G) on `gyao.ne.jp`,
    /// ten free changes a fiscal year starting April 1 in Japan time, then 330 yen.
    ///
    /// The PostPet domain is **\[ours\]**: the seed only says the domain contains
    /// `postpet`; configure the real one.
    pub fn sonet() -> Self {
        Self {
            domains: vec![
                DomainConfig {
                    name: "so-net.ne.jp".to_owned(),
                    kind: DomainKind::Isp,
                    subdomain: SubdomainConfig {
                        required: true,
                        patterns: vec!["aa9".to_owned()],
                        exceptions: Vec::new(),
                    },
                },
                DomainConfig {
                    name: "postpet.so-net.ne.jp".to_owned(),
                    kind: DomainKind::PostPet,
                    subdomain: SubdomainConfig::default(),
                },
                DomainConfig {
                    name: "gyao.ne.jp".to_owned(),
                    kind: DomainKind::ServiceG,
                    subdomain: SubdomainConfig::default(),
                },
            ],
            user_names: UserNameConfig::default(),
            passwords: PasswordConfig::default(),
            changes: ChangeConfig::default(),
            extras: ExtraAddressConfig::default(),
        }
    }
}

/// A compiled ISP domain.
#[derive(Debug, Clone)]
pub(crate) struct CompiledDomain {
    pub(crate) name: DomainName,
    pub(crate) kind: DomainKind,
    pub(crate) sub_required: bool,
    pub(crate) sub_patterns: Vec<Vec<u8>>,
    pub(crate) sub_exceptions: Vec<String>,
}

/// The validated, compiled form of an [`AddressConfig`]: every decision of this crate is a
/// method of it. Cheap to share (`Arc`) between threads; it never changes.
#[derive(Debug, Clone)]
pub struct AddressPolicy {
    /// Most specific first, so that `postpet.so-net.ne.jp` wins over `so-net.ne.jp`.
    pub(crate) domains: Vec<CompiledDomain>,
    pub(crate) user_names: UserNameConfig,
    pub(crate) reserved_keys: Vec<String>,
    pub(crate) passwords: PasswordConfig,
    pub(crate) changes: ChangeConfig,
    pub(crate) extras: ExtraAddressConfig,
}

fn config_error(field: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::Config {
        field: field.into(),
        reason: reason.into(),
    }
}

impl AddressPolicy {
    /// Validates `config` and compiles it.
    ///
    /// ```
    /// use mail_policy_address_rules::{AddressConfig, AddressPolicy};
    ///
    /// let mut config = AddressConfig::sonet();
    /// config.passwords.min_len = 20; // more than max_len
    /// let err = AddressPolicy::new(config).unwrap_err();
    /// assert!(err.to_string().contains("passwords.min_len"));
    /// ```
    pub fn new(config: AddressConfig) -> Result<Self, Error> {
        let mut domains = Vec::with_capacity(config.domains.len());
        for (i, domain) in config.domains.iter().enumerate() {
            let field = |name: &str| format!("domains[{i}].{name}");
            let name: DomainName = domain
                .name
                .parse()
                .map_err(|e| config_error(field("name"), format!("{e}")))?;
            if domains.iter().any(|d: &CompiledDomain| d.name == name) {
                return Err(config_error(
                    field("name"),
                    format!("{name} is listed twice"),
                ));
            }
            let sub = &domain.subdomain;
            if !sub.required && (!sub.patterns.is_empty() || !sub.exceptions.is_empty()) {
                return Err(config_error(
                    field("subdomain"),
                    "patterns and exceptions need required = true",
                ));
            }
            if sub.required && sub.patterns.is_empty() && sub.exceptions.is_empty() {
                return Err(config_error(
                    field("subdomain.patterns"),
                    "a required sub-domain needs at least one pattern or exception",
                ));
            }
            for (j, pattern) in sub.patterns.iter().enumerate() {
                let ok = !pattern.is_empty()
                    && pattern.len() <= 63
                    && pattern
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                if !ok {
                    return Err(config_error(
                        format!("domains[{i}].subdomain.patterns[{j}]"),
                        "a pattern is 1 to 63 of: a (letter), 9 (digit), lower-case letters, digits, '-'",
                    ));
                }
            }
            let mut exceptions = Vec::new();
            for (j, exception) in sub.exceptions.iter().enumerate() {
                let label: DomainName = exception.parse().map_err(|e| {
                    config_error(
                        format!("domains[{i}].subdomain.exceptions[{j}]"),
                        format!("{e}"),
                    )
                })?;
                if label.labels().count() != 1 {
                    return Err(config_error(
                        format!("domains[{i}].subdomain.exceptions[{j}]"),
                        "an exception is a single label",
                    ));
                }
                exceptions.push(label.as_ascii().to_owned());
            }
            domains.push(CompiledDomain {
                name,
                kind: domain.kind,
                sub_required: sub.required,
                sub_patterns: sub.patterns.iter().map(|p| p.as_bytes().to_vec()).collect(),
                sub_exceptions: exceptions,
            });
        }
        domains.sort_by_key(|d| std::cmp::Reverse(d.name.as_ascii().len()));

        let names = &config.user_names;
        if names.min_len == 0 || names.min_len > names.max_len || names.max_len > 64 {
            return Err(config_error(
                "user_names.min_len",
                format!(
                    "need 1 <= min_len <= max_len <= 64, got {} and {}",
                    names.min_len, names.max_len
                ),
            ));
        }
        if let Some(c) = names
            .symbols
            .chars()
            .find(|&c| !c.is_ascii() || !crate::syntax::is_atext(c as u8) && c != '.')
        {
            return Err(config_error(
                "user_names.symbols",
                format!("{c:?} cannot stand unquoted in an address"),
            ));
        }
        let reserved_keys = names
            .reserved
            .iter()
            .map(|r| crate::user_name::reserved_key(r))
            .collect();

        let pw = &config.passwords;
        if pw.min_len == 0 || pw.min_len > pw.max_len {
            return Err(config_error(
                "passwords.min_len",
                format!(
                    "need 1 <= min_len <= max_len, got {} and {}",
                    pw.min_len, pw.max_len
                ),
            ));
        }
        if pw.min_classes > 4 || pw.min_classes > pw.max_len {
            return Err(config_error(
                "passwords.min_classes",
                format!("there are 4 classes, got {}", pw.min_classes),
            ));
        }

        let ch = &config.changes;
        if !(1..=12).contains(&ch.fiscal_year_start_month) {
            return Err(config_error(
                "changes.fiscal_year_start_month",
                format!("a month is 1 to 12, got {}", ch.fiscal_year_start_month),
            ));
        }
        if ch.utc_offset_minutes.abs() >= 24 * 60 {
            return Err(config_error(
                "changes.utc_offset_minutes",
                format!("must be within a day, got {}", ch.utc_offset_minutes),
            ));
        }

        Ok(Self {
            domains,
            user_names: config.user_names,
            reserved_keys,
            passwords: config.passwords,
            changes: config.changes,
            extras: config.extras,
        })
    }

    /// The policy of `SPEC.md` ([`AddressConfig::sonet`]).
    pub fn sonet() -> Self {
        // The built-in profile is tested to be valid.
        Self::new(AddressConfig::sonet()).unwrap_or_else(|e| unreachable!("built-in profile: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sonet_profile_is_valid() {
        let policy = AddressPolicy::new(AddressConfig::sonet()).unwrap();
        assert_eq!(policy.domains[0].name.as_ascii(), "postpet.so-net.ne.jp");
        assert_eq!(policy.changes.free_per_year, 10);
        assert_eq!(policy.changes.fee_yen, 330);
    }

    #[test]
    fn bad_configs_name_the_field() {
        type Mutation = fn(&mut AddressConfig);
        let cases: Vec<(Mutation, &str)> = vec![
            (
                |c| c.domains[0].name = "bad..domain".into(),
                "domains[0].name",
            ),
            (
                |c| c.domains[1].name = "so-net.ne.jp".into(),
                "domains[1].name",
            ),
            (
                |c| c.domains[0].subdomain.patterns = vec!["AA9".into()],
                "domains[0].subdomain.patterns[0]",
            ),
            (
                |c| c.domains[0].subdomain.exceptions = vec!["a.b".into()],
                "domains[0].subdomain.exceptions[0]",
            ),
            (
                |c| c.domains[0].subdomain.patterns.clear(),
                "domains[0].subdomain.patterns",
            ),
            (
                |c| c.domains[1].subdomain.patterns = vec!["aa9".into()],
                "domains[1].subdomain",
            ),
            (|c| c.user_names.max_len = 65, "user_names.min_len"),
            (|c| c.user_names.symbols = "@".into(), "user_names.symbols"),
            (|c| c.passwords.min_len = 0, "passwords.min_len"),
            (|c| c.passwords.min_classes = 5, "passwords.min_classes"),
            (
                |c| c.changes.fiscal_year_start_month = 13,
                "changes.fiscal_year_start_month",
            ),
            (
                |c| c.changes.utc_offset_minutes = 1440,
                "changes.utc_offset_minutes",
            ),
        ];
        for (mutate, field) in cases {
            let mut config = AddressConfig::sonet();
            mutate(&mut config);
            match AddressPolicy::new(config) {
                Err(Error::Config { field: got, .. }) => assert_eq!(got, field),
                other => panic!("expected a config error on {field}, got {other:?}"),
            }
        }
    }
}
