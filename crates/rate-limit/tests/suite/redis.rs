//! The Redis store against a real `redis-server`. `.ci/run` starts one and sets
//! `MAIL_POLICY_REDIS_URL`; without it these tests skip loudly, except under CI, where
//! they fail. The fault test starts its own `redis-server` (from `PATH`) to kill it.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use proptest::prelude::*;

use mail_policy_rate_limit::{
    Counting, Decision, FailureMode, LimitConfig, Limits, MemoryStore, RateLimitConfig, RedisStore,
    Request, Source, Timestamp,
};

fn redis_url() -> Option<String> {
    match std::env::var("MAIL_POLICY_REDIS_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must start redis-server and set MAIL_POLICY_REDIS_URL"
            );
            eprintln!(
                "SKIPPED: set MAIL_POLICY_REDIS_URL=redis://127.0.0.1:PORT/ to run the Redis tests"
            );
            None
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A prefix no other test run uses, so every test starts from empty keys.
fn unique_prefix(name: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "test-{name}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn one_limit(quota: u64, period_secs: u64, suspend_secs: u64) -> Limits {
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
    .expect("valid")
}

fn store(url: &str, limits: Limits, mode: FailureMode, prefix: &str) -> RedisStore {
    RedisStore::connect(url, limits, mode, Duration::from_millis(500))
        .expect("client")
        .with_prefix(prefix)
}

#[test]
fn connecting_outside_a_runtime_is_an_error_not_a_panic() {
    let err = RedisStore::connect(
        "redis://127.0.0.1:1/",
        one_limit(1, 1, 0),
        FailureMode::FailOpen,
        Duration::from_millis(10),
    )
    .expect_err("no runtime");
    assert!(err.to_string().contains("Tokio runtime"), "{err}");
}

#[test]
fn decisions_suspension_and_ttl() {
    let Some(url) = redis_url() else { return };
    runtime().block_on(async {
        let prefix = unique_prefix("basic");
        let redis = store(&url, one_limit(3, 60, 600), FailureMode::FailClosed, &prefix);
        let now = Timestamp::from_secs(1_000_000);
        for _ in 0..3 {
            let d = redis.check_at("acct:a", Request::message(1), now).await;
            assert_eq!(d.source, Source::Redis, "{:?}", d.error);
            assert!(d.decision.is_allowed());
        }
        let d = redis.check_at("acct:a", Request::message(1), now).await;
        assert_eq!(d.decision, Decision::Limited { limit: 0, resume_at: Timestamp::from_secs(1_000_600), suspended: true, rule: mail_policy_rate_limit::Rule::RateSend });
        let d = redis.check_at("acct:a", Request::message(1), Timestamp::from_secs(1_000_100)).await;
        assert!(matches!(d.decision, Decision::Suspended { until, .. } if until == Timestamp::from_secs(1_000_600)));
        // Server time: a fresh key is allowed, and its hash has a TTL so it vanishes.
        let d = redis.check("acct:b", Request::message(1)).await;
        assert!(d.decision.is_allowed());
        let client = redis::Client::open(url.as_str()).expect("client");
        let mut connection = client.get_multiplexed_async_connection().await.expect("connection");
        let ttl: i64 = redis::cmd("PTTL").arg(redis.redis_key("acct:b")).query_async(&mut connection).await.expect("PTTL");
        assert!(ttl > 0 && ttl <= 21_000, "PTTL {ttl}");
        assert!(redis.redis_key("acct:b").ends_with(":{acct:b}"), "hash tag for Redis Cluster");
    });
}

#[test]
fn memory_and_redis_agree() {
    let Some(url) = redis_url() else { return };
    let rt = runtime();
    let limits = Limits::new(&RateLimitConfig {
        limits: vec![
            LimitConfig {
                name: "m".into(),
                counting: Counting::Messages,
                quota: 5,
                period_secs: 60,
                burst: None,
                suspend_secs: 30,
            },
            LimitConfig {
                name: "r".into(),
                counting: Counting::Recipients,
                quota: 20,
                period_secs: 120,
                burst: Some(10),
                suspend_secs: 0,
            },
        ],
    })
    .expect("valid");
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(64));
    let strategy = prop::collection::vec((0u64..20_000_000, 0usize..3, 0u32..3, 0u32..12), 1..120);
    runner
        .run(&strategy, |events| {
            let _runtime = rt.enter();
            let prefix = unique_prefix("agree");
            let redis = store(&url, limits.clone(), FailureMode::FailClosed, &prefix);
            let memory = MemoryStore::new(limits.clone(), 100);
            let mut now = 1_700_000_000_000_000u64;
            rt.block_on(async {
                for (gap, key, messages, recipients) in events {
                    now += gap;
                    let request = Request {
                        messages,
                        recipients,
                    };
                    let key = format!("k{key}");
                    let expected = memory.check(&key, request, Timestamp(now));
                    let got = redis.check_at(&key, request, Timestamp(now)).await;
                    prop_assert_eq!(got.source, Source::Redis);
                    prop_assert_eq!(got.decision, expected);
                }
                Ok(())
            })
        })
        .expect("memory and Redis decide alike");
}

/// Run as a second OS process by `tasks_and_a_second_process_admit_exactly_the_quota`
/// (the test binary re-executes itself with these variables set); on its own it does
/// nothing.
#[test]
fn second_process_worker() {
    let (Ok(url), Ok(prefix), Ok(count)) = (
        std::env::var("RATE_WORKER_URL"),
        std::env::var("RATE_WORKER_PREFIX"),
        std::env::var("RATE_WORKER_COUNT"),
    ) else {
        return;
    };
    let count: u64 = count.parse().expect("count");
    let admitted = runtime().block_on(async {
        let redis = store(&url, contention_limits(), FailureMode::FailClosed, &prefix);
        let mut admitted = 0u64;
        for _ in 0..count {
            let d = redis
                .check_at(
                    "acct:hot",
                    Request::message(1),
                    Timestamp::from_secs(2_000_000_000),
                )
                .await;
            assert_eq!(d.source, Source::Redis, "{:?}", d.error);
            admitted += u64::from(d.decision.is_allowed());
        }
        admitted
    });
    println!("WORKER_ADMITTED={admitted}");
}

fn contention_limits() -> Limits {
    one_limit(1_000, 86_400, 0)
}

#[test]
fn tasks_and_a_second_process_admit_exactly_the_quota() {
    let Some(url) = redis_url() else { return };
    let prefix = unique_prefix("contention");
    let worker_count = 20_000u64;
    let worker = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "suite::redis::second_process_worker",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("RATE_WORKER_URL", &url)
        .env("RATE_WORKER_PREFIX", &prefix)
        .env("RATE_WORKER_COUNT", worker_count.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("second process");
    let tasks = 32u64;
    let per_task = 2_500u64; // 80,000 here + 20,000 in the other process
    let admitted_here = runtime().block_on(async {
        let redis = Arc::new(store(
            &url,
            contention_limits(),
            FailureMode::FailClosed,
            &prefix,
        ));
        let admitted = Arc::new(AtomicU64::new(0));
        let mut handles = Vec::new();
        for _ in 0..tasks {
            let redis = Arc::clone(&redis);
            let admitted = Arc::clone(&admitted);
            handles.push(tokio::spawn(async move {
                for _ in 0..per_task {
                    let d = redis
                        .check_at(
                            "acct:hot",
                            Request::message(1),
                            Timestamp::from_secs(2_000_000_000),
                        )
                        .await;
                    assert_eq!(d.source, Source::Redis, "{:?}", d.error);
                    if d.decision.is_allowed() {
                        admitted.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
        for handle in handles {
            handle.await.expect("task");
        }
        admitted.load(Ordering::Relaxed)
    });
    let output = worker.wait_with_output().expect("second process");
    assert!(output.status.success(), "second process failed");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let admitted_there: u64 = stdout
        .lines()
        .find_map(|line| line.split("WORKER_ADMITTED=").nth(1))
        .and_then(|n| n.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count from the second process: {stdout}"));
    assert_eq!(
        admitted_here + admitted_there,
        1_000,
        "{admitted_here} + {admitted_there}"
    );
}

/// A `redis-server` of our own, on a free loopback port, that the test can kill.
struct OwnRedis {
    port: u16,
    child: Child,
}

impl OwnRedis {
    fn start(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server on PATH");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { port, child }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

#[test]
fn failure_modes_with_redis_killed_and_restarted() {
    if redis_url().is_none() {
        return;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("address")
        .port();
    let mut server = OwnRedis::start(port);
    let url = format!("redis://127.0.0.1:{}/", server.port);
    runtime().block_on(async {
        let limits = one_limit(2, 3600, 0);
        let open = store(&url, limits.clone(), FailureMode::FailOpen, "fault");
        let closed = store(&url, limits.clone(), FailureMode::FailClosed, "fault");
        let local = store(&url, limits.clone(), FailureMode::LocalFallback, "fault");
        let now = Timestamp::from_secs(3_000_000);
        for s in [&open, &closed, &local] {
            assert_eq!(
                s.check_at("k", Request::message(0), now).await.source,
                Source::Redis
            );
        }

        server.kill();
        let d = open.check_at("k", Request::message(1), now).await;
        assert_eq!(
            (d.source, d.decision.is_allowed()),
            (Source::FailOpen, true)
        );
        assert!(d.error.is_some());
        let d = closed.check_at("k", Request::message(1), now).await;
        assert_eq!(d.source, Source::FailClosed);
        assert!(matches!(d.decision, Decision::Unavailable { .. }));
        // The local fallback still limits: 2 allowed, the third refused.
        let results: Vec<bool> = {
            let mut v = Vec::new();
            for _ in 0..3 {
                let d = local.check_at("k", Request::message(1), now).await;
                assert_eq!(d.source, Source::LocalFallback);
                v.push(d.decision.is_allowed());
            }
            v
        };
        assert_eq!(results, [true, true, false]);

        // Restarted: Redis decides again (the connection manager reconnects).
        let _server = OwnRedis::start(port);
        let mut recovered = false;
        for _ in 0..50 {
            if closed.check_at("k2", Request::message(1), now).await.source == Source::Redis {
                recovered = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(recovered, "no recovery after restart");
    });
}
