//! `mail-policyd check`: one message, one session, every stage's verdict.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::Args;
use mail_policy::auth::{
    AdspCheck, AdspResult, AuthReport, DkimCheck, DkimResult, DmarcCheck, DmarcResult, SpfCheck,
    SpfIdentity, SpfResult, Verifier,
};
use mail_policy::geo::GeoSetting;
use mail_policy::mailbox::IncomingMessage;
use mail_policy::port25::{DnsblAnswer, PtrAnswer};
use mail_policy::{Action, Config, Connect, ContentScan, Engine, Stage, Verdict};
use serde::Serialize;

/// The flags of `check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The message file (headers and body, as received).
    message: PathBuf,
    /// The configuration file; without it, the built-in profile of SPEC.md.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The client's address.
    #[arg(long, default_value = "192.0.2.1")]
    client_ip: IpAddr,
    /// The client's forward-confirmed PTR name (none: the client has no PTR name).
    #[arg(long)]
    ptr: Option<String>,
    /// Messages the client sent recently (Inbound Port 25 Blocking's threshold).
    #[arg(long, default_value_t = 0)]
    recent_messages: u64,
    /// The port the client connected to: its role comes from the listeners (25 MX, 587 and
    /// 465 submission).
    #[arg(long, default_value_t = 25)]
    port: u16,
    /// The HELO/EHLO name.
    #[arg(long, default_value = "client.example")]
    helo: String,
    /// The session used STARTTLS (implicit on 465).
    #[arg(long)]
    tls: bool,
    /// The authenticated account (SMTP AUTH), a mail address.
    #[arg(long)]
    auth: Option<String>,
    /// The account has switched "no access from abroad" on.
    #[arg(long)]
    restrict_overseas: bool,
    /// MAIL FROM (default: the message's From address; "" for the null sender).
    #[arg(long)]
    mail_from: Option<String>,
    /// SIZE= announced with MAIL FROM.
    #[arg(long)]
    size: Option<u64>,
    /// RCPT TO, repeatable or comma-separated (default: the message's To and Cc).
    #[arg(long, value_delimiter = ',')]
    rcpt: Vec<String>,
    /// A file of recipients, one per line.
    #[arg(long)]
    rcpt_file: Option<PathBuf>,
    /// The spam classifier's score for the message.
    #[arg(long)]
    spam_score: Option<f64>,
    /// The virus scanner found this virus in the message.
    #[arg(long)]
    virus: Option<String>,
    /// The time of the session, RFC 3339 (default: now).
    #[arg(long)]
    now: Option<DateTime<Utc>>,
    /// Skip DNS: SPF, DKIM, DMARC and ADSP are reported as temperror.
    #[arg(long)]
    no_dns: bool,
    /// The longest wait for all DNS answers, in milliseconds; what has not answered by
    /// then is temperror.
    #[arg(long, default_value_t = 5_000)]
    dns_deadline_ms: u64,
    /// Our host name, for SPF's %{r}.
    #[arg(long, default_value = "mx.so-net.ne.jp")]
    receiver: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Why `check` could not run.
#[derive(Debug)]
pub(crate) enum CheckError {
    Usage(String),
    Config(mail_policy::ConfigError),
    Io(String),
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Usage(m) | Self::Io(m) => f.write_str(m),
            Self::Config(e) => write!(f, "{e}"),
        }
    }
}

impl CheckError {
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) | Self::Config(_) => 2,
            Self::Io(_) => 1,
        }
    }
}

/// One stage as printed.
#[derive(Debug, Serialize)]
struct StageReport {
    /// What the client sent.
    command: String,
    /// The verdict.
    verdict: Verdict,
}

/// The whole run as printed with `--json`.
#[derive(Debug, Serialize)]
struct Report {
    /// The final action.
    action: Action,
    /// The final reply.
    reply: String,
    /// Every stage.
    stages: Vec<StageReport>,
    /// Every check consulted, in order.
    trace: Vec<mail_policy::Check>,
}

/// The report of a verification whose DNS did not answer in time: temperror everywhere
/// DNS was needed (AUTH-IN-RESULTS: DNS failures are never pass).
fn temperror_report(message: &[u8], mail_from: &str, helo: &str, reason: &str) -> AuthReport {
    let mut report = AuthReport::empty();
    let reason = Some(reason.to_owned());
    let spf = |identity, value: &str| SpfCheck {
        result: SpfResult::TempError,
        identity,
        value: value.to_owned(),
        reason: reason.clone(),
    };
    report.spf_helo = Some(spf(SpfIdentity::Helo, helo));
    if !mail_from.is_empty() {
        report.spf_mail_from = Some(spf(SpfIdentity::MailFrom, mail_from));
    }
    let incoming = IncomingMessage::parse(message, message.len() as u64).ok();
    let signatures = String::from_utf8_lossy(message)
        .split("\r\n\r\n")
        .next()
        .unwrap_or("")
        .lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("dkim-signature:"))
        .count();
    for _ in 0..signatures {
        report.dkim.push(DkimCheck {
            result: DkimResult::TempError,
            domain: None,
            identity: None,
            selector: None,
            reason: reason.clone(),
        });
    }
    let from = incoming
        .as_ref()
        .and_then(|m| m.from.first())
        .and_then(|a| a.address.clone());
    if let Some(from) = from {
        let domain = from
            .rsplit_once('@')
            .map(|(_, d)| d.to_owned())
            .unwrap_or_default();
        report.from = Some(from);
        report.adsp = Some(AdspCheck {
            result: AdspResult::TempError,
            reason: reason.clone(),
        });
        report.dmarc = Some(DmarcCheck {
            result: DmarcResult::TempError,
            from_domain: domain,
            policy: None,
            reason,
        });
    }
    report
}

pub(crate) fn run(args: &CheckArgs) -> Result<ExitCode, CheckError> {
    let config = match &args.config {
        Some(path) => Config::load(path).map_err(CheckError::Config)?,
        None => Config::sonet(),
    };
    let origin = args.config.as_ref().map_or_else(
        || "built-in profile".to_owned(),
        |p| p.display().to_string(),
    );
    let engine = Engine::new(&config, &origin).map_err(CheckError::Config)?;
    let message = std::fs::read(&args.message)
        .map_err(|e| CheckError::Io(format!("{}: {e}", args.message.display())))?;
    let incoming = IncomingMessage::parse(&message, message.len() as u64).ok();
    let mail_from = args.mail_from.clone().unwrap_or_else(|| {
        incoming
            .as_ref()
            .and_then(|m| m.from.first())
            .and_then(|a| a.address.clone())
            .unwrap_or_default()
    });
    let mut recipients = args.rcpt.clone();
    if let Some(file) = &args.rcpt_file {
        let text = std::fs::read_to_string(file)
            .map_err(|e| CheckError::Io(format!("{}: {e}", file.display())))?;
        recipients.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned),
        );
    }
    if recipients.is_empty() {
        if let Some(m) = &incoming {
            recipients.extend(m.to.iter().chain(&m.cc).filter_map(|a| a.address.clone()));
        }
    }
    if recipients.is_empty() {
        return Err(CheckError::Usage(
            "no recipients: give --rcpt, or a message with To or Cc".to_owned(),
        ));
    }
    let now = args.now.unwrap_or_else(Utc::now);
    let mut scan = args
        .spam_score
        .map_or_else(ContentScan::default, ContentScan::spam_score);
    scan.virus = args
        .virus
        .clone()
        .map(mail_policy::mailbox::ScanResult::Infected);
    let ptr = args
        .ptr
        .as_ref()
        .map_or(PtrAnswer::NoName, |name| PtrAnswer::Name {
            name: name.as_str().into(),
            forward_confirmed: true,
        });

    let mut stages = Vec::new();
    let (mut session, verdict) = engine.connect(&Connect {
        client_ip: args.client_ip,
        port: args.port,
        ptr: &ptr,
        dnsbl: &DnsblAnswer::NotListed,
        recent_messages: args.recent_messages,
        explain: true,
    });
    let mut push = |command: String, verdict: Verdict| {
        let accept = verdict.action != Action::Reject && verdict.action != Action::Defer;
        stages.push(StageReport { command, verdict });
        accept
    };
    let mut go_on = push(
        format!("connect from [{}] to port {}", args.client_ip, args.port),
        verdict,
    );
    if go_on {
        push(format!("EHLO {}", args.helo), session.ehlo(&args.helo));
        if args.tls {
            session.starttls();
            push(
                format!("EHLO {} (after STARTTLS)", args.helo),
                session.ehlo(&args.helo),
            );
        }
        if let Some(identity) = &args.auth {
            let mut geo = GeoSetting::default();
            if args.restrict_overseas {
                geo.turn_on();
            }
            go_on = push(format!("AUTH {identity}"), session.auth(identity, &geo));
        }
    }
    if go_on {
        let size = args.size.map(|s| format!(" SIZE={s}")).unwrap_or_default();
        let command = format!("<{mail_from}>{size}");
        go_on = push(
            format!("MAIL FROM:{command}"),
            session.mail_from(&command, now),
        );
    }
    if go_on {
        for recipient in &recipients {
            let command = format!("<{recipient}>");
            push(format!("RCPT TO:{command}"), session.rcpt_to(&command));
        }
        go_on = push("DATA".to_owned(), session.data());
    }
    if go_on {
        let verdict = end_of_message(
            args,
            &config,
            &mut session,
            &message,
            &mail_from,
            &scan,
            now,
        );
        push(
            format!("(end of message, {} octets)", message.len()),
            verdict,
        );
    }
    let last = stages.last().map(|s| &s.verdict);
    let action = last.map_or(Action::Reject, |v| v.action);
    let report = Report {
        action,
        reply: last.map(|v| v.reply.to_string()).unwrap_or_default(),
        // Every stage's checks: the same as the session's trace, but whole however many
        // recipients were given (the session keeps at most `TRACE_LIMIT`).
        trace: stages
            .iter()
            .flat_map(|stage| stage.verdict.checks.iter().cloned())
            .collect(),
        stages,
    };
    if args.json {
        let json = serde_json::to_string_pretty(&report)
            .map_err(|e| CheckError::Io(format!("json: {e}")))?;
        println!("{json}");
    } else {
        print!("{}", human(&report));
    }
    Ok(ExitCode::from(match action {
        Action::Accept | Action::Discard => 0,
        Action::Defer => 3,
        Action::Reject => 4,
    }))
}

fn end_of_message(
    args: &CheckArgs,
    config: &Config,
    session: &mut mail_policy::Session<'_>,
    message: &[u8],
    mail_from: &str,
    scan: &ContentScan,
    now: DateTime<Utc>,
) -> Verdict {
    let inbound = !session.role().is_submission() && args.auth.is_none();
    if !inbound {
        return session.end_of_message(message, None, scan, now);
    }
    if args.no_dns {
        let report = temperror_report(message, mail_from, &args.helo, "DNS not asked (--no-dns)");
        return session.end_of_message(message, Some(&report), scan, now);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let report = temperror_report(message, mail_from, &args.helo, &e.to_string());
            return session.end_of_message(message, Some(&report), scan, now);
        }
    };
    let deadline = Duration::from_millis(args.dns_deadline_ms);
    runtime.block_on(async {
        let verifier = match Verifier::new(config.auth.dns.clone()) {
            Ok(v) => v,
            Err(e) => {
                let report = temperror_report(message, mail_from, &args.helo, &e.to_string());
                return session.end_of_message(message, Some(&report), scan, now);
            }
        };
        let receiver = args.receiver.clone();
        let verified = tokio::time::timeout(
            deadline,
            verify_only(
                &verifier, session, message, mail_from, &args.helo, &receiver,
            ),
        )
        .await;
        let report = match verified {
            Ok(report) => report,
            Err(_) => temperror_report(
                message,
                mail_from,
                &args.helo,
                &format!("DNS did not answer within {} ms", deadline.as_millis()),
            ),
        };
        session.end_of_message(message, Some(&report), scan, now)
    })
}

async fn verify_only(
    verifier: &Verifier,
    session: &mail_policy::Session<'_>,
    message: &[u8],
    mail_from: &str,
    helo: &str,
    receiver: &str,
) -> AuthReport {
    verifier
        .verify(
            &mail_policy::auth::Envelope {
                client_ip: session.client_ip(),
                helo,
                mail_from,
                receiver,
            },
            message,
        )
        .await
}

fn human(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "verdict: {:?} ({})", report.action, report.reply);
    let _ = writeln!(out, "\nsession:");
    for stage in &report.stages {
        let _ = writeln!(out, "  > {}", stage.command);
        let _ = writeln!(out, "  < {}", stage.verdict.reply);
    }
    if let Some(last) = report
        .stages
        .last()
        .filter(|s| s.verdict.stage == Stage::EndOfMessage)
    {
        let v = &last.verdict;
        if !v.add_headers.is_empty() {
            let _ = writeln!(out, "\nheaders to add:");
            for h in &v.add_headers {
                let _ = writeln!(out, "  {}: {}", h.name, h.value.replace("\r\n", "\n  "));
            }
        }
        if !v.edit_headers.is_empty() {
            let _ = writeln!(out, "\nheaders to remove or rename:");
            for h in &v.edit_headers {
                let what = h
                    .rename_to
                    .as_ref()
                    .map_or_else(|| "remove".to_owned(), |n| format!("rename to {n}"));
                let _ = writeln!(out, "  field #{} {}: {what} ({})", h.index, h.name, h.rule);
            }
        }
        if let Some(subject) = &v.subject {
            let _ = writeln!(out, "\nsubject becomes: {subject}");
        }
        if !v.deliveries.is_empty() {
            let _ = writeln!(out, "\ndeliveries:");
            for d in &v.deliveries {
                let _ = write!(out, "  {} -> {}", d.recipient, d.outcome);
                if let Some(expires) = &d.expires {
                    let expires = expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                    let _ = write!(out, " (expires {expires})");
                }
                if !d.forward_to.is_empty() {
                    let _ = write!(out, ", forwarded to {}", d.forward_to.join(", "));
                }
                let _ = writeln!(out);
            }
        }
    }
    let _ = writeln!(out, "\ntrace:");
    for check in &report.trace {
        let _ = writeln!(out, "  {:<24} {}", check.rule, check.outcome);
    }
    out
}
