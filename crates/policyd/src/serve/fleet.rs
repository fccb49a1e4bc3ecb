//! RATE-FLEET: the send-rate counters on Redis, shared by every daemon of the fleet, when
//! the configuration says `[rate.store] kind = "redis"`.
//!
//! The facade's sessions count in process memory and never do I/O; with a shared store
//! the daemon turns their counting off and asks Redis itself, around them: whether the
//! key is suspended at the first MAIL/RCPT of a transaction, and one message to its
//! recipients at the end of the data. The key and the limits are the facade's: the
//! account once authenticated, else the client address.

use std::time::Duration;

use chrono::{DateTime, Utc};
use mail_policy::rate::{Decision, FailureMode, Limits, RedisStore, Request, key};
use mail_policy::{Check, Config, RateStoreConfig, Stage, Verdict, reply};

/// How long one Redis answer may take before the failure mode decides.
const TIMEOUT: Duration = Duration::from_millis(500);

/// The two shared stores: per account and per client address.
#[derive(Debug, Clone)]
pub struct FleetRate {
    accounts: RedisStore,
    clients: RedisStore,
}

impl FleetRate {
    /// Takes the Redis store out of `config` (which keeps an in-memory store, as the
    /// facade requires) and connects to it; `None` for an in-memory configuration. Must
    /// run within a Tokio runtime. When Redis cannot be reached, decisions fall back to
    /// this process's counters (the rate-limit crate's `LocalFallback`), logged.
    pub fn take_from(config: &mut Config) -> Result<Option<Self>, mail_policy::rate::Error> {
        let RateStoreConfig::Redis { url } = &config.rate.store else {
            return Ok(None);
        };
        let url = url.clone();
        config.rate.store = RateStoreConfig::Memory {
            max_keys: 1_000_000,
        };
        let connect = |limits, prefix| {
            RedisStore::connect(&url, limits, FailureMode::LocalFallback, TIMEOUT)
                .map(|store| store.with_prefix(prefix))
        };
        Ok(Some(Self {
            accounts: connect(Limits::new(&config.rate.accounts)?, "rl-account")?,
            clients: connect(Limits::new(&config.rate.client_ips)?, "rl-client")?,
        }))
    }

    /// Asks the shared store: `recipients` = `None` checks only whether the key is
    /// suspended (nothing charged), `Some(n)` charges one message to `n` recipients. The
    /// key is `account` when authenticated, else the client address. Returns the refusal
    /// verdict for `stage`, or `None` when allowed.
    pub async fn check(
        &self,
        account: &str,
        client: std::net::IpAddr,
        recipients: Option<u32>,
        stage: Stage,
    ) -> Option<Verdict> {
        let (store, key) = if account.is_empty() {
            (&self.clients, key::client_ip(client))
        } else {
            (&self.accounts, key::account(account))
        };
        let request = match recipients {
            None => Request {
                messages: 0,
                recipients: 0,
            },
            Some(n) => Request::message(n),
        };
        let decided = store.check(&key, request).await;
        if let Some(error) = &decided.error {
            tracing::warn!(%key, source = ?decided.source, %error, "shared rate store failed");
        }
        refusal(&decided.decision, &key, stage, store)
    }
}

fn refusal(decision: &Decision, key: &str, stage: Stage, store: &RedisStore) -> Option<Verdict> {
    let (limit_name, rule) = match decision {
        Decision::Allowed { .. } => return None,
        Decision::Limited { limit, rule, .. } | Decision::TooLarge { limit, rule } => {
            (store.limits().name(*limit).to_owned(), rule.id())
        }
        Decision::Suspended { rule, .. } => ("suspension".to_owned(), rule.id()),
        Decision::Unavailable { rule } => ("shared store unavailable".to_owned(), rule.id()),
    };
    let resume = decision
        .resume_at()
        .and_then(|t| DateTime::<Utc>::from_timestamp_micros(i64::try_from(t.0).ok()?));
    let mut verdict = Verdict::new(stage, reply::rate_limited(&limit_name, resume));
    verdict.checks.push(Check {
        rule,
        outcome: format!("{key}: {decision:?} (shared store)"),
    });
    Some(verdict)
}
