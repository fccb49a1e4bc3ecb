//! Whole sessions through `Engine`/`Session`: each listener role, each refusal.

use std::net::IpAddr;

use chrono::{DateTime, TimeZone, Utc};
use mail_policy::auth::{AuthReport, DkimCheck, DkimResult, DmarcCheck, DmarcPolicy, DmarcResult};
use mail_policy::geo::GeoSetting;
use mail_policy::port25::{DnsblAnswer, PtrAnswer};
use mail_policy::{Action, Config, Connect, ContentScan, Engine, Session, Stage};

pub(crate) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, 0)
        .single()
        .expect("time")
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("address")
}

const SERVER_PTR: PtrAnswer = PtrAnswer::NoName;

fn server_ptr() -> PtrAnswer {
    PtrAnswer::Name {
        name: "mail.example.com".into(),
        forward_confirmed: true,
    }
}

fn connect<'e>(engine: &'e Engine, client: &str, port: u16, ptr: &PtrAnswer) -> Session<'e> {
    let (session, verdict) = engine.connect(&Connect {
        client_ip: ip(client),
        port,
        ptr,
        dnsbl: &DnsblAnswer::NotListed,
        recent_messages: 0,
        explain: true,
    });
    assert_eq!(verdict.stage, Stage::Connect);
    assert!(verdict.is_accept(), "{verdict:?}");
    session
}

fn message(from: &str, subject: &str, extra_headers: &str) -> Vec<u8> {
    format!(
        "{extra_headers}From: {from}\r\nTo: taro@aa2.so-net.ne.jp\r\nSubject: {subject}\r\n\
         Date: Fri, 04 Dec 2026 19:00:00 +0900\r\nMessage-ID: <t@example.com>\r\n\r\nHello.\r\n"
    )
    .into_bytes()
}

#[test]
fn mx_session_accepts_local_mail_and_refuses_relaying() {
    let engine = Engine::sonet();
    let mut session = connect(&engine, "192.0.2.1", 25, &server_ptr());
    assert!(session.ehlo("mail.example.com").is_accept());
    assert!(
        session
            .mail_from("<sender@example.com> SIZE=1000", now())
            .is_accept()
    );
    assert!(session.rcpt_to("<taro@aa2.so-net.ne.jp>").is_accept());
    let relay = session.rcpt_to("<someone@example.org>");
    assert_eq!(relay.action, Action::Reject);
    assert_eq!((relay.reply.code, relay.reply.enhanced), (554, "5.7.1"));
    assert!(relay.reply.text.contains("P25-SUBMIT"), "{}", relay.reply);
    assert!(session.data().is_accept());
    let done = session.end_of_message(
        &message("sender@example.com", "hello", ""),
        None,
        &ContentScan::default(),
        now(),
    );
    assert_eq!(done.reply.code, 250, "{done:?}");
    assert_eq!(done.deliveries.len(), 1);
    assert_eq!(done.deliveries[0].outcome, "inbox");
    // The explain trace names the rules consulted across stages.
    let rules: Vec<_> = session.trace().iter().map(|c| c.rule).collect();
    for rule in [
        "P25-IN",
        "ADDR-RFC",
        "MBX-RCPT",
        "MBX-SIZE",
        "RATE-SEND",
        "MBX-RETAIN",
    ] {
        assert!(rules.contains(&rule), "{rule} missing from {rules:?}");
    }
}

#[test]
fn the_201st_recipient_is_deferred() {
    let engine = Engine::sonet();
    let mut session = connect(&engine, "192.0.2.1", 25, &server_ptr());
    session.ehlo("mail.example.com");
    session.mail_from("<sender@example.com>", now());
    for i in 0..200 {
        let verdict = session.rcpt_to(&format!("<user{i}@aa2.so-net.ne.jp>"));
        assert!(verdict.is_accept(), "recipient {i}: {verdict:?}");
    }
    let over = session.rcpt_to("<user200@aa2.so-net.ne.jp>");
    assert_eq!(over.action, Action::Defer);
    assert_eq!((over.reply.code, over.reply.enhanced), (452, "4.5.3"));
    assert!(over.reply.text.contains("MBX-RCPT") && over.reply.text.contains("200"));
}

#[test]
fn oversize_is_refused_at_mail_and_at_end_of_message() {
    let engine = Engine::sonet();
    let mut session = connect(&engine, "192.0.2.1", 25, &server_ptr());
    session.ehlo("mail.example.com");
    let announced = session.mail_from("<sender@example.com> SIZE=30000000", now());
    assert_eq!(
        (announced.reply.code, announced.reply.enhanced),
        (552, "5.3.4")
    );
    assert!(session.mail_from("<sender@example.com>", now()).is_accept());
    session.rcpt_to("<taro@aa2.so-net.ne.jp>");
    session.data();
    let mut big = message("sender@example.com", "big", "");
    big.resize(20 * 1024 * 1024 + 1, b'x');
    let verdict = session.end_of_message(&big, None, &ContentScan::default(), now());
    assert_eq!((verdict.reply.code, verdict.reply.enhanced), (552, "5.3.4"));
    assert!(verdict.reply.text.contains("MBX-SIZE"), "{}", verdict.reply);
}

#[test]
fn dynamic_clients_are_refused_on_the_mx_only() {
    let engine = Engine::sonet();
    let dynamic = PtrAnswer::Name {
        name: "p1234-ipngn.tokyo.ocn.ne.jp".into(),
        forward_confirmed: true,
    };
    let (_, verdict) = engine.connect(&Connect {
        client_ip: ip("203.0.113.5"),
        port: 25,
        ptr: &dynamic,
        dnsbl: &DnsblAnswer::NotListed,
        recent_messages: 100,
        explain: true,
    });
    assert_eq!(verdict.action, Action::Reject, "{verdict:?}");
    assert_eq!((verdict.reply.code, verdict.reply.enhanced), (554, "5.7.1"));
    assert!(verdict.reply.text.contains("203.0.113.5") && verdict.reply.text.contains("P25-IN"));
    // The same client on the submission port is a customer.
    let (_, verdict) = engine.connect(&Connect {
        client_ip: ip("203.0.113.5"),
        port: 587,
        ptr: &dynamic,
        dnsbl: &DnsblAnswer::NotListed,
        recent_messages: 100,
        explain: true,
    });
    assert!(verdict.is_accept(), "{verdict:?}");
    // DNS failure: try later.
    let (_, verdict) = engine.connect(&Connect {
        client_ip: ip("203.0.113.5"),
        port: 25,
        ptr: &PtrAnswer::TempFail,
        dnsbl: &DnsblAnswer::TempFail,
        recent_messages: 100,
        explain: true,
    });
    assert_eq!(
        (verdict.reply.code, verdict.action),
        (450, Action::Defer),
        "{verdict:?}"
    );
}

#[test]
fn submission_needs_tls_then_auth_then_an_owned_sender() {
    let engine = Engine::sonet();
    let mut session = connect(&engine, "198.51.100.20", 587, &SERVER_PTR);
    session.ehlo("laptop");
    let no_tls = session.mail_from("<taro@aa2.so-net.ne.jp>", now());
    assert_eq!((no_tls.reply.code, no_tls.reply.enhanced), (530, "5.7.0"));
    let auth_no_tls = session.auth("taro@aa2.so-net.ne.jp", &GeoSetting::default());
    assert_eq!(
        (auth_no_tls.reply.code, auth_no_tls.reply.enhanced),
        (538, "5.7.11")
    );
    session.starttls();
    session.ehlo("laptop");
    let no_auth = session.mail_from("<taro@aa2.so-net.ne.jp>", now());
    assert_eq!((no_auth.reply.code, no_auth.reply.enhanced), (530, "5.7.0"));
    assert!(
        session
            .auth("taro@aa2.so-net.ne.jp", &GeoSetting::default())
            .is_accept()
    );
    let other = session.mail_from("<boss@example.com>", now());
    assert_eq!((other.reply.code, other.reply.enhanced), (553, "5.7.1"));
    assert!(
        session
            .mail_from("<taro@aa2.so-net.ne.jp>", now())
            .is_accept()
    );
    assert!(
        session.rcpt_to("<friend@example.org>").is_accept(),
        "authenticated relay"
    );
    session.data();
    let done = session.end_of_message(
        &message("taro@aa2.so-net.ne.jp", "hi", ""),
        None,
        &ContentScan::default(),
        now(),
    );
    assert_eq!(done.reply.code, 250);
    assert!(
        done.checks.iter().any(|c| c.rule == "AUTH-OUT-DKIM"),
        "{:?}",
        done.checks
    );
}

#[test]
fn auth_on_the_mx_is_refused() {
    let engine = Engine::sonet();
    let mut session = connect(&engine, "192.0.2.1", 25, &server_ptr());
    session.starttls();
    let verdict = session.auth("taro@aa2.so-net.ne.jp", &GeoSetting::default());
    assert_eq!((verdict.reply.code, verdict.reply.enhanced), (503, "5.5.1"));
}

#[test]
fn overseas_access_is_refused_when_the_switch_is_on() {
    let engine = Engine::sonet(); // no domestic table: every address is abroad
    let mut session = connect(&engine, "198.51.100.20", 465, &SERVER_PTR);
    let mut restricted = GeoSetting::default();
    restricted.turn_on();
    let verdict = session.auth("taro@aa2.so-net.ne.jp", &restricted);
    assert_eq!((verdict.reply.code, verdict.reply.enhanced), (550, "5.7.1"));
    assert!(
        verdict.reply.text.contains("GEO-RESTRICT"),
        "{}",
        verdict.reply
    );
    // Switch off (the default): allowed.
    assert!(
        session
            .auth("taro@aa2.so-net.ne.jp", &GeoSetting::default())
            .is_accept()
    );
}

#[test]
fn rate_limit_suspends_then_resumes() {
    let engine = Engine::sonet();
    let mut session = connect(&engine, "198.51.100.20", 465, &SERVER_PTR);
    assert!(
        session
            .auth("hanako@aa2.so-net.ne.jp", &GeoSetting::default())
            .is_accept()
    );
    let body = message("hanako@aa2.so-net.ne.jp", "hi", "");
    // 100 messages in 10 minutes are allowed (here all at once); the 101st suspends the
    // account for an hour.
    let mut refused_at = None;
    for i in 0..101 {
        let t = now();
        assert!(
            session
                .mail_from("<hanako@aa2.so-net.ne.jp>", t)
                .is_accept(),
            "message {i}"
        );
        session.rcpt_to("<friend@example.org>");
        session.data();
        let verdict = session.end_of_message(&body, None, &ContentScan::default(), t);
        if verdict.action != Action::Accept {
            refused_at = Some((i, verdict));
            break;
        }
    }
    let (i, verdict) = refused_at.expect("the limit bites");
    assert_eq!(i, 100);
    assert_eq!((verdict.reply.code, verdict.reply.enhanced), (450, "4.7.1"));
    assert!(
        verdict.reply.text.contains("RATE-SEND")
            && verdict.reply.text.contains("after 2026-12-04T11:00:00Z"),
        "{}",
        verdict.reply
    );
    // Suspended: MAIL is refused at once, until the hour is over.
    let later = now() + chrono::Duration::minutes(30);
    let verdict = session.mail_from("<hanako@aa2.so-net.ne.jp>", later);
    assert_eq!(verdict.reply.code, 450, "{verdict:?}");
    let resumed = now() + chrono::Duration::minutes(62);
    assert!(
        session
            .mail_from("<hanako@aa2.so-net.ne.jp>", resumed)
            .is_accept()
    );
}

fn auth_report(dmarc: DmarcResult, policy: DmarcPolicy) -> AuthReport {
    let mut report = AuthReport::empty();
    report.dkim.push(DkimCheck {
        result: DkimResult::Pass,
        domain: Some("example.com".into()),
        identity: Some("@example.com".into()),
        selector: Some("s1".into()),
        reason: None,
    });
    report.from = Some("sender@example.com".into());
    report.dmarc = Some(DmarcCheck {
        result: dmarc,
        from_domain: "example.com".into(),
        policy: Some(policy),
        reason: None,
    });
    report
}

#[test]
fn end_of_message_adds_our_header_and_removes_forged_ones() {
    let engine = Engine::sonet();
    let mut session = connect(&engine, "192.0.2.1", 25, &server_ptr());
    session.ehlo("mail.example.com");
    session.mail_from("<sender@example.com>", now());
    session.rcpt_to("<taro@aa2.so-net.ne.jp>");
    session.data();
    let forged = "Authentication-Results: SO-NET.ne.jp (fake);\r\n dkim=pass header.i=@bank.example\r\n\
                  Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=a@example.com\r\n";
    let verdict = session.end_of_message(
        &message("sender@example.com", "hello", forged),
        Some(&auth_report(DmarcResult::Pass, DmarcPolicy::None)),
        &ContentScan::default(),
        now(),
    );
    assert_eq!(verdict.reply.code, 250);
    assert_eq!(verdict.edit_headers.len(), 1, "{:?}", verdict.edit_headers);
    assert_eq!(verdict.edit_headers[0].index, 0);
    assert_eq!(verdict.edit_headers[0].rule, "AUTH-IN-FORGED");
    assert_eq!(verdict.add_headers[0].name, "Authentication-Results");
    assert!(
        verdict.add_headers[0]
            .value
            .starts_with("so-net.ne.jp; dkim=pass"),
        "{:?}",
        verdict.add_headers
    );
}

#[test]
fn dmarc_is_annotated_unless_enforced() {
    let mut config = Config::sonet();
    let annotate = Engine::new(&config, "test").expect("engine");
    config.auth.dmarc = mail_policy::auth::DmarcMode::Enforce;
    let enforce = Engine::new(&config, "test").expect("engine");
    for (engine, expected) in [(&annotate, 250), (&enforce, 550)] {
        let mut session = connect(engine, "192.0.2.1", 25, &server_ptr());
        session.ehlo("mail.example.com");
        session.mail_from("<sender@example.com>", now());
        session.rcpt_to("<taro@aa2.so-net.ne.jp>");
        session.data();
        let verdict = session.end_of_message(
            &message("sender@example.com", "hello", ""),
            Some(&auth_report(DmarcResult::Fail, DmarcPolicy::Reject)),
            &ContentScan::default(),
            now(),
        );
        assert_eq!(verdict.reply.code, expected, "{verdict:?}");
        assert!(
            verdict
                .checks
                .iter()
                .any(|c| c.rule == "AUTH-IN-DMARC-NOENFORCE")
        );
    }
}

#[test]
fn sequence_and_syntax_errors() {
    let engine = Engine::sonet();
    let mut session = connect(&engine, "192.0.2.1", 25, &server_ptr());
    let early = session.rcpt_to("<taro@aa2.so-net.ne.jp>");
    assert_eq!((early.reply.code, early.reply.enhanced), (503, "5.5.1"));
    let bad = session.mail_from("<a..b@example.com>", now());
    assert_eq!((bad.reply.code, bad.reply.enhanced), (501, "5.1.7"));
    session.mail_from("<>", now());
    let bad = session.rcpt_to("<@>");
    assert_eq!((bad.reply.code, bad.reply.enhanced), (501, "5.1.3"));
    assert_eq!(session.data().reply.code, 503);
    assert!(session.rcpt_to("<Postmaster>").is_accept());
    let unreadable = {
        session.data();
        session.end_of_message(
            b"\r\nbody without a header section\r\n",
            None,
            &ContentScan::default(),
            now(),
        )
    };
    assert_eq!(unreadable.reply.code, 550, "{unreadable:?}");
}

#[test]
fn viruses_are_refused_or_discarded_per_mailbox() {
    let dir = std::env::temp_dir().join(format!("mail-policy-virus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("mailboxes.toml"),
        "[[mailbox]]\naddress = \"taro@aa2.so-net.ne.jp\"\n[mailbox.virus]\nincoming = true\non_virus = \"refuse\"\n\n\
         [[mailbox]]\naddress = \"hanako@aa2.so-net.ne.jp\"\n[mailbox.virus]\nincoming = true\non_virus = \"discard\"\n",
    )
    .expect("write");
    let mut config = Config::sonet();
    config.mailboxes.file = Some(dir.join("mailboxes.toml"));
    let engine = Engine::new(&config, "test").expect("engine");
    let infected = ContentScan {
        virus: Some(mail_policy::mailbox::ScanResult::Infected(
            "EICAR-Test-File".into(),
        )),
        ..ContentScan::default()
    };
    for (recipient, code, action) in [
        ("taro@aa2.so-net.ne.jp", 554, Action::Reject),
        ("hanako@aa2.so-net.ne.jp", 250, Action::Discard),
    ] {
        let mut session = connect(&engine, "192.0.2.1", 25, &server_ptr());
        session.ehlo("mail.example.com");
        session.mail_from("<sender@example.com>", now());
        session.rcpt_to(&format!("<{recipient}>"));
        session.data();
        let verdict = session.end_of_message(
            &message("sender@example.com", "invoice", ""),
            None,
            &infected,
            now(),
        );
        assert_eq!(
            (verdict.reply.code, verdict.action),
            (code, action),
            "{verdict:?}"
        );
        assert!(verdict.checks.iter().any(|c| c.rule == "VIRUS-CHECK"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// One transaction with the trace's texts or with rule IDs only: every verdict, and the
/// session's trace.
fn transaction(
    engine: &Engine,
    explain: bool,
    recipients: &[&str],
) -> (Vec<mail_policy::Verdict>, Vec<mail_policy::Check>) {
    let ptr = server_ptr();
    let (mut session, hello) = engine.connect(&Connect {
        client_ip: ip("192.0.2.7"),
        port: 25,
        ptr: &ptr,
        dnsbl: &DnsblAnswer::NotListed,
        recent_messages: 0,
        explain,
    });
    let mut verdicts = vec![hello, session.ehlo("mail.example.com")];
    verdicts.push(session.mail_from("<Sender@Example.COM> SIZE=1000", now()));
    for recipient in recipients {
        verdicts.push(session.rcpt_to(recipient));
    }
    verdicts.push(session.data());
    verdicts.push(session.end_of_message(
        &message("sender@example.com", "hello", ""),
        Some(&auth_report(DmarcResult::Pass, DmarcPolicy::None)),
        &ContentScan::spam_score(1.0),
        now(),
    ));
    (verdicts, session.trace().to_vec())
}

#[test]
fn rule_ids_only_sessions_decide_alike_and_format_nothing() {
    let engine = Engine::sonet();
    let recipients = [
        "<taro@aa2.so-net.ne.jp>",
        // Normalised: the local part in lower case, the domain too.
        "<Hanako.Yamada@AA2.So-Net.NE.JP>",
        // Longer than a key kept inline (24 octets).
        "<a-rather-long-local-part@ts1.so-net.ne.jp>",
        // Quoted: the key keeps the quotes.
        "<\"taro yamada\"@aa2.so-net.ne.jp>",
        "<Postmaster>",
        // Not ours: refused on the MX, no delivery.
        "<someone@example.org>",
        "<someone@xso-net.ne.jp>",
    ];
    let (explained, explained_trace) = transaction(&engine, true, &recipients);
    let (quiet, quiet_trace) = transaction(&engine, false, &recipients);
    // The session keeps its trace only when it explains.
    assert_eq!(explained_trace, checks_of(&explained));
    assert!(quiet_trace.is_empty());
    assert_eq!(explained.len(), quiet.len());
    for (explained, quiet) in explained.iter().zip(&quiet) {
        assert_eq!(explained.action, quiet.action, "{explained:?}");
        assert_eq!(explained.reply, quiet.reply);
        assert_eq!(explained.add_headers, quiet.add_headers);
        assert_eq!(explained.deliveries, quiet.deliveries);
        let rules = |v: &mail_policy::Verdict| v.checks.iter().map(|c| c.rule).collect::<Vec<_>>();
        assert_eq!(rules(explained), rules(quiet));
        assert!(
            explained.checks.iter().all(|c| !c.outcome.is_empty()),
            "{explained:?}"
        );
        assert!(
            quiet.checks.iter().all(|c| c.outcome.is_empty()),
            "{quiet:?}"
        );
    }
    // From the first verdict on: connecting formats nothing either.
    assert_eq!(quiet[0].stage, Stage::Connect);
    assert!(!quiet[0].checks.is_empty());
    let done = quiet.last().expect("end of message");
    let delivered: Vec<&str> = done
        .deliveries
        .iter()
        .map(|d| d.recipient.as_str())
        .collect();
    assert_eq!(
        delivered,
        [
            "taro@aa2.so-net.ne.jp",
            "hanako.yamada@aa2.so-net.ne.jp",
            "a-rather-long-local-part@ts1.so-net.ne.jp",
            "\"taro yamada\"@aa2.so-net.ne.jp",
            "postmaster@so-net.ne.jp",
        ]
    );
    let refused: Vec<_> = quiet[quiet.len() - 4..quiet.len() - 2]
        .iter()
        .map(|v| v.action)
        .collect();
    assert_eq!(refused, [Action::Reject, Action::Reject]);
}

/// Every check of `verdicts`, in order: what an explaining session's trace holds for them.
fn checks_of(verdicts: &[mail_policy::Verdict]) -> Vec<mail_policy::Check> {
    verdicts
        .iter()
        .flat_map(|v| v.checks.iter().cloned())
        .collect()
}

/// The rules of `checks`, in order.
fn rules_of(checks: &[mail_policy::Check]) -> Vec<&'static str> {
    checks.iter().map(|c| c.rule).collect()
}

#[test]
fn the_trace_keeps_the_connection_and_the_latest_transaction() {
    let engine = Engine::sonet();
    let mut session = connect(&engine, "192.0.2.1", 25, &server_ptr());
    let ehlo = session.ehlo("mail.example.com");
    let opening = session.trace().to_vec();
    assert!(opening.len() > ehlo.checks.len(), "{opening:?}");
    let transaction = |session: &mut Session<'_>, recipient: &str| {
        let verdicts = [
            session.mail_from("<sender@example.com>", now()),
            session.rcpt_to(recipient),
            session.data(),
            session.end_of_message(
                &message("sender@example.com", "hello", ""),
                None,
                &ContentScan::default(),
                now(),
            ),
        ];
        assert!(verdicts.iter().all(|v| v.is_accept()), "{verdicts:?}");
        checks_of(&verdicts)
    };
    let first = transaction(&mut session, "<taro@aa2.so-net.ne.jp>");
    assert_eq!(session.trace(), [opening.clone(), first].concat());
    // A second message on the connection: the first leaves the trace, which does not
    // grow.
    let second = transaction(&mut session, "<hanako@aa2.so-net.ne.jp>");
    assert_eq!(session.trace(), [opening.clone(), second].concat());
    assert!(
        session.trace().iter().all(|c| !c.outcome.contains("taro@")),
        "{:?}",
        session.trace()
    );
    // RSET, then a refused MAIL FROM: it starts the next transaction's part.
    session.reset();
    let refused = session.mail_from("<no-at-sign>", now());
    assert_eq!(refused.action, Action::Reject, "{refused:?}");
    assert_eq!(
        session.trace(),
        [opening.clone(), refused.checks.to_vec()].concat()
    );
    // EHLO again after a transaction: the transaction leaves, the EHLO is kept.
    let again = session.ehlo("mail.example.com");
    assert_eq!(
        rules_of(session.trace()),
        [rules_of(&opening), rules_of(&again.checks)].concat()
    );
    assert_eq!(session.trace_dropped(), 0);
}

#[test]
fn a_full_transaction_fits_the_trace_and_a_flood_is_cut_at_its_limit() {
    let engine = Engine::sonet();
    // The largest transaction the profile allows, explained: every check is kept.
    let recipients: Vec<String> = (0..200)
        .map(|i| format!("<user{i}@aa2.so-net.ne.jp>"))
        .collect();
    let recipients: Vec<&str> = recipients.iter().map(String::as_str).collect();
    let (verdicts, trace) = transaction(&engine, true, &recipients);
    assert_eq!(trace, checks_of(&verdicts));
    assert!(
        trace.len() < mail_policy::TRACE_LIMIT / 2,
        "{} checks",
        trace.len()
    );
    // A client that keeps sending refused recipients in one transaction: the trace
    // stops at its limit and counts the rest.
    let mut session = connect(&engine, "192.0.2.1", 25, &server_ptr());
    session.ehlo("mail.example.com");
    session.mail_from("<sender@example.com>", now());
    let flood = mail_policy::TRACE_LIMIT + 500;
    let mut checks = 0;
    for _ in 0..flood {
        let verdict = session.rcpt_to("<someone@example.org>");
        assert_eq!(verdict.action, Action::Reject);
        assert!(!verdict.checks.is_empty());
        checks += verdict.checks.len() as u64;
    }
    assert_eq!(session.trace().len(), mail_policy::TRACE_LIMIT);
    let before_flood = (mail_policy::TRACE_LIMIT as u64 + session.trace_dropped()) - checks;
    assert!(before_flood > 0 && before_flood < 20, "{before_flood}");
    assert!(session.trace_dropped() >= 500);
    // The next transaction starts over.
    session.mail_from("<sender@example.com>", now());
    assert!(session.trace().len() < 20, "{}", session.trace().len());
}
