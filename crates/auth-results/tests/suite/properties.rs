//! proptest: format → parse is the identity on the model (also for headers made from
//! verification reports); ADSP records parse whatever the whitespace and extra tags; a
//! valid author signature is always ADSP pass; the parsers never panic.

use proptest::prelude::*;

use mail_policy_auth_results::{
    AdspLookup, AdspPractice, AdspResult, AuthReport, AuthenticationResults, DkimCheck, DkimResult,
    MethodResult, Property, evaluate_adsp, parse_adsp_record, parse_authentication_results,
};

use crate::fuzz_checks;

fn keyword() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,8}"
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9.+_-]{1,12}",
        "[a-z0-9.]{0,8}@[a-z0-9]{1,8}(\\.[a-z]{2,4}){1,2}",
        "[ -~]{0,16}",
        "[a-zé用 ]{1,6}",
    ]
}

fn result() -> impl Strategy<Value = MethodResult> {
    (
        keyword(),
        prop::option::of(0u32..5),
        keyword(),
        prop::option::of(value()),
        prop::collection::vec((keyword(), keyword(), value()), 0..4),
    )
        .prop_map(
            |(method, method_version, result, reason, properties)| MethodResult {
                method: method.into(),
                method_version,
                result: result.into(),
                reason: reason.map(Into::into),
                properties: properties
                    .into_iter()
                    .map(|(ptype, property, value)| Property {
                        ptype: ptype.into(),
                        property: property.into(),
                        value: value.into(),
                    })
                    .collect(),
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn format_then_parse_is_the_identity(
        authserv_id in "[a-z0-9.-]{1,20}",
        version in prop::option::of(1u32..3),
        results in prop::collection::vec(result(), 0..5),
    ) {
        let header = AuthenticationResults { authserv_id: authserv_id.into(), version, results };
        prop_assert_eq!(parse_authentication_results(&header.to_value()), Ok(header.clone()));
        let folded = header.to_header();
        let value = folded.trim_start_matches("Authentication-Results:");
        prop_assert_eq!(parse_authentication_results(value), Ok(header));
    }

    #[test]
    fn never_panics(text in ".{0,120}") {
        fuzz_checks::authentication_results(text.as_bytes());
        fuzz_checks::forged_scan(text.as_bytes());
    }

    #[test]
    fn adsp_records_parse_whatever_the_spacing(
        practice in prop_oneof![Just("unknown"), Just("all"), Just("discardable")],
        before in "[ \t]{0,3}",
        after in "[ \t]{0,3}",
        extra in prop::collection::vec(("[a-z][a-z0-9_]{0,5}", "[!-:<-~]{0,8}"), 0..3),
        trailing in prop::bool::ANY,
    ) {
        let mut record = format!("{before}dkim{after}={before}{practice}{after}");
        let mut used = vec!["dkim".to_owned()];
        for (name, value) in &extra {
            if !used.contains(name) {
                used.push(name.clone());
                record.push_str(&format!(";{before}{name}={value}{after}"));
            }
        }
        if trailing {
            record.push(';');
        }
        let expected = match practice {
            "all" => AdspPractice::All,
            "discardable" => AdspPractice::Discardable,
            _ => AdspPractice::Unknown,
        };
        prop_assert_eq!(parse_adsp_record(&record), Ok(expected));
    }

    #[test]
    fn a_valid_author_signature_is_always_adsp_pass(
        domain in "[a-z]{1,8}\\.(jp|com|example)",
        others in prop::collection::vec(("[a-z]{1,8}\\.jp", 0usize..6), 0..4),
        record in prop::option::of(prop_oneof![Just("dkim=all"), Just("dkim=discardable")]),
    ) {
        let words = [
            DkimResult::None, DkimResult::Neutral, DkimResult::Pass,
            DkimResult::Fail, DkimResult::TempError, DkimResult::PermError,
        ];
        let check = |domain: &str, result| DkimCheck {
            result,
            domain: Some(domain.to_owned()),
            identity: None,
            selector: None,
            reason: None,
        };
        let mut checks: Vec<DkimCheck> =
            others.iter().map(|(d, w)| check(d, words[*w])).collect();
        let lookup = AdspLookup::Records(record.iter().map(|r| r.to_string()).collect());
        // Without our domain's pass, ADSP never passes.
        let without = evaluate_adsp(&domain, &checks, Some(&lookup));
        prop_assert!(
            without.result != AdspResult::Pass
                || checks.iter().any(|c| c.result == DkimResult::Pass
                    && c.domain.as_deref() == Some(domain.as_str()))
        );
        checks.push(check(&domain.to_ascii_uppercase(), DkimResult::Pass));
        prop_assert_eq!(evaluate_adsp(&domain, &checks, Some(&lookup)).result, AdspResult::Pass);
    }

    #[test]
    fn report_headers_parse_back(
        identities in prop::collection::vec("[a-z]{0,6}@[a-z]{1,8}\\.jp", 0..4),
        reason in prop::option::of("[ -~]{0,20}"),
    ) {
        let mut report = AuthReport::empty();
        for identity in &identities {
            report.dkim.push(DkimCheck {
                result: DkimResult::Fail,
                domain: None,
                identity: Some(identity.clone()),
                selector: None,
                reason: reason.clone(),
            });
        }
        let header = report.to_authentication_results("so-net.ne.jp");
        prop_assert_eq!(parse_authentication_results(&header.to_value()), Ok(header));
    }

    #[test]
    fn adsp_and_key_parsers_never_panic(data in prop::collection::vec(any::<u8>(), 0..200)) {
        fuzz_checks::adsp_record(&data);
        #[cfg(feature = "mail-auth")]
        crate::fuzz_dkim::dkim_key(&data);
    }
}
