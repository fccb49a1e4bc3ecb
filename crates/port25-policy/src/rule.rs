//! The `SPEC.md` rule IDs this crate enforces.

mail_policy_rule_id::rule_ids! {
    /// A rule of `SPEC.md` section P25. Every decision of this crate names the rule behind it.
    pub enum Rule {
        /// `P25-OUT`: Outbound Port 25 Blocking for the access network.
        P25Out => "P25-OUT",
        /// `P25-SUBMIT`: sending through another server uses port 587 with SMTP AUTH.
        P25Submit => "P25-SUBMIT",
        /// `P25-IN`: Inbound Port 25 Blocking of mass mail from dynamic addresses.
        P25In => "P25-IN",
        /// `P25-TLS`: submission and POP/IMAP with TLS and the mail-address password.
        P25Tls => "P25-TLS",
    }
}
