//! The check behind the `reject_matching` fuzz target (header decoding + reject-list
//! matching + the delivery plan), shared with `cargo test` like `address.rs`.

use std::sync::OnceLock;

use chrono::{TimeZone, Utc};
use mail_policy_mailbox_policy::{
    CompiledMailbox, IncomingMessage, MailboxPolicy, MailboxSettings, NaiveRejectList, RejectField,
    RejectList, RejectListConfig, RejectMode, RejectOutcome, RejectRule, SpamMode, SpamVerdict,
};

/// A fixed reject list with rules in Japanese, ASCII and full-width forms.
fn config() -> RejectListConfig {
    RejectListConfig {
        mode: RejectMode::RejectMatching,
        action: Default::default(),
        rules: vec![
            RejectRule::contains(RejectField::Subject, "未承諾広告※"),
            RejectRule::contains(RejectField::Subject, "ＳＡＬＥ"),
            RejectRule::contains(RejectField::Subject, "ｾｰﾙ"),
            RejectRule::contains(RejectField::From, "spam.example"),
            RejectRule::contains(RejectField::From, "山田"),
            RejectRule::contains(RejectField::To, "undisclosed"),
            RejectRule::at_least_kb(10_000),
            RejectRule::under_kb(1),
        ],
    }
}

type Compiled = (RejectList, NaiveRejectList, MailboxPolicy, CompiledMailbox);

/// The lists and the mailbox, compiled once per process: compiling is not what is fuzzed.
fn compiled() -> &'static Compiled {
    static COMPILED: OnceLock<Compiled> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let config = config();
        let list = RejectList::compile(&config).expect("valid rules");
        let naive = NaiveRejectList::compile(&config).expect("valid rules");
        let policy = MailboxPolicy::sonet();
        let mut settings = MailboxSettings {
            reject: config,
            ..Default::default()
        };
        settings.spam.mode = SpamMode::TagSubject;
        let address = "taro@aa2.so-net.ne.jp".parse().expect("valid address");
        let mailbox = policy
            .compile_mailbox(&address, &settings)
            .expect("valid settings");
        (list, naive, policy, mailbox)
    })
}

/// Parses `data` as a message header section, then checks that the compiled reject list
/// agrees with the naive one and that planning a delivery does not panic.
#[allow(unreachable_pub)] // public for the fuzz target, private where tests include this file
pub fn reject_matching(data: &[u8]) {
    let size = data.len() as u64 * 7;
    let Ok(message) = IncomingMessage::parse(data, size) else {
        return;
    };
    let (list, naive, policy, mailbox) = compiled();
    assert_eq!(
        list.matching_rules(&message),
        naive.matching_rules(&message)
    );
    // Both decide alike (they may name different matching rules: any one will do).
    assert_eq!(
        matches!(list.evaluate(&message), RejectOutcome::Pass),
        matches!(naive.evaluate(&message), RejectOutcome::Pass)
    );
    let now = Utc
        .with_ymd_and_hms(2026, 12, 4, 0, 0, 0)
        .single()
        .expect("valid time");
    let plan = policy.plan_delivery(mailbox, &message, SpamVerdict::Spam(true), None, now);
    if let Some(subject) = plan.subject_rewrite {
        // A tagged subject parses back, tagged once.
        let raw = format!("Subject: {subject}\r\n\r\n");
        if let Ok(again) = IncomingMessage::parse(raw.as_bytes(), 1) {
            let decoded = again.subject.unwrap_or_default();
            assert!(decoded.starts_with("[meiwaku]"), "{decoded:?}");
        }
    }
}
