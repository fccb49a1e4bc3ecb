//! "Is this address domestic?" on full-size real data (the CC0 ip-location-db country
//! data, fetched by `.ci/fetch-geo-data`): our table beside `maxminddb` (lookup and
//! country decode) and `prefix-trie` (the same Japanese networks), same addresses, one
//! group.
//!
//! Run: `bash .ci/fetch-geo-data && MAIL_POLICY_GEO_DATA=target/geo-data cargo bench -p benches --bench geo`.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ipnetwork::Ipv4Network;
use prefix_trie::PrefixSet;
use serde::Deserialize;

use benches::XorShift;
use mail_policy::geo::{CountryCode, GeoSourceConfig, SourceFile, SourceFormat, load_table};

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    country_code: Option<&'a str>,
}

/// The fewest CIDR blocks covering `[start, end]`.
fn cidrs(mut start: u64, end: u64, out: &mut Vec<Ipv4Network>) {
    while start <= end {
        let mut size = if start == 0 {
            32
        } else {
            start.trailing_zeros().min(32)
        };
        while start + (1u64 << size) - 1 > end {
            size -= 1;
        }
        out.push(Ipv4Network::new(Ipv4Addr::from(start as u32), (32 - size) as u8).expect("valid"));
        start += 1u64 << size;
    }
}

fn domestic_lookup(c: &mut Criterion) {
    let Some(dir) = std::env::var_os("MAIL_POLICY_GEO_DATA").map(PathBuf::from) else {
        eprintln!(
            "geo benches skipped: run `bash .ci/fetch-geo-data` and set MAIL_POLICY_GEO_DATA"
        );
        return;
    };
    let table = load_table(&GeoSourceConfig {
        country: CountryCode::JP,
        files: vec![
            SourceFile {
                path: dir.join("geo-whois-asn-country-ipv4.csv"),
                format: SourceFormat::RangeCsv,
            },
            SourceFile {
                path: dir.join("geo-whois-asn-country-ipv6.csv"),
                format: SourceFormat::RangeCsv,
            },
        ],
    })
    .expect("CSV loads");
    eprintln!(
        "domestic table: {} IPv4 + {} IPv6 ranges, {} bytes",
        table.v4_ranges().len(),
        table.v6_ranges().len(),
        table.memory_bytes()
    );
    let mmdb = maxminddb::Reader::open_readfile(dir.join("geo-whois-asn-country.mmdb"))
        .expect("mmdb opens");
    let mut trie: PrefixSet<Ipv4Network> = PrefixSet::new();
    let mut networks = Vec::new();
    for &(start, end) in table.v4_ranges() {
        cidrs(u64::from(start), u64::from(end), &mut networks);
    }
    for network in networks {
        trie.insert(network);
    }
    // Probes: uniformly random IPv4 addresses, plus one in ten inside a Japanese range.
    let mut rng = XorShift::new(2026);
    let v4 = table.v4_ranges();
    let probes: Vec<Ipv4Addr> = (0..10_000)
        .map(|i| {
            let r = rng.next_u64();
            if i % 10 == 0 {
                let (a, b) = v4[(r % v4.len() as u64) as usize];
                Ipv4Addr::from(a + ((r >> 32) as u32 % (b - a + 1)))
            } else {
                Ipv4Addr::from((r >> 32) as u32)
            }
        })
        .collect();
    let mmdb_is_jp = |ip: Ipv4Addr| -> bool {
        mmdb.lookup(IpAddr::V4(ip))
            .ok()
            .and_then(|result| result.decode::<Record<'_>>().ok().flatten())
            .and_then(|record| record.country_code)
            == Some("JP")
    };
    for &probe in &probes {
        let ours = table.is_domestic(IpAddr::V4(probe));
        assert_eq!(ours, mmdb_is_jp(probe), "{probe}: table and mmdb disagree");
        let host = Ipv4Network::new(probe, 32).expect("valid");
        assert_eq!(
            ours,
            trie.get_spm(&host).is_some(),
            "{probe}: table and trie disagree"
        );
    }

    let mut group = c.benchmark_group("domestic_lookup_full_data");
    group.throughput(Throughput::Elements(probes.len() as u64));
    group.bench_function("mail-policy DomesticTable", |b| {
        b.iter(|| {
            probes
                .iter()
                .filter(|&&p| table.is_domestic(IpAddr::V4(black_box(p))))
                .count()
        })
    });
    group.bench_function("maxminddb lookup + country decode", |b| {
        b.iter(|| probes.iter().filter(|&&p| mmdb_is_jp(black_box(p))).count())
    });
    group.bench_function("prefix-trie PrefixSet::get_spm", |b| {
        b.iter(|| {
            probes
                .iter()
                .filter(|&&p| {
                    trie.get_spm(&Ipv4Network::new(black_box(p), 32).expect("valid"))
                        .is_some()
                })
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, domestic_lookup);
criterion_main!(benches);
