//! The `SPEC.md` rule IDs this crate enforces.

use std::fmt;

/// A rule of `SPEC.md` section GEO. Every decision of this crate names the rule behind it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "&'static str", try_from = "String")]
#[non_exhaustive]
pub enum Rule {
    /// `GEO-RESTRICT`: an account can refuse sending and receiving from abroad.
    GeoRestrict,
    /// `GEO-DEFAULT`: the default is "do not restrict".
    GeoDefault,
    /// `GEO-ACCOUNTS`: every kind of mail account has the switch.
    GeoAccounts,
    /// `GEO-WEBMAIL`: webmail is never affected.
    GeoWebmail,
    /// `GEO-TRAVEL`: the customer switches it off to travel.
    GeoTravel,
    /// `GEO-AUTO`: suspected unauthorised access switches it on automatically.
    GeoAuto,
}

impl Rule {
    /// Every rule of this crate, in `SPEC.md` order.
    pub const ALL: [Rule; 6] = [
        Rule::GeoRestrict,
        Rule::GeoDefault,
        Rule::GeoAccounts,
        Rule::GeoWebmail,
        Rule::GeoTravel,
        Rule::GeoAuto,
    ];

    /// The rule's ID as written in `SPEC.md`, e.g. `"GEO-AUTO"`.
    pub const fn id(self) -> &'static str {
        match self {
            Rule::GeoRestrict => "GEO-RESTRICT",
            Rule::GeoDefault => "GEO-DEFAULT",
            Rule::GeoAccounts => "GEO-ACCOUNTS",
            Rule::GeoWebmail => "GEO-WEBMAIL",
            Rule::GeoTravel => "GEO-TRAVEL",
            Rule::GeoAuto => "GEO-AUTO",
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
