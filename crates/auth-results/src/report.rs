//! AUTH-IN, AUTH-IN-RESULTS, AUTH-IN-DMARC-NOENFORCE: the outcome of verifying one
//! message, as data. The DNS adapter (`dns-hickory`) fills an [`AuthReport`]; this module
//! turns it into the `Authentication-Results` header of the seed's shape and into the
//! DMARC action the operator configured. No I/O here: a server with its own resolver can
//! fill the report itself.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::Rule;
use crate::header::{AuthenticationResults, MethodResult};

/// Declares a result-word enum: variants, their RFC 8601 word, `Display`, `as_str`.
macro_rules! result_words {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $word:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// The result word as the header writes it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $word,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

result_words! {
    /// An SPF result (RFC 7208 §2.6, AUTH-IN-RESULTS).
    SpfResult {
        /// No SPF record, or no domain to check.
        None => "none",
        /// The domain states nothing about this client.
        Neutral => "neutral",
        /// The client may send for the domain.
        Pass => "pass",
        /// The client may not send for the domain.
        Fail => "fail",
        /// Probably not allowed (`~all`).
        SoftFail => "softfail",
        /// A DNS failure; a later retry may succeed.
        TempError => "temperror",
        /// The record is broken.
        PermError => "permerror",
    }
}

result_words! {
    /// A DKIM result (RFC 6376 §3.9, RFC 8601 §2.7.1, AUTH-IN-RESULTS).
    DkimResult {
        /// The message is not signed.
        None => "none",
        /// Signed, but the signature could not be processed (malformed, expired).
        Neutral => "neutral",
        /// The signature verified.
        Pass => "pass",
        /// The signature did not verify: the message was changed, or the key does not match.
        Fail => "fail",
        /// The key could not be fetched for now (DNS failure).
        TempError => "temperror",
        /// The key record is missing or broken.
        PermError => "permerror",
    }
}

result_words! {
    /// A DKIM ADSP result (RFC 5617 §5.4).
    AdspResult {
        /// The author domain publishes no ADSP record.
        None => "none",
        /// The message has a valid author domain signature.
        Pass => "pass",
        /// No valid author domain signature; the domain signs some of its mail.
        Unknown => "unknown",
        /// No valid author domain signature; the domain signs all of its mail.
        Fail => "fail",
        /// No valid author domain signature; the domain asks that such mail be discarded.
        Discard => "discard",
        /// The author domain does not exist in DNS.
        NxDomain => "nxdomain",
        /// A DNS failure; a later retry may succeed.
        TempError => "temperror",
        /// The ADSP record is broken.
        PermError => "permerror",
    }
}

result_words! {
    /// A DMARC result (RFC 7489 §11.2, AUTH-IN-RESULTS).
    DmarcResult {
        /// The author domain publishes no DMARC record.
        None => "none",
        /// SPF or DKIM passed for an identifier aligned with the author domain.
        Pass => "pass",
        /// Neither passed aligned.
        Fail => "fail",
        /// A DNS failure; a later retry may succeed.
        TempError => "temperror",
        /// The DMARC record is broken.
        PermError => "permerror",
    }
}

result_words! {
    /// An ARC chain's result (RFC 8617 §4.4).
    ArcResult {
        /// No ARC sets.
        None => "none",
        /// The chain verified.
        Pass => "pass",
        /// The chain is broken.
        Fail => "fail",
    }
}

result_words! {
    /// An iprev result (RFC 8601 §3): the client's PTR name resolves back to it.
    IprevResult {
        /// The PTR name resolves back to the client address.
        Pass => "pass",
        /// It does not, or there is no PTR name.
        Fail => "fail",
        /// A DNS failure; a later retry may succeed.
        TempError => "temperror",
        /// A permanent DNS error.
        PermError => "permerror",
    }
}

/// Which SPF identity was checked (RFC 7208 §2.3, §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpfIdentity {
    /// The HELO/EHLO name (`smtp.helo`).
    Helo,
    /// The MAIL FROM address (`smtp.mailfrom`).
    MailFrom,
}

/// One SPF check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpfCheck {
    /// The result.
    pub result: SpfResult,
    /// Which identity.
    pub identity: SpfIdentity,
    /// The checked value: the HELO name, or the MAIL FROM address.
    pub value: String,
    /// Why, when it did not pass (the DNS error, the record's explanation).
    pub reason: Option<String>,
}

/// One DKIM signature's check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DkimCheck {
    /// The result.
    pub result: DkimResult,
    /// The signing domain (`d=`), when the signature could be read.
    pub domain: Option<String>,
    /// The agent or user identifier (`i=`, else `@` and `d=`).
    pub identity: Option<String>,
    /// The selector (`s=`).
    pub selector: Option<String>,
    /// Why, when it did not pass.
    pub reason: Option<String>,
}

/// The DKIM ADSP check of the author domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdspCheck {
    /// The result.
    pub result: AdspResult,
    /// Why, when it is an error.
    pub reason: Option<String>,
}

/// A DMARC policy (`p=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DmarcPolicy {
    /// `p=none`: monitor only.
    None,
    /// `p=quarantine`: treat as suspicious.
    Quarantine,
    /// `p=reject`: refuse.
    Reject,
}

/// The DMARC check of the author domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DmarcCheck {
    /// The result.
    pub result: DmarcResult,
    /// The author (RFC 5322 From) domain.
    pub from_domain: String,
    /// The policy the domain publishes, when it has a record (the subdomain policy when
    /// it applies).
    pub policy: Option<DmarcPolicy>,
    /// Why, when it did not pass.
    pub reason: Option<String>,
}

/// The ARC chain's check (AUTH-IN-LISTS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArcCheck {
    /// The result.
    pub result: ArcResult,
    /// Why, when it failed.
    pub reason: Option<String>,
}

/// The iprev check of the client address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IprevCheck {
    /// The result.
    pub result: IprevResult,
    /// The client address (`policy.iprev`).
    pub client_ip: IpAddr,
    /// Why, when it did not pass.
    pub reason: Option<String>,
}

/// What verifying one message found (AUTH-IN): the results of every check, in the order
/// the header lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthReport {
    /// SPF of the HELO name, when it was checked.
    pub spf_helo: Option<SpfCheck>,
    /// SPF of the MAIL FROM address; `None` for the null reverse-path `<>`.
    pub spf_mail_from: Option<SpfCheck>,
    /// One entry per DKIM signature; empty when the message is not signed.
    pub dkim: Vec<DkimCheck>,
    /// The RFC 5322 From address (the author), when the message has exactly one.
    pub from: Option<String>,
    /// DKIM ADSP of the author domain.
    pub adsp: Option<AdspCheck>,
    /// DMARC of the author domain.
    pub dmarc: Option<DmarcCheck>,
    /// ARC, when it is checked.
    pub arc: Option<ArcCheck>,
    /// iprev, when it is checked.
    pub iprev: Option<IprevCheck>,
}

/// What to do with DMARC results: annotate only (AUTH-IN-DMARC-NOENFORCE, the ISP's
/// rule and the default) or apply the sender's policy (an operator option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DmarcMode {
    /// Add the result to the header, never act on it.
    #[default]
    Annotate,
    /// Quarantine or reject per the sender's `p=` when DMARC fails.
    Enforce,
}

/// What the MTA does with the message because of DMARC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DmarcDisposition {
    /// Deliver as usual (the header carries the result).
    Deliver,
    /// Deliver to the junk folder.
    Quarantine,
    /// Refuse the message.
    Reject,
}

/// The DMARC action and the rule behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DmarcAction {
    /// What to do.
    pub disposition: DmarcDisposition,
    /// `AUTH-IN-DMARC-NOENFORCE`.
    pub rule: Rule,
    /// The author domain and its policy, for logs and replies (a constant when there was
    /// no DMARC check, with no allocation).
    pub detail: Cow<'static, str>,
}

impl AuthReport {
    /// The report of a message nobody could check: no SPF, no signature, no author.
    pub fn empty() -> Self {
        Self {
            spf_helo: None,
            spf_mail_from: None,
            dkim: Vec::new(),
            from: None,
            adsp: None,
            dmarc: None,
            arc: None,
            iprev: None,
        }
    }

    /// The rule every verification result carries: `AUTH-IN`.
    pub fn rule(&self) -> Rule {
        Rule::AuthIn
    }

    /// The SPF result as the header shows it: MAIL FROM's, or HELO's for the null sender.
    fn spf_results(&self, room_for_more: usize) -> Vec<MethodResult> {
        let mut results = Vec::with_capacity(1 + room_for_more);
        if let Some(spf) = self.spf_mail_from.as_ref().or(self.spf_helo.as_ref()) {
            let property = match spf.identity {
                SpfIdentity::Helo => "helo",
                SpfIdentity::MailFrom => "mailfrom",
            };
            results.push(with_reason(
                MethodResult::new("spf", spf.result.as_str()).with("smtp", property, &spf.value),
                spf.reason.as_deref(),
            ));
        }
        results
    }

    /// The `Authentication-Results` header of the SPF result alone, for a policy service
    /// that checks SPF before the message arrives and so has nothing to say of DKIM or
    /// DMARC (no `dkim=none`, which would claim that DKIM was checked).
    pub fn to_spf_authentication_results(&self, authserv_id: &str) -> AuthenticationResults {
        AuthenticationResults::new(authserv_id, self.spf_results(0))
    }

    /// The `Authentication-Results` header of `authserv_id` (AUTH-IN-FORMAT), in the
    /// seed's order and shape: `spf=… smtp.mailfrom=…; dkim=… header.i=…; dkim-adsp=…
    /// header.from=…; dmarc=… header.from=…`, then `arc=` and `iprev=` when checked.
    /// SPF reports the MAIL FROM check, or the HELO check for the null reverse-path.
    ///
    /// ```
    /// use mail_policy_auth_results::{AuthReport, DkimCheck, DkimResult};
    ///
    /// let mut report = AuthReport::empty();
    /// report.dkim.push(DkimCheck {
    ///     result: DkimResult::Pass,
    ///     domain: Some("example.jp".into()),
    ///     identity: Some("@example.jp".into()),
    ///     selector: Some("s1".into()),
    ///     reason: None,
    /// });
    /// assert_eq!(
    ///     report.to_authentication_results("so-net.ne.jp").to_value(),
    ///     "so-net.ne.jp; dkim=pass header.i=@example.jp"
    /// );
    /// ```
    pub fn to_authentication_results(&self, authserv_id: &str) -> AuthenticationResults {
        // Room for every result at once: DKIM's (one at least), ADSP, DMARC, ARC, iprev.
        let mut results = self.spf_results(self.dkim.len().max(1) + 4);
        if self.dkim.is_empty() {
            results.push(MethodResult::new("dkim", DkimResult::None.as_str()));
        }
        for dkim in &self.dkim {
            let mut result = with_reason(
                MethodResult::new("dkim", dkim.result.as_str()),
                dkim.reason.as_deref(),
            );
            if let Some(identity) = &dkim.identity {
                result = result.with("header", "i", identity);
            } else if let Some(domain) = &dkim.domain {
                result = result.with("header", "d", domain);
            }
            results.push(result);
        }
        if let Some(adsp) = &self.adsp {
            let result = MethodResult::new("dkim-adsp", adsp.result.as_str());
            results.push(with_from(
                with_reason(result, adsp.reason.as_deref()),
                self.from.as_deref(),
            ));
        }
        if let Some(dmarc) = &self.dmarc {
            let result = with_reason(
                MethodResult::new("dmarc", dmarc.result.as_str()),
                dmarc.reason.as_deref(),
            );
            // The seed writes the whole author address; when there is none, the domain.
            let from = self.from.as_deref().or(Some(dmarc.from_domain.as_str()));
            results.push(with_from(result, from.filter(|f| !f.is_empty())));
        }
        if let Some(arc) = &self.arc {
            results.push(with_reason(
                MethodResult::new("arc", arc.result.as_str()),
                arc.reason.as_deref(),
            ));
        }
        if let Some(iprev) = &self.iprev {
            results.push(
                with_reason(
                    MethodResult::new("iprev", iprev.result.as_str()),
                    iprev.reason.as_deref(),
                )
                .with("policy", "iprev", &iprev.client_ip.to_string()),
            );
        }
        AuthenticationResults::new(authserv_id, results)
    }

    /// What DMARC makes the MTA do under `mode` (AUTH-IN-DMARC-NOENFORCE): always
    /// deliver when annotating; when enforcing, quarantine or reject a DMARC `fail` per the
    /// sender's policy. Errors and `none` never refuse mail. With the text for logs and
    /// replies; [`dmarc_disposition`](Self::dmarc_disposition) decides without it.
    pub fn dmarc_action(&self, mode: DmarcMode) -> DmarcAction {
        let disposition = self.dmarc_disposition(mode);
        let rule = Rule::AuthInDmarcNoenforce;
        let Some(dmarc) = &self.dmarc else {
            return DmarcAction {
                disposition,
                rule,
                detail: Cow::Borrowed("no DMARC check"),
            };
        };
        let policy = match dmarc.policy {
            None => "unknown",
            Some(DmarcPolicy::None) => "none",
            Some(DmarcPolicy::Quarantine) => "quarantine",
            Some(DmarcPolicy::Reject) => "reject",
        };
        let detail = format!(
            "dmarc={} for {} (p={policy})",
            dmarc.result, dmarc.from_domain
        );
        DmarcAction {
            disposition,
            rule,
            detail: Cow::Owned(detail),
        }
    }

    /// The disposition of [`dmarc_action`](Self::dmarc_action) alone, without formatting
    /// its text: for a server that needs the text only when it refuses or explains.
    pub fn dmarc_disposition(&self, mode: DmarcMode) -> DmarcDisposition {
        let Some(dmarc) = &self.dmarc else {
            return DmarcDisposition::Deliver;
        };
        match (mode, dmarc.result, dmarc.policy) {
            (DmarcMode::Enforce, DmarcResult::Fail, Some(DmarcPolicy::Reject)) => {
                DmarcDisposition::Reject
            }
            (DmarcMode::Enforce, DmarcResult::Fail, Some(DmarcPolicy::Quarantine)) => {
                DmarcDisposition::Quarantine
            }
            _ => DmarcDisposition::Deliver,
        }
    }
}

fn with_reason(result: MethodResult, reason: Option<&str>) -> MethodResult {
    match reason {
        Some(reason) if !reason.is_empty() => result.because(reason),
        _ => result,
    }
}

fn with_from(result: MethodResult, from: Option<&str>) -> MethodResult {
    match from {
        Some(from) => result.with("header", "from", from),
        None => result,
    }
}
