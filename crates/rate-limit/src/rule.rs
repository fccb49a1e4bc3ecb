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
