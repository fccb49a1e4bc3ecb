//! AUTH-IN over DNS (feature `dns-hickory`): SPF for HELO and MAIL FROM, DKIM for every
//! signature, DKIM ADSP, DMARC with alignment, and optionally ARC and iprev, with
//! mail-auth on a hickory resolver whose name servers and timeouts come from
//! [`VerifierConfig`]. The outcome is an [`AuthReport`]; the header and the DMARC action
//! come from it (module `report`).
//!
//! Every DNS failure (timeout, SERVFAIL, REFUSED) gives `temperror`, never `pass` and
//! never `none` (AUTH-IN-RESULTS): where mail-auth would read a SERVFAIL as "no record",
//! the answer is checked again here.

use std::net::IpAddr;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError as HickoryDnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData};
use mail_auth::dkim::DkimError;
use mail_auth::dmarc::Policy;
use mail_auth::dmarc::verify::DmarcParameters;
use mail_auth::spf::verify::SpfParameters;
use mail_auth::{AuthenticatedMessage, DnsError, Error as MailAuthError, MessageAuthenticator};
use mail_parser::parsers::MessageStream;
use mail_parser::{Address, HeaderValue};

use crate::adsp::{AdspLookup, evaluate_adsp, has_author_domain_signature};
use crate::config::VerifierConfig;
use crate::report::{
    ArcCheck, ArcResult, AuthReport, DkimCheck, DkimResult, DmarcCheck, DmarcPolicy, DmarcResult,
    IprevCheck, IprevResult, SpfCheck, SpfIdentity, SpfResult,
};

/// Why a verifier could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifierError {
    /// A setting is out of range.
    #[error("invalid dns setting {field}: {reason}")]
    Setting {
        /// The setting.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The resolver could not be built (for example, no usable system configuration).
    #[error("cannot build the DNS resolver: {0}")]
    Resolver(String),
}

/// The SMTP envelope of the message being verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// The connecting client's address.
    pub client_ip: IpAddr,
    /// The HELO/EHLO name it gave.
    pub helo: &'a str,
    /// The MAIL FROM address, empty for the null reverse-path `<>`.
    pub mail_from: &'a str,
    /// Our own host name (SPF's `%{r}` macro).
    pub receiver: &'a str,
}

/// Verifies messages over DNS. Cheap to clone: clones share the resolver and its cache.
#[derive(Clone)]
pub struct Verifier {
    authenticator: MessageAuthenticator,
    config: VerifierConfig,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier asking the configured name servers. Must be called inside a tokio
    /// runtime only when it is used, not when it is built.
    pub fn new(config: VerifierConfig) -> Result<Self, VerifierError> {
        if config.timeout_ms == 0 {
            return Err(VerifierError::Setting {
                field: "timeout_ms",
                reason: "must be at least 1".to_owned(),
            });
        }
        if config.attempts == 0 {
            return Err(VerifierError::Setting {
                field: "attempts",
                reason: "must be at least 1".to_owned(),
            });
        }
        let (resolver_config, mut options) = if config.name_servers.is_empty() {
            hickory_resolver::system_conf::read_system_conf()
                .map_err(|e| VerifierError::Resolver(e.to_string()))?
        } else {
            let servers = config
                .name_servers
                .iter()
                .map(|addr| {
                    let mut udp = ConnectionConfig::udp();
                    udp.port = addr.port();
                    let mut tcp = ConnectionConfig::tcp();
                    tcp.port = addr.port();
                    NameServerConfig::new(addr.ip(), true, vec![udp, tcp])
                })
                .collect();
            (
                ResolverConfig::from_name_servers(servers),
                ResolverOpts::default(),
            )
        };
        options.timeout = Duration::from_millis(config.timeout_ms);
        options.attempts = config.attempts;
        let resolver =
            TokioResolver::builder_with_config(resolver_config, TokioRuntimeProvider::default())
                .with_options(options)
                .build()
                .map_err(|e| VerifierError::Resolver(e.to_string()))?;
        Ok(Self::from_resolver(resolver, config))
    }

    /// A verifier on a resolver the caller built (`config`'s DNS fields are then unused).
    pub fn from_resolver(resolver: TokioResolver, config: VerifierConfig) -> Self {
        Self {
            authenticator: MessageAuthenticator(resolver),
            config,
        }
    }

    /// The mail-auth authenticator underneath, for checks this crate does not wrap.
    pub fn authenticator(&self) -> &MessageAuthenticator {
        &self.authenticator
    }

    /// The configuration.
    pub fn config(&self) -> &VerifierConfig {
        &self.config
    }

    /// SPF alone, for the HELO name and the MAIL FROM address of `envelope`: what can be
    /// checked before the message arrives (a policy service). The report carries only the
    /// SPF results; render it with
    /// [`AuthReport::to_spf_authentication_results`](crate::AuthReport::to_spf_authentication_results).
    pub async fn verify_spf(&self, envelope: &Envelope<'_>) -> AuthReport {
        let mut report = AuthReport::empty();
        let (spf_helo, spf_mail_from, _) = self.spf(envelope).await;
        report.spf_helo = Some(spf_helo);
        report.spf_mail_from = spf_mail_from;
        report
    }

    /// Verifies `message` (the whole message as received, headers and body) sent with
    /// `envelope`: every check, in one report.
    pub async fn verify(&self, envelope: &Envelope<'_>, message: &[u8]) -> AuthReport {
        let mut report = AuthReport::empty();
        let (spf_helo, spf_mail_from, spf_output) = self.spf(envelope).await;
        report.spf_helo = Some(spf_helo);
        report.spf_mail_from = spf_mail_from;
        if self.config.iprev {
            report.iprev = Some(self.iprev(envelope.client_ip).await);
        }
        let Some(parsed) = AuthenticatedMessage::parse(message) else {
            report.dkim.push(unparsable_message());
            return report;
        };
        let outputs = self.authenticator.verify_dkim(&parsed).await;
        report.dkim = outputs.iter().map(dkim_check).collect();
        if self.config.arc {
            let arc = self.authenticator.verify_arc(&parsed).await;
            report.arc = Some(arc_check(arc.result()));
        }
        // The author: exactly one From address (RFC 7489 §6.6.1 exempts several), as
        // written (mail-auth keeps it lower-cased; the header shows the sender's spelling).
        if let [from] = parsed.from.as_slice() {
            report.from = Some(author_as_written(&parsed, from));
        }
        let author_domain = report
            .from
            .as_deref()
            .and_then(|f| f.rsplit_once('@'))
            .map(|(_, domain)| domain.to_ascii_lowercase());
        if let (true, Some(domain)) = (self.config.adsp, &author_domain) {
            let lookup = if has_author_domain_signature(domain, &report.dkim) {
                None
            } else {
                Some(self.adsp_lookup(domain).await)
            };
            report.adsp = Some(evaluate_adsp(domain, &report.dkim, lookup.as_ref()));
        }
        let mail_from_domain = match envelope.mail_from.rsplit_once('@') {
            Some((_, domain)) => domain,
            None => envelope.helo,
        };
        let dmarc = self
            .authenticator
            .verify_dmarc(DmarcParameters {
                message: &parsed,
                dkim_output: &outputs,
                dkim2_output: None,
                rfc5321_mail_from_domain: mail_from_domain,
                spf_output: &spf_output,
            })
            .await;
        if !dmarc.domain().is_empty() {
            report.dmarc = Some(self.dmarc_check(&dmarc).await);
        }
        report
    }

    /// DKIM alone: one check per signature (for servers that do SPF elsewhere).
    pub async fn verify_dkim(&self, message: &[u8]) -> Vec<DkimCheck> {
        match AuthenticatedMessage::parse(message) {
            Some(parsed) => self
                .authenticator
                .verify_dkim(&parsed)
                .await
                .iter()
                .map(dkim_check)
                .collect(),
            None => vec![unparsable_message()],
        }
    }

    /// SPF of the HELO name and, unless the sender is `<>`, of MAIL FROM; also the
    /// mail-auth output DMARC aligns with (MAIL FROM's, or HELO's for `<>`, RFC 7489 §4.1).
    async fn spf(
        &self,
        envelope: &Envelope<'_>,
    ) -> (SpfCheck, Option<SpfCheck>, mail_auth::SpfOutput) {
        let helo_output = self
            .authenticator
            .verify_spf(SpfParameters::verify_ehlo(
                envelope.client_ip,
                envelope.helo,
                envelope.receiver,
            ))
            .await;
        let helo = self
            .spf_check(
                &helo_output,
                SpfIdentity::Helo,
                envelope.helo,
                envelope.helo,
            )
            .await;
        if envelope.mail_from.is_empty() {
            return (helo, None, helo_output);
        }
        let output = self
            .authenticator
            .verify_spf(SpfParameters::verify_mail_from(
                envelope.client_ip,
                envelope.helo,
                envelope.receiver,
                envelope.mail_from,
            ))
            .await;
        let domain = envelope
            .mail_from
            .rsplit_once('@')
            .map_or(envelope.helo, |(_, d)| d);
        let mail_from = self
            .spf_check(&output, SpfIdentity::MailFrom, envelope.mail_from, domain)
            .await;
        (helo, Some(mail_from), output)
    }

    async fn spf_check(
        &self,
        output: &mail_auth::SpfOutput,
        identity: SpfIdentity,
        value: &str,
        domain: &str,
    ) -> SpfCheck {
        SpfCheck {
            result: self.spf_result(output.result().into(), domain).await,
            identity,
            value: value.to_owned(),
            reason: output.explanation().map(str::to_owned),
        }
    }

    /// mail-auth reads every "record not found" answer as SPF `none`, SERVFAIL included;
    /// a `none` is confirmed here with one more TXT query (answered from the resolver's
    /// cache when the first one succeeded).
    async fn spf_result(&self, result: SpfResult, domain: &str) -> SpfResult {
        if result != SpfResult::None || domain.is_empty() {
            return result;
        }
        match self.txt(domain).await {
            Err(TxtFailure::Transient(_)) => SpfResult::TempError,
            _ => result,
        }
    }

    async fn iprev(&self, client_ip: IpAddr) -> IprevCheck {
        let output = self.authenticator.verify_iprev(client_ip).await;
        let (result, reason) = match output.result() {
            mail_auth::IprevResult::Pass => (IprevResult::Pass, None),
            mail_auth::IprevResult::None => (IprevResult::Fail, Some("no PTR name".to_owned())),
            mail_auth::IprevResult::Fail(e) => (IprevResult::Fail, Some(e.to_string())),
            mail_auth::IprevResult::TempError(e) => (IprevResult::TempError, Some(e.to_string())),
            mail_auth::IprevResult::PermError(e) if is_transient(e) => {
                (IprevResult::TempError, Some(e.to_string()))
            }
            mail_auth::IprevResult::PermError(e) => match e {
                // No PTR record at all is a fail (RFC 8601 §3), not a DNS error.
                MailAuthError::Dns(DnsError::RecordNotFound(_)) => {
                    (IprevResult::Fail, Some("no PTR name".to_owned()))
                }
                _ => (IprevResult::PermError, Some(e.to_string())),
            },
        };
        IprevCheck {
            result,
            client_ip,
            reason,
        }
    }

    /// RFC 5617 §4.3: does the author domain exist, and what is at its ADSP name.
    async fn adsp_lookup(&self, domain: &str) -> AdspLookup {
        // Existence: any answer but NXDOMAIN (an MX query, as most receivers do).
        let Ok(name) = Name::from_str_relaxed(format!("{domain}.")) else {
            return AdspLookup::DomainMissing;
        };
        match self.authenticator.resolver().mx_lookup(name).await {
            Ok(_) => {}
            Err(e) => match classify(&e) {
                TxtFailure::NxDomain => return AdspLookup::DomainMissing,
                TxtFailure::Transient(reason) => return AdspLookup::TempFail(reason),
                TxtFailure::NoData => {}
            },
        }
        match self.txt(&format!("_adsp._domainkey.{domain}")).await {
            Ok(records) => AdspLookup::Records(records),
            Err(TxtFailure::NxDomain | TxtFailure::NoData) => AdspLookup::Records(Vec::new()),
            Err(TxtFailure::Transient(reason)) => AdspLookup::TempFail(reason),
        }
    }

    /// The TXT records of `name`, each record's strings joined.
    async fn txt(&self, name: &str) -> Result<Vec<String>, TxtFailure> {
        let fqdn = if name.ends_with('.') {
            name.to_owned()
        } else {
            format!("{name}.")
        };
        let Ok(name) = Name::from_str_relaxed(fqdn) else {
            return Err(TxtFailure::NxDomain);
        };
        let lookup = self
            .authenticator
            .resolver()
            .txt_lookup(name)
            .await
            .map_err(|e| classify(&e))?;
        Ok(lookup
            .answers()
            .iter()
            .filter_map(|record| match &record.data {
                RData::TXT(txt) => Some(
                    txt.txt_data
                        .iter()
                        .map(|part| String::from_utf8_lossy(part))
                        .collect::<String>(),
                ),
                _ => None,
            })
            .collect())
    }

    async fn dmarc_check(&self, output: &mail_auth::DmarcOutput) -> DmarcCheck {
        let from_domain = output.domain().to_owned();
        let (mut result, mut reason) = match output.result() {
            mail_auth::DmarcResult::Pass => (DmarcResult::Pass, None),
            mail_auth::DmarcResult::None => (DmarcResult::None, None),
            mail_auth::DmarcResult::Fail(e) => (DmarcResult::Fail, Some(e.to_string())),
            mail_auth::DmarcResult::TempError(e) => (DmarcResult::TempError, Some(e.to_string())),
            mail_auth::DmarcResult::PermError(e) if is_transient(&e) => {
                (DmarcResult::TempError, Some(e.to_string()))
            }
            mail_auth::DmarcResult::PermError(e) => (DmarcResult::PermError, Some(e.to_string())),
        };
        if result == DmarcResult::None {
            // As for SPF: a SERVFAIL must not read as "no record".
            if let Err(TxtFailure::Transient(e)) = self.txt(&format!("_dmarc.{from_domain}")).await
            {
                result = DmarcResult::TempError;
                reason = Some(e);
            }
        }
        let policy = output.dmarc_record().map(|_| match output.policy() {
            Policy::Quarantine => DmarcPolicy::Quarantine,
            Policy::Reject => DmarcPolicy::Reject,
            Policy::None | Policy::Unspecified => DmarcPolicy::None,
        });
        DmarcCheck {
            result,
            from_domain,
            policy,
            reason,
        }
    }
}

/// The From address `lowercase` as the message spells it.
fn author_as_written(message: &AuthenticatedMessage<'_>, lowercase: &str) -> String {
    message
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case(b"from"))
        .find_map(
            |(_, value)| match MessageStream::new(value).parse_address() {
                HeaderValue::Address(Address::List(list)) => list
                    .iter()
                    .filter_map(|a| a.address.as_deref())
                    .find(|a| a.eq_ignore_ascii_case(lowercase) || a.to_lowercase() == lowercase)
                    .map(str::to_owned),
                _ => None,
            },
        )
        .unwrap_or_else(|| lowercase.to_owned())
}

/// How a lookup failed.
enum TxtFailure {
    /// The name does not exist.
    NxDomain,
    /// The name exists without records of the type.
    NoData,
    /// A failure a retry may cure: timeout, SERVFAIL, REFUSED, network.
    Transient(String),
}

fn classify(error: &NetError) -> TxtFailure {
    match error {
        NetError::Dns(HickoryDnsError::NoRecordsFound(no_records)) => {
            match no_records.response_code {
                ResponseCode::NXDomain => TxtFailure::NxDomain,
                ResponseCode::NoError => TxtFailure::NoData,
                code => TxtFailure::Transient(format!("DNS answer {code}")),
            }
        }
        other => TxtFailure::Transient(other.to_string()),
    }
}

/// Whether mail-auth's error is a DNS failure a retry may cure. mail-auth reads every
/// "record not found" answer as permanent, SERVFAIL included; only NXDOMAIN and an empty
/// NOERROR answer really are.
fn is_transient(error: &MailAuthError) -> bool {
    match error {
        MailAuthError::Dns(DnsError::Resolver(_)) => true,
        MailAuthError::Dns(DnsError::RecordNotFound(code)) => {
            !matches!(*code, ResponseCode::NXDomain | ResponseCode::NoError)
        }
        _ => false,
    }
}

/// The DKIM check of a message mail-auth cannot read.
fn unparsable_message() -> DkimCheck {
    DkimCheck {
        result: DkimResult::PermError,
        domain: None,
        identity: None,
        selector: None,
        reason: Some("the message has no header section".to_owned()),
    }
}

fn dkim_check(output: &mail_auth::DkimOutput<'_>) -> DkimCheck {
    let signature = output.signature();
    let (result, reason) = match output.result() {
        mail_auth::DkimResult::Pass => (DkimResult::Pass, None),
        mail_auth::DkimResult::None => (DkimResult::None, None),
        // A body that no longer matches its hash failed verification (RFC 6376 §6.1.3,
        // RFC 8601 §2.7.1 "fail"); mail-auth calls it neutral.
        mail_auth::DkimResult::Neutral(MailAuthError::Dkim(DkimError::FailedBodyHashMatch)) => (
            DkimResult::Fail,
            Some("body hash did not verify".to_owned()),
        ),
        mail_auth::DkimResult::Neutral(e) => (DkimResult::Neutral, Some(e.to_string())),
        mail_auth::DkimResult::Fail(e) => (DkimResult::Fail, Some(e.to_string())),
        mail_auth::DkimResult::TempError(e) => (DkimResult::TempError, Some(e.to_string())),
        mail_auth::DkimResult::PermError(e) if is_transient(e) => {
            (DkimResult::TempError, Some(e.to_string()))
        }
        mail_auth::DkimResult::PermError(e) => (DkimResult::PermError, Some(e.to_string())),
    };
    DkimCheck {
        result,
        domain: signature.map(|s| s.d.to_ascii_lowercase()),
        identity: signature.map(|s| {
            if s.i.is_empty() {
                format!("@{}", s.d)
            } else {
                s.i.clone()
            }
        }),
        selector: signature.map(|s| s.s.clone()),
        reason,
    }
}

fn arc_check(result: &mail_auth::DkimResult) -> ArcCheck {
    match result {
        mail_auth::DkimResult::Pass => ArcCheck {
            result: ArcResult::Pass,
            reason: None,
        },
        mail_auth::DkimResult::None => ArcCheck {
            result: ArcResult::None,
            reason: None,
        },
        mail_auth::DkimResult::Neutral(e)
        | mail_auth::DkimResult::Fail(e)
        | mail_auth::DkimResult::PermError(e)
        | mail_auth::DkimResult::TempError(e) => ArcCheck {
            result: ArcResult::Fail,
            reason: Some(e.to_string()),
        },
    }
}

impl From<mail_auth::SpfResult> for SpfResult {
    fn from(result: mail_auth::SpfResult) -> Self {
        match result {
            mail_auth::SpfResult::Pass => Self::Pass,
            mail_auth::SpfResult::Fail => Self::Fail,
            mail_auth::SpfResult::SoftFail => Self::SoftFail,
            mail_auth::SpfResult::Neutral => Self::Neutral,
            mail_auth::SpfResult::TempError => Self::TempError,
            mail_auth::SpfResult::PermError => Self::PermError,
            mail_auth::SpfResult::None => Self::None,
        }
    }
}
