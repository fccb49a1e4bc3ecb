//! Rate limiting: our in-memory keyed check beside `governor`'s keyed limiter (DashMap),
//! same quota, same keys, same order, both on a manual clock; and Redis decisions per
//! second on loopback, sequential and concurrent (needs `MAIL_POLICY_REDIS_URL`).
//!
//! Run: `MAIL_POLICY_REDIS_URL=redis://127.0.0.1:6379/ cargo bench -p benches --bench rate_limit`.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use governor::clock::FakeRelativeClock;
use governor::{Quota, RateLimiter};

use benches::XorShift;
use mail_policy::rate::{
    Counting, FailureMode, LimitConfig, Limits, MemoryStore, RateLimitConfig, RedisStore, Request,
    Source, Timestamp,
};

const KEYS: usize = 10_000;
const CHECKS: usize = 10_000;

/// 100 messages per 10 minutes, full burst: the same quota for both.
fn limits() -> Limits {
    Limits::new(&RateLimitConfig {
        limits: vec![LimitConfig {
            name: "messages-10min".into(),
            counting: Counting::Messages,
            quota: 100,
            period_secs: 600,
            burst: None,
            suspend_secs: 0,
        }],
    })
    .expect("valid")
}

/// Keys in a skewed order (a few busy accounts, many quiet ones), as a mail server sees
/// them.
fn key_sequence() -> Vec<String> {
    let keys: Vec<String> = (0..KEYS)
        .map(|i| format!("acct:user{i}@aa2.so-net.ne.jp"))
        .collect();
    let mut rng = XorShift::new(42);
    (0..CHECKS)
        .map(|_| {
            let r = rng.next_u64();
            // Half the checks on 1 % of the keys.
            let index = if r % 2 == 0 {
                (r >> 8) as usize % (KEYS / 100)
            } else {
                (r >> 8) as usize % KEYS
            };
            keys[index].clone()
        })
        .collect()
}

fn keyed_memory(c: &mut Criterion) {
    let sequence = key_sequence();
    let mut group = c.benchmark_group("keyed_check_memory");
    group.throughput(Throughput::Elements(sequence.len() as u64));

    let ours = MemoryStore::new(limits(), 1_000_000);
    let mut micros = 1_700_000_000_000_000u64;
    group.bench_function("mail-policy MemoryStore", |b| {
        b.iter(|| {
            let mut allowed = 0u32;
            for key in &sequence {
                micros += 100; // the clock moves 100 µs per check
                allowed += u32::from(
                    ours.check(black_box(key), Request::message(1), Timestamp(micros))
                        .is_allowed(),
                );
            }
            allowed
        })
    });

    let clock = FakeRelativeClock::default();
    let quota = Quota::with_period(Duration::from_secs(6))
        .expect("non-zero period")
        .allow_burst(NonZeroU32::new(100).expect("non-zero"));
    let theirs = RateLimiter::dashmap_with_clock(quota, clock.clone());
    group.bench_function("governor keyed (DashMap)", |b| {
        b.iter(|| {
            let mut allowed = 0u32;
            for key in &sequence {
                clock.advance(Duration::from_micros(100));
                allowed += u32::from(theirs.check_key(black_box(key)).is_ok());
            }
            allowed
        })
    });
    group.finish();
}

fn redis_throughput(c: &mut Criterion) {
    let Ok(url) = std::env::var("MAIL_POLICY_REDIS_URL") else {
        eprintln!("redis benches skipped: set MAIL_POLICY_REDIS_URL");
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let store = runtime.block_on(async {
        RedisStore::connect(
            &url,
            Limits::new(&RateLimitConfig::sonet_accounts()).expect("valid"),
            FailureMode::FailClosed,
            Duration::from_secs(1),
        )
        .expect("client")
        .with_prefix("bench")
    });
    let store = Arc::new(store);
    let keys: Arc<Vec<String>> = Arc::new(key_sequence());
    runtime.block_on(async {
        let d = store.check(&keys[0], Request::message(1)).await;
        assert_eq!(d.source, Source::Redis, "Redis unreachable: {:?}", d.error);
    });

    let mut group = c.benchmark_group("redis_decisions");
    group.sample_size(10);
    group.throughput(Throughput::Elements(1_000));
    group.bench_function("sequential", |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                let start = Instant::now();
                for i in 0..iterations as usize * 1_000 {
                    black_box(
                        store
                            .check(&keys[i % keys.len()], Request::message(1))
                            .await,
                    );
                }
                start.elapsed()
            })
        })
    });
    group.bench_function("concurrent (64 in flight)", |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                let total = iterations as usize * 1_000;
                let start = Instant::now();
                let mut tasks = Vec::with_capacity(64);
                for t in 0..64 {
                    let store = Arc::clone(&store);
                    let keys = Arc::clone(&keys);
                    tasks.push(tokio::spawn(async move {
                        let mut i = t;
                        while i < total {
                            black_box(
                                store
                                    .check(&keys[i % keys.len()], Request::message(1))
                                    .await,
                            );
                            i += 64;
                        }
                    }));
                }
                for task in tasks {
                    task.await.expect("task");
                }
                start.elapsed()
            })
        })
    });
    group.finish();
}

criterion_group!(benches, keyed_memory, redis_throughput);
criterion_main!(benches);
