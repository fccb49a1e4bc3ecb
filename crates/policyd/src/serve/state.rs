//! What the daemon shares between connections: the engine (swapped whole on reload), the
//! open transactions of the policy protocol by `instance`, the recent-message counts of
//! IP25B, and the counters. Everything is bounded; nothing here does I/O.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use mail_policy::Engine;
use mail_policy::auth::{Verifier, VerifierError};

use super::fleet::FleetRate;
use super::metrics::Metrics;
use super::policy::Instance;

/// Limits of the shared tables.
#[derive(Debug, Clone)]
pub struct Limits {
    /// A policy transaction not heard of for this long is forgotten.
    pub instance_ttl: Duration,
    /// The most open policy transactions remembered (the oldest are dropped beyond it).
    pub max_instances: usize,
    /// IP25B's window: messages a client sent within it count as "recent".
    pub ip25b_window: Duration,
    /// The most client addresses whose recent messages are counted.
    pub max_clients: usize,
    /// The policy service checks SPF at the first RCPT of inbound mail and prepends an
    /// `Authentication-Results` header with the result (for setups without the milter).
    pub policy_spf: bool,
    /// The most message bytes all milter connections together hold; a message that
    /// would exceed it is deferred (451 4.3.1).
    pub milter_memory: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            instance_ttl: Duration::from_secs(900),
            max_instances: 100_000,
            ip25b_window: Duration::from_secs(3600),
            max_clients: 1_000_000,
            policy_spf: false,
            milter_memory: 1 << 30,
        }
    }
}

/// The state shared by every connection of one daemon.
pub struct Shared {
    loaded: ArcSwap<Loaded>,
    pub(crate) instances: Table<Box<str>, Instance>,
    /// Message bytes held by milter connections now (bounded by `limits.milter_memory`).
    pub(crate) milter_bytes: std::sync::atomic::AtomicUsize,
    pub(crate) recent: Table<IpAddr, Window>,
    /// Counters per protocol, rule and action.
    pub metrics: Metrics,
    pub(crate) limits: Limits,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// State around `engine`, with a DNS verifier built from its `[auth.dns]`, and the
    /// shared rate store when the configuration has one.
    pub fn new(
        engine: Engine,
        fleet: Option<FleetRate>,
        limits: Limits,
    ) -> Result<Arc<Self>, VerifierError> {
        Ok(Arc::new(Self {
            loaded: ArcSwap::from_pointee(Loaded::new(engine, fleet)?),
            instances: Table::new(limits.max_instances),
            milter_bytes: std::sync::atomic::AtomicUsize::new(0),
            recent: Table::new(limits.max_clients),
            metrics: Metrics::default(),
            limits,
        }))
    }

    /// The current engine. Transactions keep the engine they started with.
    pub fn engine(&self) -> Arc<Engine> {
        Arc::clone(&self.loaded.load().engine)
    }

    /// The current verifier (SPF, DKIM, DMARC, ADSP over DNS).
    pub fn verifier(&self) -> Arc<Verifier> {
        Arc::clone(&self.loaded.load().verifier)
    }

    /// The shared rate store (RATE-FLEET), when configured.
    pub fn fleet(&self) -> Option<FleetRate> {
        self.loaded.load().fleet.clone()
    }

    /// Replaces the engine, its verifier and its shared rate store together (a reload):
    /// transactions that start from now on use them. Nothing changes if the verifier
    /// cannot be built.
    pub fn replace_engine(
        &self,
        engine: Engine,
        fleet: Option<FleetRate>,
    ) -> Result<(), VerifierError> {
        self.loaded.store(Arc::new(Loaded::new(engine, fleet)?));
        Ok(())
    }

    /// Messages `client` sent within IP25B's window before `at`.
    pub fn recent_messages(&self, client: IpAddr, at: Instant) -> u64 {
        let window = self.limits.ip25b_window;
        self.recent
            .shard(&client)
            .get(&client)
            .filter(|w| at.saturating_duration_since(w.start) < window)
            .map_or(0, |w| w.count)
    }

    /// One more message from `client` at `at`.
    pub fn count_message(&self, client: IpAddr, at: Instant) {
        let window = self.limits.ip25b_window;
        let mut shard = self.recent.shard(&client);
        let limit = self.recent.per_shard;
        if !shard.contains_key(&client) && shard.len() >= limit {
            shard.retain(|_, w| at.saturating_duration_since(w.start) < window);
            if shard.len() >= limit {
                // Full of live windows: counting this client would need memory we promised
                // not to use. Its messages count from when a slot frees up.
                tracing::warn!(%client, "IP25B window table full; message not counted");
                return;
            }
        }
        let entry = shard.entry(client).or_insert(Window {
            start: at,
            count: 0,
        });
        if at.saturating_duration_since(entry.start) >= window {
            *entry = Window {
                start: at,
                count: 0,
            };
        }
        entry.count += 1;
    }

    /// Forgets what expired: policy transactions idle past their TTL and IP25B windows
    /// that ended. Called periodically by the server.
    pub fn sweep(&self, at: Instant) {
        let ttl = self.limits.instance_ttl;
        for shard in &self.instances.shards {
            lock(shard).retain(|_, i| at.saturating_duration_since(i.last_seen) < ttl);
        }
        let window = self.limits.ip25b_window;
        for shard in &self.recent.shards {
            lock(shard).retain(|_, w| at.saturating_duration_since(w.start) < window);
        }
    }

    /// Open policy transactions remembered.
    pub fn open_instances(&self) -> usize {
        self.instances.shards.iter().map(|s| lock(s).len()).sum()
    }
}

/// An engine and the verifier built from its configuration, swapped together.
struct Loaded {
    engine: Arc<Engine>,
    verifier: Arc<Verifier>,
    fleet: Option<FleetRate>,
}

impl Loaded {
    fn new(engine: Engine, fleet: Option<FleetRate>) -> Result<Self, VerifierError> {
        let verifier = Verifier::new(engine.config().auth.dns.clone())?;
        Ok(Self {
            engine: Arc::new(engine),
            verifier: Arc::new(verifier),
            fleet,
        })
    }
}

/// A fixed IP25B window of one client.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    start: Instant,
    count: u64,
}

const SHARDS: usize = 16;

/// A hash map split into shards, each behind its own lock, with a bound on its size.
pub(crate) struct Table<K, V> {
    shards: Vec<Mutex<HashMap<K, V>>>,
    hasher: std::collections::hash_map::RandomState,
    pub(crate) per_shard: usize,
}

impl<K: Hash + Eq, V> Table<K, V> {
    fn new(capacity: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            hasher: std::collections::hash_map::RandomState::new(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
        }
    }

    pub(crate) fn shard<Q: Hash + ?Sized>(&self, key: &Q) -> MutexGuard<'_, HashMap<K, V>> {
        let index = (self.hasher.hash_one(key) as usize) % SHARDS;
        lock(&self.shards[index])
    }
}

/// A lock whose holder panicked is still usable: the tables hold plain data, and a
/// daemon must not stop answering because one request went wrong.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
