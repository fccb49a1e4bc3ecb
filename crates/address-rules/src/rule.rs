//! The `SPEC.md` rule IDs this crate enforces.

mail_policy_rule_id::rule_ids! {
    /// A rule of `SPEC.md` section ADDR. Every decision of this crate names the rule behind it,
    /// so an operator can trace a refusal back to the specification.
    pub enum Rule {
        /// `ADDR-FORM`: ISP addresses are `<user>@<sub>.<domain>`.
        AddrForm => "ADDR-FORM",
        /// `ADDR-USER`: user-name character rules and reserved names.
        AddrUser => "ADDR-USER",
        /// `ADDR-RFC`: wire and header addresses parsed per RFC 5321/5322/6531/6532.
        AddrRfc => "ADDR-RFC",
        /// `ADDR-CHANGE`: ten free user-name changes per fiscal year, then a fee.
        AddrChange => "ADDR-CHANGE",
        /// `ADDR-CHANGE-CARRY`: a change keeps the account's options.
        AddrChangeCarry => "ADDR-CHANGE-CARRY",
        /// `ADDR-PW`: the mail-address password rules.
        AddrPw => "ADDR-PW",
        /// `ADDR-PW-DEPS`: settings that a change invalidates.
        AddrPwDeps => "ADDR-PW-DEPS",
        /// `ADDR-PLUS`: up to 10 plus addresses.
        AddrPlus => "ADDR-PLUS",
        /// `ADDR-ABOX`: additional mailboxes, at most 5.
        AddrAbox => "ADDR-ABOX",
        /// `ADDR-POSTPET`: PostPet mail accounts on a `postpet` domain.
        AddrPostpet => "ADDR-POSTPET",
        /// `ADDR-OWN-DOMAIN`: "plus domain" addresses on the customer's own domain.
        AddrOwnDomain => "ADDR-OWN-DOMAIN",
        /// `ADDR-ALIAS`: legacy aliases keep working, none are created.
        AddrAlias => "ADDR-ALIAS",
    }
}
