//! The fleet-wide store on Redis (RATE-FLEET, feature `redis`): one Lua script per
//! decision runs the same GCRA as [`decide`](crate::decide), atomically across all of a
//! key's limits and its suspension, on the server's clock.

use std::time::{Duration, SystemTime};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster_async::ClusterConnection;
use redis::{Script, Value};

use crate::Rule;
use crate::config::Limits;
use crate::error::Error;
use crate::gcra::{Decision, Request, Timestamp};
use crate::memory::MemoryStore;

/// The decision script. KEYS[1] is the key's hash (`rl:{<key>}`: the braces are a Redis
/// Cluster hash tag); ARGV[1] is now in microseconds, or empty to use the server's TIME
/// (so that every server of the fleet agrees); ARGV[2] the number of limits; then per
/// limit its interval, capacity, cost and suspension (microseconds, units).
///
/// Fields: `t1`..`tN` the limits' theoretical arrival times, `s` the end of a suspension.
/// Returns `{status, limit, time, remaining}`: status 0 allowed, 1 limited, 2 limited and
/// suspended now, 3 already suspended, 4 too large.
const DECIDE_LUA: &str = r#"
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
end
local n = tonumber(ARGV[2])
local suspended = tonumber(redis.call('HGET', KEYS[1], 's') or '0')
if suspended > now then
  return {3, 0, suspended, 0}
end
local updates = {}
local remaining = -1
local idle_at = suspended
for i = 1, n do
  local base = 2 + (i - 1) * 4
  local interval = tonumber(ARGV[base + 1])
  local capacity = tonumber(ARGV[base + 2])
  local cost = tonumber(ARGV[base + 3])
  local suspension = tonumber(ARGV[base + 4])
  local tat = tonumber(redis.call('HGET', KEYS[1], 't' .. i) or '0')
  if tat > idle_at then idle_at = tat end
  if tat < now then tat = now end
  if cost * interval > capacity then
    return {4, i - 1, 0, 0}
  end
  local new_tat = tat + cost * interval
  if new_tat - now > capacity then
    local retry_at = new_tat - capacity
    if suspension > 0 then
      local till = now + suspension
      if retry_at > till then till = retry_at end
      redis.call('HSET', KEYS[1], 's', till)
      if till > idle_at then idle_at = till end
      redis.call('PEXPIRE', KEYS[1], math.ceil((idle_at - now) / 1000) + 1000)
      return {2, i - 1, till, 0}
    end
    return {1, i - 1, retry_at, 0}
  end
  if cost > 0 then
    table.insert(updates, 't' .. i)
    table.insert(updates, new_tat)
    if new_tat > idle_at then idle_at = new_tat end
  end
  local free = math.floor((capacity - (new_tat - now)) / interval)
  if remaining < 0 or free < remaining then remaining = free end
end
if #updates > 0 then
  redis.call('HSET', KEYS[1], unpack(updates))
  redis.call('PEXPIRE', KEYS[1], math.ceil((idle_at - now) / 1000) + 1000)
end
if remaining < 0 then remaining = 0 end
return {0, 0, now, remaining}
"#;

/// What to do when Redis cannot be reached (or does not answer in time).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum FailureMode {
    /// Allow the request: mail keeps flowing, limits lapse while Redis is down.
    FailOpen,
    /// Refuse temporarily ([`Decision::Unavailable`]): nothing is sent unlimited.
    FailClosed,
    /// Decide with this server's in-memory store: limits hold per server, not per fleet.
    #[default]
    LocalFallback,
}

/// Where a decision came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Redis decided.
    Redis,
    /// Redis failed; allowed by [`FailureMode::FailOpen`].
    FailOpen,
    /// Redis failed; refused by [`FailureMode::FailClosed`].
    FailClosed,
    /// Redis failed; the local in-memory store decided.
    LocalFallback,
}

/// A decision and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreDecision {
    /// The decision.
    pub decision: Decision,
    /// Who made it.
    pub source: Source,
    /// The Redis error, when Redis failed.
    pub error: Option<String>,
}

#[derive(Clone)]
enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

/// The shared store. Cheap to clone (connections are multiplexed and shared).
#[derive(Clone)]
pub struct RedisStore {
    connection: Connection,
    script: Script,
    limits: Limits,
    failure_mode: FailureMode,
    fallback: std::sync::Arc<MemoryStore>,
    prefix: String,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("failure_mode", &self.failure_mode)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn store_error(e: impl std::fmt::Display) -> Error {
    Error::Store(e.to_string())
}

impl RedisStore {
    /// Connects to one Redis server (`redis://host:port/db`) through the `redis` crate's
    /// connection manager (reconnects by itself). The connection is made lazily, so a
    /// server that starts while Redis is down still starts; `timeout` bounds connecting and
    /// each answer, after which `failure_mode` decides. Call it within a Tokio runtime.
    pub fn connect(
        url: &str,
        limits: Limits,
        failure_mode: FailureMode,
        timeout: Duration,
    ) -> Result<Self, Error> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::Store(
                "RedisStore::connect must run within a Tokio runtime".to_owned(),
            ));
        }
        let client = redis::Client::open(url).map_err(store_error)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_max_delay(timeout);
        let manager =
            ConnectionManager::new_lazy_with_config(client, config).map_err(store_error)?;
        Ok(Self::with_connection(
            Connection::Single(manager),
            limits,
            failure_mode,
        ))
    }

    /// Connects to a Redis Cluster given some of its nodes. Every key's fields share one
    /// hash slot (`rl:{key}`), so the script runs on one node.
    pub async fn connect_cluster(
        nodes: &[&str],
        limits: Limits,
        failure_mode: FailureMode,
    ) -> Result<Self, Error> {
        let client = redis::cluster::ClusterClient::new(nodes.to_vec()).map_err(store_error)?;
        let connection = client.get_async_connection().await.map_err(store_error)?;
        Ok(Self::with_connection(
            Connection::Cluster(connection),
            limits,
            failure_mode,
        ))
    }

    fn with_connection(connection: Connection, limits: Limits, failure_mode: FailureMode) -> Self {
        Self {
            connection,
            script: Script::new(DECIDE_LUA),
            fallback: std::sync::Arc::new(MemoryStore::new(limits.clone(), 1_000_000)),
            limits,
            failure_mode,
            prefix: "rl".to_owned(),
        }
    }

    /// The limits this store applies.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Uses `prefix` instead of `rl` for this store's Redis keys (tests, or several
    /// limit sets in one Redis).
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.replace(['{', '}'], "");
        self
    }

    /// The Redis key of `key`: `<prefix>:{<key>}`.
    pub fn redis_key(&self, key: &str) -> String {
        format!("{}:{{{}}}", self.prefix, key.replace(['{', '}'], ""))
    }

    /// Decides a request for `key` on the server's clock.
    pub async fn check(&self, key: &str, request: Request) -> StoreDecision {
        self.run(key, request, None).await
    }

    /// Decides a request for `key` at `now` (microseconds on the caller's clock) instead
    /// of the server's: for tests and replays, so that memory and Redis can be compared.
    pub async fn check_at(&self, key: &str, request: Request, now: Timestamp) -> StoreDecision {
        self.run(key, request, Some(now)).await
    }

    async fn run(&self, key: &str, request: Request, now: Option<Timestamp>) -> StoreDecision {
        match self.invoke(key, request, now).await {
            Ok(decision) => StoreDecision {
                decision,
                source: Source::Redis,
                error: None,
            },
            Err(error) => {
                let error = Some(error.to_string());
                match self.failure_mode {
                    FailureMode::FailOpen => StoreDecision {
                        decision: Decision::Allowed {
                            remaining: 0,
                            rule: Rule::RateFleet,
                        },
                        source: Source::FailOpen,
                        error,
                    },
                    FailureMode::FailClosed => StoreDecision {
                        decision: Decision::Unavailable {
                            rule: Rule::RateFleet,
                        },
                        source: Source::FailClosed,
                        error,
                    },
                    FailureMode::LocalFallback => {
                        // The adapter's one clock read: the fallback needs a local now.
                        let now =
                            now.unwrap_or_else(|| Timestamp::from_system_time(SystemTime::now()));
                        StoreDecision {
                            decision: self.fallback.check(key, request, now),
                            source: Source::LocalFallback,
                            error,
                        }
                    }
                }
            }
        }
    }

    async fn invoke(
        &self,
        key: &str,
        request: Request,
        now: Option<Timestamp>,
    ) -> Result<Decision, Error> {
        let mut invocation = self.script.key(self.redis_key(key));
        invocation.arg(now.map_or_else(String::new, |t| t.0.to_string()));
        invocation.arg(self.limits.compiled().len());
        for limit in self.limits.compiled() {
            invocation
                .arg(limit.interval)
                .arg(limit.capacity)
                .arg(limit.cost(request))
                .arg(limit.suspension);
        }
        let reply: Vec<Value> = match &self.connection {
            Connection::Single(manager) => invocation.invoke_async(&mut manager.clone()).await,
            Connection::Cluster(cluster) => invocation.invoke_async(&mut cluster.clone()).await,
        }
        .map_err(store_error)?;
        let number = |i: usize| -> Result<u64, Error> {
            match reply.get(i) {
                Some(Value::Int(n)) => u64::try_from(*n).map_err(store_error),
                other => Err(Error::Store(format!("unexpected script reply {other:?}"))),
            }
        };
        let (status, limit, time, remaining) = (number(0)?, number(1)?, number(2)?, number(3)?);
        let limit = usize::try_from(limit).map_err(store_error)?;
        Ok(match status {
            0 => Decision::Allowed {
                remaining,
                rule: Rule::RateSend,
            },
            1 => Decision::Limited {
                limit,
                resume_at: Timestamp(time),
                suspended: false,
                rule: Rule::RateSend,
            },
            2 => Decision::Limited {
                limit,
                resume_at: Timestamp(time),
                suspended: true,
                rule: Rule::RateSend,
            },
            3 => Decision::Suspended {
                until: Timestamp(time),
                rule: Rule::RateSend,
            },
            4 => Decision::TooLarge {
                limit,
                rule: Rule::RateSend,
            },
            other => return Err(Error::Store(format!("unknown script status {other}"))),
        })
    }
}
