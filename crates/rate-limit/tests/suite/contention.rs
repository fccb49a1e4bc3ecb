//! Many threads on one key: exactly the quota is admitted, never more.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use mail_policy_rate_limit::{
    Counting, LimitConfig, Limits, MemoryStore, RateLimitConfig, Request, Timestamp,
};

#[test]
fn threads_on_one_key_admit_exactly_the_quota() {
    let quota = 1_000;
    let limits = Limits::new(&RateLimitConfig {
        limits: vec![LimitConfig {
            name: "day".into(),
            counting: Counting::Messages,
            quota,
            period_secs: 86_400,
            burst: None,
            suspend_secs: 0,
        }],
    })
    .expect("valid");
    let store = Arc::new(MemoryStore::new(limits, 10_000));
    let admitted = Arc::new(AtomicU64::new(0));
    let threads = 16;
    let per_thread = 10_000; // 160,000 decisions in all
    let now = Timestamp::from_secs(1_800_000_000); // one instant: no refill during the test
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let store = Arc::clone(&store);
            let admitted = Arc::clone(&admitted);
            std::thread::spawn(move || {
                for _ in 0..per_thread {
                    if store
                        .check("acct:hot@aa2.so-net.ne.jp", Request::message(1), now)
                        .is_allowed()
                    {
                        admitted.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("thread");
    }
    assert_eq!(admitted.load(Ordering::Relaxed), quota);
}
