//! DKIM verification through our API (`auth::Verifier::verify_dkim`: mail-auth plus the
//! mapping to our result model) beside mail-auth called directly, on the same messages,
//! with the same resolver setup: an authoritative DNS server on loopback whose answers the
//! resolver caches after the first query. The difference is our overhead.
//!
//! Run: `cargo bench -p benches --bench dkim_verify`.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use mail_auth::hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts,
};
use mail_auth::{AuthenticatedMessage, DkimResult as PeerResult, MessageAuthenticator};
use mail_policy::auth::{DkimKey, DkimResult, DkimSigner, Verifier, VerifierConfig};
use mail_policy_dns_test_server::{TestDnsServer, Zone};

fn key(file: &str) -> DkimKey {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "../crates/auth-results/tests/data",
        file,
    ]
    .iter()
    .collect();
    DkimKey::from_file(path).expect("test key")
}

/// A 10 KB message as users send it.
fn message() -> Vec<u8> {
    let mut text = String::from(
        "From: Taro <taro@ts1.so-net.ne.jp>\r\nTo: hanako@example.net\r\n\
         Subject: =?UTF-8?B?5LuK5pel44Gu5LqI5a6a?=\r\nDate: Fri, 04 Dec 2026 10:00:00 +0900\r\n\
         Message-ID: <bench@ts1.so-net.ne.jp>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=UTF-8\r\n\r\n",
    );
    while text.len() < 10_000 {
        text.push_str("The quick brown fox jumps over the lazy dog.  0123456789\r\n");
    }
    text.into_bytes()
}

fn verify(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let domain = "ts1.so-net.ne.jp";
    let signers = [
        (
            "rsa2048",
            DkimSigner::new(key("rsa2048.pem"), domain, "rsa").expect("signer"),
        ),
        (
            "ed25519",
            DkimSigner::new(key("ed25519.pem"), domain, "ed").expect("signer"),
        ),
    ];
    let mut zone = Zone::new();
    for (_, signer) in &signers {
        let record = signer.record();
        zone = zone.txt(&record.name, &record.text());
    }
    let server = TestDnsServer::start(zone).expect("dns");
    let _guard = runtime.enter();
    let ours = Verifier::new(VerifierConfig {
        name_servers: vec![server.addr()],
        ..VerifierConfig::default()
    })
    .expect("verifier");
    let mut udp = ConnectionConfig::udp();
    udp.port = server.addr().port();
    let mut tcp = ConnectionConfig::tcp();
    tcp.port = server.addr().port();
    let peer = MessageAuthenticator::new(
        ResolverConfig::from_name_servers(vec![NameServerConfig::new(
            server.addr().ip(),
            true,
            vec![udp, tcp],
        )]),
        ResolverOpts::default(),
    )
    .expect("authenticator");

    for (name, signer) in &signers {
        let mut message = signer.sign(&message()).expect("sign").into_bytes();
        message.extend_from_slice(&self::message());
        // Both pass before anything is timed.
        let checks = runtime.block_on(ours.verify_dkim(&message));
        assert_eq!(checks[0].result, DkimResult::Pass, "{checks:?}");
        let parsed = AuthenticatedMessage::parse(&message).expect("parse");
        let outputs = runtime.block_on(peer.verify_dkim(&parsed));
        assert_eq!(outputs[0].result(), &PeerResult::Pass);

        let mut group = c.benchmark_group(format!("dkim_verify_{name}"));
        group.bench_function("mail-policy", |b| {
            b.iter(|| black_box(runtime.block_on(ours.verify_dkim(black_box(&message)))))
        });
        group.bench_function("mail-auth", |b| {
            b.iter(|| {
                runtime.block_on(async {
                    let parsed = AuthenticatedMessage::parse(black_box(&message)).expect("parse");
                    black_box(peer.verify_dkim(&parsed).await.len())
                })
            })
        });
        group.finish();
    }
}

criterion_group!(benches, verify);
criterion_main!(benches);
