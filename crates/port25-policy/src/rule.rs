//! The `SPEC.md` rule IDs this crate enforces.

use std::fmt;

/// A rule of `SPEC.md` section P25. Every decision of this crate names the rule behind it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "&'static str", try_from = "String")]
#[non_exhaustive]
pub enum Rule {
    /// `P25-OUT`: Outbound Port 25 Blocking for the access network.
    P25Out,
    /// `P25-SUBMIT`: sending through another server uses port 587 with SMTP AUTH.
    P25Submit,
    /// `P25-IN`: Inbound Port 25 Blocking of mass mail from dynamic addresses.
    P25In,
    /// `P25-TLS`: submission and POP/IMAP with TLS and the mail-address password.
    P25Tls,
}

impl Rule {
    /// Every rule of this crate, in `SPEC.md` order.
    pub const ALL: [Rule; 4] = [Rule::P25Out, Rule::P25Submit, Rule::P25In, Rule::P25Tls];

    /// The rule's ID as written in `SPEC.md`, e.g. `"P25-OUT"`.
    pub const fn id(self) -> &'static str {
        match self {
            Rule::P25Out => "P25-OUT",
            Rule::P25Submit => "P25-SUBMIT",
            Rule::P25In => "P25-IN",
            Rule::P25Tls => "P25-TLS",
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
