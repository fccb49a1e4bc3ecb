//! AUTH-IN over real DNS: an authoritative server on loopback
//! (`mail-policy-dns-test-server`, UDP and TCP) serves SPF, DKIM, DMARC and ADSP records,
//! SERVFAIL and a silent name; `Verifier` asks it over sockets. Test vectors: RFC 8463's
//! example message (Ed25519 and RSA signatures), messages we sign with both key types,
//! and those messages tampered with.

use std::net::IpAddr;

use mail_policy_auth_results::{
    AdspResult, AuthReport, DkimKey, DkimResult, DkimSigner, DmarcDisposition, DmarcMode,
    DmarcPolicy, DmarcResult, Envelope, IprevResult, SpfResult, Verifier, VerifierConfig,
};
use mail_policy_dns_test_server::{TestDnsServer, Zone};

use super::report::SEED_VALUE;
use super::sign::{MESSAGE, data};

/// RFC 8463 Appendix A: the example message, signed with Ed25519 and RSA.
const RFC8463_MESSAGE: &str = "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r
 d=football.example.com; i=@football.example.com;\r
 q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r
 subject : date : message-id : from : subject : date;\r
 bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r
 b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r
 Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r
 d=football.example.com; i=@football.example.com;\r
 q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r
 date : message-id : from : subject : date;\r
 bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r
 b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r
 DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r
 dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r
From: Joe SixPack <joe@football.example.com>\r
To: Suzie Q <suzie@shopping.example.net>\r
Subject: Is dinner ready?\r
Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r
Message-ID: <20030712040037.46341.5F8J@football.example.com>\r
\r
Hi.\r
\r
We lost the game.  Are you hungry yet?\r
\r
Joe.\r
";

/// RFC 8463 Appendix A's key records.
const RFC8463_ED25519: &str = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
const RFC8463_RSA: &str = "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB";

fn rsa_signer(domain: &str) -> DkimSigner {
    let key = DkimKey::from_file(data("rsa2048.pem")).expect("key");
    DkimSigner::new(key, domain, "rsa2026").expect("signer")
}

fn ed_signer(domain: &str) -> DkimSigner {
    let key = DkimKey::from_file(data("ed25519.pem")).expect("key");
    DkimSigner::new(key, domain, "ed2026").expect("signer")
}

/// The zone of the tests: the ISP's own sending domain `ts1.so-net.ne.jp` with SPF, both
/// DKIM keys, DMARC and ADSP; RFC 8463's domain; and domains for every failure.
fn zone() -> Zone {
    let isp = "ts1.so-net.ne.jp";
    let rsa = rsa_signer(isp).record();
    let ed = ed_signer(isp).record();
    Zone::new()
        .txt(isp, "v=spf1 ip4:192.0.2.0/24 -all")
        .mx(isp, 10, "mx.ts1.so-net.ne.jp")
        .txt("mx.ts1.so-net.ne.jp", "v=spf1 a -all")
        .a("mx.ts1.so-net.ne.jp", [192, 0, 2, 10])
        .ptr("10.2.0.192.in-addr.arpa", "mx.ts1.so-net.ne.jp")
        .txt(&rsa.name, &rsa.text())
        .txt(&ed.name, &ed.text())
        .txt("_dmarc.ts1.so-net.ne.jp", "v=DMARC1; p=none")
        .txt("_adsp._domainkey.ts1.so-net.ne.jp", "dkim=all")
        // RFC 8463.
        .txt("brisbane._domainkey.football.example.com", RFC8463_ED25519)
        .txt("test._domainkey.football.example.com", RFC8463_RSA)
        .mx("football.example.com", 10, "mx.football.example.com")
        // A domain that signs nothing and says reject.
        .txt("strict.example", "v=spf1 ip4:198.51.100.0/24 -all")
        .mx("strict.example", 10, "mx.strict.example")
        .txt("_dmarc.strict.example", "v=DMARC1; p=reject")
        .txt("_adsp._domainkey.strict.example", "dkim=discardable")
        // Soft fail, neutral, unknown ADSP, quarantine.
        .txt("soft.example", "v=spf1 ~all")
        .txt("_adsp._domainkey.soft.example", "dkim=unknown")
        .txt("_dmarc.soft.example", "v=DMARC1; p=quarantine")
        .txt("neutral.example", "v=spf1 ?all")
        // Broken upstreams and broken records.
        .servfail("servfail.example")
        .servfail("_dmarc.servfail.example")
        .servfail("_adsp._domainkey.servfail.example")
        .servfail("rsa2026._domainkey.servfail.example")
        .silent("silent.example")
        .silent("rsa2026._domainkey.silent.example")
        .txt("permerror.example", "v=spf1 ip4:not-an-address -all")
        .mx("permerror.example", 10, "mx.permerror.example")
        .txt("_adsp._domainkey.permerror.example", "dkim")
}

fn verifier(server: &TestDnsServer) -> Verifier {
    Verifier::new(VerifierConfig {
        name_servers: vec![server.addr()],
        timeout_ms: 300,
        attempts: 1,
        arc: true,
        iprev: true,
        ..VerifierConfig::default()
    })
    .expect("verifier")
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("address")
}

fn envelope<'a>(client: &str, helo: &'a str, mail_from: &'a str) -> Envelope<'a> {
    Envelope {
        client_ip: ip(client),
        helo,
        mail_from,
        receiver: "mx01.so-net.ne.jp",
    }
}

fn signed(signer: &DkimSigner, message: &[u8]) -> Vec<u8> {
    let mut out = signer.sign(message).expect("sign").into_bytes();
    out.extend_from_slice(message);
    out
}

fn message_from(author: &str) -> Vec<u8> {
    String::from_utf8_lossy(MESSAGE)
        .replace("taro@ts1.so-net.ne.jp", author)
        .into_bytes()
}

#[tokio::test(flavor = "current_thread")]
async fn rfc_8463_example_verifies_with_both_algorithms() {
    let server = TestDnsServer::start(zone()).expect("dns");
    let checks = verifier(&server)
        .verify_dkim(RFC8463_MESSAGE.as_bytes())
        .await;
    assert_eq!(checks.len(), 2, "{checks:?}");
    for check in &checks {
        assert_eq!(check.result, DkimResult::Pass, "{check:?}");
        assert_eq!(check.domain.as_deref(), Some("football.example.com"));
        assert_eq!(check.identity.as_deref(), Some("@football.example.com"));
    }
    let selectors: Vec<_> = checks
        .iter()
        .filter_map(|c| c.selector.as_deref())
        .collect();
    assert_eq!(selectors, ["brisbane", "test"]);
    // Tampered: the body changed, every signature fails.
    let tampered = RFC8463_MESSAGE.replace("hungry", "thirsty");
    let checks = verifier(&server).verify_dkim(tampered.as_bytes()).await;
    assert!(
        checks.iter().all(|c| c.result == DkimResult::Fail),
        "{checks:?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn the_seed_header_comes_from_real_verification() {
    let server = TestDnsServer::start(zone()).expect("dns");
    let message = signed(
        &rsa_signer("ts1.so-net.ne.jp"),
        &message_from("AAAAA@ts1.so-net.ne.jp"),
    );
    let report = verifier(&server)
        .verify(
            &envelope(
                "192.0.2.10",
                "mx.ts1.so-net.ne.jp",
                "AAAAA@ts1.so-net.ne.jp",
            ),
            &message,
        )
        .await;
    assert_eq!(
        report.spf_helo.as_ref().map(|s| s.result),
        Some(SpfResult::Pass)
    );
    assert_eq!(
        report.iprev.as_ref().map(|c| c.result),
        Some(IprevResult::Pass)
    );
    assert_eq!(
        report.dmarc.as_ref().and_then(|d| d.policy),
        Some(DmarcPolicy::None)
    );
    // The seed's header, then the two optional checks this test switched on.
    let value = report.to_authentication_results("so-net.ne.jp").to_value();
    assert_eq!(
        value,
        format!("{SEED_VALUE}; arc=none; iprev=pass policy.iprev=192.0.2.10")
    );
}

/// A named change to a signed message.
type Tampering = (&'static str, fn(&str) -> String);

async fn verify_signed(
    server: &TestDnsServer,
    message: &[u8],
    tamper: impl Fn(&str) -> String,
) -> AuthReport {
    let message = String::from_utf8_lossy(message);
    verifier(server)
        .verify(
            &envelope("192.0.2.10", "mx.ts1.so-net.ne.jp", "taro@ts1.so-net.ne.jp"),
            tamper(&message).as_bytes(),
        )
        .await
}

#[tokio::test(flavor = "current_thread")]
async fn our_signatures_verify_and_tampering_fails_them() {
    let server = TestDnsServer::start(zone()).expect("dns");
    for signer in [
        rsa_signer("ts1.so-net.ne.jp"),
        ed_signer("ts1.so-net.ne.jp"),
    ] {
        let message = signed(&signer, MESSAGE);
        let intact = verify_signed(&server, &message, str::to_owned).await;
        assert_eq!(intact.dkim.len(), 1);
        assert_eq!(intact.dkim[0].result, DkimResult::Pass, "{:?}", intact.dkim);
        assert_eq!(
            intact.adsp.as_ref().map(|a| a.result),
            Some(AdspResult::Pass)
        );
        assert_eq!(
            intact.dmarc.as_ref().map(|d| d.result),
            Some(DmarcResult::Pass)
        );

        let tampering: [Tampering; 4] = [
            ("body", |m| m.replace("See you tomorrow.", "Send money.")),
            ("subject", |m| {
                m.replace(
                    "Subject: =?UTF-8?B?5LuK5pel44Gu5LqI5a6a?=",
                    "Subject: Invoice",
                )
            }),
            // A second From above the first: From is oversigned, so this breaks it.
            ("added From", |m| {
                format!("From: ceo@ts1.so-net.ne.jp\r\n{m}")
            }),
            // A Reply-To the signer listed but the message lacked.
            ("added Reply-To", |m| {
                m.replace("To: hanako", "Reply-To: thief@example.org\r\nTo: hanako")
            }),
        ];
        for (what, tamper) in tampering {
            let report = verify_signed(&server, &message, tamper).await;
            assert_eq!(
                report.dkim[0].result,
                DkimResult::Fail,
                "{what}: {:?}",
                report.dkim
            );
            assert!(report.dkim[0].reason.is_some(), "{what}");
            // Without a valid author signature, the domain's "dkim=all" makes ADSP fail.
            if what != "added From" {
                assert_eq!(
                    report.adsp.as_ref().map(|a| a.result),
                    Some(AdspResult::Fail),
                    "{what}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn spf_results_from_the_records() {
    let server = TestDnsServer::start(zone()).expect("dns");
    let verifier = verifier(&server);
    let cases = [
        ("192.0.2.10", "taro@ts1.so-net.ne.jp", SpfResult::Pass),
        ("203.0.113.9", "taro@ts1.so-net.ne.jp", SpfResult::Fail),
        ("203.0.113.9", "a@soft.example", SpfResult::SoftFail),
        ("203.0.113.9", "a@neutral.example", SpfResult::Neutral),
        ("203.0.113.9", "a@nosuchdomain.example", SpfResult::None),
        ("203.0.113.9", "a@permerror.example", SpfResult::PermError),
        // DNS failures are temperror, never none or pass.
        ("203.0.113.9", "a@servfail.example", SpfResult::TempError),
        ("203.0.113.9", "a@silent.example", SpfResult::TempError),
    ];
    for (client, mail_from, expected) in cases {
        let report = verifier
            .verify(&envelope(client, "mx.ts1.so-net.ne.jp", mail_from), MESSAGE)
            .await;
        let spf = report.spf_mail_from.expect("mail from checked");
        assert_eq!(spf.result, expected, "{client} {mail_from}: {spf:?}");
    }
    // The null reverse-path: SPF of the HELO name, reported as smtp.helo.
    let report = verifier
        .verify(&envelope("203.0.113.9", "mx.ts1.so-net.ne.jp", ""), MESSAGE)
        .await;
    assert!(report.spf_mail_from.is_none());
    let value = report.to_authentication_results("so-net.ne.jp").to_value();
    assert!(
        value.starts_with("so-net.ne.jp; spf=fail smtp.helo=mx.ts1.so-net.ne.jp;"),
        "{value}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn dns_failures_are_temperror_never_pass() {
    let server = TestDnsServer::start(zone()).expect("dns");
    let verifier = verifier(&server);
    for domain in ["servfail.example", "silent.example"] {
        let message = signed(&rsa_signer(domain), &message_from(&format!("a@{domain}")));
        let report = verifier
            .verify(
                &envelope("203.0.113.9", "mx.ts1.so-net.ne.jp", &format!("a@{domain}")),
                &message,
            )
            .await;
        assert_eq!(
            report.dkim[0].result,
            DkimResult::TempError,
            "{domain}: {:?}",
            report.dkim
        );
        assert_eq!(
            report.adsp.as_ref().map(|a| a.result),
            Some(AdspResult::TempError),
            "{domain}"
        );
        if domain == "servfail.example" {
            assert_eq!(
                report.dmarc.as_ref().map(|d| d.result),
                Some(DmarcResult::TempError),
                "{domain}: {:?}",
                report.dmarc
            );
        }
        let value = report.to_authentication_results("so-net.ne.jp").to_value();
        assert!(!value.contains("=pass"), "{value}");
    }
    // A key that does not exist is a permanent error.
    let message = signed(
        &rsa_signer("strict.example"),
        &message_from("a@strict.example"),
    );
    let checks = verifier.verify_dkim(&message).await;
    assert_eq!(checks[0].result, DkimResult::PermError, "{checks:?}");
}

#[tokio::test(flavor = "current_thread")]
async fn adsp_over_dns() {
    let server = TestDnsServer::start(zone()).expect("dns");
    let verifier = verifier(&server);
    let cases = [
        ("a@strict.example", AdspResult::Discard),
        ("a@soft.example", AdspResult::Unknown),
        ("a@ts1.so-net.ne.jp", AdspResult::Fail),
        ("a@football.example.com", AdspResult::None),
        ("a@nosuchdomain.example", AdspResult::NxDomain),
        ("a@permerror.example", AdspResult::PermError),
    ];
    for (author, expected) in cases {
        let report = verifier
            .verify(
                &envelope("203.0.113.9", "mx.example", author),
                &message_from(author),
            )
            .await;
        assert_eq!(
            report.adsp.as_ref().map(|a| a.result),
            Some(expected),
            "{author}: {:?}",
            report.adsp
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn dmarc_reject_is_annotated_by_default_and_enforced_on_request() {
    let server = TestDnsServer::start(zone()).expect("dns");
    let report = verifier(&server)
        .verify(
            &envelope("203.0.113.9", "mx.example", "a@strict.example"),
            &message_from("a@strict.example"),
        )
        .await;
    let dmarc = report.dmarc.as_ref().expect("dmarc");
    assert_eq!(dmarc.result, DmarcResult::Fail);
    assert_eq!(dmarc.policy, Some(DmarcPolicy::Reject));
    assert_eq!(
        report.dmarc_action(DmarcMode::Annotate).disposition,
        DmarcDisposition::Deliver
    );
    assert_eq!(
        report.dmarc_action(DmarcMode::Enforce).disposition,
        DmarcDisposition::Reject
    );
    let value = report.to_authentication_results("so-net.ne.jp").to_value();
    assert!(value.contains("dmarc=fail"), "{value}");

    let report = verifier(&server)
        .verify(
            &envelope("203.0.113.9", "mx.example", "a@soft.example"),
            &message_from("a@soft.example"),
        )
        .await;
    assert_eq!(
        report.dmarc_action(DmarcMode::Enforce).disposition,
        DmarcDisposition::Quarantine
    );
    // No DMARC record: none.
    let report = verifier(&server)
        .verify(
            &envelope("203.0.113.9", "mx.example", "a@neutral.example"),
            &message_from("a@neutral.example"),
        )
        .await;
    assert_eq!(
        report.dmarc.as_ref().map(|d| d.result),
        Some(DmarcResult::None)
    );
}

#[tokio::test(flavor = "current_thread")]
async fn garbage_messages_and_bad_settings() {
    let server = TestDnsServer::start(zone()).expect("dns");
    let verifier = verifier(&server);
    for garbage in [
        &b""[..],
        b"\r\n\r\n",
        b"no header section at all",
        &[0xff; 300],
    ] {
        let report = verifier
            .verify(
                &envelope("203.0.113.9", "mx.example", "a@soft.example"),
                garbage,
            )
            .await;
        assert!(
            report.dkim.iter().all(|c| c.result != DkimResult::Pass),
            "{garbage:?}: {report:?}"
        );
    }
    assert!(
        Verifier::new(VerifierConfig {
            name_servers: vec![server.addr()],
            timeout_ms: 0,
            ..VerifierConfig::default()
        })
        .is_err()
    );
    let config: VerifierConfig =
        toml::from_str("name_servers = [\"127.0.0.1:5353\"]\ntimeout_ms = 500\narc = true")
            .expect("toml");
    assert_eq!(config.timeout_ms, 500);
    assert!(config.adsp && config.arc && !config.iprev);
    assert!(toml::from_str::<VerifierConfig>("timeout = 5").is_err());
}

/// AUTH-IN-LISTS: a mailing list changes the subject (the author's DKIM signature fails)
/// and ARC-seals the message with the results it saw; our verifier reports the broken
/// signature and the intact ARC chain.
#[tokio::test(flavor = "current_thread")]
async fn arc_carries_results_through_a_mailing_list() {
    use mail_auth::arc::ArcSealer;
    use mail_auth::common::crypto::{RsaKey, Sha256};
    use mail_auth::common::headers::HeaderWriter;
    use mail_auth::{AuthenticatedMessage, AuthenticationResults as ListResults};
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

    let list_key = rsa_signer("list.example").record();
    let server = TestDnsServer::start(zone().txt(&list_key.name, &list_key.text())).expect("dns");
    let verifier = verifier(&server);

    // The author's message, signed by the ISP.
    let original = signed(&rsa_signer("ts1.so-net.ne.jp"), MESSAGE);
    // The list verifies it, tags the subject, and seals what it saw.
    let authenticator = verifier.authenticator();
    let parsed = AuthenticatedMessage::parse(&original).expect("parse");
    let dkim = authenticator.verify_dkim(&parsed).await;
    let arc = authenticator.verify_arc(&parsed).await;
    assert!(arc.can_be_sealed());
    let seen = ListResults::new("list.example")
        .with_dkim_results(&dkim, "taro@ts1.so-net.ne.jp")
        .with_arc_result(&arc, ip("192.0.2.10"));
    let modified = String::from_utf8_lossy(&original).replace("Subject: ", "Subject: [list] ");
    let parsed_modified = AuthenticatedMessage::parse(modified.as_bytes()).expect("parse");
    let pem = std::fs::read(data("rsa2048.pem")).expect("key");
    let key = RsaKey::<Sha256>::from_key_der(PrivateKeyDer::Pkcs8(
        PrivatePkcs8KeyDer::from_pem_slice(&pem).expect("pem"),
    ))
    .expect("key");
    let set = ArcSealer::from_key(key)
        .domain("list.example")
        .selector("rsa2026")
        .headers(["From", "To", "Subject", "DKIM-Signature"])
        .seal(&parsed_modified, &seen, &arc)
        .expect("seal");
    let sealed = format!("{}{modified}", set.to_header());

    let report = verifier
        .verify(
            &envelope(
                "198.51.100.7",
                "mx.list.example",
                "list-bounces@list.example",
            ),
            sealed.as_bytes(),
        )
        .await;
    assert_eq!(report.dkim[0].result, DkimResult::Fail, "{:?}", report.dkim);
    let arc = report.arc.as_ref().expect("arc checked");
    assert_eq!(
        arc.result,
        mail_policy_auth_results::ArcResult::Pass,
        "{arc:?}"
    );
    let value = report.to_authentication_results("so-net.ne.jp").to_value();
    assert!(value.contains("; arc=pass"), "{value}");
}
