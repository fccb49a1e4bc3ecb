//! The check behind the `rate_config` fuzz target: limit configurations from TOML text,
//! validated, then used; shared with `cargo test` like `address.rs`.

use mail_policy_rate_limit::{
    Decision, KeyState, Limits, RateLimitConfig, Request, Timestamp, decide,
};

/// Parses `data` as a TOML limit configuration; a valid one must then decide requests
/// without panicking and never admit a request larger than a limit's capacity.
#[allow(unreachable_pub)] // public for the fuzz target, private where tests include this file
pub fn rate_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = toml::from_str::<RateLimitConfig>(text) else {
        return;
    };
    let Ok(limits) = Limits::new(&config) else {
        return;
    };
    let mut state = KeyState::default();
    for (i, recipients) in [1u32, 0, 7, 200, u32::MAX].into_iter().enumerate() {
        let now = Timestamp::from_secs(1_000 + i as u64);
        let (decision, next) = decide(limits.compiled(), &state, now, Request::message(recipients));
        if let Decision::Allowed { .. } = decision {
            for (limit, tat) in limits.compiled().iter().zip(next.tat) {
                assert!(tat <= now.as_micros() + limit.capacity, "over capacity");
            }
        }
        state = next;
    }
}
