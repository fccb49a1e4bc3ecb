//! `Authentication-Results` parsing: our RFC 8601 parser (owned model, and borrowed into
//! reused buffers) beside `msg-auth-status` on the same header values, in one group.
//!
//! Run: `cargo bench -p benches --bench auth_results`.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use msg_auth_status::alloc_yes::AuthenticationResults as PeerResults;
use msg_auth_status::mail_parser::HeaderValue;

use mail_policy::auth::{AuthenticationResultsRef, parse_authentication_results};

/// Header values as an MX sees them: the seed's, big providers' shapes, RFC 8601's.
const VALUES: &[&str] = &[
    " so-net.ne.jp; spf=pass smtp.mailfrom=AAAAA@ts1.so-net.ne.jp; dkim=pass\r\n  header.i=@ts1.so-net.ne.jp; dkim-adsp=pass\r\n  header.from=AAAAA@ts1.so-net.ne.jp; dmarc=pass\r\n  header.from=AAAAA@ts1.so-net.ne.jp",
    " mx.google.com;\r\n       dkim=pass header.i=@example.com header.s=20230601 header.b=AbCdEf12;\r\n       spf=pass (google.com: domain of sender@example.com designates 192.0.2.1 as permitted sender) smtp.mailfrom=sender@example.com;\r\n       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.com",
    " example.com;\r\n          auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n          spf=pass smtp.mailfrom=example.net",
    " example.com;\r\n          dkim=pass reason=\"good signature\"\r\n            header.i=@mail-router.example.net;\r\n          dkim=fail reason=\"bad signature\"\r\n            header.i=@newyork.example.com",
    " example.com; iprev=pass policy.iprev=192.0.2.200",
    " example.org 1; none",
];

fn parse(c: &mut Criterion) {
    for value in VALUES {
        assert!(parse_authentication_results(value).is_ok(), "{value:?}");
    }
    let peer_values: Vec<HeaderValue<'static>> = VALUES
        .iter()
        .map(|v| HeaderValue::Text((*v).into()))
        .collect();
    let mut group = c.benchmark_group("authentication_results_parse");
    group.throughput(Throughput::Elements(VALUES.len() as u64));
    group.bench_function("mail-policy", |b| {
        b.iter(|| {
            for value in VALUES {
                let _ = black_box(parse_authentication_results(black_box(value)));
            }
        })
    });
    group.bench_function("mail-policy borrowed", |b| {
        let mut parsed = AuthenticationResultsRef::default();
        b.iter(|| {
            for value in VALUES {
                let _ = black_box(parsed.parse_into(black_box(value)));
            }
        })
    });
    group.bench_function("mail-policy borrowed, fresh buffers", |b| {
        b.iter(|| {
            for value in VALUES {
                let _ = black_box(AuthenticationResultsRef::parse(black_box(value)));
            }
        })
    });
    group.bench_function("msg-auth-status", |b| {
        b.iter(|| {
            for value in &peer_values {
                black_box(PeerResults::from(black_box(value)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
