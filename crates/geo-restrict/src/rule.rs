//! The `SPEC.md` rule IDs this crate enforces.

mail_policy_rule_id::rule_ids! {
    /// A rule of `SPEC.md` section GEO. Every decision of this crate names the rule behind it.
    pub enum Rule {
        /// `GEO-RESTRICT`: an account can refuse sending and receiving from abroad.
        GeoRestrict => "GEO-RESTRICT",
        /// `GEO-DEFAULT`: the default is "do not restrict".
        GeoDefault => "GEO-DEFAULT",
        /// `GEO-ACCOUNTS`: every kind of mail account has the switch.
        GeoAccounts => "GEO-ACCOUNTS",
        /// `GEO-WEBMAIL`: webmail is never affected.
        GeoWebmail => "GEO-WEBMAIL",
        /// `GEO-TRAVEL`: the customer switches it off to travel.
        GeoTravel => "GEO-TRAVEL",
        /// `GEO-AUTO`: suspected unauthorised access switches it on automatically.
        GeoAuto => "GEO-AUTO",
    }
}
