//! Postfix SMTP access policy delegation, mapped onto the facade's session.
//!
//! Postfix asks at each stage where `check_policy_service` appears (`protocol_state`
//! CONNECT, EHLO, MAIL, RCPT, DATA, END-OF-MESSAGE) and sends everything it knows with
//! every request. All requests about one message carry the same `instance`, so the
//! daemon keeps one facade [`Session`] per instance: the recipient count of MBX-RCPT and
//! the sender of RATE-SEND live there, and a refusal at connect or AUTH stays with the
//! transaction. The session is created from the attributes of whichever request comes
//! first, so any placement of `check_policy_service` works.
//!
//! Answers: `DUNNO` when our rules accept (never `OK`: the MTA's own restrictions, such
//! as `reject_unauth_destination`, still apply), the reply of the refusal with its
//! enhanced status code (`554 5.7.1 …`), `DEFER_IF_PERMIT` when we could not decide (a
//! DNS failure classifying the client: a later restriction that rejects wins),
//! `DISCARD` for discards, and `PREPEND` for a header a verdict adds, once per instance.

use std::collections::HashSet;
use std::net::IpAddr;
use std::time::Instant;

use chrono::{DateTime, Utc};
use mail_policy::auth::{AuthReport, Envelope};
use mail_policy::port25::{DnsblAnswer, ListenerRole, PtrAnswer};
use mail_policy::{Action, Connect, HeaderField, Session, Stage, Verdict};

use super::metrics::{action_name, deciding_rule};
use super::state::Shared;
use crate::policy_protocol::Request;

/// One message transaction known by its `instance`.
pub(crate) struct Instance {
    session: Session<'static>,
    client: IpAddr,
    /// A refusal at connect or AUTH: every later request of the transaction gets it.
    refusal: Option<Verdict>,
    /// MAIL FROM evaluated: `None` not yet, `Some(None)` accepted, `Some(Some(v))` refused.
    mail: Option<Option<Verdict>>,
    /// Headers already prepended in this transaction.
    prepended: HashSet<String>,
    /// SPF was checked for this transaction (`--policy-spf`).
    spf_done: bool,
    /// The shared rate store was asked whether the key is suspended (RATE-FLEET).
    fleet_checked: bool,
    pub(crate) last_seen: Instant,
}

/// The answer to one policy request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The `action=` value.
    pub action: String,
    /// The rule that decided (`-` when none did).
    pub rule: &'static str,
}

/// Answers one request at `now` (wall clock, for the rules) and `at` (monotonic, for
/// expiry). Sans-IO: the server reads and writes the socket.
pub fn answer(
    shared: &Shared,
    request: &Request,
    prechecks: &Prechecks,
    now: DateTime<Utc>,
    at: Instant,
) -> Answer {
    let spf = prechecks.spf.as_ref();
    let state = request.value("protocol_state");
    let Ok(client) = request.value("client_address").parse::<IpAddr>() else {
        tracing::warn!(
            client_address = request.value("client_address"),
            instance = request.value("instance"),
            "policy request without a usable client_address; answering DUNNO"
        );
        shared.metrics.count_other("policy", "-", "unreadable");
        return dunno();
    };
    let key = request.value("instance");
    let taken = if key.is_empty() {
        None
    } else {
        shared.instances.shard(key).remove(key)
    };
    let mut instance = match taken {
        // XCLIENT can change the client within one SMTP session: start over then.
        Some(instance) if instance.client == client => instance,
        _ => open(shared, request, client, at),
    };
    instance.last_seen = at;
    let mut verdict = decide(shared, &mut instance, state, request, now, at);
    if let Some(fleet) = &prechecks.fleet {
        apply_fleet(&mut instance, &mut verdict, fleet.as_ref());
    }
    if let (Some(report), Some(verdict)) = (spf, verdict.as_mut()) {
        if verdict.is_accept() && verdict.stage == Stage::Rcpt && !instance.spf_done {
            instance.spf_done = true;
            let engine = shared.engine();
            let header = report
                .to_spf_authentication_results(&engine.config().auth.authserv_id)
                .to_header();
            let value = header
                .trim_start_matches("Authentication-Results:")
                .trim()
                .split("\r\n")
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ");
            verdict.add_headers.push(HeaderField {
                name: "Authentication-Results".into(),
                value,
            });
        }
    }
    let finished = state.eq_ignore_ascii_case("END-OF-MESSAGE");
    let answer = match &verdict {
        Some(verdict) => {
            shared.metrics.count("policy", verdict);
            log(verdict, request, client);
            encode(verdict, &mut instance.prepended)
        }
        None => dunno(),
    };
    if !key.is_empty() && !finished {
        let mut shard = shared.instances.shard(key);
        if shard.len() >= shared.instances.per_shard {
            let ttl = shared.limits.instance_ttl;
            shard.retain(|_, i| at.saturating_duration_since(i.last_seen) < ttl);
            if shard.len() >= shared.instances.per_shard {
                // Still full of live transactions: drop the one idle longest.
                if let Some(oldest) = shard
                    .iter()
                    .min_by_key(|(_, i)| i.last_seen)
                    .map(|(k, _)| k.clone())
                {
                    tracing::warn!(instance = %oldest, "policy transaction table full; forgetting the oldest");
                    shard.remove(&oldest);
                }
            }
        }
        shard.insert(key.into(), instance);
    }
    answer
}

fn dunno() -> Answer {
    Answer {
        action: "DUNNO".to_owned(),
        rule: "-",
    }
}

/// What a request needs asked over the network before [`answer`] decides it: the SPF
/// result (`--policy-spf`) and the shared rate store's decision (RATE-FLEET).
#[derive(Debug, Default)]
pub struct Prechecks {
    /// SPF of this request's envelope, at the first RCPT of inbound mail.
    pub spf: Option<AuthReport>,
    /// `Some` when the shared store was asked: its refusal, or `None` when allowed.
    pub fleet: Option<Option<Verdict>>,
}

impl Prechecks {
    /// Asks what this request needs (nothing for most requests).
    pub async fn ask(shared: &Shared, request: &Request) -> Self {
        Self {
            spf: spf_before(shared, request).await,
            fleet: fleet_before(shared, request).await,
        }
    }
}

/// The shared rate store's say on this request: whether the key is suspended at the
/// first MAIL, RCPT or DATA of a transaction; one message charged at END-OF-MESSAGE
/// (unless its size is refused anyway). `None` when not asked.
async fn fleet_before(shared: &Shared, request: &Request) -> Option<Option<Verdict>> {
    let fleet = shared.fleet()?;
    let client: IpAddr = request.value("client_address").parse().ok()?;
    let state = request.value("protocol_state").to_ascii_uppercase();
    let key = request.value("instance");
    let (open, checked, counted) = {
        let shard = shared.instances.shard(key);
        match shard.get(key).filter(|i| i.client == client) {
            Some(i) => (
                i.refusal.is_none() && !matches!(i.mail, Some(Some(_))),
                i.fleet_checked,
                i.session.recipients().len(),
            ),
            None => (true, false, 0),
        }
    };
    if !open {
        return None;
    }
    let account = request.value("sasl_username");
    match state.as_str() {
        "MAIL" | "RCPT" | "DATA" if !checked || key.is_empty() => {
            Some(fleet.check(account, client, None, Stage::Mail).await)
        }
        "END-OF-MESSAGE" => {
            let size = request.value("size").parse::<u64>().unwrap_or(0);
            let engine = shared.engine();
            if engine.mailbox_policy().limits().check_message_size(size)
                != mail_policy::mailbox::SizeDecision::Accept
            {
                return None;
            }
            let recipients = request
                .value("recipient_count")
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .unwrap_or_else(|| u32::try_from(counted).unwrap_or(u32::MAX));
            Some(
                fleet
                    .check(account, client, Some(recipients), Stage::EndOfMessage)
                    .await,
            )
        }
        _ => None,
    }
}

/// Applies the shared store's decision: a suspension refuses the transaction from its
/// first MAIL/RCPT on (like a refused MAIL FROM); an excess refuses the message.
fn apply_fleet(instance: &mut Instance, verdict: &mut Option<Verdict>, refusal: Option<&Verdict>) {
    let Some(current) = verdict.as_ref() else {
        return;
    };
    if current.stage != Stage::EndOfMessage {
        instance.fleet_checked = true;
    }
    if let Some(refusal) = refusal {
        if current.is_accept() {
            if current.stage != Stage::EndOfMessage {
                instance.mail = Some(Some(refusal.clone()));
            }
            *verdict = Some(refusal.clone());
        }
    }
}

/// With `--policy-spf`, the SPF report for this request when it is the first RCPT of an
/// inbound transaction (MX listener, not authenticated); `None` otherwise. Asks DNS.
async fn spf_before(shared: &Shared, request: &Request) -> Option<AuthReport> {
    if !shared.limits.policy_spf
        || !request.value("protocol_state").eq_ignore_ascii_case("RCPT")
        || !request.value("sasl_username").is_empty()
    {
        return None;
    }
    let client: IpAddr = request.value("client_address").parse().ok()?;
    let engine = shared.engine();
    let port = server_port(request);
    if engine.role_of_port(port) != ListenerRole::Mx {
        return None;
    }
    let key = request.value("instance");
    if !key.is_empty() {
        let shard = shared.instances.shard(key);
        if shard
            .get(key)
            .is_some_and(|i| i.spf_done || i.refusal.is_some() || i.client != client)
        {
            return None;
        }
    }
    let report = shared
        .verifier()
        .verify_spf(&Envelope {
            client_ip: client,
            helo: request.value("helo_name"),
            mail_from: request.value("sender"),
            receiver: &engine.config().auth.authserv_id,
        })
        .await;
    Some(report)
}

/// The port the client connected to (`server_port`, Postfix 3.0 and later; 25 without).
fn server_port(request: &Request) -> u16 {
    request
        .get("server_port")
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or(25)
}

/// The reverse DNS answer from Postfix's view of the client: `reverse_client_name` is
/// the PTR name (`unknown` without one), `client_name` the same name once it resolved
/// back to the client (forward-confirmed).
fn ptr_answer(request: &Request) -> PtrAnswer {
    let reverse = request.value("reverse_client_name");
    let verified = request.value("client_name");
    if reverse.is_empty() || reverse.eq_ignore_ascii_case("unknown") {
        return PtrAnswer::NoName;
    }
    PtrAnswer::Name {
        name: reverse.to_owned(),
        forward_confirmed: verified.eq_ignore_ascii_case(reverse),
    }
}

/// A new transaction: connect, TLS, EHLO and AUTH as the attributes tell.
fn open(shared: &Shared, request: &Request, client: IpAddr, at: Instant) -> Instance {
    let engine = shared.engine();
    let port = server_port(request);
    let ptr = ptr_answer(request);
    let (session, connected) = engine.connect_shared(&Connect {
        client_ip: client,
        port,
        ptr: &ptr,
        // Postfix's own `reject_rbl_client` is the place for DNSBLs; IP25B decides from
        // the PTR name and the volume.
        dnsbl: &DnsblAnswer::NotListed,
        // This message included (IP25B counts "in the window, this one included").
        recent_messages: shared.recent_messages(client, at) + 1,
        // Rule IDs only: the daemons log them, not the outcome texts.
        explain: false,
    });
    let mut instance = Instance {
        session,
        client,
        refusal: None,
        mail: None,
        prepended: HashSet::new(),
        spf_done: false,
        fleet_checked: false,
        last_seen: at,
    };
    if shared.fleet().is_some() {
        // The shared store counts (see `fleet`); the session's memory must not.
        instance.session.set_rate_accounting(false);
    }
    if !connected.is_accept() {
        instance.refusal = Some(connected);
        return instance;
    }
    if !request.value("encryption_protocol").is_empty() {
        instance.session.starttls();
    }
    let helo = request.value("helo_name");
    if !helo.is_empty() {
        instance.session.ehlo(helo);
    }
    let login = request.value("sasl_username");
    if !login.is_empty() {
        let verdict = instance.session.auth(login, &engine.geo_setting(login));
        if !verdict.is_accept() {
            instance.refusal = Some(verdict);
        }
    }
    instance
}

/// The verdict for this request's stage, `None` for stages our rules do not cover.
fn decide(
    shared: &Shared,
    instance: &mut Instance,
    state: &str,
    request: &Request,
    now: DateTime<Utc>,
    at: Instant,
) -> Option<Verdict> {
    if let Some(refusal) = &instance.refusal {
        return Some(refusal.clone());
    }
    let stage = state.to_ascii_uppercase();
    match stage.as_str() {
        "CONNECT" | "EHLO" | "HELO" => Some(Verdict::new(
            Stage::Connect,
            mail_policy::reply::ok("connect"),
        )),
        "MAIL" => mail(instance, request, now)
            .or_else(|| Some(Verdict::new(Stage::Mail, mail_policy::reply::ok("mail")))),
        "RCPT" => {
            if let Some(refused) = mail(instance, request, now) {
                return Some(refused);
            }
            let recipient = wire_path(request.value("recipient"));
            Some(instance.session.rcpt_to(&recipient))
        }
        "DATA" => {
            if let Some(refused) = mail(instance, request, now) {
                return Some(refused);
            }
            Some(instance.session.data())
        }
        "END-OF-MESSAGE" => {
            if let Some(refused) = mail(instance, request, now) {
                return Some(refused);
            }
            let size = request.value("size").parse::<u64>().unwrap_or(0);
            let verdict = instance.session.end_of_data(size, now);
            if verdict.is_accept()
                && instance.session.role() == ListenerRole::Mx
                && request.value("sasl_username").is_empty()
            {
                shared.count_message(instance.client, at);
            }
            Some(verdict)
        }
        _ => None,
    }
}

/// MAIL FROM, evaluated once per transaction: `Some(refusal)` if refused.
fn mail(instance: &mut Instance, request: &Request, now: DateTime<Utc>) -> Option<Verdict> {
    if instance.mail.is_none() {
        let mut args = wire_path(request.value("sender"));
        if let Some(size) = request.get("size").filter(|s| !s.is_empty() && *s != "0") {
            args.push_str(" SIZE=");
            args.push_str(size);
        }
        let verdict = instance.session.mail_from(&args, now);
        instance.mail = Some((!verdict.is_accept()).then_some(verdict));
    }
    instance.mail.clone().flatten()
}

/// An address as Postfix sends it (unquoted, `""` for the null sender) back in SMTP form:
/// `<local@domain>`, the local part quoted when it is not a dot-atom.
fn wire_path(address: &str) -> String {
    if address.is_empty() {
        return "<>".to_owned();
    }
    let (local, domain) = match address.rfind('@') {
        Some(at) => (&address[..at], Some(&address[at + 1..])),
        None => (address, None),
    };
    let atext =
        |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii();
    let dot_atom = !local.is_empty()
        && local
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(atext));
    let mut out = String::with_capacity(address.len() + 4);
    out.push('<');
    if dot_atom {
        out.push_str(local);
    } else {
        out.push('"');
        for c in local.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    }
    if let Some(domain) = domain {
        out.push('@');
        out.push_str(domain);
    }
    out.push('>');
    out
}

/// The `action=` value of a verdict.
fn encode(verdict: &Verdict, prepended: &mut HashSet<String>) -> Answer {
    let rule = deciding_rule(verdict);
    let action = match verdict.action {
        Action::Accept => {
            // PREPEND takes one header per answer; the others come with later answers.
            let new = verdict.add_headers.iter().find_map(|h| {
                let line = format!("{}: {}", h.name, h.value);
                prepended.insert(line.clone()).then_some(line)
            });
            match new {
                Some(line) => format!("PREPEND {line}"),
                None => "DUNNO".to_owned(),
            }
        }
        Action::Reject => verdict.reply.to_string(),
        // The client could not be classified (DNS failure): refuse for now only if
        // nothing later refuses for good.
        Action::Defer if rule == "P25-IN" => format!("DEFER_IF_PERMIT {}", verdict.reply.text),
        Action::Defer => verdict.reply.to_string(),
        Action::Discard => format!("DISCARD {}", verdict.reply.text),
    };
    Answer { action, rule }
}

/// One log line per decision: refusals at `info`, acceptances at `debug`.
fn log(verdict: &Verdict, request: &Request, client: IpAddr) {
    let rules: Vec<&str> = verdict.checks.iter().map(|c| c.rule).collect();
    macro_rules! line {
        ($level:ident) => {
            tracing::$level!(
                protocol = "policy",
                stage = request.value("protocol_state"),
                action = action_name(verdict.action),
                rule = deciding_rule(verdict),
                rules = %rules.join(","),
                %client,
                account = request.value("sasl_username"),
                sender = request.value("sender"),
                recipient = request.value("recipient"),
                instance = request.value("instance"),
                reply = %verdict.reply,
                "decision"
            )
        };
    }
    if verdict.is_accept() {
        line!(debug);
    } else {
        line!(info);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use mail_policy::{Check, HeaderField, Stage, Verdict, reply};

    fn checked(mut verdict: Verdict, rule: &'static str) -> Verdict {
        verdict.checks.push(Check {
            rule,
            outcome: String::new(),
        });
        verdict
    }

    use super::{encode, wire_path};

    #[test]
    fn verdicts_become_postfix_actions() {
        let mut prepended = HashSet::new();
        let accept = Verdict::new(Stage::Rcpt, reply::ok("rcpt"));
        assert_eq!(encode(&accept, &mut prepended).action, "DUNNO");

        let unverified = checked(
            Verdict::new(
                Stage::Connect,
                reply::client_unverified("192.0.2.1".parse().unwrap()),
            ),
            "P25-IN",
        );
        let answer = encode(&unverified, &mut prepended);
        assert!(
            answer
                .action
                .starts_with("DEFER_IF_PERMIT Client host [192.0.2.1]"),
            "{answer:?}"
        );
        assert_eq!(answer.rule, "P25-IN");

        let limited = checked(
            Verdict::new(
                Stage::EndOfMessage,
                reply::rate_limited("messages-10min", None),
            ),
            "RATE-SEND",
        );
        assert!(
            encode(&limited, &mut prepended)
                .action
                .starts_with("450 4.7.1 Sending rate")
        );

        let refused = checked(
            Verdict::new(Stage::Rcpt, reply::too_many_recipients(200)),
            "MBX-RCPT",
        );
        assert!(
            encode(&refused, &mut prepended)
                .action
                .starts_with("452 4.5.3 ")
        );

        let mut with_header = Verdict::new(Stage::Rcpt, reply::ok("rcpt"));
        with_header.add_headers.push(HeaderField {
            name: "Authentication-Results".into(),
            value: "so-net.ne.jp; spf=pass smtp.mailfrom=a@example.com".into(),
        });
        assert_eq!(
            encode(&with_header, &mut prepended).action,
            "PREPEND Authentication-Results: so-net.ne.jp; spf=pass smtp.mailfrom=a@example.com"
        );
        assert_eq!(encode(&with_header, &mut prepended).action, "DUNNO", "once");
    }

    #[test]
    fn addresses_go_back_to_smtp_form() {
        assert_eq!(wire_path(""), "<>");
        assert_eq!(wire_path("taro@so-net.ne.jp"), "<taro@so-net.ne.jp>");
        assert_eq!(
            wire_path("john doe@example.com"),
            "<\"john doe\"@example.com>"
        );
        assert_eq!(wire_path("a\"b@example.com"), "<\"a\\\"b\"@example.com>");
        assert_eq!(wire_path("postmaster"), "<postmaster>");
        assert_eq!(wire_path("a..b@example.com"), "<\"a..b\"@example.com>");
    }
}
