//! ADDR-USER: the user-name rules for names a customer chooses.

use std::fmt;

use crate::Rule;
use crate::config::AddressPolicy;

/// A user name that passed [`AddressPolicy::check_user_name`]: lower case (names are
/// case-insensitive), ready to stand left of `@`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserName(String);

impl UserName {
    /// The name, in lower case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a user name was refused. Every violation is rule [`Rule::AddrUser`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UserNameViolation {
    /// Shorter than the configured minimum.
    #[error("user name is {len} characters, fewer than {min}")]
    TooShort {
        /// Its length.
        len: usize,
        /// The minimum.
        min: usize,
    },
    /// Longer than the configured maximum.
    #[error("user name is {len} characters, more than {max}")]
    TooLong {
        /// Its length.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// A character outside lower-case letters, digits and the configured symbols.
    #[error("user name may not contain {found:?} (at character {position})")]
    Character {
        /// The character.
        found: char,
        /// Its index, counting characters from 0.
        position: usize,
    },
    /// Starts with something other than a letter or digit.
    #[error("user name must start with a letter or a digit")]
    BadStart,
    /// A dot at the end, or two dots in a row.
    #[error("user name may not end with '.' or have '..'")]
    BadDot,
    /// A reserved name (postmaster, abuse, ...).
    #[error("user name {name:?} is reserved")]
    Reserved {
        /// The name as given.
        name: String,
    },
}

impl UserNameViolation {
    /// The rule behind every user-name refusal.
    pub fn rule(&self) -> Rule {
        Rule::AddrUser
    }
}

/// Reduces a name to what reserved-name comparison looks at: lower case, without `.`, `-`
/// and `_`.
pub(crate) fn reserved_key(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '.' | '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

impl AddressPolicy {
    /// Checks a user name a customer chose (ADDR-USER). Upper case is accepted and folded
    /// to lower case, since names are case-insensitive.
    ///
    /// ```
    /// use mail_policy_address_rules::{AddressPolicy, UserNameViolation};
    ///
    /// let policy = AddressPolicy::sonet();
    /// assert_eq!(policy.check_user_name("Taro.Yamada")?.as_str(), "taro.yamada");
    /// assert!(matches!(policy.check_user_name("post.master"), Err(UserNameViolation::Reserved { .. })));
    /// assert!(matches!(policy.check_user_name("taro..y"), Err(UserNameViolation::BadDot)));
    /// # Ok::<(), UserNameViolation>(())
    /// ```
    pub fn check_user_name(&self, name: &str) -> Result<UserName, UserNameViolation> {
        let rules = &self.user_names;
        let len = name.chars().count();
        if len < rules.min_len {
            return Err(UserNameViolation::TooShort {
                len,
                min: rules.min_len,
            });
        }
        if len > rules.max_len {
            return Err(UserNameViolation::TooLong {
                len,
                max: rules.max_len,
            });
        }
        let lower = name.to_ascii_lowercase();
        for (position, c) in lower.chars().enumerate() {
            let allowed = c.is_ascii_lowercase() || c.is_ascii_digit() || rules.symbols.contains(c);
            if !allowed {
                return Err(UserNameViolation::Character { found: c, position });
            }
        }
        if !lower.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(UserNameViolation::BadStart);
        }
        if lower.ends_with('.') || lower.contains("..") {
            return Err(UserNameViolation::BadDot);
        }
        if self.reserved_keys.contains(&reserved_key(&lower)) {
            return Err(UserNameViolation::Reserved {
                name: name.to_owned(),
            });
        }
        Ok(UserName(lower))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        let policy = AddressPolicy::sonet();
        for name in [
            "taro",
            "taro.yamada",
            "t-a_r0",
            "abc",
            "a1b",
            "9lives",
            "taro_",
        ] {
            assert!(policy.check_user_name(name).is_ok(), "{name}");
        }
        assert_eq!(policy.check_user_name("TARO").unwrap().as_str(), "taro");
    }

    #[test]
    fn refuses_with_reasons() {
        let policy = AddressPolicy::sonet();
        let cases = [
            ("ab", UserNameViolation::TooShort { len: 2, min: 3 }),
            (
                &"a".repeat(33),
                UserNameViolation::TooLong { len: 33, max: 32 },
            ),
            (
                "taro+tag",
                UserNameViolation::Character {
                    found: '+',
                    position: 4,
                },
            ),
            (
                "tarō",
                UserNameViolation::Character {
                    found: 'ō',
                    position: 3,
                },
            ),
            (
                "ta ro",
                UserNameViolation::Character {
                    found: ' ',
                    position: 2,
                },
            ),
            (".taro", UserNameViolation::BadStart),
            ("-taro", UserNameViolation::BadStart),
            ("taro.", UserNameViolation::BadDot),
            ("ta..ro", UserNameViolation::BadDot),
            (
                "Postmaster",
                UserNameViolation::Reserved {
                    name: "Postmaster".into(),
                },
            ),
            (
                "mailer_daemon",
                UserNameViolation::Reserved {
                    name: "mailer_daemon".into(),
                },
            ),
            (
                "no-reply",
                UserNameViolation::Reserved {
                    name: "no-reply".into(),
                },
            ),
        ];
        for (name, expected) in cases {
            let got = policy.check_user_name(name).unwrap_err();
            assert_eq!(got, expected, "{name}");
            assert_eq!(got.rule(), Rule::AddrUser);
        }
    }
}
