//! A whole SMTP transaction through the facade (`Engine`/`Session`): connect, EHLO, MAIL,
//! 10 RCPT, DATA, end of message with a 10 KB message; no DNS, no crypto (the
//! verification report is given, as a server with its own resolver would). Per message,
//! with the explain trace's texts and with rule IDs only (`Connect::explain` false).
//!
//! Run: `cargo bench -p benches --bench session`.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};

use benches::session::{message, recipients, report};
use chrono::{TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mail_policy::port25::{DnsblAnswer, PtrAnswer};
use mail_policy::{Action, Connect, ContentScan, Engine};

fn transaction(c: &mut Criterion) {
    let engine = Engine::sonet();
    let message = message();
    let report = report();
    let now = Utc
        .with_ymd_and_hms(2026, 12, 4, 10, 0, 0)
        .single()
        .expect("time");
    let ptr = PtrAnswer::Name {
        name: "mail.example.com".into(),
        forward_confirmed: true,
    };
    let recipients = recipients();
    let mut counter: u32 = 0;
    let mut group = c.benchmark_group("smtp_transaction");
    group.throughput(Throughput::Elements(1));
    for explain in [true, false] {
        let name = if explain {
            "connect_10rcpt_10kb explained"
        } else {
            "connect_10rcpt_10kb rule-ids-only"
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                // A new client address each time: the per-address send limit stays out of
                // the way (300 messages / 10 minutes).
                counter = counter.wrapping_add(1);
                let client = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 | (counter & 0x00ff_ffff)));
                let (mut session, hello) = engine.connect(&Connect {
                    client_ip: client,
                    port: 25,
                    ptr: &ptr,
                    dnsbl: &DnsblAnswer::NotListed,
                    recent_messages: 0,
                    explain,
                });
                debug_assert_eq!(hello.action, Action::Accept);
                session.ehlo("mail.example.com");
                session.mail_from("<sender@example.com> SIZE=10000", now);
                for rcpt in &recipients {
                    black_box(session.rcpt_to(rcpt));
                }
                session.data();
                let verdict = session.end_of_message(
                    black_box(&message),
                    Some(&report),
                    &ContentScan::spam_score(1.0),
                    now,
                );
                debug_assert_eq!(verdict.deliveries.len(), 10);
                black_box(verdict)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, transaction);
criterion_main!(benches);
