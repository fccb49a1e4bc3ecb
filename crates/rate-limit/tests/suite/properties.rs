//! proptest properties of GCRA and the memory store.

use proptest::prelude::*;

use mail_policy_rate_limit::{
    Counting, Decision, KeyState, LimitConfig, Limits, MemoryStore, RateLimitConfig, Request,
    Timestamp, decide,
};

fn limits(quota: u64, period_secs: u64, burst: u64, suspend_secs: u64) -> Limits {
    Limits::new(&RateLimitConfig {
        limits: vec![LimitConfig {
            name: "m".into(),
            counting: Counting::Messages,
            quota,
            period_secs,
            burst: Some(burst),
            suspend_secs,
        }],
    })
    .expect("valid")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// In any window of length W, admitted units ≤ burst + ⌊W / T⌋: never the doubled
    /// burst of fixed windows. Checked for every window between two admitted requests.
    #[test]
    fn never_admits_more_than_burst_plus_refill(
        quota in 1u64..50,
        period_secs in 1u64..120,
        burst_fraction in 1u64..=100,
        gaps in prop::collection::vec(0u64..4_000_000, 1..300),
        costs in prop::collection::vec(1u32..4, 300),
    ) {
        let burst = (quota * burst_fraction).div_ceil(100).max(1);
        let limits = limits(quota, period_secs, burst, 0);
        let interval = limits.compiled()[0].interval;
        let mut state = KeyState::default();
        let mut now = 1_000_000u64;
        let mut admitted: Vec<(u64, u64)> = Vec::new(); // (time, cost)
        for (gap, cost) in gaps.iter().zip(&costs) {
            now += gap;
            let (decision, next) = decide(limits.compiled(), &state, Timestamp(now), Request { messages: *cost, recipients: 0 });
            if decision.is_allowed() {
                admitted.push((now, u64::from(*cost)));
            }
            state = next;
        }
        for i in 0..admitted.len() {
            let mut total = 0;
            for j in i..admitted.len() {
                total += admitted[j].1;
                let window = admitted[j].0 - admitted[i].0;
                prop_assert!(total <= burst + window / interval, "{total} units in {window} µs (burst {burst}, interval {interval})");
            }
        }
    }

    /// A refusal changes nothing but a suspension; a suspended key is refused until the
    /// suspension ends and allowed (when its limit allows) from then on.
    #[test]
    fn refusals_charge_nothing(messages in 1u32..20, suspend_secs in 0u64..100) {
        let limits = limits(5, 60, 5, suspend_secs);
        let mut state = KeyState::default();
        let now = Timestamp::from_secs(10);
        for _ in 0..messages {
            let (decision, next) = decide(limits.compiled(), &state, now, Request::message(1));
            match decision {
                Decision::Allowed { .. } => {}
                Decision::Limited { suspended, .. } => {
                    prop_assert_eq!(next.tat, state.tat);
                    prop_assert_eq!(suspended, suspend_secs > 0);
                }
                Decision::Suspended { until, .. } => prop_assert_eq!(until, Timestamp::from_secs(10 + suspend_secs.max(12))),
                other => prop_assert!(false, "{:?}", other),
            }
            state = next;
        }
    }

    /// The store decides exactly as the pure function does, key by key.
    #[test]
    fn memory_store_matches_the_function(
        events in prop::collection::vec((0u64..3_000_000, 0usize..4, 0u32..3, 0u32..40), 1..200),
    ) {
        let config = RateLimitConfig::sonet_accounts();
        let limits = Limits::new(&config).expect("valid");
        let store = MemoryStore::new(limits.clone(), 1000);
        let mut states = [KeyState::default(); 4];
        let mut now = 1_700_000_000_000_000u64;
        for (gap, key, messages, recipients) in events {
            now += gap;
            let request = Request { messages, recipients };
            let (expected, next) = decide(limits.compiled(), &states[key], Timestamp(now), request);
            states[key] = next;
            prop_assert_eq!(store.check(&format!("k{key}"), request, Timestamp(now)), expected);
        }
    }
}
