//! The `SPEC.md` rule IDs this crate enforces.

mail_policy_rule_id::rule_ids! {
    /// A rule of `SPEC.md` section AUTH. Every result of this crate names the rule behind it.
    pub enum Rule {
        /// `AUTH-OUT-DKIM`: mail from the ISP's addresses is DKIM-signed.
        AuthOutDkim => "AUTH-OUT-DKIM",
        /// `AUTH-OUT-SPF`: the ISP publishes its SPF record.
        AuthOutSpf => "AUTH-OUT-SPF",
        /// `AUTH-OUT-DMARC`: the ISP publishes DMARC `p=none`.
        AuthOutDmarc => "AUTH-OUT-DMARC",
        /// `AUTH-IN`: the MX verifies SPF, DKIM, DMARC and ADSP and adds the results.
        AuthIn => "AUTH-IN",
        /// `AUTH-IN-FORMAT`: the header's authserv-id and shape.
        AuthInFormat => "AUTH-IN-FORMAT",
        /// `AUTH-IN-RESULTS`: the result words and their meaning.
        AuthInResults => "AUTH-IN-RESULTS",
        /// `AUTH-IN-DMARC-NOENFORCE`: DMARC results are added, not enforced.
        AuthInDmarcNoenforce => "AUTH-IN-DMARC-NOENFORCE",
        /// `AUTH-IN-LISTS`: mail via lists may fail; ARC can carry the original results.
        AuthInLists => "AUTH-IN-LISTS",
        /// `AUTH-IN-FORGED`: incoming headers claiming our authserv-id are removed.
        AuthInForged => "AUTH-IN-FORGED",
    }
}
