//! Address parsing: `mail-policy-address-rules` side by side with `email_address` on the
//! same inputs, plus our SMTP path and header address-list parsers.
//!
//! Run: `cargo bench -p benches --bench address`.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::str::FromStr;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use email_address::{EmailAddress, Options};

use benches::address_corpus;
use mail_policy::address::{Mailbox, Strictness, WireOptions, parse_address_list, parse_rcpt_to};

fn mailbox_parse(c: &mut Criterion) {
    let corpus = address_corpus();
    // `email_address` configured to parse what we parse: a bare address, no display name.
    let peer_options = Options {
        allow_display_text: false,
        ..Options::default()
    };
    let mut group = c.benchmark_group("mailbox_parse");
    for (name, inputs) in [
        ("valid-ascii", &corpus.valid_ascii),
        ("valid-utf8", &corpus.valid_utf8),
        ("invalid", &corpus.invalid),
    ] {
        group.throughput(Throughput::Elements(inputs.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("mail-policy", name),
            inputs,
            |b, inputs| {
                b.iter(|| {
                    for input in inputs {
                        let _ = black_box(Mailbox::from_str(black_box(input)));
                    }
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("email_address", name),
            inputs,
            |b, inputs| {
                b.iter(|| {
                    for input in inputs {
                        let _ = black_box(EmailAddress::parse_with_options(
                            black_box(input),
                            peer_options,
                        ));
                    }
                })
            },
        );
    }
    group.finish();
}

fn smtp_path_parse(c: &mut Criterion) {
    let corpus = address_corpus();
    let paths: Vec<String> = corpus
        .valid_ascii
        .iter()
        .map(|address| format!("<{address}> NOTIFY=SUCCESS,FAILURE"))
        .collect();
    let mut group = c.benchmark_group("smtp_rcpt_to");
    group.throughput(Throughput::Elements(paths.len() as u64));
    group.bench_function("mail-policy", |b| {
        b.iter(|| {
            for path in &paths {
                let _ = black_box(parse_rcpt_to(black_box(path), WireOptions::default()));
            }
        })
    });
    group.finish();
}

fn header_list_parse(c: &mut Criterion) {
    let headers = [
        "Taro Yamada <taro@aa2.so-net.ne.jp>",
        "\"Yamada, Hanako\" <hanako@ts1.so-net.ne.jp>, jiro@example.com, \
         =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <saburo@example.co.jp>",
        "undisclosed-recipients:;",
        "Team: a@example.com, b@example.com, \"C (home)\" <c@example.net>;, d@example.org",
        "Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
    ];
    let mut group = c.benchmark_group("header_address_list");
    group.throughput(Throughput::Elements(headers.len() as u64));
    for strictness in [Strictness::Strict, Strictness::Lenient] {
        group.bench_function(format!("mail-policy/{strictness:?}"), |b| {
            b.iter(|| {
                for header in headers {
                    let _ = black_box(parse_address_list(black_box(header), strictness));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, mailbox_parse, smtp_path_parse, header_list_parse);
criterion_main!(benches);
