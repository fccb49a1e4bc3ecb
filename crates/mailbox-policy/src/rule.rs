//! The `SPEC.md` rule IDs this crate enforces.

use std::fmt;

/// A rule of `SPEC.md` sections MBX, REJ, FWD, SPAM and VIRUS. Every decision of this
/// crate names the rule behind it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "&'static str", try_from = "String")]
#[non_exhaustive]
pub enum Rule {
    /// `MBX-CAP`: capacity and message count are unlimited.
    MbxCap,
    /// `MBX-LOAD`: emergency restriction of POP/IMAP and webmail under load.
    MbxLoad,
    /// `MBX-RETAIN`: mail is kept 2 months from receipt.
    MbxRetain,
    /// `MBX-RETAIN-JUNK`: spam and trash folders keep mail 14 days.
    MbxRetainJunk,
    /// `MBX-RETAIN-IMAP`: user-created IMAP folders keep mail forever.
    MbxRetainImap,
    /// `MBX-SIZE`: one message is at most 20 MB.
    MbxSize,
    /// `MBX-RCPT`: one message has at most 200 recipients.
    MbxRcpt,
    /// `MBX-LEAVE`: a mailbox report says how much is near expiry.
    MbxLeave,
    /// `REJ-LIST`: up to 200 reject rules per mailbox.
    RejList,
    /// `REJ-FIELDS`: rules on From, To, Subject and size.
    RejFields,
    /// `REJ-SCOPE`: reject matching, accept only matching, reject all.
    RejScope,
    /// `REJ-SUBJECT`: subjects compared after RFC 2047 decoding and normalisation.
    RejSubject,
    /// `REJ-CARRY`: rules survive an address change.
    RejCarry,
    /// `FWD-RULES`: up to 5 destinations, 30 conditions each.
    FwdRules,
    /// `FWD-KEEP`: keep a copy in the mailbox or not.
    FwdKeep,
    /// `FWD-CONSENT`: a destination is active only once its owner confirmed it.
    FwdConsent,
    /// `FWD-LOOP`: forwarding never loops.
    FwdLoop,
    /// `SPAM-SORT`: tag the subject or file into the spam folder.
    SpamSort,
    /// `SPAM-LEVEL`: four sensitivity levels, pass and block lists.
    SpamLevel,
    /// `VIRUS-CHECK`: scan per subscribed direction; what a positive result does.
    VirusCheck,
}

impl Rule {
    /// Every rule of this crate, in `SPEC.md` order.
    pub const ALL: [Rule; 20] = [
        Rule::MbxCap,
        Rule::MbxLoad,
        Rule::MbxRetain,
        Rule::MbxRetainJunk,
        Rule::MbxRetainImap,
        Rule::MbxSize,
        Rule::MbxRcpt,
        Rule::MbxLeave,
        Rule::RejList,
        Rule::RejFields,
        Rule::RejScope,
        Rule::RejSubject,
        Rule::RejCarry,
        Rule::FwdRules,
        Rule::FwdKeep,
        Rule::FwdConsent,
        Rule::FwdLoop,
        Rule::SpamSort,
        Rule::SpamLevel,
        Rule::VirusCheck,
    ];

    /// The rule's ID as written in `SPEC.md`, e.g. `"MBX-SIZE"`.
    pub const fn id(self) -> &'static str {
        match self {
            Rule::MbxCap => "MBX-CAP",
            Rule::MbxLoad => "MBX-LOAD",
            Rule::MbxRetain => "MBX-RETAIN",
            Rule::MbxRetainJunk => "MBX-RETAIN-JUNK",
            Rule::MbxRetainImap => "MBX-RETAIN-IMAP",
            Rule::MbxSize => "MBX-SIZE",
            Rule::MbxRcpt => "MBX-RCPT",
            Rule::MbxLeave => "MBX-LEAVE",
            Rule::RejList => "REJ-LIST",
            Rule::RejFields => "REJ-FIELDS",
            Rule::RejScope => "REJ-SCOPE",
            Rule::RejSubject => "REJ-SUBJECT",
            Rule::RejCarry => "REJ-CARRY",
            Rule::FwdRules => "FWD-RULES",
            Rule::FwdKeep => "FWD-KEEP",
            Rule::FwdConsent => "FWD-CONSENT",
            Rule::FwdLoop => "FWD-LOOP",
            Rule::SpamSort => "SPAM-SORT",
            Rule::SpamLevel => "SPAM-LEVEL",
            Rule::VirusCheck => "VIRUS-CHECK",
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
