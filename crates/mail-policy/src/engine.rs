//! The composition only the facade knows: an [`Engine`] compiled from one [`Config`],
//! and a [`Session`] that walks one SMTP transaction stage by stage, consulting the crates
//! that apply and answering each stage with a [`Verdict`].
//!
//! Sans-IO like the crates: the client's PTR and DNSBL answers, the time, the verification
//! report come in as arguments. [`Session::end_of_message_verified`] (feature
//! `dns-hickory`) is the one async stage: it asks DNS, then calls the sync stage.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use compact_str::CompactString;

use crate::address::{
    AddressPolicy, ForwardPath, Mailbox, ReversePath, WireOptions, parse_mail_from, parse_rcpt_to,
};
use crate::auth::{
    AuthReport, DmarcDisposition, ForgedAction, ForgedConfig, Rule as AuthRule, find_forged,
};
use crate::config::{Config, ConfigError, MailboxesFile, RateStoreConfig};
use crate::geo::{
    Access, DomesticTable, GeoDecision, GeoSetting, GeoSourceConfig, SharedTable, check_access,
    load_table,
};
use crate::mailbox::{
    CompiledMailbox, Disposition, Expiry, FolderKind, IncomingMessage, MailboxPolicy,
    MailboxSettings, RecipientDecision, RefusalReason, SizeDecision,
};
use crate::port25::{
    DnsblAnswer, Ip25b, Ip25bDecision, Ip25bInput, ListenerRole, PtrAnswer, Refusal, SmtpSession,
    StageDecision, SubmissionPolicy,
};
use crate::rate::{Decision as RateDecision, Limits, MemoryStore, Request, Timestamp, key};
use crate::reply::{self, Action, Reply};
use crate::verdict::{
    Check, Checks, ContentScan, Delivery, HeaderEdit, HeaderField, Stage, Verdict,
};

/// Everything compiled from one [`Config`]: immutable and shareable (`Arc<Engine>`),
/// except the rate-limit counters and the domestic table, which are internally
/// synchronised.
pub struct Engine {
    config: Config,
    address: AddressPolicy,
    mailbox: MailboxPolicy,
    submission: SubmissionPolicy,
    ip25b: Ip25b,
    account_rate: MemoryStore,
    client_rate: MemoryStore,
    geo: SharedTable,
    mailboxes: HashMap<String, CompiledMailbox>,
    /// Accounts whose overseas switch is on (GEO-RESTRICT), lower-case addresses.
    geo_settings: std::collections::HashSet<String>,
    /// The settings of every mailbox not listed in `mailboxes` (no reject list, no
    /// forwarding, spam sorting off), compiled once.
    default_mailbox: CompiledMailbox,
    /// The ISP domains, lower-case A-labels, for `is_local`.
    local_domains: Vec<String>,
    #[cfg(feature = "mail-auth")]
    dkim: Option<crate::auth::DkimSigner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("listeners", &self.config.listeners)
            .field("mailboxes", &self.mailboxes.len())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// The profile of `SPEC.md` with nothing configured: no files read.
    pub fn sonet() -> Self {
        Self::new(&Config::sonet(), "built-in profile")
            .unwrap_or_else(|e| unreachable!("the built-in profile compiles: {e}"))
    }

    /// Compiles `config` (`origin` names it in errors): validates every section, reads the
    /// domestic-address files, the DKIM key and the mailbox settings file it names.
    pub fn new(config: &Config, origin: &str) -> Result<Self, ConfigError> {
        let setting = |key: &str| {
            let key = key.to_owned();
            move |e: &dyn std::fmt::Display| ConfigError::setting(origin, &key, e)
        };
        let address =
            AddressPolicy::new(config.address.clone()).map_err(|e| setting("address")(&e))?;
        let mailbox =
            MailboxPolicy::new(config.mailbox.clone()).map_err(|e| setting("mailbox")(&e))?;
        let ip25b = Ip25b::new(config.ip25b.clone()).map_err(|e| setting("ip25b")(&e))?;
        crate::port25::Op25b::new(&config.op25b).map_err(|e| setting("op25b")(&e))?;
        let max_keys = match &config.rate.store {
            RateStoreConfig::Memory { max_keys } => *max_keys,
            RateStoreConfig::Redis { .. } => {
                return Err(ConfigError::setting(
                    origin,
                    "rate.store",
                    "the Redis store is served by mail-policyd (the session API counts in \
                     memory); use `memory` here",
                ));
            }
        };
        let account_limits =
            Limits::new(&config.rate.accounts).map_err(|e| setting("rate.accounts")(&e))?;
        let client_limits =
            Limits::new(&config.rate.client_ips).map_err(|e| setting("rate.client_ips")(&e))?;
        let table = if config.geo.files.is_empty() {
            DomesticTable::empty(config.geo.country)
        } else {
            load_table(&GeoSourceConfig {
                country: config.geo.country,
                files: config.geo.files.clone(),
            })
            .map_err(|e| setting("geo.files")(&e))?
        };
        let mut mailboxes = HashMap::new();
        let mut geo_settings = std::collections::HashSet::new();
        if let Some(path) = &config.mailboxes.file {
            let file_origin = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| {
                ConfigError::setting(origin, "mailboxes.file", format!("{file_origin}: {e}"))
            })?;
            let file: MailboxesFile = Config::parse_other(&text, &file_origin)?;
            for entry in &file.mailbox {
                let address = Mailbox::from_str(&entry.address).map_err(|e| {
                    ConfigError::setting(
                        &file_origin,
                        "mailbox.address",
                        format!("{:?}: {e}", entry.address),
                    )
                })?;
                let compiled = mailbox
                    .compile_mailbox(&address, &entry.settings)
                    .map_err(|e| ConfigError::setting(&file_origin, &entry.address, e))?;
                let key = address.normalized().to_string();
                if entry.restrict_overseas {
                    geo_settings.insert(key.to_ascii_lowercase());
                }
                mailboxes.insert(key, compiled);
            }
        }
        #[cfg(feature = "mail-auth")]
        let dkim = match &config.auth.dkim {
            None => None,
            Some(dkim) => {
                let key = crate::auth::DkimKey::from_file(&dkim.key_file)
                    .map_err(|e| setting("auth.dkim.key_file")(&e))?;
                Some(
                    crate::auth::DkimSigner::new(key, &dkim.domain, &dkim.selector)
                        .map_err(|e| setting("auth.dkim")(&e))?,
                )
            }
        };
        #[cfg(not(feature = "mail-auth"))]
        if config.auth.dkim.is_some() {
            return Err(ConfigError::setting(
                origin,
                "auth.dkim",
                "DKIM signing needs the `mail-auth` feature",
            ));
        }
        let postmaster = Mailbox::from_str(&format!("postmaster@{}", config.auth.authserv_id))
            .map_err(|e| setting("auth.authserv_id")(&e))?;
        let default_mailbox = mailbox
            .compile_mailbox(&postmaster, &MailboxSettings::default())
            .map_err(|e| setting("mailbox")(&e))?;
        let local_domains = config
            .address
            .domains
            .iter()
            .map(|d| d.name.trim_end_matches('.').to_ascii_lowercase())
            .collect();
        Ok(Self {
            config: config.clone(),
            default_mailbox,
            local_domains,
            address,
            mailbox,
            submission: SubmissionPolicy::new(config.submission.clone()),
            ip25b,
            account_rate: MemoryStore::new(account_limits, max_keys),
            client_rate: MemoryStore::new(client_limits, max_keys),
            geo: SharedTable::new(table),
            mailboxes,
            geo_settings,
            #[cfg(feature = "mail-auth")]
            dkim,
        })
    }

    /// The configuration compiled.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The compiled address rules (ADDR-*).
    pub fn address_policy(&self) -> &AddressPolicy {
        &self.address
    }

    /// The compiled mailbox rules (MBX-*, REJ-*, FWD-*, SPAM-*).
    pub fn mailbox_policy(&self) -> &MailboxPolicy {
        &self.mailbox
    }

    /// The domestic-address table (swap a reloaded one in with [`SharedTable::replace`]).
    pub fn geo_table(&self) -> &SharedTable {
        &self.geo
    }

    /// The role of a listening port: configured listeners first, then the well-known
    /// ports; anything else is treated as an MX.
    pub fn role_of_port(&self, port: u16) -> ListenerRole {
        self.config
            .listeners
            .iter()
            .find(|l| l.port == port)
            .map(|l| l.role)
            .or_else(|| ListenerRole::from_port(port))
            .unwrap_or(ListenerRole::Mx)
    }

    /// Whether mail to `mailbox` is ours to deliver (an ISP domain or one of its
    /// sub-domains).
    pub fn is_local(&self, mailbox: &Mailbox) -> bool {
        let Some(name) = mailbox.domain().as_name() else {
            return false;
        };
        // Both sides are in lower case (a `DomainName` always is; ours are lowered when
        // the engine is built): plain comparisons.
        let domain = name.as_ascii().as_bytes();
        self.local_domains.iter().any(|ours| {
            let ours = ours.as_bytes();
            domain.ends_with(ours)
                && (domain.len() == ours.len() || domain[domain.len() - ours.len() - 1] == b'.')
        })
    }

    /// A client connects (P25-IN on the MX): starts a session that borrows the engine.
    pub fn connect(&self, connect: &Connect<'_>) -> (Session<'_>, Verdict) {
        Session::start(EngineRef::Borrowed(self), connect)
    }

    /// [`connect`](Self::connect) for a session that holds the engine by `Arc` and so can
    /// be stored across requests (a daemon keeping one session per SMTP transaction,
    /// while a reload swaps in a new engine for the sessions that start after it).
    pub fn connect_shared(self: &Arc<Self>, connect: &Connect<'_>) -> (Session<'static>, Verdict) {
        Session::start(EngineRef::Shared(Arc::clone(self)), connect)
    }

    /// The overseas switch of `account` (GEO-*), from the per-mailbox settings file
    /// (`restrict_overseas`); off for accounts not listed.
    pub fn geo_setting(&self, account: &str) -> GeoSetting {
        let restrict = !self.geo_settings.is_empty()
            && self
                .geo_settings
                .contains(account.to_ascii_lowercase().as_str());
        GeoSetting {
            restrict,
            auto: None,
        }
    }
}

/// How a session holds its engine: borrowed (embedding servers) or shared (daemons).
enum EngineRef<'e> {
    Borrowed(&'e Engine),
    Shared(Arc<Engine>),
}

impl std::ops::Deref for EngineRef<'_> {
    type Target = Engine;

    fn deref(&self) -> &Engine {
        match self {
            EngineRef::Borrowed(engine) => engine,
            EngineRef::Shared(engine) => engine,
        }
    }
}

impl<'e> Session<'e> {
    fn start(engine: EngineRef<'e>, connect: &Connect<'_>) -> (Self, Verdict) {
        let role = engine.role_of_port(connect.port);
        let mut session = Session {
            engine,
            role,
            client_ip: connect.client_ip,
            smtp: SmtpSession::new(role),
            helo: None,
            mail_from: None,
            recipients: Vec::new(),
            local: Vec::new(),
            history: Vec::new(),
            transaction_start: None,
            trace_dropped: 0,
            explain: connect.explain,
            rate_accounting: true,
            rate_key: key::client_ip(connect.client_ip),
        };
        let decision = session.engine.ip25b.decide(&Ip25bInput {
            client: connect.client_ip,
            role,
            authenticated: false,
            ptr: connect.ptr,
            dnsbl: connect.dnsbl,
            recent_messages: connect.recent_messages,
        });
        let mut verdict = match &decision {
            Ip25bDecision::NotApplicable => {
                let mut v = session.verdict(Stage::Connect, reply::ok("connect"));
                v.check("P25-IN", || {
                    format!("not applicable on the {role:?} listener")
                });
                v
            }
            Ip25bDecision::Accept { classification } => {
                let mut v = session.verdict(Stage::Connect, reply::ok("connect"));
                v.check("P25-IN", || {
                    format!("accepted (dynamic: {})", classification.dynamic)
                });
                v
            }
            Ip25bDecision::Defer { client, rule } => {
                let mut v = session.verdict(Stage::Connect, reply::client_unverified(*client));
                v.check(rule.id(), "client could not be classified (DNS failure)");
                v
            }
            Ip25bDecision::Reject(refusal) => {
                let mut v = session.verdict(
                    Stage::Connect,
                    reply::dynamic_client(refusal.client, &refusal.support_contact),
                );
                v.check(refusal.rule.id(), || {
                    format!(
                        "dynamic client, {} messages (threshold {}), signals {:?}",
                        refusal.messages, refusal.threshold, refusal.signals
                    )
                });
                v
            }
        };
        verdict.check("P25-TLS", || {
            format!("listener role {role:?}, port {}", connect.port)
        });
        session.record(&verdict);
        (session, verdict)
    }
}

/// What is known when a client connects.
#[derive(Debug, Clone, Copy)]
pub struct Connect<'a> {
    /// The client's address.
    pub client_ip: IpAddr,
    /// The port it connected to (its role comes from the listeners).
    pub port: u16,
    /// Its PTR answer.
    pub ptr: &'a PtrAnswer,
    /// Its DNSBL answer.
    pub dnsbl: &'a DnsblAnswer,
    /// Messages it sent recently (IP25B's volume threshold).
    pub recent_messages: u64,
    /// Whether the session's checks carry their outcome text, from this first verdict
    /// on (see [`Session::set_explain`]). `false` for servers that log rule IDs only.
    pub explain: bool,
}

/// The most checks an explaining session's [`Session::trace`] holds. The largest
/// transaction the profile allows (200 recipients) takes about 410 with its connection's
/// stages; past the limit, a client that sends command after command (refused recipients,
/// say) costs no more memory.
pub const TRACE_LIMIT: usize = 1024;

/// One SMTP session (connection), stage by stage. `RSET` is [`Session::reset`].
pub struct Session<'e> {
    engine: EngineRef<'e>,
    role: ListenerRole,
    client_ip: IpAddr,
    smtp: SmtpSession,
    helo: Option<String>,
    mail_from: Option<ReversePath>,
    recipients: Vec<Mailbox>,
    /// For each recipient, whether it is ours to deliver (decided once, at RCPT).
    local: Vec<bool>,
    history: Vec<Check>,
    /// Where the latest transaction's checks start in `history` (at its MAIL).
    transaction_start: Option<usize>,
    /// Checks left out of `history` because it held `TRACE_LIMIT`.
    trace_dropped: u64,
    explain: bool,
    rate_accounting: bool,
    rate_key: String,
}

impl std::fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("role", &self.role)
            .field("client_ip", &self.client_ip)
            .field("authenticated", &self.smtp.authenticated)
            .field("recipients", &self.recipients.len())
            .finish_non_exhaustive()
    }
}

fn timestamp(now: DateTime<Utc>) -> Timestamp {
    Timestamp::from_micros(u64::try_from(now.timestamp_micros()).unwrap_or(0))
}

fn datetime(t: Timestamp) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(i64::try_from(t.0).ok()?)
}

fn refusal_reply(refusal: &Refusal) -> Reply {
    match refusal {
        Refusal::TlsRequired => reply::tls_required(),
        Refusal::EncryptionRequiredForAuth => reply::encryption_required(),
        Refusal::AuthNotOffered => reply::auth_not_offered(),
        Refusal::AuthRequired => reply::auth_required(),
        Refusal::RelayDenied { recipient } => reply::relay_denied(recipient),
        Refusal::SenderNotOwned { identity, sender } => reply::sender_not_owned(sender, identity),
    }
}

/// A recipient's key: its canonical form (`taro@aa2.so-net.ne.jp`). The common address
/// (an unquoted local part, a domain name) is put together from its two parts, inline
/// when it fits in 24 octets, so that such a recipient costs no heap allocation.
fn recipient_key(recipient: &Mailbox) -> CompactString {
    let local = recipient.local_part();
    if let (false, Some(domain)) = (local.needs_quoting(), recipient.domain().as_name()) {
        let (local, domain) = (local.as_str(), domain.as_ascii());
        let mut key = CompactString::with_capacity(local.len() + 1 + domain.len());
        key.push_str(local);
        key.push('@');
        key.push_str(domain);
        return key;
    }
    CompactString::from(recipient.to_canonical_string())
}

/// The header fields of a message, unfolded: `(name, value)` in order, up to the blank
/// line; borrowed from the message unless a value continues over several lines. The value
/// is as written after the colon (leading space kept); the index of a field here is the
/// index [`HeaderEdit`] uses.
///
/// ```
/// let fields = mail_policy::header_fields(b"Subject: hi\r\n there\r\nFrom: a@b\r\n\r\nbody");
/// assert_eq!(fields[0].0, "Subject");
/// assert_eq!(fields[0].1, " hi there");
/// assert_eq!(fields.len(), 2);
/// ```
pub fn header_fields(message: &[u8]) -> Vec<(Cow<'_, str>, Cow<'_, str>)> {
    // Most messages have a dozen or two fields.
    let mut fields: Vec<(Cow<'_, str>, Cow<'_, str>)> = Vec::with_capacity(16);
    for line in header_lines(message) {
        if line[0] == b' ' || line[0] == b'\t' {
            if let Some((_, value)) = fields.last_mut() {
                value.to_mut().push_str(&text(line));
            }
        } else if let Some(colon) = memchr::memchr(b':', line) {
            fields.push((text(&line[..colon]), text(&line[colon + 1..])));
        }
    }
    fields
}

/// The lines of a message's header section, without their line ends, up to the blank
/// line (never empty).
fn header_lines(message: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = message;
    std::iter::from_fn(move || {
        let (line, next) = match memchr::memchr(b'\n', rest) {
            Some(end) => (&rest[..end], &rest[end + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        (!line.is_empty()).then_some(line)
    })
}

/// What the end of a message needs from the header section before deciding to read it
/// whole: how many fields it has, and whether one is an `Authentication-Results` (or
/// `ARC-Authentication-Results`) field that may be forged. No text is decoded.
fn survey_header(message: &[u8]) -> (usize, bool) {
    let mut fields = 0;
    let mut results = false;
    for line in header_lines(message) {
        if line[0] == b' ' || line[0] == b'\t' {
            continue;
        }
        if let Some(colon) = memchr::memchr(b':', line) {
            fields += 1;
            let name = line[..colon].trim_ascii();
            // A non-ASCII name may still trim (Unicode white space) to one of these:
            // read such a header whole too.
            results |= name.eq_ignore_ascii_case(b"Authentication-Results")
                || name.eq_ignore_ascii_case(b"ARC-Authentication-Results")
                || !name.is_ascii();
        }
    }
    (fields, results)
}

/// The value of a whole header field (`Name: value\r\n`, folded): after the name and
/// the space, without the final line break; in the same string, not a copy.
fn header_value(mut field: String, name: &str) -> String {
    if field.ends_with("\r\n") {
        field.truncate(field.len() - 2);
    }
    let start = field
        .strip_prefix(name)
        .map_or(0, |rest| field.len() - rest.trim_start_matches(' ').len());
    field.drain(..start);
    field
}

/// Header text as UTF-8, borrowed when it is (nearly always); bad bytes become U+FFFD.
fn text(bytes: &[u8]) -> Cow<'_, str> {
    // `from_utf8` checks ASCII a word at a time; the lossy decoder goes character by
    // character, so it is kept for the rare field that needs it.
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

impl<'e> Session<'e> {
    /// The listener role.
    pub fn role(&self) -> ListenerRole {
        self.role
    }

    /// The client's address.
    pub fn client_ip(&self) -> IpAddr {
        self.client_ip
    }

    /// Whether checks carry their outcome text and the session keeps its
    /// [`trace`](Self::trace) (the default; set it from the start with
    /// [`Connect::explain`]). Without it each check still names its rule, and no text is
    /// formatted: the fast path for servers that log rule IDs only. Applies from the next
    /// stage.
    pub fn set_explain(&mut self, explain: bool) {
        self.explain = explain;
    }

    /// A check of this session (its outcome formatted only when the session explains).
    fn note(&self, rule: &'static str, outcome: impl crate::verdict::Outcome) -> Check {
        Check {
            rule,
            outcome: if self.explain {
                outcome.text()
            } else {
                String::new()
            },
        }
    }

    /// A verdict of this session (it explains or not, as the session does).
    #[inline]
    fn verdict(&self, stage: Stage, reply: Reply) -> Verdict {
        let mut verdict = Verdict::new(stage, reply);
        verdict.explain = self.explain;
        verdict
    }

    /// The checks consulted, in order, while the session explains ([`Connect::explain`],
    /// [`set_explain`](Self::set_explain)): those of the connection's stages (connect,
    /// EHLO, AUTH) and of its latest transaction, from its MAIL FROM on. Each new MAIL
    /// FROM, and each EHLO or AUTH after a transaction, drops the checks of the
    /// transaction before it, so a connection that carries many messages does not grow a
    /// history; at most [`TRACE_LIMIT`] checks are kept (see
    /// [`trace_dropped`](Self::trace_dropped)). A session with rule IDs only keeps no
    /// trace: its verdicts name their rules.
    pub fn trace(&self) -> &[Check] {
        &self.history
    }

    /// How many checks were left out of the [`trace`](Self::trace) because it already
    /// held [`TRACE_LIMIT`] (a client sending command after command). Every verdict
    /// still carries its own checks.
    pub fn trace_dropped(&self) -> u64 {
        self.trace_dropped
    }

    /// The recipients accepted in the current transaction.
    pub fn recipients(&self) -> &[Mailbox] {
        &self.recipients
    }

    fn record(&mut self, verdict: &Verdict) {
        // Rule IDs only: each verdict names its rules, and a long connection does not
        // grow a history nobody reads.
        if !self.explain {
            return;
        }
        match verdict.stage {
            // A new transaction: the one before it leaves the trace.
            Stage::Mail => {
                if let Some(start) = self.transaction_start {
                    self.history.truncate(start);
                }
                self.transaction_start = Some(self.history.len());
            }
            // The connection's stages after a transaction: it leaves the trace too.
            Stage::Connect | Stage::Ehlo | Stage::Auth => {
                if let Some(start) = self.transaction_start.take() {
                    self.history.truncate(start);
                }
            }
            Stage::Rcpt | Stage::Data | Stage::EndOfMessage => {}
        }
        if self.history.capacity() == 0 {
            // Room for the checks up to the first end of message, allocated on the
            // first stage rather than with the session (a small block comes from the
            // allocator's fast path; the end of a message grows it once).
            self.history.reserve(16);
        }
        let room = TRACE_LIMIT.saturating_sub(self.history.len());
        let kept = verdict.checks.len().min(room);
        self.history.extend(verdict.checks[..kept].iter().cloned());
        self.trace_dropped += (verdict.checks.len() - kept) as u64;
    }

    #[inline]
    fn answer(&mut self, verdict: Verdict) -> Verdict {
        self.record(&verdict);
        verdict
    }

    /// HELO/EHLO: what to advertise (STARTTLS before TLS, AUTH only after it on the
    /// submission ports, P25-TLS).
    pub fn ehlo(&mut self, name: &str) -> Verdict {
        self.helo = Some(name.to_owned());
        self.mail_from = None;
        self.recipients.clear();
        self.local.clear();
        let advert = self.engine.submission.ehlo(&self.smtp);
        let mut verdict = self.verdict(Stage::Ehlo, reply::ok("ehlo"));
        verdict.check("P25-TLS", || {
            format!(
                "advertise STARTTLS: {}, AUTH: {}",
                advert.starttls, advert.auth
            )
        });
        self.answer(verdict)
    }

    /// The TLS handshake after STARTTLS succeeded: the session starts over (RFC 3207).
    pub fn starttls(&mut self) {
        self.smtp.tls = true;
        self.helo = None;
        self.reset();
    }

    /// AUTH succeeded for `identity` (the mail address, ADDR-PW checked by the caller's
    /// password store): may the account use SMTP from here? P25-TLS, P25-SUBMIT and the
    /// account's overseas switch (GEO-RESTRICT, GEO-AUTO).
    pub fn auth(&mut self, identity: &str, geo: &GeoSetting) -> Verdict {
        if let StageDecision::Refuse { refusal, rule } =
            self.engine.submission.check_auth(&self.smtp)
        {
            let mut verdict = self.verdict(Stage::Auth, refusal_reply(&refusal));
            verdict.check(rule.id(), || format!("{refusal:?}"));
            return self.answer(verdict);
        }
        let table = self.engine.geo.current();
        match check_access(geo, Access::Smtp, self.client_ip, &table) {
            GeoDecision::Refused {
                client,
                country,
                rule,
            } => {
                let mut verdict =
                    self.verdict(Stage::Auth, reply::overseas_refused(client, rule.id()));
                verdict.check(rule.id(), || {
                    format!("{client} is not in {}", country.as_str())
                });
                self.answer(verdict)
            }
            GeoDecision::Allowed { rule } => {
                self.smtp.authenticated = Some(identity.to_ascii_lowercase());
                self.rate_key = key::account(identity);
                let mut verdict = self.verdict(Stage::Auth, reply::ok("auth"));
                verdict.check(rule.id(), || {
                    format!("{identity} may send from {}", self.client_ip)
                });
                self.answer(verdict)
            }
        }
    }

    /// MAIL FROM (the text after `MAIL FROM:`, parameters included): the address syntax
    /// (ADDR-RFC), the announced SIZE (MBX-SIZE), submission rules (P25-TLS,
    /// P25-SUBMIT), a suspended account (RATE-SEND).
    pub fn mail_from(&mut self, args: &str, now: DateTime<Utc>) -> Verdict {
        self.mail_from = None;
        self.recipients.clear();
        self.local.clear();
        let options = WireOptions::default();
        let parsed = match parse_mail_from(args, options) {
            Ok(parsed) => parsed,
            Err(e) => {
                let mut verdict = self.verdict(Stage::Mail, reply::bad_sender(&e.to_string()));
                verdict.check("ADDR-RFC", e.to_string());
                return self.answer(verdict);
            }
        };
        let mut checks = Checks::new();
        checks.push(self.note("ADDR-RFC", || format!("sender {}", parsed.reverse_path)));
        if let SizeDecision::TooLarge { size, limit, rule } = self
            .engine
            .mailbox
            .limits()
            .check_announced_size(parsed.parameters.size())
        {
            let mut verdict = self.verdict(Stage::Mail, reply::too_large(size, limit));
            verdict.check(rule.id(), || format!("SIZE={size} over {limit}"));
            return self.answer(verdict.with_checks(checks));
        }
        let sender = match &parsed.reverse_path {
            ReversePath::Null => None,
            ReversePath::Mailbox(m) => Some(m),
        };
        let decision = self
            .engine
            .submission
            .check_mail(&self.smtp, sender, |identity, sender| {
                identity.eq_ignore_ascii_case(&sender.to_string())
            });
        if let StageDecision::Refuse { refusal, rule } = decision {
            let mut verdict = self.verdict(Stage::Mail, refusal_reply(&refusal));
            verdict.check(rule.id(), || format!("{refusal:?}"));
            return self.answer(verdict.with_checks(checks));
        }
        checks.push(self.note("P25-SUBMIT", "sender allowed on this listener"));
        // A suspended sender is refused before it sends anything (a zero-cost check).
        let (store, rate_key) = self.rate_key();
        if let RateDecision::Suspended { until, rule } = store.check(
            rate_key,
            Request {
                messages: 0,
                recipients: 0,
            },
            timestamp(now),
        ) {
            let mut verdict = self.verdict(
                Stage::Mail,
                reply::rate_limited("suspension", datetime(until)),
            );
            verdict.check(rule.id(), || format!("{rate_key} suspended"));
            return self.answer(verdict.with_checks(checks));
        }
        let mut verdict = self.verdict(Stage::Mail, reply::ok("mail"));
        verdict.checks = checks;
        verdict.check("RATE-SEND", || format!("{rate_key} not suspended"));
        self.mail_from = Some(parsed.reverse_path);
        self.answer(verdict)
    }

    /// The rate-limit store and key of this session: the account once authenticated, the
    /// client address before (formatted once per session, not per stage).
    fn rate_key(&self) -> (&MemoryStore, &str) {
        let store = if self.smtp.authenticated.is_some() {
            &self.engine.account_rate
        } else {
            &self.engine.client_rate
        };
        (store, &self.rate_key)
    }

    /// RCPT TO (the text after `RCPT TO:`): syntax (ADDR-RFC), the recipient limit
    /// (MBX-RCPT), relaying (P25-SUBMIT).
    pub fn rcpt_to(&mut self, args: &str) -> Verdict {
        if self.mail_from.is_none() {
            let mut verdict = self.verdict(Stage::Rcpt, reply::bad_sequence("need MAIL command"));
            verdict.check("P25-SUBMIT", "RCPT before MAIL");
            return self.answer(verdict);
        }
        let parsed = match parse_rcpt_to(args, WireOptions::default()) {
            Ok(parsed) => parsed,
            Err(e) => {
                let mut verdict = self.verdict(Stage::Rcpt, reply::bad_recipient(&e.to_string()));
                verdict.check("ADDR-RFC", e.to_string());
                return self.answer(verdict);
            }
        };
        let mailbox = match parsed.forward_path {
            ForwardPath::Mailbox(m) => m,
            // <Postmaster> is always local (RFC 5321 §4.5.1).
            ForwardPath::Postmaster => Mailbox::from_str(&format!(
                "postmaster@{}",
                self.engine.config.auth.authserv_id
            ))
            .unwrap_or_else(|e| unreachable!("postmaster address: {e}")),
        };
        if let RecipientDecision::TooMany { limit, rule, count } = self
            .engine
            .mailbox
            .limits()
            .check_next_recipient(self.recipients.len())
        {
            let mut verdict = self.verdict(Stage::Rcpt, reply::too_many_recipients(limit));
            verdict.check(rule.id(), || format!("{count} accepted, limit {limit}"));
            return self.answer(verdict);
        }
        let is_local = self.engine.is_local(&mailbox);
        if let StageDecision::Refuse { refusal, rule } = self
            .engine
            .submission
            .check_rcpt(&self.smtp, &mailbox, is_local)
        {
            let mut verdict = self.verdict(Stage::Rcpt, refusal_reply(&refusal));
            verdict.check(rule.id(), || format!("{refusal:?}"));
            return self.answer(verdict);
        }
        let mut verdict = self.verdict(Stage::Rcpt, reply::ok("rcpt"));
        verdict.check("MBX-RCPT", || {
            // Sized for the whole text at once (`format!` would guess short and grow it).
            let mut text = String::with_capacity(mailbox.canonical_len() + 48);
            let _infallible = write!(
                text,
                "{mailbox}: recipient {} of at most {}, {}",
                self.recipients.len() + 1,
                self.engine.mailbox.limits().max_recipients(),
                if is_local { "local" } else { "relayed" }
            );
            text
        });
        if self.recipients.capacity() == 0 {
            // Room for a typical transaction at once, rather than growing 4, 8, 16.
            self.recipients.reserve(16);
            self.local.reserve(16);
        }
        self.local.push(is_local);
        self.recipients.push(mailbox.into_normalized());
        self.answer(verdict)
    }

    /// DATA: at least one recipient first.
    pub fn data(&mut self) -> Verdict {
        if self.recipients.is_empty() {
            let mut verdict = self.verdict(Stage::Data, reply::bad_sequence("need RCPT command"));
            verdict.check("MBX-RCPT", "no valid recipients");
            return self.answer(verdict);
        }
        let verdict = self.verdict(Stage::Data, reply::ok("data"));
        self.answer(verdict)
    }

    /// RSET: the transaction ends, the session (TLS, AUTH) stays.
    pub fn reset(&mut self) {
        self.mail_from = None;
        self.recipients.clear();
        self.local.clear();
    }

    /// The end of the message (`message` as received, headers and body): MBX-SIZE, the
    /// send rate (RATE-SEND), forged `Authentication-Results` (AUTH-IN-FORGED), ours from
    /// `auth` (AUTH-IN-FORMAT) and the DMARC action (AUTH-IN-DMARC-NOENFORCE), then per
    /// local recipient the delivery plan (virus, reject list, spam sorting, forwarding,
    /// retention), and DKIM signing of authenticated submissions (AUTH-OUT-DKIM). The
    /// transaction ends either way.
    pub fn end_of_message(
        &mut self,
        message: &[u8],
        auth: Option<&AuthReport>,
        scan: &ContentScan,
        now: DateTime<Utc>,
    ) -> Verdict {
        let verdict = self.end_of_message_inner(message, auth, scan, now);
        self.reset();
        self.answer(verdict)
    }

    /// The verdict on a message without a readable header section.
    fn unreadable(&self, reason: &str, checks: Checks) -> Verdict {
        let mut verdict = self.verdict(Stage::EndOfMessage, reply::unreadable(reason));
        verdict.check("MBX-SIZE", || format!("unreadable: {reason}"));
        verdict.with_checks(checks)
    }

    fn end_of_message_inner(
        &mut self,
        message: &[u8],
        auth: Option<&AuthReport>,
        scan: &ContentScan,
        now: DateTime<Utc>,
    ) -> Verdict {
        let stage = Stage::EndOfMessage;
        let size = message.len() as u64;
        let limits = self.engine.mailbox.limits();
        if let SizeDecision::TooLarge { size, limit, rule } = limits.check_message_size(size) {
            let mut verdict = self.verdict(stage, reply::too_large(size, limit));
            verdict.check(rule.id(), || format!("{size} octets over {limit}"));
            return verdict;
        }
        let mut checks = Checks::new();
        checks.push(self.note("MBX-SIZE", || {
            format!("{size} octets within {}", limits.max_message_bytes())
        }));
        let (field_count, may_be_forged) = survey_header(message);
        if field_count == 0 {
            return self.unreadable("no header section", checks);
        }
        let inbound = !self.role.is_submission() && self.smtp.authenticated.is_none();
        // Submissions are signed, not delivered here: no delivery plan, no keys.
        let keys = if inbound {
            self.local_keys()
        } else {
            Vec::new()
        };
        // The decoded From/To/Subject are read only by mailboxes with settings of their
        // own (reject lists, spam sorting, forwarding); the others need just the size.
        let needs_headers = !self.engine.mailboxes.is_empty()
            && keys
                .iter()
                .any(|key| self.engine.mailboxes.contains_key(key.as_str()));
        let incoming = if needs_headers {
            match IncomingMessage::parse(message, size) {
                Ok(incoming) => incoming,
                Err(e) => return self.unreadable(&e.to_string(), checks),
            }
        } else {
            IncomingMessage {
                size,
                ..IncomingMessage::default()
            }
        };
        if let Some(refusal) = self.count_message(&mut checks, now) {
            return refusal.with_checks(checks);
        }
        let mut verdict = self.verdict(stage, reply::queued());
        verdict.checks = checks;
        if inbound {
            self.inbound(
                message,
                may_be_forged,
                keys,
                &incoming,
                auth,
                scan,
                now,
                &mut verdict,
            );
        } else {
            self.outbound(message, &mut verdict);
        }
        verdict
    }

    /// RATE-SEND: one message to this many recipients, counted against the session's key
    /// (unless [`set_rate_accounting`](Self::set_rate_accounting) turned it off): the
    /// refusal when over a limit.
    fn count_message(&self, checks: &mut Checks, now: DateTime<Utc>) -> Option<Verdict> {
        if !self.rate_accounting {
            checks.push(self.note("RATE-SEND", "counted elsewhere (rate accounting off)"));
            return None;
        }
        let (store, rate_key) = self.rate_key();
        let recipients = u32::try_from(self.recipients.len()).unwrap_or(u32::MAX);
        match store.check(rate_key, Request::message(recipients), timestamp(now)) {
            RateDecision::Allowed { remaining, rule } => {
                checks.push(self.note(rule.id(), || {
                    format!("{rate_key}: allowed, {remaining} left under the tightest limit")
                }));
                None
            }
            other => {
                let limit_name = match &other {
                    RateDecision::Limited { limit, .. } | RateDecision::TooLarge { limit, .. } => {
                        store.limits().name(*limit).to_owned()
                    }
                    _ => "suspension".to_owned(),
                };
                let mut verdict = self.verdict(
                    Stage::EndOfMessage,
                    reply::rate_limited(&limit_name, other.resume_at().and_then(datetime)),
                );
                verdict.check("RATE-SEND", || format!("{rate_key}: {other:?}"));
                Some(verdict)
            }
        }
    }

    /// Whether the end of a message counts it against the send rate (RATE-SEND); on by
    /// default. A daemon whose policy service counts messages at the end of data
    /// ([`end_of_data`](Self::end_of_data)) turns it off in the milter's session, so
    /// that a message is counted once.
    pub fn set_rate_accounting(&mut self, on: bool) {
        self.rate_accounting = on;
    }

    /// The end of a message of which only the size is known (the Postfix policy
    /// protocol's `END-OF-MESSAGE` state): MBX-SIZE on the received size and RATE-SEND.
    /// The content rules need the message itself: [`end_of_message`](Self::end_of_message).
    /// The transaction ends either way.
    pub fn end_of_data(&mut self, size: u64, now: DateTime<Utc>) -> Verdict {
        let limits = self.engine.mailbox.limits();
        let verdict =
            if let SizeDecision::TooLarge { size, limit, rule } = limits.check_message_size(size) {
                let mut verdict = self.verdict(Stage::EndOfMessage, reply::too_large(size, limit));
                verdict.check(rule.id(), || format!("{size} octets over {limit}"));
                verdict
            } else {
                let mut checks = Checks::new();
                checks.push(self.note("MBX-SIZE", || {
                    format!("{size} octets within {}", limits.max_message_bytes())
                }));
                self.count_message(&mut checks, now)
                    .unwrap_or_else(|| self.verdict(Stage::EndOfMessage, reply::queued()))
                    .with_checks(checks)
            };
        self.reset();
        self.answer(verdict)
    }

    /// The normalised addresses of the recipients ours to deliver: the keys of the
    /// mailbox settings and the recipients of the delivery plan.
    fn local_keys(&self) -> Vec<CompactString> {
        // Sized once: `collect` cannot tell how many the filter keeps, and would grow it.
        let mut keys = Vec::with_capacity(self.recipients.len());
        keys.extend(
            self.recipients
                .iter()
                .zip(&self.local)
                .filter(|&(_, &local)| local)
                .map(|(recipient, _)| recipient_key(recipient)),
        );
        keys
    }

    // The end of the message's inputs, passed through as they are.
    #[allow(clippy::too_many_arguments)]
    fn inbound(
        &self,
        message: &[u8],
        may_be_forged: bool,
        keys: Vec<CompactString>,
        incoming: &IncomingMessage,
        auth: Option<&AuthReport>,
        scan: &ContentScan,
        now: DateTime<Utc>,
        verdict: &mut Verdict,
    ) {
        let engine = &*self.engine;
        // AUTH-IN-FORGED: headers claiming our authserv-id, however written.
        let forged_config: &ForgedConfig = &engine.config.auth.forged;
        // Most messages have no such field: their header is not decoded.
        let fields = if may_be_forged {
            header_fields(message)
        } else {
            Vec::new()
        };
        for forged in find_forged(
            forged_config,
            fields.iter().map(|(n, v)| (n.as_ref(), v.as_ref())),
        ) {
            verdict.edit_headers.push(HeaderEdit {
                name: fields[forged.index].0.to_string(),
                index: forged.index,
                rename_to: match forged.action {
                    ForgedAction::Remove => None,
                    ForgedAction::Rename => forged.rename_to.map(str::to_owned),
                },
                rule: forged.rule.id(),
            });
            verdict.check(forged.rule.id(), || {
                format!(
                    "field {} claims {}: {:?}",
                    forged.index, forged.claimed, forged.action
                )
            });
        }
        let mut quarantine = false;
        if let Some(report) = auth {
            // The ISP domain the mail is for (`so-net.ne.jp`), as the seed's headers
            // show; the configured one for mail to none of them.
            let authserv_id = self
                .recipients
                .iter()
                .find_map(|r| engine.address.isp_domain(r.domain()))
                .map_or(engine.config.auth.authserv_id.as_str(), |isp| {
                    isp.as_ascii()
                });
            let value = header_value(
                report.to_authentication_results(authserv_id).to_header(),
                "Authentication-Results:",
            );
            verdict.check("AUTH-IN-FORMAT", || value.replace("\r\n  ", " "));
            verdict.add_headers.push(HeaderField {
                name: "Authentication-Results".into(),
                value,
            });
            // The action's text is formatted only for a refusal or an explanation.
            let mode = engine.config.auth.dmarc;
            let disposition = report.dmarc_disposition(mode);
            verdict.check(AuthRule::AuthInDmarcNoenforce.id(), || {
                let action = report.dmarc_action(mode);
                format!("{:?}: {}", action.disposition, action.detail)
            });
            match disposition {
                DmarcDisposition::Reject => {
                    let action = report.dmarc_action(mode);
                    let checks = std::mem::take(&mut verdict.checks);
                    *verdict = self
                        .verdict(Stage::EndOfMessage, reply::dmarc_reject(&action.detail))
                        .with_checks(checks);
                    return;
                }
                DmarcDisposition::Quarantine => quarantine = true,
                DmarcDisposition::Deliver => {}
            }
        }
        // Per local recipient: the delivery plan.
        let mut refused = 0;
        let mut refusal = None;
        let mut default_plan = None;
        let local_count = keys.len();
        verdict.deliveries.reserve_exact(local_count);
        // A check per recipient at least (its delivery plan), after the ones so far.
        verdict.checks.reserve(local_count + 2);
        for key in keys {
            // Mailboxes without settings of their own share one plan: it depends only on
            // the settings, the message and the time.
            let own_plan;
            let plan = match engine.mailboxes.get(key.as_str()) {
                Some(mailbox) => {
                    own_plan = engine.mailbox.plan_delivery_explained(
                        mailbox,
                        incoming,
                        scan.spam,
                        scan.virus.as_ref(),
                        now,
                        self.explain,
                    );
                    &own_plan
                }
                None => default_plan.get_or_insert_with(|| {
                    engine.mailbox.plan_delivery_explained(
                        &engine.default_mailbox,
                        incoming,
                        scan.spam,
                        scan.virus.as_ref(),
                        now,
                        self.explain,
                    )
                }),
            };
            for step in &plan.trace {
                verdict.check(step.rule.id(), || {
                    let mut outcome = String::with_capacity(key.len() + 2 + step.outcome.len());
                    outcome.push_str(&key);
                    outcome.push_str(": ");
                    outcome.push_str(&step.outcome);
                    outcome
                });
            }
            let (outcome, expires) = match &plan.disposition {
                Disposition::Store { folder, expires } => {
                    let folder = if quarantine {
                        FolderKind::Spam
                    } else {
                        *folder
                    };
                    let name = match folder {
                        FolderKind::Spam => "junk",
                        FolderKind::Trash => "trash",
                        _ => "inbox",
                    };
                    let expires = match expires {
                        Expiry::At(t) => Some(*t),
                        Expiry::Never => None,
                    };
                    (name, expires)
                }
                Disposition::Discard => ("discard", None),
                Disposition::NotKept => ("not-kept", None),
                Disposition::Refuse { reason } => {
                    refused += 1;
                    refusal = Some(reason.clone());
                    ("refuse", None)
                }
            };
            if let Some(subject) = &plan.subject_rewrite {
                verdict.subject = Some(subject.clone());
            }
            verdict.deliveries.push(Delivery {
                recipient: key,
                outcome,
                forward_to: plan.forward_to.iter().map(ToString::to_string).collect(),
                expires,
            });
        }
        if refused > 0 && refused == local_count {
            let reply = match refusal {
                Some(RefusalReason::Virus { name }) => reply::virus(&name),
                Some(RefusalReason::TooLarge { size, limit }) => reply::too_large(size, limit),
                _ => reply::reject_list(),
            };
            let checks = std::mem::take(&mut verdict.checks);
            *verdict = self.verdict(Stage::EndOfMessage, reply).with_checks(checks);
        } else if local_count > 0 && verdict.deliveries.iter().all(|d| d.outcome == "discard") {
            verdict.action = Action::Discard;
        }
    }

    fn outbound(&self, message: &[u8], verdict: &mut Verdict) {
        #[cfg(feature = "mail-auth")]
        if let Some(signer) = &self.engine.dkim {
            match signer.sign(message) {
                Ok(header) => {
                    let value = header_value(header, "DKIM-Signature:");
                    verdict.add_headers.push(HeaderField {
                        name: "DKIM-Signature".into(),
                        value,
                    });
                    verdict.check("AUTH-OUT-DKIM", || {
                        format!("signed d={} s={}", signer.domain(), signer.selector())
                    });
                }
                Err(e) => verdict.check("AUTH-OUT-DKIM", || format!("not signed: {e}")),
            }
            return;
        }
        let _ = message;
        verdict.check("AUTH-OUT-DKIM", "no DKIM key configured");
    }

    /// [`end_of_message`](Self::end_of_message) with SPF, DKIM, DMARC and ADSP verified
    /// over DNS first (inbound mail only; submissions are signed, not verified).
    #[cfg(feature = "dns-hickory")]
    pub async fn end_of_message_verified(
        &mut self,
        message: &[u8],
        verifier: &crate::auth::Verifier,
        receiver: &str,
        scan: &ContentScan,
        now: DateTime<Utc>,
    ) -> Verdict {
        let inbound = !self.role.is_submission() && self.smtp.authenticated.is_none();
        if !inbound {
            return self.end_of_message(message, None, scan, now);
        }
        let mail_from = match &self.mail_from {
            Some(ReversePath::Mailbox(m)) => m.to_string(),
            _ => String::new(),
        };
        let helo = self.helo.clone().unwrap_or_default();
        let report = verifier
            .verify(
                &crate::auth::Envelope {
                    client_ip: self.client_ip,
                    helo: &helo,
                    mail_from: &mail_from,
                    receiver,
                },
                message,
            )
            .await;
        self.end_of_message(message, Some(&report), scan, now)
    }
}
