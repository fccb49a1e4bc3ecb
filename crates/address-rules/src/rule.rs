//! The `SPEC.md` rule IDs this crate enforces.

use std::fmt;

/// A rule of `SPEC.md` section ADDR. Every decision of this crate names the rule behind it,
/// so an operator can trace a refusal back to the specification.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "&'static str", try_from = "String")]
#[non_exhaustive]
pub enum Rule {
    /// `ADDR-FORM`: ISP addresses are `<user>@<sub>.<domain>`.
    AddrForm,
    /// `ADDR-USER`: user-name character rules and reserved names.
    AddrUser,
    /// `ADDR-RFC`: wire and header addresses parsed per RFC 5321/5322/6531/6532.
    AddrRfc,
    /// `ADDR-CHANGE`: ten free user-name changes per fiscal year, then a fee.
    AddrChange,
    /// `ADDR-CHANGE-CARRY`: a change keeps the account's options.
    AddrChangeCarry,
    /// `ADDR-PW`: the mail-address password rules.
    AddrPw,
    /// `ADDR-PW-DEPS`: settings that a change invalidates.
    AddrPwDeps,
    /// `ADDR-PLUS`: up to 10 plus addresses.
    AddrPlus,
    /// `ADDR-ABOX`: additional mailboxes, at most 5.
    AddrAbox,
    /// `ADDR-POSTPET`: PostPet mail accounts on a `postpet` domain.
    AddrPostpet,
    /// `ADDR-OWN-DOMAIN`: "plus domain" addresses on the customer's own domain.
    AddrOwnDomain,
    /// `ADDR-ALIAS`: legacy aliases keep working, none are created.
    AddrAlias,
}

impl Rule {
    /// Every rule of this crate, in `SPEC.md` order.
    pub const ALL: [Rule; 12] = [
        Rule::AddrForm,
        Rule::AddrUser,
        Rule::AddrRfc,
        Rule::AddrChange,
        Rule::AddrChangeCarry,
        Rule::AddrPw,
        Rule::AddrPwDeps,
        Rule::AddrPlus,
        Rule::AddrAbox,
        Rule::AddrPostpet,
        Rule::AddrOwnDomain,
        Rule::AddrAlias,
    ];

    /// The rule's ID as written in `SPEC.md`, e.g. `"ADDR-CHANGE"`.
    pub const fn id(self) -> &'static str {
        match self {
            Rule::AddrForm => "ADDR-FORM",
            Rule::AddrUser => "ADDR-USER",
            Rule::AddrRfc => "ADDR-RFC",
            Rule::AddrChange => "ADDR-CHANGE",
            Rule::AddrChangeCarry => "ADDR-CHANGE-CARRY",
            Rule::AddrPw => "ADDR-PW",
            Rule::AddrPwDeps => "ADDR-PW-DEPS",
            Rule::AddrPlus => "ADDR-PLUS",
            Rule::AddrAbox => "ADDR-ABOX",
            Rule::AddrPostpet => "ADDR-POSTPET",
            Rule::AddrOwnDomain => "ADDR-OWN-DOMAIN",
            Rule::AddrAlias => "ADDR-ALIAS",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl From<Rule> for &'static str {
    fn from(rule: Rule) -> Self {
        rule.id()
    }
}

impl TryFrom<String> for Rule {
    type Error = String;

    fn try_from(id: String) -> Result<Self, Self::Error> {
        Rule::ALL
            .into_iter()
            .find(|rule| rule.id() == id)
            .ok_or_else(|| format!("unknown rule ID {id:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for rule in Rule::ALL {
            assert!(seen.insert(rule.id()), "duplicate id {}", rule.id());
            assert!(rule.id().starts_with("ADDR-"));
            assert_eq!(Rule::try_from(rule.id().to_owned()), Ok(rule));
            assert_eq!(rule.to_string(), rule.id());
        }
        assert!(Rule::try_from("ADDR-NOPE".to_owned()).is_err());
    }
}
