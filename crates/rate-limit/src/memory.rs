//! The in-process store: sharded maps behind fine-grained locks, bounded, evicting idle
//! keys. The default for one server (RATE-FLEET: "one server alone uses an in-process
//! store"), and the Redis store's fallback.

use std::hash::BuildHasher;
use std::sync::{Mutex, PoisonError};

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::config::Limits;
use crate::gcra::{Decision, KeyState, Request, Timestamp, decide};

/// An in-memory rate limiter: safe to share between threads (`Arc<MemoryStore>`).
///
/// ```
/// use mail_policy_rate_limit::{key, Limits, MemoryStore, RateLimitConfig, Request, Timestamp};
///
/// let store = MemoryStore::new(Limits::new(&RateLimitConfig::sonet_accounts())?, 100_000);
/// let account = key::account("taro@aa2.so-net.ne.jp");
/// let now = Timestamp::from_secs(1_700_000_000);
/// for _ in 0..100 {
///     assert!(store.check(&account, Request::message(1), now).is_allowed());
/// }
/// // The 101st message within 10 minutes: refused, and sending stops for an hour.
/// let refused = store.check(&account, Request::message(1), now);
/// assert_eq!(refused.resume_at(), Some(Timestamp::from_secs(1_700_003_600)));
/// # Ok::<(), mail_policy_rate_limit::Error>(())
/// ```
#[derive(Debug)]
pub struct MemoryStore {
    limits: Limits,
    shards: Box<[Mutex<Shard>]>,
    /// Randomly seeded (foldhash), so keys an attacker chooses (client addresses) cannot
    /// be made to collide on purpose.
    hasher: DefaultHashBuilder,
    shard_bits: u32,
    max_keys_per_shard: usize,
}

/// One shard. Entries are kept small (56 bytes) so that more of a busy table stays in
/// cache: the hash is not stored (it is recomputed only when the table grows).
type Shard = HashTable<Entry>;

#[derive(Debug, Clone)]
struct Entry {
    key: Box<str>,
    state: KeyState,
}

impl MemoryStore {
    /// A store for `limits` holding at most about `max_keys` keys (never less than one
    /// per shard). Shards: 16 per available core, a power of two.
    pub fn new(limits: Limits, max_keys: usize) -> Self {
        let cores = std::thread::available_parallelism().map_or(4, |n| n.get());
        let shard_count = (cores * 16).next_power_of_two();
        let shards = (0..shard_count)
            .map(|_| Mutex::new(HashTable::new()))
            .collect();
        Self {
            limits,
            shards,
            hasher: DefaultHashBuilder::default(),
            shard_bits: shard_count.trailing_zeros(),
            max_keys_per_shard: max_keys.div_ceil(shard_count).max(1),
        }
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Decides a request for `key` at `now` and records it.
    pub fn check(&self, key: &str, request: Request, now: Timestamp) -> Decision {
        let hash = self.hasher.hash_one(key);
        let index = shard_of(hash, self.shard_bits);
        // A panic elsewhere while holding the lock leaves consistent states behind (each
        // is written whole), so poisoning is ignored.
        let mut shard = self.shards[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = shard.find_mut(hash, |e| *e.key == *key) {
            let (decision, next) = decide(self.limits.compiled(), &entry.state, now, request);
            entry.state = next;
            return decision;
        }
        let (decision, next) = decide(self.limits.compiled(), &KeyState::default(), now, request);
        if next != KeyState::default() {
            if shard.len() >= self.max_keys_per_shard {
                evict(&mut shard, now);
            }
            let hasher = &self.hasher;
            shard.insert_unique(
                hash,
                Entry {
                    key: key.into(),
                    state: next,
                },
                |e| hasher.hash_one(&*e.key),
            );
        }
        decision
    }

    /// The number of keys held.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }

    /// True if no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every idle key (refilled, not suspended): forgetting them changes no
    /// decision. Call it now and then, or rely on the eviction when a shard is full.
    pub fn purge_idle(&self, now: Timestamp) {
        for shard in self.shards.iter() {
            shard
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .retain(|entry| !entry.state.is_idle(now));
        }
    }
}

/// The shard of a key's hash: bits 32 and up. Not the top bits: hashbrown tags each slot
/// with the hash's top 7 bits, and keys that share their top bits in a shard would share
/// most of their tag, so that nearly every probe compared a key (a cache miss) where a
/// tag should have told them apart. Not the low bits either: they pick the bucket.
fn shard_of(hash: u64, shard_bits: u32) -> usize {
    let mask = (1u64 << shard_bits) - 1;
    ((hash >> 32) & mask) as usize
}

/// Makes room in a full shard: idle keys first (forgetting them changes no decision);
/// then, if that freed less than an eighth of the shard, the keys closest to becoming
/// idle, whose loss matters least. Freeing an eighth at a time keeps the cost of a flood
/// of new keys (many clients, each seen once) amortised to a few steps per insert: one
/// scan of the shard every `len / 8` inserts, not one per insert.
fn evict(shard: &mut Shard, now: Timestamp) {
    let before = shard.len();
    let batch = (before / 8).max(1);
    shard.retain(|entry| !entry.state.is_idle(now));
    let freed = before - shard.len();
    if freed >= batch {
        return;
    }
    let wanted = batch - freed;
    let mut idle_at: Vec<Timestamp> = shard.iter().map(|e| e.state.idle_at()).collect();
    if idle_at.is_empty() {
        return;
    }
    let nth = wanted.min(idle_at.len()) - 1;
    let (_, &mut threshold, _) = idle_at.select_nth_unstable(nth);
    // Keys becoming idle by `threshold` go (ties may free a few more than `wanted`).
    shard.retain(|entry| entry.state.idle_at() > threshold);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{LimitConfig, RateLimitConfig};
    use crate::gcra::Counting;

    #[test]
    fn shards_leave_the_tag_bits_to_the_table() {
        // hashbrown's tag is the hash's top 7 bits (its bucket, the low bits): the shard
        // must come from neither, or the keys of a shard would share their tags.
        for shard_bits in [0, 1, 5, 12] {
            assert_eq!(shard_of(0x7f << 57, shard_bits), 0);
            assert_eq!(shard_of(0xffff_ffff, shard_bits), 0);
        }
        assert_eq!(shard_of(3 << 32, 5), 3);
        assert_eq!(shard_of(31 << 32, 5), 31);
        assert_eq!(shard_of(32 << 32, 5), 0);
    }

    fn limits(quota: u64, period_secs: u64, suspend_secs: u64) -> Limits {
        Limits::new(&RateLimitConfig {
            limits: vec![LimitConfig {
                name: "m".into(),
                counting: Counting::Messages,
                quota,
                period_secs,
                burst: None,
                suspend_secs,
            }],
        })
        .unwrap()
    }

    #[test]
    fn keys_are_independent() {
        let store = MemoryStore::new(limits(2, 60, 0), 1000);
        let now = Timestamp::from_secs(100);
        assert!(store.check("a", Request::message(1), now).is_allowed());
        assert!(store.check("a", Request::message(1), now).is_allowed());
        assert!(!store.check("a", Request::message(1), now).is_allowed());
        assert!(store.check("b", Request::message(1), now).is_allowed());
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn memory_stays_bounded_and_idle_keys_go_first() {
        let store = MemoryStore::new(limits(5, 60, 0), 64);
        let cap = store.max_keys_per_shard * store.shards.len();
        for i in 0..10_000 {
            store.check(
                &format!("k{i}"),
                Request::message(1),
                Timestamp::from_secs(i),
            );
        }
        assert!(store.len() <= cap, "{} keys held, cap {cap}", store.len());
        store.purge_idle(Timestamp::from_secs(1_000_000));
        assert!(store.is_empty());
    }

    #[test]
    fn eviction_prefers_idle_keys() {
        let hasher = DefaultHashBuilder::default();
        let mut shard = Shard::new();
        let busy = KeyState {
            tat: [500, 0, 0, 0],
            suspended_until: 0,
        };
        let idle = KeyState {
            tat: [5, 0, 0, 0],
            suspended_until: 0,
        };
        let suspended = KeyState {
            tat: [0; 4],
            suspended_until: 900,
        };
        for (key, state) in [("busy", busy), ("idle", idle), ("suspended", suspended)] {
            let hash = hasher.hash_one(key);
            shard.insert_unique(
                hash,
                Entry {
                    key: key.into(),
                    state,
                },
                |e| hasher.hash_one(&*e.key),
            );
        }
        let has = |shard: &Shard, key: &str| shard.iter().any(|e| &*e.key == key);
        evict(&mut shard, Timestamp(10));
        assert!(!has(&shard, "idle"));
        assert_eq!(shard.len(), 2);
        evict(&mut shard, Timestamp(10));
        assert!(
            has(&shard, "suspended"),
            "the suspension is the last thing to forget"
        );
    }

    #[test]
    fn a_flood_of_new_keys_stays_bounded_and_keeps_the_newest() {
        // One shard's worth per core multiple: max_keys small so every shard fills.
        let store = MemoryStore::new(limits(5, 3600, 3600), 64);
        let capacity = store.max_keys_per_shard * store.shards.len();
        for i in 0..10 * capacity {
            let key = format!("client-{i}");
            let now = Timestamp::from_secs(1_000 + i as u64);
            assert!(store.check(&key, Request::message(1), now).is_allowed());
            assert!(store.len() <= capacity, "{} > {capacity}", store.len());
        }
        // The last key is remembered: its next message is counted, not forgotten.
        let last = format!("client-{}", 10 * capacity - 1);
        let state_kept = (0..5).all(|_| {
            store
                .check(&last, Request::message(1), Timestamp::from_secs(1_000))
                .is_allowed()
        });
        assert!(!state_kept, "the newest key's count survived the flood");
    }

    #[test]
    fn zero_cost_requests_store_nothing() {
        let store = MemoryStore::new(limits(5, 60, 0), 10);
        assert!(
            store
                .check(
                    "x",
                    Request {
                        messages: 0,
                        recipients: 0
                    },
                    Timestamp(1)
                )
                .is_allowed()
        );
        assert!(store.is_empty());
    }
}
