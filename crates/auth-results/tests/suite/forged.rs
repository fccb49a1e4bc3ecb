//! AUTH-IN-FORGED: headers claiming our authserv-id, however written, are found; others
//! are not.

use mail_policy_auth_results::{ForgedAction, ForgedConfig, Rule, find_forged};

#[test]
fn finds_our_id_however_written() {
    let headers = [
        ("Received", "from x by y"),
        (
            "Authentication-Results",
            " so-net.ne.jp; spf=pass smtp.mailfrom=a@b",
        ),
        ("authentication-results", " SO-NET.NE.JP; dkim=pass"),
        (
            "Authentication-Results",
            " (forged) so-net.ne.jp 1 (v1); dmarc=pass",
        ),
        ("Authentication-Results", "\r\n gyao.ne.jp;\r\n dkim=pass"),
        ("Authentication-Results", " \"so-net.ne.jp\"; none"),
        (
            "Authentication-Results",
            " so-net.ne.jp.evil.example; spf=pass",
        ),
        ("Authentication-Results", " mx.google.com; spf=pass"),
        ("X-Authentication-Results", " so-net.ne.jp; spf=pass"),
        (
            "ARC-Authentication-Results",
            " i=1; so-net.ne.jp; dkim=pass",
        ),
        (
            "Authentication-Results",
            " so-net.ne.jp; this is not valid ;;; at all",
        ),
    ];
    let found = find_forged(&ForgedConfig::default(), headers.iter().copied());
    let indexes: Vec<usize> = found.iter().map(|f| f.index).collect();
    assert_eq!(indexes, [1, 2, 3, 4, 5, 10]);
    assert!(
        found
            .iter()
            .all(|f| f.rule == Rule::AuthInForged && f.action == ForgedAction::Remove)
    );

    let with_arc = ForgedConfig {
        include_arc: true,
        action: ForgedAction::Rename,
        ..ForgedConfig::default()
    };
    let found = find_forged(&with_arc, headers.iter().copied());
    assert!(found.iter().any(|f| f.index == 9));
    assert!(
        found
            .iter()
            .all(|f| f.rename_to == Some("X-Forged-Authentication-Results"))
    );
}
