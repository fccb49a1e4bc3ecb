//! The header in the seed's shape, and the RFC 8601 Appendix B examples.

use mail_policy_auth_results::{
    AuthenticationResults, MethodResult, Property, parse_authentication_results,
};

/// Unfolds a header: CRLF followed by white space becomes one space, runs of spaces one.
fn unfold(text: &str) -> String {
    text.replace("\r\n", " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn reproduces_the_seed_example() {
    // From the seed (AUTH-IN-FORMAT), as the service shows it.
    let seed = "Authentication-Results: so-net.ne.jp; spf=pass smtp.mailfrom=AAAAA@ts1.so-net.ne.jp; dkim=pass\r\n  header.i=@ts1.so-net.ne.jp; dkim-adsp=pass\r\n  header.from=AAAAA@ts1.so-net.ne.jp; dmarc=pass\r\n  header.from=AAAAA@ts1.so-net.ne.jp\r\n";
    let ours = AuthenticationResults::new(
        "so-net.ne.jp",
        vec![
            MethodResult::new("spf", "pass").with("smtp", "mailfrom", "AAAAA@ts1.so-net.ne.jp"),
            MethodResult::new("dkim", "pass").with("header", "i", "@ts1.so-net.ne.jp"),
            MethodResult::new("dkim-adsp", "pass").with("header", "from", "AAAAA@ts1.so-net.ne.jp"),
            MethodResult::new("dmarc", "pass").with("header", "from", "AAAAA@ts1.so-net.ne.jp"),
        ],
    );
    let header = ours.to_header();
    assert_eq!(unfold(&header), unfold(seed));
    for line in header.split("\r\n") {
        assert!(line.chars().count() <= 78, "line over 78 columns: {line:?}");
    }
    assert!(
        header.ends_with("\r\n") && header.contains("\r\n  "),
        "{header:?}"
    );
    // And the seed's own text parses to the same results.
    let value = unfold(seed.trim_start_matches("Authentication-Results:"));
    assert_eq!(
        parse_authentication_results(&value).expect("seed parses"),
        ours
    );
}

#[test]
fn rfc8601_appendix_b() {
    // B.2: no results.
    let b2 = parse_authentication_results(" example.org 1; none").expect("B.2");
    assert_eq!(
        (b2.authserv_id.as_str(), b2.version, b2.results.len()),
        ("example.org", Some(1), 0)
    );
    // B.3
    let b3 = parse_authentication_results(" example.com; spf=pass smtp.mailfrom=example.net")
        .expect("B.3");
    assert_eq!(
        b3.results[0].properties[0],
        Property::new("smtp", "mailfrom", "example.net")
    );
    // B.4: SMTP AUTH, with a comment.
    let b4 = parse_authentication_results(
        " example.com;\r\n          auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n          spf=pass smtp.mailfrom=example.net",
    )
    .expect("B.4");
    assert_eq!(b4.results.len(), 2);
    assert_eq!(b4.results[0].properties[0].value, "sender@example.net");
    // B.5: several methods, an unknown one kept (sender-id), iprev.
    let b5 = parse_authentication_results(
        " example.com;\r\n          sender-id=fail header.from=example.com;\r\n          dkim=pass (good signature) header.d=example.com",
    )
    .expect("B.5a");
    assert_eq!(b5.results[0].method, "sender-id");
    let b5b = parse_authentication_results(
        " example.com;\r\n          iprev=pass policy.iprev=192.0.2.200",
    )
    .expect("B.5b");
    assert_eq!(b5b.results[0].properties[0].value, "192.0.2.200");
    // B.6: reasons as quoted strings, two DKIM results.
    let b6 = parse_authentication_results(
        " example.com;\r\n          dkim=pass reason=\"good signature\"\r\n            header.i=@mail-router.example.net;\r\n          dkim=fail reason=\"bad signature\"\r\n            header.i=@newyork.example.com",
    )
    .expect("B.6");
    assert_eq!(b6.results[1].reason.as_deref(), Some("bad signature"));
    assert_eq!(
        b6.results[0].properties[0].value,
        "@mail-router.example.net"
    );
    // B.7: comments everywhere, a method version, a policy property.
    let b7 = parse_authentication_results(
        " foo.example.net (foobar) 1 (baz);\r\n    dkim (Because I like it) / 1 (One yay) = (wait for it) fail\r\n      policy (A dot can go here) . (like that) expired\r\n      (this surprised me) = (as I wasn't expecting it) 1362471462",
    )
    .expect("B.7");
    assert_eq!(b7.version, Some(1));
    let dkim = &b7.results[0];
    assert_eq!(
        (
            dkim.method.as_str(),
            dkim.method_version,
            dkim.result.as_str()
        ),
        ("dkim", Some(1), "fail")
    );
    assert_eq!(
        dkim.properties[0],
        Property::new("policy", "expired", "1362471462")
    );
    // Every example formats and parses back to itself.
    for parsed in [b2, b3, b4, b5, b5b, b6, b7] {
        assert_eq!(
            parse_authentication_results(&parsed.to_value()).expect("round trip"),
            parsed
        );
    }
}

#[test]
fn bad_values_are_errors_with_positions() {
    for (value, offset) in [
        ("", 0),
        ("example.com", 11),
        ("example.com; spf", 16),
        ("example.com; spf=", 17),
        ("example.com; spf=pass smtp.mailfrom", 35),
        ("example.com; spf=pass (unterminated", 22),
        ("example.com; none; spf=pass", 19),
        ("\"unterminated", 0),
    ] {
        let err = parse_authentication_results(value).expect_err(value);
        assert_eq!(err.offset(), offset, "{value:?}: {err}");
    }
}

#[test]
fn values_are_quoted_only_when_needed() {
    let header = AuthenticationResults::new(
        "example.com",
        vec![
            MethodResult::new("dkim", "fail")
                .because("body hash mismatch")
                .with("header", "d", "example.com"),
        ],
    );
    assert_eq!(
        header.to_value(),
        "example.com; dkim=fail reason=\"body hash mismatch\" header.d=example.com"
    );
    assert_eq!(
        AuthenticationResults::new("example.com", vec![]).to_value(),
        "example.com; none"
    );
}

#[test]
fn no_header_injection() {
    let evil = AuthenticationResults::new(
        "so-net.ne.jp\r\nBcc: victim@example.com",
        vec![MethodResult::new("spf\r\nX-Evil: 1", "pass").with(
            "smtp",
            "mailfrom",
            "a@b.example\r\nX-Evil: 2",
        )],
    );
    for text in [evil.to_value(), evil.to_header()] {
        let body = text.trim_end_matches("\r\n");
        assert!(!body.replace("\r\n  ", " ").contains('\n'), "{text:?}");
        assert!(
            !body.contains("\r\nBcc") && !body.contains("\r\nX-Evil"),
            "{text:?}"
        );
    }
}
