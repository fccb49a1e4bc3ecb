//! The `SPEC.md` rule IDs this crate enforces.

use std::fmt;

/// A rule of `SPEC.md` section RATE. Every decision of this crate names the rule behind it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "&'static str", try_from = "String")]
#[non_exhaustive]
pub enum Rule {
    /// `RATE-SEND`: sending more than a limit suspends sending for a period.
    RateSend,
    /// `RATE-FLEET`: the limits hold across every server of the fleet.
    RateFleet,
}

impl Rule {
    /// Every rule of this crate, in `SPEC.md` order.
    pub const ALL: [Rule; 2] = [Rule::RateSend, Rule::RateFleet];

    /// The rule's ID as written in `SPEC.md`, e.g. `"RATE-SEND"`.
    pub const fn id(self) -> &'static str {
        match self {
            Rule::RateSend => "RATE-SEND",
            Rule::RateFleet => "RATE-FLEET",
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
            assert!(seen.insert(rule.id()));
            assert_eq!(Rule::try_from(rule.id().to_owned()), Ok(rule));
        }
    }
}
