//! CIDR-set membership with 100,000 networks: ours (merged sorted intervals, binary
//! search) beside `prefix-trie` on the same networks and probes, in one group; and PTR
//! name classification throughput for IP25B.
//!
//! Run: `cargo bench -p benches --bench port25`.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ipnetwork::{IpNetwork, Ipv4Network};
use prefix_trie::PrefixSet;

use benches::{XorShift, ipv4_networks, ptr_names};
use mail_policy::port25::{CidrSet, Ip25b};

fn membership(c: &mut Criterion) {
    let networks = ipv4_networks(100_000, 7);
    let ours = CidrSet::from_networks(
        networks
            .iter()
            .map(|&(a, p)| IpNetwork::V4(Ipv4Network::new(Ipv4Addr::from(a), p).expect("valid"))),
    );
    let mut trie: PrefixSet<Ipv4Network> = PrefixSet::new();
    for &(a, p) in &networks {
        trie.insert(Ipv4Network::new(Ipv4Addr::from(a), p).expect("valid"));
    }
    // Probes: half inside a listed network, half uniformly random (mostly misses).
    let mut rng = XorShift::new(99);
    let probes: Vec<Ipv4Addr> = (0..10_000)
        .map(|i| {
            let r = rng.next_u64();
            if i % 2 == 0 {
                let (a, p) = networks[(r % networks.len() as u64) as usize];
                let host_bits = 32 - u32::from(p);
                let offset = if host_bits == 0 {
                    0
                } else {
                    (r >> 32) as u32 & ((1u32 << host_bits) - 1)
                };
                Ipv4Addr::from(a | offset)
            } else {
                Ipv4Addr::from((r >> 32) as u32)
            }
        })
        .collect();
    // Both must agree before their speed means anything.
    for &probe in &probes {
        let host = Ipv4Network::new(probe, 32).expect("valid");
        assert_eq!(
            ours.contains(IpAddr::V4(probe)),
            trie.get_spm(&host).is_some(),
            "{probe}"
        );
    }

    let mut group = c.benchmark_group("cidr_membership_100k");
    group.throughput(Throughput::Elements(probes.len() as u64));
    group.bench_function("mail-policy CidrSet", |b| {
        b.iter(|| {
            let mut hits = 0u32;
            for &probe in &probes {
                hits += u32::from(ours.contains(IpAddr::V4(black_box(probe))));
            }
            hits
        })
    });
    group.bench_function("prefix-trie PrefixSet::get_spm", |b| {
        b.iter(|| {
            let mut hits = 0u32;
            for &probe in &probes {
                let host = Ipv4Network::new(black_box(probe), 32).expect("valid");
                hits += u32::from(trie.get_spm(&host).is_some());
            }
            hits
        })
    });
    group.finish();
}

fn ptr_classification(c: &mut Criterion) {
    let policy = Ip25b::sonet();
    let names = ptr_names();
    let client: IpAddr = "203.0.113.5".parse().expect("address");
    let mut group = c.benchmark_group("ip25b_ptr_classification");
    group.throughput(Throughput::Elements(names.len() as u64));
    group.bench_function("RegexSet + embedded address", |b| {
        b.iter(|| {
            for name in &names {
                black_box(policy.classify_hostname(client, black_box(name)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, membership, ptr_classification);
criterion_main!(benches);
