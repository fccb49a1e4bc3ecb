//! The checks behind the `authentication_results` and `forged_scan` fuzz targets, shared
//! with `cargo test` like `address.rs`.

use mail_policy_auth_results::{
    AuthenticationResultsRef, ForgedConfig, find_forged, parse_authentication_results,
};

/// Parses `data` as an `Authentication-Results` value; what parses must format and parse
/// back to the same value, folded or not, and errors must point inside the input.
#[allow(unreachable_pub)] // public for the fuzz target, private where tests include this file
pub fn authentication_results(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The borrowed parse, into buffers that held another header, agrees with the owned one.
    let mut reused = AuthenticationResultsRef::parse("example.jp; spf=pass smtp.mailfrom=a@b.jp")
        .expect("a valid header");
    let borrowed = reused.parse_into(text).map(|()| reused.to_owned_results());
    assert_eq!(borrowed, parse_authentication_results(text), "{text:?}");
    match parse_authentication_results(text) {
        Ok(parsed) => {
            let value = parsed.to_value();
            assert_eq!(
                parse_authentication_results(&value).as_ref(),
                Ok(&parsed),
                "{text:?} -> {value:?}"
            );
            let folded = parsed.to_header();
            let unfolded = folded.trim_start_matches("Authentication-Results:");
            assert_eq!(
                parse_authentication_results(unfolded).as_ref(),
                Ok(&parsed),
                "{text:?} -> {folded:?}"
            );
        }
        Err(e) => assert!(e.offset() <= text.len(), "{text:?}: {e}"),
    }
}

/// Splits `data` into header lines (`name: value`) and scans them for forged headers;
/// every index found must be a header with one of our ids.
#[allow(unreachable_pub)] // see above
pub fn forged_scan(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let headers: Vec<(&str, &str)> = text
        .lines()
        .filter_map(|line| line.split_once(':'))
        .collect();
    let config = ForgedConfig {
        include_arc: true,
        ..ForgedConfig::default()
    };
    for forged in find_forged(&config, headers.iter().copied()) {
        assert!(forged.index < headers.len());
        assert!(
            config
                .authserv_ids
                .iter()
                .any(|id| id.eq_ignore_ascii_case(&forged.claimed))
        );
    }
}

/// Parses `data` as an ADSP record; a practice found must survive rewriting the record in
/// canonical form, and errors must point inside the input.
#[allow(unreachable_pub)] // see above
pub fn adsp_record(data: &[u8]) {
    use mail_policy_auth_results::{AdspPractice, AdspRecordError, parse_adsp_record};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_adsp_record(text) {
        Ok(practice) => {
            let word = match practice {
                AdspPractice::Unknown => "unknown",
                AdspPractice::All => "all",
                AdspPractice::Discardable => "discardable",
            };
            assert_eq!(parse_adsp_record(&format!("dkim={word}")), Ok(practice));
        }
        Err(AdspRecordError::Malformed(offset)) => assert!(offset <= text.len(), "{text:?}"),
        Err(_) => {}
    }
}
