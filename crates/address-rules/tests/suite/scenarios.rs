//! End-to-end scenarios across the crate: an SMTP transaction's addresses, a customer's
//! account over a year.

use chrono::{Duration, TimeZone, Utc};
use mail_policy_address_rules::{
    Account, AddressKind, AddressPolicy, ChangeDecision, ChangeRequest, ExtraDecision, ExtraKind,
    ForwardPath, ParseErrorKind, Rule, Strictness, WireOptions, parse_address_list,
    parse_mail_from, parse_rcpt_to,
};

#[test]
fn an_smtp_transaction() {
    let policy = AddressPolicy::sonet();
    let mail = parse_mail_from(
        "<sender@example.com> SIZE=1048576 SMTPUTF8",
        WireOptions::default(),
    )
    .expect("valid MAIL FROM");
    let options = WireOptions {
        smtputf8: mail.parameters.smtputf8(),
        ..WireOptions::default()
    };
    assert_eq!(mail.parameters.size(), Some(1_048_576));

    let directory = |m: &mail_policy_address_rules::Mailbox| match m.to_string().as_str() {
        "taro@aa2.so-net.ne.jp" => Some(AddressKind::Basic),
        "taro.shop@aa2.so-net.ne.jp" => Some(AddressKind::Plus),
        _ => None,
    };
    let mut kinds = Vec::new();
    for arg in [
        "<Taro@aa2.so-net.ne.jp>",
        "<taro.shop@AA2.SO-NET.NE.JP>",
        "<nobody@aa2.so-net.ne.jp>",
        "<用户@例え.jp>",
        "<Postmaster>",
    ] {
        let rcpt = parse_rcpt_to(arg, options).expect("valid RCPT TO");
        kinds.push(match rcpt.forward_path {
            ForwardPath::Postmaster => None,
            ForwardPath::Mailbox(m) => Some(policy.classify(&m, directory).kind),
        });
    }
    assert_eq!(
        kinds,
        vec![
            Some(AddressKind::Basic),
            Some(AddressKind::Plus),
            Some(AddressKind::UnregisteredIsp),
            Some(AddressKind::Foreign),
            None
        ]
    );
    // Without SMTPUTF8 the UTF-8 recipient is refused, and the error says where.
    let err = parse_rcpt_to("<用户@例え.jp>", WireOptions::default()).expect_err("needs SMTPUTF8");
    assert_eq!(
        (err.kind(), err.offset()),
        (&ParseErrorKind::Utf8WithoutSmtputf8, 1)
    );
    assert_eq!(err.rule(), Rule::AddrRfc);
}

#[test]
fn header_addresses_of_a_japanese_message() {
    let to = parse_address_list(
        "=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <taro@aa2.so-net.ne.jp>,\r\n \"Hanako (home)\" <hanako@ts1.so-net.ne.jp>",
        Strictness::Strict,
    )
    .expect("valid To");
    let addresses: Vec<String> = to
        .iter()
        .flat_map(|a| a.mailboxes())
        .map(|m| m.mailbox.to_string())
        .collect();
    assert_eq!(
        addresses,
        ["taro@aa2.so-net.ne.jp", "hanako@ts1.so-net.ne.jp"]
    );
}

#[test]
fn a_customer_year() {
    let policy = AddressPolicy::sonet();
    let mut address: mail_policy_address_rules::Mailbox =
        "taro@aa2.so-net.ne.jp".parse().expect("address");
    let mut history = Vec::new();
    let mut fees = Vec::new();
    let start = Utc
        .with_ymd_and_hms(2026, 4, 1, 0, 0, 0)
        .single()
        .expect("date");
    for i in 0..12 {
        let now = start + Duration::days(i * 7);
        let name = format!("taro{i}");
        let request = ChangeRequest {
            current: &address,
            new_user_name: &name,
            history: &history,
            now,
        };
        let ChangeDecision::Approved(change) =
            policy.decide_change(request, |_| false).expect("valid")
        else {
            panic!("refused");
        };
        fees.push(change.quote.fee_yen);
        address = change.new_address.clone();
        history.push(now);
    }
    assert_eq!(fees, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 330, 330]);
    assert_eq!(address.to_string(), "taro11@aa2.so-net.ne.jp");

    let account = Account {
        basic: Some(address.clone()),
        ..Account::default()
    };
    let plus = policy.decide_extra_address(
        &account,
        ExtraKind::Plus,
        &"taro.news@aa2.so-net.ne.jp".parse().expect("address"),
        |_| false,
    );
    let ExtraDecision::Approved {
        delivers_to, rule, ..
    } = plus
    else {
        panic!("{plus:?}")
    };
    assert_eq!((delivers_to, rule), (address, Rule::AddrPlus));
}
