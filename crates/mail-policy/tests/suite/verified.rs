//! The async stage over real DNS (a loopback authoritative server), and DKIM signing of
//! authenticated submissions by the engine, verified back.

use std::path::PathBuf;

use mail_policy::auth::{DkimKey, DkimSigner, Verifier, VerifierConfig};
use mail_policy::geo::GeoSetting;
use mail_policy::port25::{DnsblAnswer, PtrAnswer};
use mail_policy::{Config, Connect, ContentScan, DkimConfig, Engine};
use mail_policy_dns_test_server::{TestDnsServer, Zone};

use super::session::now;

fn key_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../auth-results/tests/data/ed25519.pem")
}

#[tokio::test(flavor = "current_thread")]
async fn submissions_are_signed_and_inbound_mail_is_verified() {
    // The ISP signs taro's submission with its key...
    let mut config = Config::sonet();
    config.auth.dkim = Some(DkimConfig {
        domain: "aa2.so-net.ne.jp".into(),
        selector: "ed2026".into(),
        key_file: key_file(),
    });
    let engine = Engine::new(&config, "test").expect("engine");
    let ptr = PtrAnswer::NoName;
    let (mut session, _) = engine.connect(&Connect {
        client_ip: "198.51.100.20".parse().expect("ip"),
        port: 465,
        ptr: &ptr,
        dnsbl: &DnsblAnswer::NotListed,
        recent_messages: 0,
        explain: true,
    });
    assert!(
        session
            .auth("taro@aa2.so-net.ne.jp", &GeoSetting::default())
            .is_accept()
    );
    assert!(
        session
            .mail_from("<taro@aa2.so-net.ne.jp>", now())
            .is_accept()
    );
    assert!(session.rcpt_to("<hanako@aa3.so-net.ne.jp>").is_accept());
    session.data();
    let body = "From: Taro <taro@aa2.so-net.ne.jp>\r\nTo: hanako@aa3.so-net.ne.jp\r\n\
                Subject: lunch\r\nDate: Fri, 04 Dec 2026 12:00:00 +0900\r\n\r\nNoon?\r\n";
    let submitted = session.end_of_message(body.as_bytes(), None, &ContentScan::default(), now());
    assert_eq!(submitted.reply.code, 250);
    let signature = submitted
        .add_headers
        .iter()
        .find(|h| h.name == "DKIM-Signature")
        .expect("signed");
    assert!(submitted.checks.iter().any(|c| c.rule == "AUTH-OUT-DKIM"));

    // ...and the MX that receives it verifies the signature over DNS.
    let record = DkimSigner::new(
        DkimKey::from_file(key_file()).expect("key"),
        "aa2.so-net.ne.jp",
        "ed2026",
    )
    .expect("signer")
    .record();
    let zone = Zone::new()
        .txt(&record.name, &record.text())
        .txt("aa2.so-net.ne.jp", "v=spf1 ip4:198.51.100.0/24 -all")
        .txt("_dmarc.aa2.so-net.ne.jp", "v=DMARC1; p=none");
    let server = TestDnsServer::start(zone).expect("dns");
    let verifier = Verifier::new(VerifierConfig {
        name_servers: vec![server.addr()],
        timeout_ms: 500,
        attempts: 1,
        ..VerifierConfig::default()
    })
    .expect("verifier");
    let delivered = format!("DKIM-Signature: {}\r\n{body}", signature.value);
    let mx = Engine::sonet();
    let ptr = PtrAnswer::Name {
        name: "smtp.so-net.ne.jp".into(),
        forward_confirmed: true,
    };
    let (mut inbound, _) = mx.connect(&Connect {
        client_ip: "198.51.100.20".parse().expect("ip"),
        port: 25,
        ptr: &ptr,
        dnsbl: &DnsblAnswer::NotListed,
        recent_messages: 0,
        explain: true,
    });
    inbound.ehlo("smtp.so-net.ne.jp");
    inbound.mail_from("<taro@aa2.so-net.ne.jp>", now());
    inbound.rcpt_to("<hanako@aa3.so-net.ne.jp>");
    inbound.data();
    let verdict = inbound
        .end_of_message_verified(
            delivered.as_bytes(),
            &verifier,
            "mx.so-net.ne.jp",
            &ContentScan::default(),
            now(),
        )
        .await;
    assert_eq!(verdict.reply.code, 250, "{verdict:?}");
    let header = &verdict.add_headers[0];
    assert_eq!(header.name, "Authentication-Results");
    let value = header.value.replace("\r\n  ", " ");
    assert!(
        value.starts_with(
            "so-net.ne.jp; spf=pass smtp.mailfrom=taro@aa2.so-net.ne.jp; dkim=pass header.i=@aa2.so-net.ne.jp; dkim-adsp=pass header.from=taro@aa2.so-net.ne.jp; dmarc=pass"
        ),
        "{value}"
    );
}
