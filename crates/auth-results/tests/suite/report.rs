//! AUTH-IN-FORMAT from verification results: the seed's example header reproduced from an
//! `AuthReport`; result words; ADSP evaluation; the DMARC action per mode.

use std::net::IpAddr;

use mail_policy_auth_results::{
    AdspCheck, AdspLookup, AdspPractice, AdspRecordError, AdspResult, AuthReport, DkimCheck,
    DkimResult, DmarcCheck, DmarcDisposition, DmarcMode, DmarcPolicy, DmarcResult, IprevCheck,
    IprevResult, Rule, SpfCheck, SpfIdentity, SpfResult, evaluate_adsp, parse_adsp_record,
    parse_authentication_results,
};

fn dkim(result: DkimResult, domain: &str) -> DkimCheck {
    DkimCheck {
        result,
        domain: Some(domain.to_owned()),
        identity: Some(format!("@{domain}")),
        selector: Some("s1".to_owned()),
        reason: None,
    }
}

fn seed_report() -> AuthReport {
    let mut report = AuthReport::empty();
    report.spf_helo = Some(SpfCheck {
        result: SpfResult::Pass,
        identity: SpfIdentity::Helo,
        value: "mx.ts1.so-net.ne.jp".to_owned(),
        reason: None,
    });
    report.spf_mail_from = Some(SpfCheck {
        result: SpfResult::Pass,
        identity: SpfIdentity::MailFrom,
        value: "AAAAA@ts1.so-net.ne.jp".to_owned(),
        reason: None,
    });
    report.dkim.push(dkim(DkimResult::Pass, "ts1.so-net.ne.jp"));
    report.from = Some("AAAAA@ts1.so-net.ne.jp".to_owned());
    report.adsp = Some(AdspCheck {
        result: AdspResult::Pass,
        reason: None,
    });
    report.dmarc = Some(DmarcCheck {
        result: DmarcResult::Pass,
        from_domain: "ts1.so-net.ne.jp".to_owned(),
        policy: Some(DmarcPolicy::None),
        reason: None,
    });
    report
}

/// The seed's example (SPEC.md AUTH-IN-FORMAT), as one line.
pub(crate) const SEED_VALUE: &str = "so-net.ne.jp; spf=pass smtp.mailfrom=AAAAA@ts1.so-net.ne.jp; \
dkim=pass header.i=@ts1.so-net.ne.jp; dkim-adsp=pass header.from=AAAAA@ts1.so-net.ne.jp; \
dmarc=pass header.from=AAAAA@ts1.so-net.ne.jp";

#[test]
fn the_seed_header_comes_from_the_seed_results() {
    let report = seed_report();
    assert_eq!(report.rule(), Rule::AuthIn);
    let header = report.to_authentication_results("so-net.ne.jp");
    assert_eq!(header.to_value(), SEED_VALUE);
    // Folded over several lines, each within 78 columns, and it reads back the same.
    let folded = header.to_header();
    assert!(folded.lines().count() > 1, "{folded}");
    assert!(folded.lines().all(|l| l.len() <= 78), "{folded}");
    let value = folded
        .strip_prefix("Authentication-Results:")
        .expect("name")
        .replace("\r\n", "");
    assert_eq!(parse_authentication_results(&value), Ok(header));
    // The G service's authserv-id.
    assert!(
        report
            .to_authentication_results("gyao.ne.jp")
            .to_value()
            .starts_with("gyao.ne.jp; spf=pass")
    );
}

#[test]
fn failures_carry_reasons_and_null_senders_report_helo() {
    let mut report = seed_report();
    report.spf_mail_from = None; // MAIL FROM:<>
    report.spf_helo.as_mut().expect("helo").result = SpfResult::SoftFail;
    report.dkim = vec![
        DkimCheck {
            reason: Some("body hash did not verify".to_owned()),
            ..dkim(DkimResult::Fail, "ts1.so-net.ne.jp")
        },
        dkim(DkimResult::TempError, "other.example"),
    ];
    report.adsp = Some(AdspCheck {
        result: AdspResult::Discard,
        reason: None,
    });
    report.dmarc.as_mut().expect("dmarc").result = DmarcResult::Fail;
    report.iprev = Some(IprevCheck {
        result: IprevResult::Fail,
        client_ip: "192.0.2.1".parse::<IpAddr>().expect("ip"),
        reason: None,
    });
    let value = report.to_authentication_results("so-net.ne.jp").to_value();
    assert_eq!(
        value,
        "so-net.ne.jp; spf=softfail smtp.helo=mx.ts1.so-net.ne.jp; \
         dkim=fail reason=\"body hash did not verify\" header.i=@ts1.so-net.ne.jp; \
         dkim=temperror header.i=@other.example; \
         dkim-adsp=discard header.from=AAAAA@ts1.so-net.ne.jp; \
         dmarc=fail header.from=AAAAA@ts1.so-net.ne.jp; iprev=fail policy.iprev=192.0.2.1"
    );
    // An unsigned message says dkim=none.
    let unsigned = AuthReport::empty().to_authentication_results("so-net.ne.jp");
    assert_eq!(unsigned.to_value(), "so-net.ne.jp; dkim=none");
}

#[test]
fn result_words_are_the_spec_words() {
    let dkim: Vec<_> = [
        DkimResult::None,
        DkimResult::Neutral,
        DkimResult::Pass,
        DkimResult::Fail,
        DkimResult::TempError,
        DkimResult::PermError,
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(
        dkim,
        ["none", "neutral", "pass", "fail", "temperror", "permerror"]
    );
    assert_eq!(SpfResult::SoftFail.as_str(), "softfail");
    assert_eq!(AdspResult::NxDomain.as_str(), "nxdomain");
    assert_eq!(DmarcResult::PermError.as_str(), "permerror");
}

#[test]
fn dmarc_is_annotated_unless_the_operator_enforces_it() {
    let mut report = seed_report();
    let dmarc = report.dmarc.as_mut().expect("dmarc");
    dmarc.result = DmarcResult::Fail;
    dmarc.policy = Some(DmarcPolicy::Reject);
    let annotate = report.dmarc_action(DmarcMode::default());
    assert_eq!(annotate.disposition, DmarcDisposition::Deliver);
    assert_eq!(annotate.rule, Rule::AuthInDmarcNoenforce);
    let enforce = report.dmarc_action(DmarcMode::Enforce);
    assert_eq!(enforce.disposition, DmarcDisposition::Reject);
    assert!(enforce.detail.contains("p=reject"), "{}", enforce.detail);

    report.dmarc.as_mut().expect("dmarc").policy = Some(DmarcPolicy::Quarantine);
    assert_eq!(
        report.dmarc_action(DmarcMode::Enforce).disposition,
        DmarcDisposition::Quarantine
    );
    // Errors and p=none never refuse mail, even when enforcing.
    for (result, policy) in [
        (DmarcResult::TempError, DmarcPolicy::Reject),
        (DmarcResult::PermError, DmarcPolicy::Reject),
        (DmarcResult::Fail, DmarcPolicy::None),
        (DmarcResult::Pass, DmarcPolicy::Reject),
    ] {
        let dmarc = report.dmarc.as_mut().expect("dmarc");
        dmarc.result = result;
        dmarc.policy = Some(policy);
        assert_eq!(
            report.dmarc_action(DmarcMode::Enforce).disposition,
            DmarcDisposition::Deliver,
            "{result} p={policy:?}"
        );
    }
}

#[test]
fn the_disposition_alone_is_the_actions() {
    let mut report = seed_report();
    let results = [
        DmarcResult::None,
        DmarcResult::Pass,
        DmarcResult::Fail,
        DmarcResult::TempError,
        DmarcResult::PermError,
    ];
    let policies = [
        None,
        Some(DmarcPolicy::None),
        Some(DmarcPolicy::Quarantine),
        Some(DmarcPolicy::Reject),
    ];
    for mode in [DmarcMode::Annotate, DmarcMode::Enforce] {
        for result in results {
            for policy in policies {
                let dmarc = report.dmarc.as_mut().expect("dmarc");
                dmarc.result = result;
                dmarc.policy = policy;
                assert_eq!(
                    report.dmarc_disposition(mode),
                    report.dmarc_action(mode).disposition,
                    "{mode:?} {result} {policy:?}"
                );
            }
        }
        let without = AuthReport {
            dmarc: None,
            ..report.clone()
        };
        assert_eq!(without.dmarc_disposition(mode), DmarcDisposition::Deliver);
        assert_eq!(without.dmarc_action(mode).detail, "no DMARC check");
    }
}

#[test]
fn adsp_records_parse_per_rfc_5617() {
    assert_eq!(parse_adsp_record("dkim=all"), Ok(AdspPractice::All));
    assert_eq!(
        parse_adsp_record("dkim=unknown;"),
        Ok(AdspPractice::Unknown)
    );
    assert_eq!(
        parse_adsp_record("\tdkim = discardable ; t=y"),
        Ok(AdspPractice::Discardable)
    );
    assert_eq!(parse_adsp_record("dkim=ALL"), Ok(AdspPractice::Unknown));
    assert_eq!(parse_adsp_record(""), Err(AdspRecordError::MissingPractice));
    assert_eq!(
        parse_adsp_record("dkim=all; dkim=unknown"),
        Err(AdspRecordError::DuplicateTag("dkim".to_owned()))
    );
    assert_eq!(
        parse_adsp_record("dkim"),
        Err(AdspRecordError::Malformed(0))
    );
    assert_eq!(
        parse_adsp_record("x=1; 9=2"),
        Err(AdspRecordError::Malformed(5))
    );
}

#[test]
fn adsp_results_cover_every_word() {
    let author = "example.jp";
    let signed = [dkim(DkimResult::Pass, "example.jp")];
    let third_party = [dkim(DkimResult::Pass, "mailer.example")];
    let records = |r: &[&str]| AdspLookup::Records(r.iter().map(|s| s.to_string()).collect());
    let cases = [
        (&signed[..], None, AdspResult::Pass),
        (&third_party[..], Some(records(&[])), AdspResult::None),
        (
            &third_party[..],
            Some(records(&["dkim=unknown"])),
            AdspResult::Unknown,
        ),
        (
            &third_party[..],
            Some(records(&["dkim=all"])),
            AdspResult::Fail,
        ),
        (
            &[][..],
            Some(records(&["dkim=discardable"])),
            AdspResult::Discard,
        ),
        (
            &[][..],
            Some(AdspLookup::DomainMissing),
            AdspResult::NxDomain,
        ),
        (
            &[][..],
            Some(AdspLookup::TempFail("timeout".into())),
            AdspResult::TempError,
        ),
        (&[][..], None, AdspResult::TempError),
        (&[][..], Some(records(&["dkim"])), AdspResult::PermError),
        (
            &[][..],
            Some(records(&["dkim=all", "dkim=unknown"])),
            AdspResult::PermError,
        ),
    ];
    for (checks, lookup, expected) in cases {
        let got = evaluate_adsp(author, checks, lookup.as_ref());
        assert_eq!(got.result, expected, "{checks:?} {lookup:?}");
    }
    // A failed or subdomain signature is not an author domain signature.
    let failed = [dkim(DkimResult::Fail, "example.jp")];
    let sub = [dkim(DkimResult::Pass, "sub.example.jp")];
    for checks in [&failed[..], &sub[..]] {
        let got = evaluate_adsp(author, checks, Some(&records(&["dkim=all"])));
        assert_eq!(got.result, AdspResult::Fail, "{checks:?}");
    }
    // Case and a final dot do not matter.
    let upper = [dkim(DkimResult::Pass, "EXAMPLE.JP.")];
    assert_eq!(evaluate_adsp(author, &upper, None).result, AdspResult::Pass);
}
