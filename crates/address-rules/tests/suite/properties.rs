//! proptest properties: round trips, idempotent normalisation, no panic on any input, and
//! the address-change quota.

use chrono::{DateTime, Datelike, Duration, FixedOffset, TimeZone, Utc};
use proptest::prelude::*;
use proptest::string::string_regex;

use mail_policy_address_rules::{
    AddressPolicy, ChangeDecision, ChangeRequest, Domain, Mailbox, Strictness, WireOptions,
    format_address_list, parse_address_list, parse_mail_from,
};

use crate::fuzz_checks;

fn regex(pattern: &str) -> impl Strategy<Value = String> + use<> {
    string_regex(pattern).expect("valid regex")
}

/// Local parts: dot-atoms (ASCII and UTF-8, mixed case) or quoted printable text.
fn local_part() -> impl Strategy<Value = String> {
    prop_oneof![
        regex("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,8}(\\.[A-Za-z0-9_-]{1,8}){0,3}"),
        regex("[a-zA-Zé用户ÄİßΣ]{1,6}(\\.[a-zß]{1,4})?"),
        regex("[ -~]{0,12}").prop_map(|content| {
            let escaped: String = content
                .chars()
                .flat_map(|c| match c {
                    '"' | '\\' => vec!['\\', c],
                    c => vec![c],
                })
                .collect();
            format!("\"{escaped}\"")
        }),
    ]
}

/// Domains: LDH names (mixed case), IDN labels, address literals.
fn domain() -> impl Strategy<Value = String> {
    let label = regex("[A-Za-z0-9]([A-Za-z0-9-]{0,8}[A-Za-z0-9])?");
    let idn = prop::sample::select(vec![
        "例え",
        "テスト",
        "bücher",
        "münchen",
        "日本語",
        "xn--r8jz45g",
    ]);
    prop_oneof![
        (prop::collection::vec(label, 1..4), regex("[a-z]{2,6}"))
            .prop_map(|(labels, tld)| format!("{}.{tld}", labels.join("."))),
        (idn, regex("[a-z]{2,3}")).prop_map(|(label, tld)| format!("{label}.{tld}")),
        any::<[u8; 4]>().prop_map(|o| format!("[{}.{}.{}.{}]", o[0], o[1], o[2], o[3])),
        any::<u128>().prop_map(|v| format!("[IPv6:{}]", std::net::Ipv6Addr::from(v))),
    ]
}

fn mailbox_text() -> impl Strategy<Value = String> {
    (local_part(), domain()).prop_map(|(local, domain)| format!("{local}@{domain}"))
}

/// Text made mostly of the characters address grammars care about.
fn mailish() -> impl Strategy<Value = String> {
    regex("[<>@.\"\\\\()\\[\\]:;, \t\r\na-zA-Z0-9=_~-]{0,64}|[<>@.\"a-z用例é ]{0,32}|.{0,48}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn valid_mailboxes_parse_and_round_trip(text in mailbox_text()) {
        let mailbox: Mailbox = match text.parse() {
            Ok(mailbox) => mailbox,
            // Generated text can exceed a length limit; that must be the reason.
            Err(e) => {
                prop_assert!(text.len() > 64, "{text:?} refused: {e}");
                return Ok(());
            }
        };
        let printed = mailbox.to_string();
        prop_assert_eq!(&mailbox.to_canonical_string(), &printed);
        prop_assert_eq!(printed.parse::<Mailbox>(), Ok(mailbox.clone()));
        // The same mailbox through the wire and header parsers.
        let wire = parse_mail_from(&format!("<{printed}>"), WireOptions { smtputf8: true, ..WireOptions::default() });
        prop_assert_eq!(wire.map(|m| m.reverse_path.mailbox().cloned()), Ok(Some(mailbox.clone())));
        let header = parse_address_list(&printed, Strictness::Strict);
        prop_assert!(header.is_ok(), "{printed:?}: {header:?}");
        prop_assert_eq!(header.unwrap()[0].mailboxes().next().map(|m| m.mailbox.clone()), Some(mailbox));
    }

    #[test]
    fn normalisation_is_idempotent(text in mailbox_text()) {
        if let Ok(mailbox) = text.parse::<Mailbox>() {
            let once = mailbox.normalized();
            prop_assert_eq!(once.normalized(), once.clone());
            prop_assert_eq!(mailbox.clone().into_normalized(), once.clone());
            // Case never matters after normalisation.
            let upper: Result<Mailbox, _> = mailbox.to_string().to_uppercase().parse();
            if let (Ok(upper), Domain::Name(_)) = (upper, mailbox.domain()) {
                if mailbox.local_part().as_str().is_ascii() {
                    prop_assert_eq!(upper.normalized(), once);
                }
            }
        }
    }

    #[test]
    fn parsers_never_panic_and_round_trip_what_they_accept(text in mailish()) {
        fuzz_checks::wire_address(text.as_bytes());
        fuzz_checks::header_address_list(text.as_bytes());
    }

    #[test]
    fn any_string_never_panics(text in any::<String>()) {
        fuzz_checks::wire_address(text.as_bytes());
        fuzz_checks::header_address_list(text.as_bytes());
    }

    #[test]
    fn any_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..96)) {
        fuzz_checks::wire_address(&bytes);
        fuzz_checks::header_address_list(&bytes);
    }

    #[test]
    fn address_lists_round_trip(
        entries in prop::collection::vec(
            (prop::option::of(regex("[A-Za-z]{1,6}( [A-Za-z.]{1,6}){0,2}|\"[ -~]{0,8}\"")), mailbox_text()),
            1..5,
        )
    ) {
        let input = entries
            .iter()
            .map(|(name, addr)| match name {
                Some(name) => format!("{name} <{addr}>"),
                None => addr.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ");
        if let Ok(list) = parse_address_list(&input, Strictness::Lenient) {
            let printed = format_address_list(&list);
            prop_assert_eq!(parse_address_list(&printed, Strictness::Strict), Ok(list));
        }
    }
}

/// Our own reading of "fiscal year" for the property below: Japan time, April to March.
fn fiscal_year_of(at: DateTime<Utc>) -> i32 {
    let japan = at.with_timezone(&FixedOffset::east_opt(9 * 3600).expect("offset"));
    if japan.month() < 4 {
        japan.year() - 1
    } else {
        japan.year()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The fee is 0 for exactly the first 10 changes of each fiscal year, then 330.
    #[test]
    fn fee_is_zero_for_exactly_the_first_ten_changes_of_each_fiscal_year(
        mut offsets in prop::collection::vec(0i64..3 * 366 * 86_400, 0..40)
    ) {
        let policy = AddressPolicy::sonet();
        let base = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).single().expect("date");
        offsets.sort_unstable();
        let times: Vec<_> = offsets.iter().map(|&s| base + Duration::seconds(s)).collect();
        let current: Mailbox = "taro@aa2.so-net.ne.jp".parse().expect("address");
        let mut per_year = std::collections::HashMap::new();
        for (i, &now) in times.iter().enumerate() {
            let request = ChangeRequest {
                current: &current,
                new_user_name: "hanako",
                history: &times[..i],
                now,
            };
            let ChangeDecision::Approved(change) = policy.decide_change(request, |_| false).expect("valid request") else {
                panic!("refused");
            };
            let nth = per_year.entry(fiscal_year_of(now)).or_insert(0u32);
            *nth += 1;
            prop_assert_eq!(change.quote.fiscal_year.start_year, fiscal_year_of(now));
            prop_assert_eq!(change.quote.change_number, *nth);
            prop_assert_eq!(change.quote.fee_yen, if *nth <= 10 { 0 } else { 330 });
        }
    }

    /// 15:00:00Z on March 31 (April 1, 00:00 in Japan) starts a new fiscal year; one
    /// second earlier does not.
    #[test]
    fn the_fiscal_year_turns_at_japanese_midnight(year in 1990i32..2200) {
        let policy = AddressPolicy::sonet();
        let turn = Utc.with_ymd_and_hms(year, 3, 31, 15, 0, 0).single().expect("date");
        prop_assert_eq!(policy.fiscal_year(turn).start_year, year);
        prop_assert_eq!(policy.fiscal_year(turn - Duration::seconds(1)).start_year, year - 1);
        prop_assert_eq!(policy.fiscal_year(turn).starts, turn);
    }
}

#[test]
fn the_issue_s_instants() {
    let policy = AddressPolicy::sonet();
    let start = Utc
        .with_ymd_and_hms(2027, 3, 31, 15, 0, 0)
        .single()
        .expect("date");
    let before = Utc
        .with_ymd_and_hms(2027, 3, 31, 14, 59, 59)
        .single()
        .expect("date");
    assert_eq!(policy.fiscal_year(start).start_year, 2027);
    assert_eq!(policy.fiscal_year(before).start_year, 2026);
    // Ten changes in FY2026: the eleventh costs at 14:59:59Z and is free at 15:00:00Z.
    let history: Vec<_> = (0..10).map(|d| before - Duration::days(d + 1)).collect();
    assert_eq!(
        policy.change_fee(&history, before).expect("quote").fee_yen,
        330
    );
    assert_eq!(
        policy.change_fee(&history, start).expect("quote").fee_yen,
        0
    );
}
