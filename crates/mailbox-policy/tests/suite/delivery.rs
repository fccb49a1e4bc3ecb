//! Delivery scenarios, one or more per rule ID, through `MailboxPolicy::plan_delivery`.

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use mail_policy_address_rules::Mailbox;
use mail_policy_mailbox_policy::{
    Confirmation, Disposition, Expiry, FolderKind, ForwardDestination, ForwardWhen,
    IncomingMessage, MailboxPolicy, MailboxSettings, RefusalReason, RejectAction, RejectField,
    RejectMode, RejectRule, Rule, ScanResult, SpamMode, SpamVerdict, VirusAction,
};

fn taro() -> Mailbox {
    "taro@aa2.so-net.ne.jp".parse().expect("address")
}

fn now() -> DateTime<Utc> {
    FixedOffset::east_opt(9 * 3600)
        .and_then(|jst| jst.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).single())
        .expect("valid time")
        .with_timezone(&Utc)
}

fn message(headers: &str, size: u64) -> IncomingMessage {
    IncomingMessage::parse(format!("{headers}\r\n\r\nbody").as_bytes(), size).expect("headers")
}

fn ad() -> IncomingMessage {
    // 未承諾広告※ in Shift_JIS, B-encoded.
    message(
        "From: shop@ads.example\r\nTo: taro@aa2.so-net.ne.jp\r\nSubject: =?Shift_JIS?B?lqKPs5H4jUyNkIGm?= winter",
        2_000,
    )
}

fn plain() -> IncomingMessage {
    message(
        "From: Boss <boss@work.example>\r\nTo: taro@aa2.so-net.ne.jp\r\nSubject: meeting",
        2_000,
    )
}

fn forward_to(address: &str) -> ForwardDestination {
    ForwardDestination {
        address: address.into(),
        when: ForwardWhen::Matching,
        conditions: vec![],
        confirmation: Confirmation::Confirmed,
    }
}

fn rules_of(plan: &mail_policy_mailbox_policy::DeliveryPlan) -> Vec<Rule> {
    plan.rules().collect()
}

#[test]
fn mbx_retain_plain_mail_is_stored_two_months_in_japan_time() {
    let policy = MailboxPolicy::sonet();
    let mailbox = policy
        .compile_mailbox(&taro(), &MailboxSettings::default())
        .expect("settings");
    let plan = policy.plan_delivery(&mailbox, &plain(), SpamVerdict::Unknown, None, now());
    // Received Dec 31 23:30 in Japan: expires Feb 28 23:30 in Japan.
    let expected = FixedOffset::east_opt(9 * 3600)
        .and_then(|jst| jst.with_ymd_and_hms(2027, 2, 28, 23, 30, 0).single())
        .expect("valid time")
        .with_timezone(&Utc);
    assert_eq!(
        plan.disposition,
        Disposition::Store {
            folder: FolderKind::Inbox,
            expires: Expiry::At(expected)
        }
    );
    assert_eq!(rules_of(&plan), vec![Rule::MbxRetain]);
    assert!(plan.forward_to.is_empty() && plan.subject_rewrite.is_none());
}

#[test]
fn mbx_cap_there_is_no_quota() {
    // No setting or input limits a mailbox's size or count: a report over a million
    // messages has no "full" state, and delivery still stores.
    let policy = MailboxPolicy::sonet();
    let listing = (0..1_000_000u64).map(|_| (FolderKind::ImapUser, now()));
    let report = policy.retention().report(listing, now(), Duration::days(7));
    assert_eq!((report.total, report.due), (1_000_000, 0));
}

#[test]
fn mbx_size_refuses_over_the_limit() {
    let policy = MailboxPolicy::sonet();
    let mailbox = policy
        .compile_mailbox(&taro(), &MailboxSettings::default())
        .expect("settings");
    let big = message(
        "From: a@example.com\r\nSubject: photos",
        20 * 1024 * 1024 + 1,
    );
    let plan = policy.plan_delivery(&mailbox, &big, SpamVerdict::Unknown, None, now());
    assert_eq!(
        plan.disposition,
        Disposition::Refuse {
            reason: RefusalReason::TooLarge {
                size: 20_971_521,
                limit: 20_971_520
            }
        }
    );
    assert_eq!(rules_of(&plan), vec![Rule::MbxSize]);
}

#[test]
fn rej_discard_and_refuse() {
    let policy = MailboxPolicy::sonet();
    let mut settings = MailboxSettings::default();
    settings.reject.mode = RejectMode::RejectMatching;
    settings.reject.rules = vec![RejectRule::contains(RejectField::Subject, "未承諾広告※")];
    let discard = policy
        .compile_mailbox(&taro(), &settings)
        .expect("settings");
    let plan = policy.plan_delivery(&discard, &ad(), SpamVerdict::Unknown, None, now());
    assert_eq!(plan.disposition, Disposition::Discard);
    assert_eq!(rules_of(&plan), vec![Rule::RejFields]);

    settings.reject.action = RejectAction::Refuse;
    let refuse = policy
        .compile_mailbox(&taro(), &settings)
        .expect("settings");
    let plan = policy.plan_delivery(&refuse, &ad(), SpamVerdict::Unknown, None, now());
    assert_eq!(
        plan.disposition,
        Disposition::Refuse {
            reason: RefusalReason::RejectList {
                matched_rule: Some(0)
            }
        }
    );

    let plan = policy.plan_delivery(&refuse, &plain(), SpamVerdict::Unknown, None, now());
    assert!(matches!(plan.disposition, Disposition::Store { .. }));
}

#[test]
fn rej_scope_accept_only_and_reject_all() {
    let policy = MailboxPolicy::sonet();
    let mut settings = MailboxSettings::default();
    settings.reject.mode = RejectMode::AcceptOnlyMatching;
    settings.reject.rules = vec![RejectRule::contains(RejectField::From, "work.example")];
    let only = policy
        .compile_mailbox(&taro(), &settings)
        .expect("settings");
    assert!(matches!(
        policy
            .plan_delivery(&only, &plain(), SpamVerdict::Unknown, None, now())
            .disposition,
        Disposition::Store { .. }
    ));
    let plan = policy.plan_delivery(&only, &ad(), SpamVerdict::Unknown, None, now());
    assert_eq!(
        (plan.disposition.clone(), rules_of(&plan)),
        (Disposition::Discard, vec![Rule::RejScope])
    );
    settings.reject.mode = RejectMode::RejectAll;
    let all = policy
        .compile_mailbox(&taro(), &settings)
        .expect("settings");
    assert_eq!(
        policy
            .plan_delivery(&all, &plain(), SpamVerdict::Unknown, None, now())
            .disposition,
        Disposition::Discard
    );
}

#[test]
fn rej_carry_settings_move_to_a_new_address_unchanged() {
    let policy = MailboxPolicy::sonet();
    let mut settings = MailboxSettings::default();
    settings.reject.mode = RejectMode::RejectMatching;
    settings.reject.rules = vec![RejectRule::contains(RejectField::Subject, "未承諾広告※")];
    // The caller stores settings as data; after an address change it compiles the same
    // data for the new address.
    let stored = toml::to_string(&settings).expect("serialize");
    let moved: MailboxSettings = toml::from_str(&stored).expect("deserialize");
    let new_address: Mailbox = "taro2027@aa2.so-net.ne.jp".parse().expect("address");
    let mailbox = policy
        .compile_mailbox(&new_address, &moved)
        .expect("settings");
    assert_eq!(
        policy
            .plan_delivery(&mailbox, &ad(), SpamVerdict::Unknown, None, now())
            .disposition,
        Disposition::Discard
    );
}

#[test]
fn fwd_rules_keep_and_loop() {
    let policy = MailboxPolicy::sonet();
    let mut settings = MailboxSettings::default();
    settings.forwarding.keep_copy = false;
    settings.forwarding.destinations = vec![forward_to("taro.mobile@example.jp")];
    let mailbox = policy
        .compile_mailbox(&taro(), &settings)
        .expect("settings");
    let plan = policy.plan_delivery(&mailbox, &plain(), SpamVerdict::Unknown, None, now());
    assert_eq!(plan.disposition, Disposition::NotKept);
    assert_eq!(plan.forward_to.len(), 1);
    assert_eq!(
        plan.forward_marker,
        Some((
            "X-Mail-Policy-Forwarded".into(),
            "taro@aa2.so-net.ne.jp".into()
        ))
    );
    assert_eq!(rules_of(&plan), vec![Rule::FwdRules, Rule::FwdKeep]);

    // The forwarded copy comes back (the destination forwards to us): not forwarded
    // again, and kept, so nothing is lost.
    let returned = message(
        "From: Boss <boss@work.example>\r\nX-Mail-Policy-Forwarded: taro@aa2.so-net.ne.jp\r\nSubject: meeting",
        2_000,
    );
    let plan = policy.plan_delivery(&mailbox, &returned, SpamVerdict::Unknown, None, now());
    assert!(plan.forward_to.is_empty());
    assert!(matches!(plan.disposition, Disposition::Store { .. }));
    assert!(rules_of(&plan).contains(&Rule::FwdLoop));
}

#[test]
fn fwd_consent_unconfirmed_destinations_get_nothing() {
    let policy = MailboxPolicy::sonet();
    let mut settings = MailboxSettings::default();
    let mut pending = forward_to("new@example.jp");
    pending.confirmation = Confirmation::Pending(mail_policy_mailbox_policy::PendingConfirmation {
        key: "123456".into(),
        expires_at: now() + Duration::days(1),
        attempts_left: 5,
    });
    settings.forwarding.destinations = vec![pending];
    let mailbox = policy
        .compile_mailbox(&taro(), &settings)
        .expect("settings");
    let plan = policy.plan_delivery(&mailbox, &plain(), SpamVerdict::Unknown, None, now());
    assert!(plan.forward_to.is_empty());
    assert!(rules_of(&plan).contains(&Rule::FwdConsent));
}

#[test]
fn spam_sort_mode_a_tags_mode_b_files() {
    let policy = MailboxPolicy::sonet();
    let mut settings = MailboxSettings::default();
    settings.spam.mode = SpamMode::TagSubject;
    let tag = policy
        .compile_mailbox(&taro(), &settings)
        .expect("settings");
    let plan = policy.plan_delivery(&tag, &ad(), SpamVerdict::Spam(true), None, now());
    assert_eq!(
        plan.subject_rewrite.as_deref(),
        Some("[meiwaku] =?Shift_JIS?B?lqKPs5H4jUyNkIGm?= winter")
    );
    assert!(matches!(
        plan.disposition,
        Disposition::Store {
            folder: FolderKind::Inbox,
            ..
        }
    ));
    assert_eq!(rules_of(&plan)[0], Rule::SpamSort);

    settings.spam.mode = SpamMode::SpamFolder;
    let folder = policy
        .compile_mailbox(&taro(), &settings)
        .expect("settings");
    let plan = policy.plan_delivery(&folder, &ad(), SpamVerdict::Score(11.0), None, now());
    assert_eq!(
        plan.disposition,
        Disposition::Store {
            folder: FolderKind::Spam,
            expires: Expiry::At(now() + Duration::days(15))
        }
    );
    assert_eq!(rules_of(&plan), vec![Rule::SpamLevel, Rule::MbxRetainJunk]);
}

#[test]
fn spam_is_not_forwarded() {
    let policy = MailboxPolicy::sonet();
    let mut settings = MailboxSettings::default();
    settings.spam.mode = SpamMode::SpamFolder;
    settings.forwarding.keep_copy = false;
    settings.forwarding.destinations = vec![forward_to("taro.mobile@example.jp")];
    let mailbox = policy
        .compile_mailbox(&taro(), &settings)
        .expect("settings");
    let plan = policy.plan_delivery(&mailbox, &ad(), SpamVerdict::Spam(true), None, now());
    assert!(plan.forward_to.is_empty());
    assert!(matches!(
        plan.disposition,
        Disposition::Store {
            folder: FolderKind::Spam,
            ..
        }
    ));
}

#[test]
fn virus_check_subscriptions_and_actions() {
    let policy = MailboxPolicy::sonet();
    let infected = ScanResult::Infected("EICAR-Test-File".into());
    let mut settings = MailboxSettings::default();
    // Not subscribed: the result is not consulted.
    let unsubscribed = policy
        .compile_mailbox(&taro(), &settings)
        .expect("settings");
    let plan = policy.plan_delivery(
        &unsubscribed,
        &plain(),
        SpamVerdict::Unknown,
        Some(&infected),
        now(),
    );
    assert!(!rules_of(&plan).contains(&Rule::VirusCheck));

    settings.virus.incoming = true;
    for (action, expected) in [
        (VirusAction::Discard, Disposition::Discard),
        (
            VirusAction::Refuse,
            Disposition::Refuse {
                reason: RefusalReason::Virus {
                    name: "EICAR-Test-File".into(),
                },
            },
        ),
    ] {
        settings.virus.on_virus = action;
        let mailbox = policy
            .compile_mailbox(&taro(), &settings)
            .expect("settings");
        let plan = policy.plan_delivery(
            &mailbox,
            &plain(),
            SpamVerdict::Unknown,
            Some(&infected),
            now(),
        );
        assert_eq!(plan.disposition, expected);
        assert_eq!(rules_of(&plan), vec![Rule::VirusCheck]);
    }
    settings.virus.on_virus = VirusAction::Clean;
    let mailbox = policy
        .compile_mailbox(&taro(), &settings)
        .expect("settings");
    let plan = policy.plan_delivery(
        &mailbox,
        &plain(),
        SpamVerdict::Unknown,
        Some(&infected),
        now(),
    );
    assert!(plan.deliver_cleaned);
    assert!(matches!(plan.disposition, Disposition::Store { .. }));
}

#[test]
fn plans_without_explanations_decide_the_same_and_name_the_same_rules() {
    let policy = MailboxPolicy::sonet();
    let mailbox = policy
        .compile_mailbox(&taro(), &MailboxSettings::default())
        .expect("settings");
    let oversize = message("From: a@b.example\r\nSubject: big", 30_000_000);
    for (message, spam) in [
        (plain(), SpamVerdict::Unknown),
        (ad(), SpamVerdict::Score(12.0)),
        (oversize, SpamVerdict::Unknown),
    ] {
        let explained = policy.plan_delivery_explained(&mailbox, &message, spam, None, now(), true);
        let quiet = policy.plan_delivery_explained(&mailbox, &message, spam, None, now(), false);
        assert_eq!(
            explained,
            policy.plan_delivery(&mailbox, &message, spam, None, now())
        );
        assert!(explained.trace.iter().all(|step| !step.outcome.is_empty()));
        assert!(quiet.trace.iter().all(|step| step.outcome.is_empty()));
        assert_eq!(rules_of(&quiet), rules_of(&explained));
        assert_eq!(quiet.disposition, explained.disposition);
        assert_eq!(quiet.subject_rewrite, explained.subject_rewrite);
        assert_eq!(quiet.forward_to, explained.forward_to);
    }
}
