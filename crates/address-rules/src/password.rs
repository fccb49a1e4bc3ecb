//! ADDR-PW, ADDR-PW-DEPS: the mail-address password.

use serde::{Deserialize, Serialize};

use crate::Rule;
use crate::change::DependentSetting;
use crate::config::AddressPolicy;
use crate::mailbox::Mailbox;

/// The two passwords of an account. They are separate (ADDR-PW): changing one never
/// changes the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Credential {
    /// The mail-address password: SMTP AUTH, POP, IMAP (P25-TLS). This crate's rules.
    MailAddressPassword,
    /// The user-ID password of the ISP account (webmail, member pages, GEO-WEBMAIL).
    UserIdPassword,
}

/// Why a mail-address password was refused (rule [`Rule::AddrPw`]). No variant holds the
/// password or any part of it, so the error can be logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordViolation {
    /// Fewer characters than the minimum (8).
    #[error("password is {len} characters, fewer than {min}")]
    TooShort {
        /// Its length.
        len: usize,
        /// The minimum.
        min: usize,
    },
    /// More characters than the maximum (16).
    #[error("password is {len} characters, more than {max}")]
    TooLong {
        /// Its length.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// A character that is not printable ASCII (`!` to `~`).
    #[error("password character {position} is not printable ASCII")]
    NotPrintable {
        /// Its index, counting characters from 0.
        position: usize,
    },
    /// Too few kinds of characters.
    #[error("password has {found} of the 4 character classes, {required} needed")]
    TooFewClasses {
        /// Classes present.
        found: usize,
        /// Classes required.
        required: usize,
    },
    /// Contains the address's user name.
    #[error("password contains the user name")]
    ContainsUserName,
}

impl PasswordViolation {
    /// The rule behind every password refusal.
    pub fn rule(&self) -> Rule {
        Rule::AddrPw
    }
}

/// An accepted mail-address password change (or overwrite of a forgotten password: the
/// rules are the same and the old password is not needed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordChange {
    /// What changes: the mail-address password.
    pub changes: Credential,
    /// What does not: the user-ID password.
    pub unchanged: Credential,
    /// What the customer must update (ADDR-PW-DEPS).
    pub dependents: Vec<DependentSetting>,
    /// The rules applied: ADDR-PW, ADDR-PW-DEPS.
    pub rules: Vec<Rule>,
}

impl AddressPolicy {
    /// Checks a mail-address password for `mailbox` (ADDR-PW): length (8 to 16),
    /// printable ASCII, character classes, not containing the user name.
    pub fn check_password(
        &self,
        mailbox: &Mailbox,
        password: &str,
    ) -> Result<(), PasswordViolation> {
        let rules = &self.passwords;
        let len = password.chars().count();
        if let Some(position) = password.chars().position(|c| !c.is_ascii_graphic()) {
            return Err(PasswordViolation::NotPrintable { position });
        }
        if len < rules.min_len {
            return Err(PasswordViolation::TooShort {
                len,
                min: rules.min_len,
            });
        }
        if len > rules.max_len {
            return Err(PasswordViolation::TooLong {
                len,
                max: rules.max_len,
            });
        }
        let bytes = password.as_bytes();
        let found = [
            bytes.iter().any(u8::is_ascii_lowercase),
            bytes.iter().any(u8::is_ascii_uppercase),
            bytes.iter().any(u8::is_ascii_digit),
            bytes.iter().any(u8::is_ascii_punctuation),
        ]
        .into_iter()
        .filter(|&present| present)
        .count();
        if found < rules.min_classes {
            return Err(PasswordViolation::TooFewClasses {
                found,
                required: rules.min_classes,
            });
        }
        if rules.forbid_user_name {
            let user = mailbox.local_part().as_str().to_ascii_lowercase();
            if user.len() >= 3 && password.to_ascii_lowercase().contains(&user) {
                return Err(PasswordViolation::ContainsUserName);
            }
        }
        Ok(())
    }

    /// Decides a change (or overwrite) of the mail-address password: the user-ID password
    /// is untouched, and the customer is told what to update.
    ///
    /// ```
    /// use mail_policy_address_rules::{AddressPolicy, Credential, DependentSetting};
    ///
    /// let policy = AddressPolicy::sonet();
    /// let taro = "taro@aa2.so-net.ne.jp".parse()?;
    /// let change = policy.decide_password_change(&taro, "k9#Vq2!mZ")?;
    /// assert_eq!(change.unchanged, Credential::UserIdPassword);
    /// assert!(change.dependents.contains(&DependentSetting::MailClientPassword));
    /// assert!(policy.decide_password_change(&taro, "short1").is_err());
    /// assert!(policy.decide_password_change(&taro, "taro12345").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide_password_change(
        &self,
        mailbox: &Mailbox,
        new_password: &str,
    ) -> Result<PasswordChange, PasswordViolation> {
        self.check_password(mailbox, new_password)?;
        Ok(PasswordChange {
            changes: Credential::MailAddressPassword,
            unchanged: Credential::UserIdPassword,
            dependents: vec![
                DependentSetting::MailClientPassword,
                DependentSetting::VirusCheckSendingAuth,
            ],
            rules: vec![Rule::AddrPw, Rule::AddrPwDeps],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taro() -> Mailbox {
        "taro@aa2.so-net.ne.jp".parse().unwrap()
    }

    #[test]
    fn lengths() {
        let policy = AddressPolicy::sonet();
        assert!(policy.check_password(&taro(), "abcdef12").is_ok());
        assert!(policy.check_password(&taro(), "abcdefgh12345678").is_ok());
        assert_eq!(
            policy.check_password(&taro(), "abcdef1"),
            Err(PasswordViolation::TooShort { len: 7, min: 8 })
        );
        assert_eq!(
            policy.check_password(&taro(), "abcdefgh123456789"),
            Err(PasswordViolation::TooLong { len: 17, max: 16 })
        );
    }

    #[test]
    fn characters_and_classes() {
        let policy = AddressPolicy::sonet();
        assert_eq!(
            policy.check_password(&taro(), "abcd efg1"),
            Err(PasswordViolation::NotPrintable { position: 4 })
        );
        assert_eq!(
            policy.check_password(&taro(), "パスワード12345"),
            Err(PasswordViolation::NotPrintable { position: 0 })
        );
        assert_eq!(
            policy.check_password(&taro(), "abcdefgh"),
            Err(PasswordViolation::TooFewClasses {
                found: 1,
                required: 2
            })
        );
        assert!(policy.check_password(&taro(), "abcdefg!").is_ok());
        assert_eq!(
            policy.check_password(&taro(), "xxTARO123"),
            Err(PasswordViolation::ContainsUserName)
        );
        assert_eq!(PasswordViolation::ContainsUserName.rule(), Rule::AddrPw);
    }

    #[test]
    fn violations_do_not_leak_the_password() {
        let policy = AddressPolicy::sonet();
        for password in ["secretpw", "secret pw1", "secretpassword1234"] {
            let err = policy.check_password(&taro(), password).unwrap_err();
            assert!(!format!("{err} {err:?}").contains("secret"));
        }
    }

    #[test]
    fn change_leaves_the_user_id_password() {
        let policy = AddressPolicy::sonet();
        let change = policy
            .decide_password_change(&taro(), "Good-pass9")
            .unwrap();
        assert_eq!(change.changes, Credential::MailAddressPassword);
        assert_eq!(change.unchanged, Credential::UserIdPassword);
        assert_eq!(
            change.dependents,
            vec![
                DependentSetting::MailClientPassword,
                DependentSetting::VirusCheckSendingAuth
            ]
        );
    }
}
