//! The `SPEC.md` rule IDs this crate enforces.

mail_policy_rule_id::rule_ids! {
    /// A rule of `SPEC.md` sections MBX, REJ, FWD, SPAM and VIRUS. Every decision of this
    /// crate names the rule behind it.
    pub enum Rule {
        /// `MBX-CAP`: capacity and message count are unlimited.
        MbxCap => "MBX-CAP",
        /// `MBX-LOAD`: emergency restriction of POP/IMAP and webmail under load.
        MbxLoad => "MBX-LOAD",
        /// `MBX-RETAIN`: mail is kept 2 months from receipt.
        MbxRetain => "MBX-RETAIN",
        /// `MBX-RETAIN-JUNK`: spam and trash folders keep mail 14 days.
        MbxRetainJunk => "MBX-RETAIN-JUNK",
        /// `MBX-RETAIN-IMAP`: user-created IMAP folders keep mail forever.
        MbxRetainImap => "MBX-RETAIN-IMAP",
        /// `MBX-SIZE`: one message is at most 20 MB.
        MbxSize => "MBX-SIZE",
        /// `MBX-RCPT`: one message has at most 200 recipients.
        MbxRcpt => "MBX-RCPT",
        /// `MBX-LEAVE`: a mailbox report says how much is near expiry.
        MbxLeave => "MBX-LEAVE",
        /// `REJ-LIST`: up to 200 reject rules per mailbox.
        RejList => "REJ-LIST",
        /// `REJ-FIELDS`: rules on From, To, Subject and size.
        RejFields => "REJ-FIELDS",
        /// `REJ-SCOPE`: reject matching, accept only matching, reject all.
        RejScope => "REJ-SCOPE",
        /// `REJ-SUBJECT`: subjects compared after RFC 2047 decoding and normalisation.
        RejSubject => "REJ-SUBJECT",
        /// `REJ-CARRY`: rules survive an address change.
        RejCarry => "REJ-CARRY",
        /// `FWD-RULES`: up to 5 destinations, 30 conditions each.
        FwdRules => "FWD-RULES",
        /// `FWD-KEEP`: keep a copy in the mailbox or not.
        FwdKeep => "FWD-KEEP",
        /// `FWD-CONSENT`: a destination is active only once its owner confirmed it.
        FwdConsent => "FWD-CONSENT",
        /// `FWD-LOOP`: forwarding never loops.
        FwdLoop => "FWD-LOOP",
        /// `SPAM-SORT`: tag the subject or file into the spam folder.
        SpamSort => "SPAM-SORT",
        /// `SPAM-LEVEL`: four sensitivity levels, pass and block lists.
        SpamLevel => "SPAM-LEVEL",
        /// `VIRUS-CHECK`: scan per subscribed direction; what a positive result does.
        VirusCheck => "VIRUS-CHECK",
    }
}
