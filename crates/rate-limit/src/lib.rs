//! Send-rate limits of a large Japanese consumer ISP (`SPEC.md` section RATE): several
//! limits per key (messages per 10 minutes, recipients per hour, messages per day, ...),
//! checked all or nothing with GCRA; exceeding one suspends the key for a period, and
//! every refusal says when sending resumes.
//!
//! - [`decide`]: the algorithm, one pure function of (state, now, request).
//! - [`MemoryStore`]: in-process, sharded, bounded, for one server.
//! - `RedisStore` (feature `redis`): shared by a fleet (RATE-FLEET), one Lua script per
//!   decision, atomic across a key's limits and suspension, server time, hash-tagged keys
//!   for Redis Cluster, TTLs; fail open, fail closed or fall back to memory when Redis is
//!   down.
//!
//! Sans-IO at the core: `now` is an argument ([`Timestamp`]). Every decision names the
//! `SPEC.md` rule behind it ([`Rule`]). Most users reach this crate through the facade, as
//! `mail_policy::rate`.
//!
//! # Example
//!
//! ```
//! use mail_policy_rate_limit::{key, Decision, Limits, MemoryStore, RateLimitConfig, Request, Timestamp};
//!
//! let store = MemoryStore::new(Limits::new(&RateLimitConfig::sonet_accounts())?, 100_000);
//! let taro = key::account("taro@aa2.so-net.ne.jp");
//! let now = Timestamp::from_secs(1_800_000_000);
//!
//! // A message to 5 recipients is charged to every limit at once.
//! assert!(store.check(&taro, Request::message(5), now).is_allowed());
//!
//! // 996 more recipients within the hour exceed "1,000 recipients / hour": refused,
//! // nothing charged, and sending stops for an hour.
//! let decision = store.check(&taro, Request::message(996), now);
//! assert!(matches!(decision, Decision::Limited { limit: 1, suspended: true, .. }));
//! assert_eq!(decision.resume_at(), Some(Timestamp::from_secs(1_800_003_600)));
//! # Ok::<(), mail_policy_rate_limit::Error>(())
//! ```
//!
//! # Crate features
//!
//! - `redis`: `RedisStore`, the fleet-wide store on Redis (single server, or Redis Cluster),
//!   with the `redis` crate on tokio.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod config;
mod error;
mod gcra;
mod memory;
#[cfg(feature = "redis")]
mod redis_store;
mod rule;

pub use crate::config::{LimitConfig, Limits, RateLimitConfig, key};
pub use crate::error::Error;
pub use crate::gcra::{
    CompiledLimit, Counting, Decision, KeyState, MAX_LIMITS, Request, Timestamp, decide,
};
pub use crate::memory::MemoryStore;
#[cfg(feature = "redis")]
pub use crate::redis_store::{FailureMode, RedisStore, Source, StoreDecision};
pub use crate::rule::Rule;
