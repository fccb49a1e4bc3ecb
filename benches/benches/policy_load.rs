//! Load test of `mail-policyd serve`'s policy service on loopback: many persistent
//! connections, each asking like one Postfix smtpd process (one request, wait for the
//! answer, next request), transactions of 10 RCPT requests and one END-OF-MESSAGE.
//! Reports requests per second and latency percentiles, side by side with the floor: a
//! server on the same runtime that decodes the same requests with the same decoder and
//! answers `DUNNO` without consulting any rule.
//!
//! `cargo bench -p benches --bench policy_load` (environment: `POLICY_LOAD_CONNECTIONS`,
//! default 64; `POLICY_LOAD_SECONDS`, default 10; `POLICY_LOAD_THREADS`, the daemon's
//! worker threads, default 2; `POLICY_LOAD_RATE`, the offered load of the second pair of
//! runs, default 30000 requests per second). The clients run on the same cores: one
//! thread in closed loop, one thread per connection when paced.
//!
//! Two ways to load: closed loop (every connection asks again as soon as it has its
//! answer: the most the server does, with latency that is all queueing, since 64
//! requests are always waiting), and an offered load (each connection paced to its share
//! of `POLICY_LOAD_RATE`): the latency Postfix sees at that rate. Latency is measured
//! from the moment a request is written.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use mail_policyd::policy_protocol::{Decoder, encode_action};
use mail_policyd::serve::{Daemon, ListenAddr, ServeArgs};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    serve: ServeArgs,
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The request of one stage of transaction `n` of connection `c`.
fn request(c: usize, n: u64, rcpt: u64, end: bool) -> Vec<u8> {
    let state = if end { "END-OF-MESSAGE" } else { "RCPT" };
    format!(
        "request=smtpd_access_policy\nprotocol_state={state}\nprotocol_name=ESMTP\n\
         client_address=192.0.2.{client}\nclient_name=mail{client}.example.com\n\
         reverse_client_name=mail{client}.example.com\nclient_port=40000\n\
         server_address=127.0.0.1\nserver_port=25\nhelo_name=mail{client}.example.com\n\
         sender=alice{c}@example.com\nrecipient=user{rcpt}@aa2.so-net.ne.jp\n\
         recipient_count=0\nqueue_id=\ninstance={c}.{n}\nsize=10240\netrn_domain=\n\
         stress=\nsasl_method=\nsasl_username=\nsasl_sender=\nccert_subject=\n\
         ccert_issuer=\nccert_fingerprint=\nccert_pubkey_fingerprint=\n\
         encryption_protocol=\nencryption_cipher=\nencryption_keysize=0\n\
         policy_context=\ncompatibility_level=3.6\nmail_version=3.7.11\n\n",
        client = c % 250 + 1,
    )
    .into_bytes()
}

/// One client connection: asks as fast as answers come until `stop`, records each
/// request's latency (µs).
async fn client(addr: SocketAddr, c: usize, stop: Arc<AtomicBool>) -> Vec<u32> {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut latencies = Vec::with_capacity(200_000);
    let mut buffer = vec![0u8; 1024];
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        for step in 0..=10u64 {
            let request = request(c, n, step, step == 10);
            let started = Instant::now();
            stream.write_all(&request).await.expect("write");
            let mut got = 0;
            loop {
                let read = stream.read(&mut buffer[got..]).await.expect("read");
                assert!(read > 0, "server closed");
                got += read;
                if buffer[..got].ends_with(b"\n\n") {
                    break;
                }
            }
            assert!(buffer.starts_with(b"action="), "an action");
            latencies.push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
        }
        n += 1;
    }
    latencies
}

/// One paced client connection on its own thread: blocking I/O and `thread::sleep`,
/// whose wake-ups are precise to tens of microseconds (tokio's timer ticks in whole
/// milliseconds, which would send the requests of each millisecond in one burst).
fn paced_client(addr: SocketAddr, c: usize, stop: &AtomicBool, period: Duration) -> Vec<u32> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut latencies = Vec::with_capacity(100_000);
    let mut buffer = vec![0u8; 1024];
    let mut next = Instant::now() + period.mul_f64((c as f64 * 0.618_034) % 1.0);
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        for step in 0..=10u64 {
            let request = request(c, n, step, step == 10);
            let now = Instant::now();
            if next > now {
                std::thread::sleep(next - now);
            }
            next += period;
            let started = Instant::now();
            stream.write_all(&request).expect("write");
            let mut got = 0;
            loop {
                let read = stream.read(&mut buffer[got..]).expect("read");
                assert!(read > 0, "server closed");
                got += read;
                if buffer[..got].ends_with(b"\n\n") {
                    break;
                }
            }
            latencies.push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
        }
        n += 1;
    }
    latencies
}

/// The floor: decode with the same decoder, answer DUNNO, consult nothing.
async fn dunno_server(listener: TcpListener) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let mut decoder = Decoder::new();
            let mut buffer = vec![0u8; 8192];
            loop {
                let Ok(read) = stream.read(&mut buffer).await else {
                    return;
                };
                if read == 0 {
                    return;
                }
                decoder.feed(&buffer[..read]);
                while let Ok(Some(_request)) = decoder.next_request() {
                    if stream
                        .write_all(encode_action("DUNNO").as_bytes())
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            }
        });
    }
}

fn drive(label: &str, addr: SocketAddr, connections: usize, seconds: u64, rate: u64) {
    let every = (rate > 0).then(|| Duration::from_secs_f64(connections as f64 / rate as f64));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut latencies: Vec<u32> = if let Some(period) = every {
        std::thread::scope(|scope| {
            let threads: Vec<_> = (0..connections)
                .map(|c| {
                    let stop = &stop;
                    scope.spawn(move || paced_client(addr, c, stop, period))
                })
                .collect();
            std::thread::sleep(Duration::from_secs(seconds));
            stop.store(true, Ordering::Relaxed);
            threads
                .into_iter()
                .flat_map(|t| t.join().expect("client thread"))
                .collect()
        })
    } else {
        runtime.block_on(async {
            let tasks: Vec<_> = (0..connections)
                .map(|c| tokio::spawn(client(addr, c, Arc::clone(&stop))))
                .collect();
            tokio::time::sleep(Duration::from_secs(seconds)).await;
            stop.store(true, Ordering::Relaxed);
            let mut all = Vec::new();
            for task in tasks {
                all.extend(task.await.expect("client task"));
            }
            all
        })
    };
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let percentile = |p: f64| {
        let index = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[index]
    };
    let offered = if rate > 0 {
        format!("offered {rate:>6}/s")
    } else {
        "closed loop     ".to_owned()
    };
    println!(
        "{label:<32} {connections:>3} conns {offered} {:>7.0} req/s   p50 {:>5} µs   p90 {:>5} µs   p99 {:>5} µs   p99.9 {:>5} µs   ({} requests)",
        latencies.len() as f64 / elapsed,
        percentile(0.50),
        percentile(0.90),
        percentile(0.99),
        percentile(0.999),
        latencies.len(),
    );
}

fn main() {
    let connections = usize::try_from(env("POLICY_LOAD_CONNECTIONS", 64)).unwrap_or(64);
    let seconds = env("POLICY_LOAD_SECONDS", 10);
    let threads = env("POLICY_LOAD_THREADS", 2);

    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(usize::try_from(threads).unwrap_or(2))
        .enable_all()
        .build()
        .expect("server runtime");

    // The floor.
    let floor = server_runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(dunno_server(listener));
        addr
    });

    // The daemon, built-in profile, logging off, as `serve` runs it.
    let args = Cli::parse_from([
        "serve",
        "--policy=127.0.0.1:0",
        "--milter=none",
        "--metrics=none",
        "--max-connections=10000",
    ])
    .serve;
    let daemon = server_runtime.block_on(Daemon::bind(args)).expect("daemon");
    let Some(ListenAddr::Tcp(addr)) = daemon.policy_addrs().into_iter().next() else {
        panic!("a TCP policy address");
    };
    server_runtime.spawn(daemon.run(std::future::pending(), false, Duration::from_secs(1)));

    println!(
        "policy service load, {seconds} s each, server threads {threads}, transactions of 10 RCPT + END-OF-MESSAGE"
    );
    let rate = env("POLICY_LOAD_RATE", 30_000);
    drive("DUNNO floor (decoder only)", floor, connections, seconds, 0);
    drive(
        "mail-policyd serve (all rules)",
        addr,
        connections,
        seconds,
        0,
    );
    drive(
        "DUNNO floor (decoder only)",
        floor,
        connections,
        seconds,
        rate,
    );
    drive(
        "mail-policyd serve (all rules)",
        addr,
        connections,
        seconds,
        rate,
    );
}
