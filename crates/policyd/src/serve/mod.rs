//! `mail-policyd serve`: the policy service, the milter and the metrics endpoint on
//! tokio sockets, around one shared [`Shared`] state.
//!
//! - [`policy`]: Postfix SMTP access policy delegation (`check_policy_service`), sans-IO.
//! - [`milter`]: the milter (headers, body, end of message: authentication, forged
//!   headers, DKIM signing, reject lists, `[meiwaku]`).
//! - [`metrics`]: counters per rule and action, Prometheus text format.
//!
//! Every connection is bounded: a request must arrive whole within the request timeout
//! from its first byte (a client that sends one byte per second is cut off), an idle
//! connection is closed after the idle timeout, lines and attributes are bounded by the
//! decoder, and past the connection limit new connections are closed at once. Bad input
//! closes that connection with a log line; other clients are unaffected.

pub mod fleet;
pub mod metrics;
pub mod milter;
pub mod policy;
mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use mail_policy::{Config, Engine};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::{Semaphore, watch};

pub use state::{Limits, Shared};

use crate::policy_protocol::{Decoder, encode_action};

/// Where a service listens: `127.0.0.1:10040` or `unix:/run/mail-policyd/policy.sock`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenAddr {
    /// A TCP address.
    Tcp(SocketAddr),
    /// A UNIX-domain socket path (replaced if it exists).
    Unix(PathBuf),
}

impl std::str::FromStr for ListenAddr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if let Some(path) = s.strip_prefix("unix:") {
            if path.is_empty() {
                return Err("unix: needs a socket path".to_owned());
            }
            return Ok(Self::Unix(PathBuf::from(path)));
        }
        let s = s.strip_prefix("inet:").unwrap_or(s);
        s.parse::<SocketAddr>()
            .map(Self::Tcp)
            .map_err(|e| format!("{s:?} is neither ADDRESS:PORT nor unix:PATH ({e})"))
    }
}

impl std::fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Tcp(addr) => write!(f, "{addr}"),
            Self::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

/// The options of `serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// The configuration (TOML); reloaded on SIGHUP. Without it, the built-in profile.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Policy service addresses (`ADDRESS:PORT` or `unix:PATH`); repeatable.
    #[arg(
        long = "policy",
        value_name = "ADDR",
        default_value = "127.0.0.1:10040"
    )]
    pub policy: Vec<ListenAddr>,
    /// Milter addresses (`ADDRESS:PORT` or `unix:PATH`); repeatable; `none` to disable.
    #[arg(long = "milter", value_name = "ADDR", default_value = "127.0.0.1:10041", value_parser = parse_optional_addr)]
    pub milter: Vec<Endpoint>,
    /// The metrics endpoint (`GET /metrics`, Prometheus text); `none` to disable.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:10042", value_parser = parse_optional_addr)]
    pub metrics: Endpoint,
    /// Connections served at once, both protocols together; beyond, new ones are closed.
    #[arg(long, default_value_t = 4096)]
    pub max_connections: usize,
    /// Seconds an idle connection stays open (Postfix's `smtpd_policy_service_max_idle`
    /// is 300).
    #[arg(long, default_value_t = 330)]
    pub idle_timeout: u64,
    /// Seconds a request may take to arrive, from its first byte.
    #[arg(long, default_value_t = 10)]
    pub request_timeout: u64,
    /// Seconds a policy transaction (`instance`) is remembered after its last request.
    #[arg(long, default_value_t = 900)]
    pub instance_ttl: u64,
    /// The most policy transactions remembered at once.
    #[arg(long, default_value_t = 100_000)]
    pub max_instances: usize,
    /// IP25B's window in seconds: messages a client sent within it are "recent".
    #[arg(long, default_value_t = 3600)]
    pub ip25b_window: u64,
    /// The milter counts messages against the send rate (RATE-SEND). Leave off when the
    /// policy service is in `smtpd_end_of_data_restrictions` (it counts them there); turn
    /// on when only the milter is used.
    #[arg(long)]
    pub milter_rate_accounting: bool,
    /// Megabytes of message data all milter connections together may hold (the milter
    /// keeps each message up to the size limit to verify and sign it); a message that
    /// would exceed it is deferred with 451 4.3.1.
    #[arg(long, default_value_t = 1024)]
    pub milter_memory_mb: usize,
    /// The policy service checks SPF (HELO and MAIL FROM) at the first RCPT of inbound
    /// mail and prepends `Authentication-Results` with it: for Postfix without the milter
    /// (with the milter, its header carries SPF, DKIM and DMARC and replaces this one).
    #[arg(long)]
    pub policy_spf: bool,
    /// Log filter (`info`, `debug`, `mail_policyd=debug,warn`); `RUST_LOG` overrides.
    #[arg(long, default_value = "info")]
    pub log_level: String,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// A listening address, or `none` for a service turned off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint(pub Option<ListenAddr>);

fn parse_optional_addr(s: &str) -> Result<Endpoint, String> {
    if s.eq_ignore_ascii_case("none") {
        Ok(Endpoint(None))
    } else {
        s.parse().map(|a| Endpoint(Some(a)))
    }
}

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The configuration is wrong.
    #[error("{0}")]
    Config(#[from] mail_policy::ConfigError),
    /// A socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: ListenAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The shared rate store (`[rate.store] kind = "redis"`) could not be set up.
    #[error("rate.store: {0}")]
    RateStore(#[from] mail_policy::rate::Error),
    /// The DNS verifier could not be built from `[auth.dns]`.
    #[error("auth.dns: {0}")]
    Verifier(#[from] mail_policy::auth::VerifierError),
    /// Any other I/O failure.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Loads the configuration the way `serve` does (the built-in profile without a file):
/// the engine, and the shared rate store when the configuration names Redis (the engine
/// itself then counts nothing; see [`fleet`]). Within a Tokio runtime.
pub fn load_engine(
    path: Option<&std::path::Path>,
) -> Result<(Engine, Option<fleet::FleetRate>), ServeError> {
    let (mut config, origin) = match path {
        Some(path) => (Config::load(path)?, path.display().to_string()),
        None => (Config::sonet(), "built-in profile".to_owned()),
    };
    let fleet = fleet::FleetRate::take_from(&mut config)?;
    Ok((Engine::new(&config, &origin)?, fleet))
}

/// A daemon with its sockets bound, ready to [`run`](Daemon::run).
pub struct Daemon {
    args: ServeArgs,
    shared: Arc<Shared>,
    policy: Vec<(ListenAddr, Listener)>,
    milter: Vec<(ListenAddr, Listener)>,
    metrics: Option<(ListenAddr, Listener)>,
}

impl std::fmt::Debug for Daemon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Daemon")
            .field("policy", &self.policy_addrs())
            .field("milter", &self.milter_addrs())
            .finish_non_exhaustive()
    }
}

enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

async fn bind(addr: &ListenAddr) -> Result<(ListenAddr, Listener), ServeError> {
    let bound = match addr {
        ListenAddr::Tcp(a) => {
            let listener = TcpListener::bind(a)
                .await
                .map_err(|source| ServeError::Bind {
                    addr: addr.clone(),
                    source,
                })?;
            let local = listener.local_addr()?;
            (ListenAddr::Tcp(local), Listener::Tcp(listener))
        }
        ListenAddr::Unix(path) => {
            // A socket left by a previous run is replaced; any other file is not.
            if let Ok(meta) = std::fs::symlink_metadata(path) {
                use std::os::unix::fs::FileTypeExt;
                if meta.file_type().is_socket() {
                    let _ = std::fs::remove_file(path);
                }
            }
            let listener = UnixListener::bind(path).map_err(|source| ServeError::Bind {
                addr: addr.clone(),
                source,
            })?;
            (addr.clone(), Listener::Unix(listener))
        }
    };
    Ok(bound)
}

/// A connection of either kind.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Stream for T {}

impl Listener {
    async fn accept(&self) -> std::io::Result<(Box<dyn Stream>, String)> {
        match self {
            Listener::Tcp(l) => {
                let (s, peer) = l.accept().await?;
                let _ = s.set_nodelay(true);
                Ok((Box::new(s), peer.to_string()))
            }
            Listener::Unix(l) => {
                let (s, _) = l.accept().await?;
                Ok((Box::new(s), "unix".to_owned()))
            }
        }
    }
}

impl Daemon {
    /// Loads the configuration and binds every socket.
    pub async fn bind(args: ServeArgs) -> Result<Self, ServeError> {
        let (engine, fleet) = load_engine(args.config.as_deref())?;
        let shared = Shared::new(
            engine,
            fleet,
            Limits {
                instance_ttl: Duration::from_secs(args.instance_ttl),
                max_instances: args.max_instances,
                ip25b_window: Duration::from_secs(args.ip25b_window),
                policy_spf: args.policy_spf,
                milter_memory: args.milter_memory_mb.saturating_mul(1 << 20),
                ..Limits::default()
            },
        )?;
        let mut policy = Vec::new();
        for addr in &args.policy {
            policy.push(bind(addr).await?);
        }
        let mut milter = Vec::new();
        for addr in args.milter.iter().filter_map(|e| e.0.as_ref()) {
            milter.push(bind(addr).await?);
        }
        let metrics = match &args.metrics.0 {
            Some(addr) => Some(bind(addr).await?),
            None => None,
        };
        Ok(Self {
            args,
            shared,
            policy,
            milter,
            metrics,
        })
    }

    /// The shared state (engine, tables, counters).
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The policy service addresses as bound (port 0 resolved).
    pub fn policy_addrs(&self) -> Vec<ListenAddr> {
        self.policy.iter().map(|(a, _)| a.clone()).collect()
    }

    /// The milter addresses as bound.
    pub fn milter_addrs(&self) -> Vec<ListenAddr> {
        self.milter.iter().map(|(a, _)| a.clone()).collect()
    }

    /// The metrics address as bound.
    pub fn metrics_addr(&self) -> Option<ListenAddr> {
        self.metrics.as_ref().map(|(a, _)| a.clone())
    }

    /// Serves until `shutdown` resolves, reloading the configuration on SIGHUP when
    /// `reload_on_sighup`. On shutdown it stops accepting, lets the connections finish the
    /// request they are on, and waits for them at most `grace`.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()>,
        reload_on_sighup: bool,
        grace: Duration,
    ) -> Result<(), ServeError> {
        let Daemon {
            args,
            shared,
            policy,
            milter,
            metrics,
        } = self;
        let (stop_tx, stop_rx) = watch::channel(false);
        let permits = Arc::new(Semaphore::new(args.max_connections));
        let timeouts = Timeouts {
            idle: Duration::from_secs(args.idle_timeout),
            request: Duration::from_secs(args.request_timeout),
        };
        let mut tasks = tokio::task::JoinSet::new();
        let listeners = policy
            .into_iter()
            .map(|(addr, l)| (Kind::Policy, addr, l))
            .chain(milter.into_iter().map(|(addr, l)| (Kind::Milter, addr, l)))
            .chain(metrics.map(|(addr, l)| (Kind::Metrics, addr, l)));
        for (kind, addr, listener) in listeners {
            tracing::info!(%addr, service = ?kind, "listening");
            tasks.spawn(accept_loop(
                listener,
                kind,
                Arc::clone(&shared),
                Arc::clone(&permits),
                stop_rx.clone(),
                timeouts,
                args.milter_rate_accounting,
            ));
        }
        // Expiry of policy transactions and IP25B windows.
        {
            let shared = Arc::clone(&shared);
            let mut stop = stop_rx.clone();
            tasks.spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(30));
                loop {
                    tokio::select! {
                        _ = tick.tick() => shared.sweep(Instant::now()),
                        _ = stop.changed() => return,
                    }
                }
            });
        }
        if reload_on_sighup {
            let shared = Arc::clone(&shared);
            let path = args.config.clone();
            let mut stop = stop_rx.clone();
            let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
            tasks.spawn(async move {
                loop {
                    tokio::select! {
                        _ = hup.recv() => reload(&shared, path.as_deref()),
                        _ = stop.changed() => return,
                    }
                }
            });
        }
        shutdown.await;
        tracing::info!("shutting down: no new connections; finishing open requests");
        let _ = stop_tx.send(true);
        let all = u32::try_from(args.max_connections).unwrap_or(u32::MAX);
        let drained = tokio::time::timeout(grace, permits.acquire_many(all)).await;
        if drained.is_err() {
            tracing::warn!(
                open = args.max_connections - permits.available_permits(),
                "grace period over; closing the remaining connections"
            );
        }
        tasks.abort_all();
        Ok(())
    }
}

/// Reloads the configuration: all or nothing.
pub fn reload(shared: &Shared, path: Option<&std::path::Path>) {
    match load_engine(path) {
        Ok((engine, fleet)) => match shared.replace_engine(engine, fleet) {
            Ok(()) => {
                shared.metrics.reloads.fetch_add(1, Ordering::Relaxed);
                tracing::info!("configuration reloaded");
            }
            Err(e) => {
                shared
                    .metrics
                    .reload_failures
                    .fetch_add(1, Ordering::Relaxed);
                tracing::error!(error = %e, "configuration reload refused (auth.dns); keeping the previous one");
            }
        },
        Err(e) => {
            shared
                .metrics
                .reload_failures
                .fetch_add(1, Ordering::Relaxed);
            tracing::error!(error = %e, "configuration reload refused; keeping the previous one");
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Policy,
    Milter,
    Metrics,
}

#[derive(Debug, Clone, Copy)]
struct Timeouts {
    idle: Duration,
    request: Duration,
}

async fn accept_loop(
    listener: Listener,
    kind: Kind,
    shared: Arc<Shared>,
    permits: Arc<Semaphore>,
    mut stop: watch::Receiver<bool>,
    timeouts: Timeouts,
    milter_rate_accounting: bool,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.changed() => return,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors and the like: wait a little rather than spin.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            shared
                .metrics
                .refused_connections
                .fetch_add(1, Ordering::Relaxed);
            tracing::warn!(%peer, "connection limit reached; closing the new connection");
            drop(stream);
            continue;
        };
        let shared = Arc::clone(&shared);
        let stop = stop.clone();
        tokio::spawn(async move {
            match kind {
                Kind::Policy => policy_connection(stream, &peer, &shared, stop, timeouts).await,
                Kind::Milter => {
                    milter::connection(
                        stream,
                        &peer,
                        &shared,
                        timeouts.idle,
                        milter_rate_accounting,
                    )
                    .await;
                }
                Kind::Metrics => metrics_connection(stream, &shared, timeouts.request).await,
            }
            drop(permit);
        });
    }
}

/// One policy client (an smtpd process): requests in, actions out, until it closes, goes
/// idle, sends something that is not the protocol, or the daemon stops.
async fn policy_connection(
    mut stream: Box<dyn Stream>,
    peer: &str,
    shared: &Shared,
    mut stop: watch::Receiver<bool>,
    timeouts: Timeouts,
) {
    let mut decoder = Decoder::new();
    let mut buffer = vec![0u8; 8192];
    let mut out = Vec::with_capacity(512);
    // When the request now being read started (its first byte).
    let mut partial_since: Option<tokio::time::Instant> = None;
    loop {
        let deadline = match partial_since {
            Some(start) => start + timeouts.request,
            None => tokio::time::Instant::now() + timeouts.idle,
        };
        let read = tokio::select! {
            read = tokio::time::timeout_at(deadline, stream.read(&mut buffer)) => read,
            // Between requests only: a request being read is finished first.
            _ = stop.changed(), if partial_since.is_none() => return,
        };
        let n = match read {
            Err(_) => {
                if partial_since.is_some() {
                    shared
                        .metrics
                        .closed_bad_input
                        .fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(%peer, buffered = decoder.buffered(), "request not complete within the request timeout; closing");
                } else {
                    tracing::debug!(%peer, "idle connection closed");
                }
                return;
            }
            Ok(Err(e)) => {
                tracing::debug!(%peer, error = %e, "read failed; closing");
                return;
            }
            Ok(Ok(0)) => return,
            Ok(Ok(n)) => n,
        };
        decoder.feed(&buffer[..n]);
        loop {
            match decoder.next_request() {
                Ok(Some(request)) => {
                    let prechecks = policy::Prechecks::ask(shared, &request).await;
                    let answer = policy::answer(
                        shared,
                        &request,
                        &prechecks,
                        chrono::Utc::now(),
                        Instant::now(),
                    );
                    out.extend_from_slice(encode_action(&answer.action).as_bytes());
                }
                Ok(None) => break,
                Err(e) => {
                    shared
                        .metrics
                        .closed_bad_input
                        .fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(%peer, error = %e, "not the policy protocol; closing");
                    let _ = stream.write_all(&out).await;
                    return;
                }
            }
        }
        if decoder.buffered() == 0 {
            partial_since = None;
        } else if partial_since.is_none() {
            partial_since = Some(tokio::time::Instant::now());
        }
        if !out.is_empty() {
            if let Err(e) = stream.write_all(&out).await {
                tracing::debug!(%peer, error = %e, "write failed; closing");
                return;
            }
            out.clear();
        }
    }
}

/// `GET /metrics` on the loopback metrics port: one request per connection.
async fn metrics_connection(mut stream: Box<dyn Stream>, shared: &Shared, timeout: Duration) {
    let mut request = Vec::with_capacity(1024);
    let mut buffer = [0u8; 1024];
    let read = tokio::time::timeout(timeout, async {
        while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 8192 {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => request.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    if read.is_err() {
        return;
    }
    let response = if request.starts_with(b"GET /metrics ") || request.starts_with(b"GET / ") {
        let body = shared.metrics.render(shared.open_instances());
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    } else {
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned()
    };
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Installs the log subscriber: `RUST_LOG` if set, else `filter`.
pub fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(filter))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

/// The `serve` command: logging, runtime, signals.
pub fn run(args: ServeArgs) -> Result<(), ServeError> {
    init_logging(&args.log_level);
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all();
    if let Some(threads) = args.threads {
        builder.worker_threads(threads.max(1));
    }
    let runtime = builder.build()?;
    runtime.block_on(async move {
        let daemon = Daemon::bind(args).await?;
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let shutdown = async move {
            tokio::select! {
                _ = term.recv() => {},
                _ = tokio::signal::ctrl_c() => {},
            }
        };
        daemon.run(shutdown, true, Duration::from_secs(10)).await
    })
}
