//! Where the time of the `session` bench's transaction goes, stage by stage: connect +
//! EHLO, MAIL, 10 RCPT + DATA, the end of the message, dropping the session. The same
//! transaction as `benches/session.rs` (a new client address each time, a 10 KB message,
//! a given SPF/DKIM report), timed with `Instant` around each stage over 7 rounds of
//! 100,000 transactions; each stage's best round is printed, which keeps a noisy machine's
//! worst moments out. A diagnostic to find the next thing to speed up; the figure to quote
//! is criterion's, from `cargo bench -p benches --bench session`.
//!
//! Run: `cargo run --release -p benches --example session_stages [explain]`.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use benches::session::{message, recipients, report};
use chrono::{TimeZone, Utc};
use mail_policy::port25::{DnsblAnswer, PtrAnswer};
use mail_policy::{Connect, ContentScan, Engine};

const STAGES: [&str; 5] = [
    "connect + EHLO",
    "MAIL",
    "10 RCPT + DATA",
    "end of message",
    "drop",
];
const ROUNDS: u32 = 7;
const PER_ROUND: u32 = 100_000;

fn main() {
    let explain = std::env::args().nth(1).as_deref() == Some("explain");
    let message = message();
    let report = report();
    let engine = Engine::sonet();
    let now = Utc
        .with_ymd_and_hms(2026, 12, 4, 10, 0, 0)
        .single()
        .expect("time");
    let ptr = PtrAnswer::Name {
        name: "mail.example.com".into(),
        forward_confirmed: true,
    };
    let recipients = recipients();

    let mut best = [u128::MAX; STAGES.len()];
    for round in 0..ROUNDS {
        let mut spent = [0u128; STAGES.len()];
        for counter in round * PER_ROUND..(round + 1) * PER_ROUND {
            let client = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 | counter));
            let mut marks = [Instant::now(); STAGES.len() + 1];
            let (mut session, hello) = engine.connect(&Connect {
                client_ip: client,
                port: 25,
                ptr: &ptr,
                dnsbl: &DnsblAnswer::NotListed,
                recent_messages: 0,
                explain,
            });
            black_box(hello);
            black_box(session.ehlo("mail.example.com"));
            marks[1] = Instant::now();
            black_box(session.mail_from("<sender@example.com> SIZE=10000", now));
            marks[2] = Instant::now();
            for rcpt in &recipients {
                black_box(session.rcpt_to(rcpt));
            }
            black_box(session.data());
            marks[3] = Instant::now();
            let verdict = session.end_of_message(
                black_box(&message),
                Some(&report),
                &ContentScan::spam_score(1.0),
                now,
            );
            marks[4] = Instant::now();
            drop(session);
            marks[5] = Instant::now();
            assert_eq!(verdict.deliveries.len(), 10);
            for (stage, pair) in marks.windows(2).enumerate() {
                spent[stage] += (pair[1] - pair[0]).as_nanos();
            }
        }
        for (best, spent) in best.iter_mut().zip(spent) {
            *best = (*best).min(spent);
        }
    }
    let per = |ns: u128| ns as f64 / f64::from(PER_ROUND);
    println!(
        "per transaction, {} (best of {ROUNDS} rounds of {PER_ROUND}):",
        if explain {
            "explained"
        } else {
            "rule IDs only"
        }
    );
    for (stage, ns) in STAGES.iter().zip(best) {
        println!("  {stage:<16} {:>8.0} ns", per(ns));
    }
    println!("  {:<16} {:>8.0} ns", "total", per(best.iter().sum()));
}
