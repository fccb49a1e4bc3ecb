//! The `SPEC.md` rule IDs this crate enforces.

mail_policy_rule_id::rule_ids! {
    /// A rule of `SPEC.md` section RATE. Every decision of this crate names the rule behind it.
    pub enum Rule {
        /// `RATE-SEND`: sending more than a limit suspends sending for a period.
        RateSend => "RATE-SEND",
        /// `RATE-FLEET`: the limits hold across every server of the fleet.
        RateFleet => "RATE-FLEET",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_from_this_section() {
        let mut seen = std::collections::HashSet::new();
        for &rule in Rule::ALL {
            assert!(seen.insert(rule.id()), "duplicate id {}", rule.id());
            assert!(rule.id().starts_with("RATE-"), "{rule}");
            assert_eq!(Rule::try_from(rule.id().to_owned()), Ok(rule));
        }
    }
}
