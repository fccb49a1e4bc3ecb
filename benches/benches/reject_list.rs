//! The reject list (REJ-*): 200 realistic rules against realistic messages, the compiled
//! matcher (one Aho-Corasick pass per field) beside the naive rule-by-rule loop, in one
//! group. Both start from the same parsed message and do the same normalisation; only the
//! matching differs.
//!
//! Run: `cargo bench -p benches --bench reject_list`.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

use benches::{messages, reject_rules};
use mail_policy::mailbox::{
    IncomingMessage, NaiveRejectList, RejectField, RejectList, RejectListConfig, RejectMode,
    RejectRule,
};

fn config() -> RejectListConfig {
    let rules = reject_rules()
        .into_iter()
        .map(|(field, text)| match field {
            "from" => RejectRule::contains(RejectField::From, text),
            "to" => RejectRule::contains(RejectField::To, text),
            "subject" => RejectRule::contains(RejectField::Subject, text),
            "size>=" => RejectRule::at_least_kb(text.parse().expect("number")),
            _ => RejectRule::under_kb(text.parse().expect("number")),
        })
        .collect();
    RejectListConfig {
        mode: RejectMode::RejectMatching,
        action: Default::default(),
        rules,
    }
}

fn reject_list(c: &mut Criterion) {
    let config = config();
    assert_eq!(config.rules.len(), 200);
    let compiled = RejectList::compile(&config).expect("valid rules");
    let naive = NaiveRejectList::compile(&config).expect("valid rules");
    let parsed: Vec<IncomingMessage> = messages()
        .iter()
        .map(|raw| IncomingMessage::parse(raw, 4096).expect("headers"))
        .collect();
    for message in &parsed {
        assert_eq!(
            matches!(
                compiled.evaluate(message),
                mail_policy::mailbox::RejectOutcome::Pass
            ),
            matches!(
                naive.evaluate(message),
                mail_policy::mailbox::RejectOutcome::Pass
            )
        );
    }

    let mut group = c.benchmark_group("reject_list_200_rules");
    group.throughput(Throughput::Elements(parsed.len() as u64));
    group.bench_function(BenchmarkId::new("compiled", parsed.len()), |b| {
        b.iter(|| {
            for message in &parsed {
                black_box(compiled.evaluate(black_box(message)));
            }
        })
    });
    group.bench_function(BenchmarkId::new("naive", parsed.len()), |b| {
        b.iter(|| {
            for message in &parsed {
                black_box(naive.evaluate(black_box(message)));
            }
        })
    });
    group.finish();

    // Parsing the header section (mail-parser, RFC 2047 decoding) for scale.
    let raw = messages();
    let mut group = c.benchmark_group("incoming_message_parse");
    group.throughput(Throughput::Elements(raw.len() as u64));
    group.bench_function("mail-parser", |b| {
        b.iter(|| {
            for message in &raw {
                let _ = black_box(IncomingMessage::parse(black_box(message), 4096));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, reject_list);
criterion_main!(benches);
