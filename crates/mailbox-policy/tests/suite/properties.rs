//! proptest properties: retention expiry is monotonic in receipt time; the compiled reject
//! matcher agrees with the naive reference on random rules and messages; decoding and
//! matching never panic.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

use mail_policy_mailbox_policy::{
    Expiry, FolderKind, IncomingMessage, MailboxPolicy, NaiveRejectList, RejectField, RejectList,
    RejectListConfig, RejectMode, RejectRule,
};

use crate::fuzz_checks;

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    // 1990 to 2100, second resolution.
    (631_152_000i64..4_102_444_800)
        .prop_map(|s| Utc.timestamp_opt(s, 0).single().expect("in range"))
}

fn folder() -> impl Strategy<Value = FolderKind> {
    prop::sample::select(vec![
        FolderKind::Inbox,
        FolderKind::Spam,
        FolderKind::Trash,
        FolderKind::ImapUser,
    ])
}

/// Words that rules and messages share, in several scripts and widths, so matches happen.
const WORDS: &[&str] = &[
    "sale",
    "SALE",
    "ＳＡＬＥ",
    "ｾｰﾙ",
    "セール",
    "未承諾広告※",
    "広告",
    "invoice",
    "請求書",
    "example",
    "spam.example",
    "山田",
    "taro",
    "Ünïcödé",
    "①",
    "x",
    "meeting",
];

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(WORDS).prop_map(str::to_owned)
}

fn rule() -> impl Strategy<Value = RejectRule> {
    prop_oneof![
        (
            prop::sample::select(vec![
                RejectField::From,
                RejectField::To,
                RejectField::Subject
            ]),
            word()
        )
            .prop_map(|(field, text)| RejectRule::contains(field, text)),
        (0u64..64).prop_map(RejectRule::at_least_kb),
        (0u64..64).prop_map(RejectRule::under_kb),
    ]
}

/// A header section with an encoded or plain subject made of the shared words.
fn message() -> impl Strategy<Value = (Vec<u8>, u64)> {
    (
        prop::collection::vec(word(), 0..5),
        prop::collection::vec(word(), 0..3),
        any::<bool>(),
        0u64..70_000,
    )
        .prop_map(|(subject, from, encode, size)| {
            let subject = subject.join(" ");
            let subject = if encode {
                format!("=?UTF-8?B?{}?=", base64(subject.as_bytes()))
            } else {
                subject
            };
            let from = format!("{} <{}@mail.example>", from.join(" "), "user");
            (
                format!("From: {from}\r\nTo: taro@aa2.so-net.ne.jp\r\nSubject: {subject}\r\n\r\n")
                    .into_bytes(),
                size,
            )
        })
}

/// Standard base64 (RFC 4648), for building encoded words in tests.
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn retention_expiry_is_monotonic_in_receipt_time(folder in folder(), a in instant(), b in instant()) {
        let policy = MailboxPolicy::sonet();
        let (early, late) = if a <= b { (a, b) } else { (b, a) };
        let (e1, _) = policy.retention().expiry(folder, early);
        let (e2, _) = policy.retention().expiry(folder, late);
        prop_assert!(e1 <= e2, "{folder:?}: {early} -> {e1:?}, {late} -> {e2:?}");
        // And nothing expires before it arrives.
        if let Expiry::At(at) = e1 {
            prop_assert!(at > early);
        }
    }

    #[test]
    fn inbox_keeps_mail_at_least_59_days_and_at_most_62(received in instant()) {
        let policy = MailboxPolicy::sonet();
        let (Expiry::At(at), _) = policy.retention().expiry(FolderKind::Inbox, received) else {
            panic!("inbox mail expires");
        };
        let kept = at - received;
        prop_assert!(kept >= Duration::days(59) && kept <= Duration::days(62), "{kept}");
    }

    #[test]
    fn compiled_matcher_agrees_with_naive(
        rules in prop::collection::vec(rule(), 0..40),
        (raw, size) in message(),
    ) {
        let config = RejectListConfig { mode: RejectMode::RejectMatching, action: Default::default(), rules };
        let list = RejectList::compile(&config).expect("generated rules are valid");
        let message = IncomingMessage::parse(&raw, size).expect("generated headers parse");
        let naive = NaiveRejectList::compile(&config).expect("generated rules are valid");
        prop_assert_eq!(list.matching_rules(&message), naive.matching_rules(&message));
    }

    #[test]
    fn decoding_and_matching_never_panic(data in prop::collection::vec(any::<u8>(), 0..300)) {
        fuzz_checks::reject_matching(&data);
    }

    #[test]
    fn headerish_text_never_panics(text in "(From|To|Subject|X-Priority|Delivered-To): [ -~\u{3000}-\u{30ff}=?]{0,60}\r\n(Subject: =\\?(UTF-8|ISO-2022-JP|Shift_JIS)\\?[BQ]\\?[A-Za-z0-9+/=_]{0,40}\\?=\r\n)?\r\n") {
        fuzz_checks::reject_matching(text.as_bytes());
    }
}

#[test]
fn base64_helper_matches_rfc4648() {
    assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"f"), "Zg==");
}
