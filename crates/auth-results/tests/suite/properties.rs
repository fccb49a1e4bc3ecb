//! proptest: format → parse is the identity on the model; the parser and the forged-header
//! scanner never panic.

use proptest::prelude::*;

use mail_policy_auth_results::{
    AuthenticationResults, MethodResult, Property, parse_authentication_results,
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
}
