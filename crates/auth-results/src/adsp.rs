//! DKIM Author Domain Signing Practices (RFC 5617), which the seed's header reports as
//! `dkim-adsp` and mail-auth does not implement: the record parser and the evaluation
//! (§4.3), both pure; the DNS adapter does the two lookups.
//!
//! ADSP is historic (RFC 5617 was moved to Historic in 2013), but the ISP's header shows
//! it, and receivers still find it in some domains.

use serde::{Deserialize, Serialize};

use crate::report::{AdspCheck, AdspResult, DkimCheck, DkimResult};

/// The `dkim=` practice of an ADSP record (RFC 5617 §4.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdspPractice {
    /// `dkim=unknown` (also any value this version does not know).
    Unknown,
    /// `dkim=all`: all mail from the domain is signed with an author domain signature.
    All,
    /// `dkim=discardable`: all signed, and unsigned mail may be discarded.
    Discardable,
}

/// Why an ADSP record could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdspRecordError {
    /// The record has no `dkim=` tag, which is required.
    #[error("no dkim= tag (required by RFC 5617 section 4.2.1)")]
    MissingPractice,
    /// A tag appears twice (RFC 6376 §3.2).
    #[error("tag {0:?} appears twice")]
    DuplicateTag(String),
    /// A tag-spec that is not `name=value`, or a name or value with characters the
    /// tag-list grammar does not allow.
    #[error("malformed tag-spec at byte {0}")]
    Malformed(usize),
}

/// Parses an ADSP record's text (RFC 5617 §4.2.1, tag-list syntax of RFC 6376 §3.2):
/// `dkim=all`, with optional whitespace, further tags ignored, values other than
/// `unknown`, `all`, `discardable` read as `unknown`.
///
/// ```
/// use mail_policy_auth_results::{parse_adsp_record, AdspPractice};
///
/// assert_eq!(parse_adsp_record("dkim=discardable"), Ok(AdspPractice::Discardable));
/// assert_eq!(parse_adsp_record(" dkim = all ; x=y;"), Ok(AdspPractice::All));
/// assert_eq!(parse_adsp_record("dkim=sometimes"), Ok(AdspPractice::Unknown));
/// assert!(parse_adsp_record("v=spf1 -all").is_err());
/// ```
pub fn parse_adsp_record(text: &str) -> Result<AdspPractice, AdspRecordError> {
    let is_wsp = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let mut practice = None;
    let mut seen: Vec<&str> = Vec::new();
    let mut offset = 0;
    for spec in text.split(';') {
        // Errors point at the tag-spec's first character, past its leading whitespace.
        let start = offset + (spec.len() - spec.trim_start_matches(is_wsp).len());
        offset += spec.len() + 1;
        if spec.trim_matches(is_wsp).is_empty() {
            // Only the last tag-spec may be empty (a trailing ';'), or the whole record;
            // an empty spec in the middle is tolerated the way DKIM verifiers do.
            continue;
        }
        let Some((name, value)) = spec.split_once('=') else {
            return Err(AdspRecordError::Malformed(start));
        };
        let name = name.trim_matches(is_wsp);
        let value = value.trim_matches(is_wsp);
        // tag-name = ALPHA *ALNUMPUNC; tag-value = printable ASCII but ';', with FWS.
        let name_ok = name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let value_ok = value
            .chars()
            .all(|c| (c.is_ascii_graphic() && c != ';') || is_wsp(c));
        if !name_ok || !value_ok {
            return Err(AdspRecordError::Malformed(start));
        }
        if seen.contains(&name) {
            return Err(AdspRecordError::DuplicateTag(name.to_owned()));
        }
        seen.push(name);
        if name == "dkim" {
            practice = Some(match value {
                "all" => AdspPractice::All,
                "discardable" => AdspPractice::Discardable,
                _ => AdspPractice::Unknown,
            });
        }
    }
    practice.ok_or(AdspRecordError::MissingPractice)
}

/// What DNS said about the author domain and its ADSP record: the two lookups of RFC 5617
/// §4.3 (the domain's existence, then `_adsp._domainkey.<domain>` TXT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdspLookup {
    /// The author domain does not exist (NXDOMAIN).
    DomainMissing,
    /// The TXT records found at `_adsp._domainkey.<domain>` (possibly none).
    Records(Vec<String>),
    /// A DNS failure (timeout, SERVFAIL) in either lookup.
    TempFail(String),
}

/// Whether `checks` hold a valid author domain signature: a DKIM `pass` whose `d=` is the
/// author domain itself (RFC 5617 §2.7; subdomains and parents do not count).
pub fn has_author_domain_signature(author_domain: &str, checks: &[DkimCheck]) -> bool {
    let author = author_domain.trim_end_matches('.');
    checks.iter().any(|check| {
        check.result == DkimResult::Pass
            && check
                .domain
                .as_deref()
                .is_some_and(|d| d.trim_end_matches('.').eq_ignore_ascii_case(author))
    })
}

/// The ADSP result (RFC 5617 §4.3, §5.4): `pass` when a valid author domain signature is
/// present (no lookup needed: pass `None`); otherwise from the lookups: `nxdomain`,
/// `temperror`, `none` without a record, and for exactly one valid record, per its
/// practice, `unknown`, `fail` (`all`) or `discard` (`discardable`). §4.3 leaves the
/// result undefined for several records or an invalid one; that is reported as
/// `permerror` with the reason. `None` for the lookup when it is needed is `temperror`.
pub fn evaluate_adsp(
    author_domain: &str,
    checks: &[DkimCheck],
    lookup: Option<&AdspLookup>,
) -> AdspCheck {
    if has_author_domain_signature(author_domain, checks) {
        return AdspCheck {
            result: AdspResult::Pass,
            reason: None,
        };
    }
    let check = |result, reason: Option<String>| AdspCheck { result, reason };
    match lookup {
        None => check(
            AdspResult::TempError,
            Some("ADSP lookups were not made".to_owned()),
        ),
        Some(AdspLookup::DomainMissing) => check(AdspResult::NxDomain, None),
        Some(AdspLookup::TempFail(error)) => check(AdspResult::TempError, Some(error.clone())),
        Some(AdspLookup::Records(records)) => match records.as_slice() {
            [] => check(AdspResult::None, None),
            [record] => match parse_adsp_record(record) {
                Ok(AdspPractice::Unknown) => check(AdspResult::Unknown, None),
                Ok(AdspPractice::All) => check(AdspResult::Fail, None),
                Ok(AdspPractice::Discardable) => check(AdspResult::Discard, None),
                Err(error) => check(AdspResult::PermError, Some(format!("ADSP record: {error}"))),
            },
            _ => check(
                AdspResult::PermError,
                Some(format!(
                    "{} ADSP records, RFC 5617 allows one",
                    records.len()
                )),
            ),
        },
    }
}
