//! REJ-*: the reject list ("着信拒否"): up to 200 rules per mailbox on From, To, Subject
//! and size, three modes, discard or refuse, compiled into one automaton per field.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use serde::{Deserialize, Serialize};

use crate::Rule;
use crate::error::Error;
use crate::message::{HeaderAddress, IncomingMessage};
use crate::text::normalize;

/// REJ-LIST: at most 200 rules per mailbox.
pub const MAX_REJECT_RULES: usize = 200;

/// How the list applies (REJ-SCOPE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RejectMode {
    /// The list is off.
    #[default]
    Off,
    /// Reject mail that matches any rule.
    RejectMatching,
    /// Accept only mail that matches a rule; reject the rest.
    AcceptOnlyMatching,
    /// Reject all mail.
    RejectAll,
}

/// What happens to rejected mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RejectAction {
    /// Accept and drop silently: what the ISP does, so senders learn nothing.
    #[default]
    Discard,
    /// Refuse at SMTP time (550 5.7.1), so the sender gets a bounce.
    Refuse,
}

/// The header a text rule looks at (REJ-FIELDS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RejectField {
    /// `From`: display names (decoded) and addresses.
    From,
    /// `To`: display names (decoded) and addresses.
    To,
    /// `Subject`, decoded (REJ-SUBJECT).
    Subject,
    /// The message size, measured before this server adds headers.
    Size,
}

/// One rule: `{ field = "subject", contains = "未承諾広告※" }`,
/// `{ field = "size", at_least_kb = 5120 }` or `{ field = "size", under_kb = 1 }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectRule {
    /// What the rule looks at.
    pub field: RejectField,
    /// Text rules: the field contains this (after decoding, NFKC and lower-casing both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    /// Size rules: the message is at least this many KB (1 KB = 1024 octets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least_kb: Option<u64>,
    /// Size rules: the message is under this many KB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub under_kb: Option<u64>,
}

impl RejectRule {
    /// A text rule.
    pub fn contains(field: RejectField, text: impl Into<String>) -> Self {
        Self {
            field,
            contains: Some(text.into()),
            at_least_kb: None,
            under_kb: None,
        }
    }

    /// A size rule: at least `kb` KB.
    pub fn at_least_kb(kb: u64) -> Self {
        Self {
            field: RejectField::Size,
            contains: None,
            at_least_kb: Some(kb),
            under_kb: None,
        }
    }

    /// A size rule: under `kb` KB.
    pub fn under_kb(kb: u64) -> Self {
        Self {
            field: RejectField::Size,
            contains: None,
            at_least_kb: None,
            under_kb: Some(kb),
        }
    }
}

/// A mailbox's reject list, as the customer set it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RejectListConfig {
    /// How the list applies.
    pub mode: RejectMode,
    /// What happens to rejected mail.
    pub action: RejectAction,
    /// The rules, at most 200.
    pub rules: Vec<RejectRule>,
}

/// The decision of a reject list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectOutcome {
    /// The list lets the message through.
    Pass,
    /// The list rejects it.
    Reject {
        /// Discard or refuse.
        action: RejectAction,
        /// The index of a rule that matched (reject-matching mode), if any.
        matched_rule: Option<usize>,
        /// The rule of `SPEC.md`: REJ-SCOPE for the mode, REJ-FIELDS for a match.
        rule: Rule,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SizeTest {
    AtLeast(u64),
    Under(u64),
}

/// One automaton for one header field: patterns normalised, each pattern's ID mapping back
/// to its rule's index.
#[derive(Debug, Clone)]
struct FieldMatcher {
    automaton: AhoCorasick,
    rule_of_pattern: Vec<usize>,
}

impl FieldMatcher {
    fn build(patterns: Vec<(String, usize)>) -> Result<Option<Self>, Error> {
        if patterns.is_empty() {
            return Ok(None);
        }
        // A full DFA: a few hundred short patterns make a small one, and it is the fastest
        // to search. No prefilter: on short header text the rare-byte scan costs more than
        // it saves (measured: 25 % slower with it, `benches/benches/reject_list.rs`).
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .prefilter(false)
            .build(patterns.iter().map(|(p, _)| p.as_str()))
            .map_err(|e| Error::Setting {
                field: "reject.rules".to_owned(),
                reason: e.to_string(),
            })?;
        Ok(Some(Self {
            automaton,
            rule_of_pattern: patterns.into_iter().map(|(_, rule)| rule).collect(),
        }))
    }

    fn first_match(&self, haystack: &str) -> Option<usize> {
        self.automaton
            .find(haystack)
            .map(|m| self.rule_of_pattern[m.pattern().as_usize()])
    }

    fn all_matches(&self, haystack: &str, out: &mut Vec<usize>) {
        out.extend(
            self.automaton
                .find_overlapping_iter(haystack)
                .map(|m| self.rule_of_pattern[m.pattern().as_usize()]),
        );
    }
}

/// A compiled reject list: one pass per field, however many rules.
#[derive(Debug, Clone)]
pub struct RejectList {
    mode: RejectMode,
    action: RejectAction,
    from: Option<FieldMatcher>,
    to: Option<FieldMatcher>,
    subject: Option<FieldMatcher>,
    sizes: Vec<(SizeTest, usize)>,
    rule_count: usize,
}

/// The text a From or To rule searches: each address's decoded display name and address,
/// one per line (rules cannot contain line breaks, so no match spans two addresses).
pub(crate) fn address_haystack(addresses: &[HeaderAddress]) -> String {
    let mut text = String::new();
    for address in addresses {
        if let Some(name) = &address.name {
            text.push_str(name);
            text.push(' ');
        }
        if let Some(address) = &address.address {
            text.push_str(address);
        }
        text.push('\n');
    }
    normalize(&text)
}

/// The normalised haystacks of a message, computed once per message.
#[derive(Debug, Clone, Default)]
pub(crate) struct Haystacks {
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) subject: String,
}

impl Haystacks {
    pub(crate) fn of(message: &IncomingMessage) -> Self {
        Self {
            from: address_haystack(&message.from),
            to: address_haystack(&message.to),
            subject: message
                .subject
                .as_deref()
                .map(normalize)
                .unwrap_or_default(),
        }
    }
}

impl RejectList {
    /// Validates and compiles a reject list. Errors name the rule (`reject.rules[3]`).
    pub fn compile(config: &RejectListConfig) -> Result<Self, Error> {
        if config.rules.len() > MAX_REJECT_RULES {
            return Err(Error::TooMany {
                field: "reject.rules".to_owned(),
                count: config.rules.len(),
                limit: MAX_REJECT_RULES,
                rule: Rule::RejList,
            });
        }
        let mut from = Vec::new();
        let mut to = Vec::new();
        let mut subject = Vec::new();
        let mut sizes = Vec::new();
        for (i, rule) in config.rules.iter().enumerate() {
            let field = |name: &str| format!("reject.rules[{i}].{name}");
            let bad = |name: &str, reason: &str| Error::Setting {
                field: field(name),
                reason: reason.to_owned(),
            };
            match rule.field {
                RejectField::Size => {
                    if rule.contains.is_some() {
                        return Err(bad("contains", "a size rule takes at_least_kb or under_kb"));
                    }
                    let test = match (rule.at_least_kb, rule.under_kb) {
                        (Some(kb), None) => SizeTest::AtLeast(kb.saturating_mul(1024)),
                        (None, Some(kb)) => SizeTest::Under(kb.saturating_mul(1024)),
                        _ => {
                            return Err(bad(
                                "at_least_kb",
                                "give exactly one of at_least_kb and under_kb",
                            ));
                        }
                    };
                    sizes.push((test, i));
                }
                text_field => {
                    if rule.at_least_kb.is_some() || rule.under_kb.is_some() {
                        return Err(bad("at_least_kb", "a text rule takes contains"));
                    }
                    let Some(text) = &rule.contains else {
                        return Err(bad("contains", "missing"));
                    };
                    if text.chars().any(char::is_control) {
                        return Err(bad("contains", "control characters cannot match a header"));
                    }
                    let pattern = normalize(text.trim());
                    if pattern.is_empty() {
                        return Err(bad("contains", "empty text would match every message"));
                    }
                    match text_field {
                        RejectField::From => from.push((pattern, i)),
                        RejectField::To => to.push((pattern, i)),
                        _ => subject.push((pattern, i)),
                    }
                }
            }
        }
        Ok(Self {
            mode: config.mode,
            action: config.action,
            from: FieldMatcher::build(from)?,
            to: FieldMatcher::build(to)?,
            subject: FieldMatcher::build(subject)?,
            sizes,
            rule_count: config.rules.len(),
        })
    }

    /// The number of rules.
    pub fn len(&self) -> usize {
        self.rule_count
    }

    /// True if there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rule_count == 0
    }

    /// A rule that matches the message, if any: one automaton pass per field.
    pub(crate) fn first_match(
        &self,
        message: &IncomingMessage,
        haystacks: &Haystacks,
    ) -> Option<usize> {
        let fields = [
            (&self.from, &haystacks.from),
            (&self.to, &haystacks.to),
            (&self.subject, &haystacks.subject),
        ];
        fields
            .into_iter()
            .filter_map(|(matcher, haystack)| matcher.as_ref()?.first_match(haystack))
            .next()
            .or_else(|| {
                self.sizes
                    .iter()
                    .find(|(test, _)| size_matches(*test, message.size))
                    .map(|&(_, i)| i)
            })
    }

    /// Every rule that matches the message, sorted, without duplicates (for traces and
    /// tests; decisions need only one).
    pub fn matching_rules(&self, message: &IncomingMessage) -> Vec<usize> {
        let haystacks = Haystacks::of(message);
        let mut out = Vec::new();
        for (matcher, haystack) in [
            (&self.from, &haystacks.from),
            (&self.to, &haystacks.to),
            (&self.subject, &haystacks.subject),
        ] {
            if let Some(matcher) = matcher {
                matcher.all_matches(haystack, &mut out);
            }
        }
        out.extend(
            self.sizes
                .iter()
                .filter(|(test, _)| size_matches(*test, message.size))
                .map(|&(_, i)| i),
        );
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Decides a message.
    pub fn evaluate(&self, message: &IncomingMessage) -> RejectOutcome {
        self.evaluate_with(message, &Haystacks::of(message))
    }

    /// Whether the list is switched off (then it never looks at a message).
    pub(crate) fn is_off(&self) -> bool {
        self.mode == RejectMode::Off
    }

    pub(crate) fn evaluate_with(
        &self,
        message: &IncomingMessage,
        haystacks: &Haystacks,
    ) -> RejectOutcome {
        let reject = |matched_rule, rule| RejectOutcome::Reject {
            action: self.action,
            matched_rule,
            rule,
        };
        match self.mode {
            RejectMode::Off => RejectOutcome::Pass,
            RejectMode::RejectAll => reject(None, Rule::RejScope),
            RejectMode::RejectMatching => match self.first_match(message, haystacks) {
                Some(i) => reject(Some(i), Rule::RejFields),
                None => RejectOutcome::Pass,
            },
            RejectMode::AcceptOnlyMatching => match self.first_match(message, haystacks) {
                Some(_) => RejectOutcome::Pass,
                None => reject(None, Rule::RejScope),
            },
        }
    }
}

fn size_matches(test: SizeTest, size: u64) -> bool {
    match test {
        SizeTest::AtLeast(bytes) => size >= bytes,
        SizeTest::Under(bytes) => size < bytes,
    }
}

/// The naive reference matcher: every rule in turn, `str::contains` on the same
/// normalised text, patterns normalised once at compile time. The compiled
/// [`RejectList`] must agree with it (tested with proptest), and the bench measures the
/// compiled one against it.
#[derive(Debug, Clone)]
pub struct NaiveRejectList {
    mode: RejectMode,
    action: RejectAction,
    rules: Vec<(RejectField, String, Option<SizeTest>)>,
}

impl NaiveRejectList {
    /// Compiles the same settings as [`RejectList::compile`] (validating them the same way).
    pub fn compile(config: &RejectListConfig) -> Result<Self, Error> {
        RejectList::compile(config)?;
        let rules = config
            .rules
            .iter()
            .map(|rule| {
                let size = match (rule.at_least_kb, rule.under_kb) {
                    (Some(kb), None) => Some(SizeTest::AtLeast(kb.saturating_mul(1024))),
                    (None, Some(kb)) => Some(SizeTest::Under(kb.saturating_mul(1024))),
                    _ => None,
                };
                let text = normalize(rule.contains.as_deref().unwrap_or_default().trim());
                (rule.field, text, size)
            })
            .collect();
        Ok(Self {
            mode: config.mode,
            action: config.action,
            rules,
        })
    }

    fn rule_matches(&self, i: usize, message: &IncomingMessage, haystacks: &Haystacks) -> bool {
        let (field, text, size) = &self.rules[i];
        match field {
            RejectField::Size => size.is_some_and(|test| size_matches(test, message.size)),
            RejectField::From => haystacks.from.contains(text.as_str()),
            RejectField::To => haystacks.to.contains(text.as_str()),
            RejectField::Subject => haystacks.subject.contains(text.as_str()),
        }
    }

    /// Every rule that matches, sorted.
    pub fn matching_rules(&self, message: &IncomingMessage) -> Vec<usize> {
        let haystacks = Haystacks::of(message);
        (0..self.rules.len())
            .filter(|&i| self.rule_matches(i, message, &haystacks))
            .collect()
    }

    /// Decides a message the way [`RejectList::evaluate`] does, rule by rule.
    pub fn evaluate(&self, message: &IncomingMessage) -> RejectOutcome {
        let haystacks = Haystacks::of(message);
        let first = (0..self.rules.len()).find(|&i| self.rule_matches(i, message, &haystacks));
        let reject = |matched_rule, rule| RejectOutcome::Reject {
            action: self.action,
            matched_rule,
            rule,
        };
        match (self.mode, first) {
            (RejectMode::Off, _) => RejectOutcome::Pass,
            (RejectMode::RejectAll, _) => reject(None, Rule::RejScope),
            (RejectMode::RejectMatching, Some(i)) => reject(Some(i), Rule::RejFields),
            (RejectMode::RejectMatching, None) | (RejectMode::AcceptOnlyMatching, Some(_)) => {
                RejectOutcome::Pass
            }
            (RejectMode::AcceptOnlyMatching, None) => reject(None, Rule::RejScope),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! list {
        [$mode:expr, $($rule:expr),*] => { list($mode, vec![$($rule),*]) };
    }

    fn message(from: &str, subject: &str, size: u64) -> IncomingMessage {
        let raw =
            format!("From: {from}\r\nTo: taro@aa2.so-net.ne.jp\r\nSubject: {subject}\r\n\r\n");
        IncomingMessage::parse(raw.as_bytes(), size).unwrap()
    }

    fn list(mode: RejectMode, rules: Vec<RejectRule>) -> RejectList {
        RejectList::compile(&RejectListConfig {
            mode,
            action: RejectAction::Discard,
            rules,
        })
        .unwrap()
    }

    #[test]
    fn japanese_subject_rule_matches_every_encoding_and_width() {
        let list = list(
            RejectMode::RejectMatching,
            vec![RejectRule::contains(RejectField::Subject, "未承諾広告※")],
        );
        for subject in [
            "=?ISO-2022-JP?B?GyRCTCQ+NUJ6OS05cCIoJUYlOSVIGyhC?=",
            "=?Shift_JIS?B?lqKPs5H4jUyNkIGmg2WDWINn?=",
            "=?EUC-JP?B?zKS+tcL6ua258KKopcaluaXI?=",
            "=?UTF-8?B?5pyq5om/6Ku+5bqD5ZGK4oC744OG44K544OI?=",
            "=?UTF-8?Q?=E6=9C=AA=E6=89=BF=E8=AB=BE=E5=BA=83=E5=91=8A=E2=80=BB?= sale",
        ] {
            let outcome = list.evaluate(&message("a@example.com", subject, 10));
            assert!(
                matches!(
                    outcome,
                    RejectOutcome::Reject {
                        matched_rule: Some(0),
                        rule: Rule::RejFields,
                        ..
                    }
                ),
                "{subject}"
            );
        }
        assert_eq!(
            list.evaluate(&message("a@example.com", "hello", 10)),
            RejectOutcome::Pass
        );
    }

    #[test]
    fn width_and_case_insensitive() {
        let list = list(
            RejectMode::RejectMatching,
            vec![
                RejectRule::contains(RejectField::Subject, "ＳＡＬＥ"),
                RejectRule::contains(RejectField::From, "Spam.Example"),
                RejectRule::contains(RejectField::Subject, "ｾｰﾙ"),
            ],
        );
        assert_eq!(
            list.matching_rules(&message("x@example.com", "Big sale", 1)),
            vec![0]
        );
        assert_eq!(
            list.matching_rules(&message("Boss <boss@SPAM.example>", "hi", 1)),
            vec![1]
        );
        assert_eq!(
            list.matching_rules(&message("x@example.com", "=?UTF-8?B?44K744O844Or?=", 1)),
            vec![2]
        );
        // Display names are decoded before matching.
        let by_name = list![
            RejectMode::RejectMatching,
            RejectRule::contains(RejectField::From, "山田")
        ];
        assert_eq!(
            by_name.matching_rules(&message(
                "=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <y@example.jp>",
                "x",
                1
            )),
            vec![0]
        );
    }

    #[test]
    fn sizes_are_kilobytes_before_our_headers() {
        let list = list![
            RejectMode::RejectMatching,
            RejectRule::at_least_kb(100),
            RejectRule::under_kb(1)
        ];
        assert_eq!(
            list.matching_rules(&message("a@b.example", "x", 102_400)),
            vec![0]
        );
        assert_eq!(
            list.matching_rules(&message("a@b.example", "x", 102_399)),
            Vec::<usize>::new()
        );
        assert_eq!(
            list.matching_rules(&message("a@b.example", "x", 1023)),
            vec![1]
        );
        assert_eq!(
            list.matching_rules(&message("a@b.example", "x", 1024)),
            Vec::<usize>::new()
        );
    }

    #[test]
    fn modes() {
        let rules = vec![RejectRule::contains(RejectField::From, "friend.example")];
        let friend = message("f@friend.example", "x", 1);
        let stranger = message("s@stranger.example", "x", 1);
        let only = list(RejectMode::AcceptOnlyMatching, rules.clone());
        assert_eq!(only.evaluate(&friend), RejectOutcome::Pass);
        assert!(matches!(
            only.evaluate(&stranger),
            RejectOutcome::Reject {
                rule: Rule::RejScope,
                ..
            }
        ));
        let all = list(RejectMode::RejectAll, rules.clone());
        assert!(matches!(
            all.evaluate(&friend),
            RejectOutcome::Reject {
                rule: Rule::RejScope,
                matched_rule: None,
                ..
            }
        ));
        let off = list(RejectMode::Off, rules);
        assert_eq!(off.evaluate(&stranger), RejectOutcome::Pass);
        let refuse = RejectList::compile(&RejectListConfig {
            mode: RejectMode::RejectAll,
            action: RejectAction::Refuse,
            rules: vec![],
        })
        .unwrap();
        assert!(matches!(
            refuse.evaluate(&friend),
            RejectOutcome::Reject {
                action: RejectAction::Refuse,
                ..
            }
        ));
    }

    #[test]
    fn at_most_two_hundred_rules() {
        let rule = RejectRule::contains(RejectField::Subject, "x");
        let ok = RejectListConfig {
            rules: vec![rule.clone(); 200],
            ..Default::default()
        };
        assert_eq!(RejectList::compile(&ok).unwrap().len(), 200);
        let too_many = RejectListConfig {
            rules: vec![rule; 201],
            ..Default::default()
        };
        let err = RejectList::compile(&too_many).unwrap_err();
        assert_eq!(
            err,
            Error::TooMany {
                field: "reject.rules".into(),
                count: 201,
                limit: 200,
                rule: Rule::RejList
            }
        );
        assert!(err.to_string().contains("limit of 200"));
    }

    #[test]
    fn bad_rules_name_the_field() {
        let cases = [
            (
                RejectRule {
                    field: RejectField::Subject,
                    contains: None,
                    at_least_kb: None,
                    under_kb: None,
                },
                "reject.rules[0].contains",
            ),
            (
                RejectRule::contains(RejectField::Subject, "  "),
                "reject.rules[0].contains",
            ),
            (
                RejectRule::contains(RejectField::Subject, "a\nb"),
                "reject.rules[0].contains",
            ),
            (
                RejectRule {
                    field: RejectField::Size,
                    contains: None,
                    at_least_kb: Some(1),
                    under_kb: Some(2),
                },
                "reject.rules[0].at_least_kb",
            ),
            (
                RejectRule {
                    field: RejectField::Size,
                    contains: Some("x".into()),
                    at_least_kb: None,
                    under_kb: None,
                },
                "reject.rules[0].contains",
            ),
            (
                RejectRule {
                    field: RejectField::From,
                    contains: Some("x".into()),
                    at_least_kb: Some(1),
                    under_kb: None,
                },
                "reject.rules[0].at_least_kb",
            ),
        ];
        for (rule, expected) in cases {
            match RejectList::compile(&RejectListConfig {
                rules: vec![rule.clone()],
                ..Default::default()
            }) {
                Err(Error::Setting { field, .. }) => assert_eq!(field, expected, "{rule:?}"),
                other => panic!("{rule:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn compiled_agrees_with_naive() {
        let config = RejectListConfig {
            mode: RejectMode::RejectMatching,
            action: RejectAction::Discard,
            rules: vec![
                RejectRule::contains(RejectField::Subject, "sale"),
                RejectRule::contains(RejectField::Subject, "ale"),
                RejectRule::contains(RejectField::From, "example"),
                RejectRule::at_least_kb(1),
            ],
        };
        let list = RejectList::compile(&config).unwrap();
        let naive = NaiveRejectList::compile(&config).unwrap();
        let m = message("a@example.com", "Big SALE", 2048);
        assert_eq!(list.matching_rules(&m), naive.matching_rules(&m));
        assert_eq!(
            list.evaluate(&m),
            RejectOutcome::Reject {
                action: RejectAction::Discard,
                matched_rule: Some(2),
                rule: Rule::RejFields
            }
        );
        assert!(matches!(
            naive.evaluate(&m),
            RejectOutcome::Reject {
                matched_rule: Some(0),
                ..
            }
        ));
        assert_eq!(list.matching_rules(&m), vec![0, 1, 2, 3]);
    }
}
