//! AUTH-OUT-SPF, AUTH-OUT-DMARC: the DNS records an operator publishes for the ISP's
//! domains, generated from configuration: SPF from the sending networks, DMARC with
//! `p=none` (so customers' mail is never refused because of DMARC).

use std::fmt::Write as _;
use std::str::FromStr;

use ipnetwork::IpNetwork;
use serde::{Deserialize, Serialize};

use crate::Rule;

/// How SPF ends: what receivers do with mail from elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpfAll {
    /// `-all`: fail.
    #[default]
    Fail,
    /// `~all`: soft fail.
    SoftFail,
}

/// The SPF record's settings (AUTH-OUT-SPF).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpfConfig {
    /// The networks the ISP sends mail from (CIDR, IPv4 and IPv6).
    pub sending_networks: Vec<String>,
    /// Other domains' SPF to include (`include:`), e.g. a partner relay.
    #[serde(default)]
    pub include: Vec<String>,
    /// `-all` or `~all`.
    #[serde(default)]
    pub all: SpfAll,
}

/// The DMARC record's settings (AUTH-OUT-DMARC): the policy is always `none`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DmarcConfig {
    /// Where aggregate reports go (`rua=mailto:...`), if anywhere.
    pub rua: Option<String>,
}

/// A TXT record to publish: its name and its text, split into DNS character-strings of at
/// most 255 octets (RFC 1035 §3.3.14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxtRecord {
    /// The owner name (`so-net.ne.jp.`, `_dmarc.so-net.ne.jp.`).
    pub name: String,
    /// The character-strings, in order; receivers concatenate them.
    pub strings: Vec<String>,
    /// The rule the record serves.
    pub rule: Rule,
}

impl TxtRecord {
    pub(crate) fn new(name: String, text: &str, rule: Rule) -> Self {
        let mut strings = Vec::new();
        let mut rest = text;
        while rest.len() > 255 {
            // Split at the last space within 255 octets where there is one: readable, and
            // SPF is concatenated without separators, so the space stays at the string's
            // end.
            let cut = rest[..=255].rfind(' ').map_or(255, |i| i + 1);
            let cut = if cut > 255 { 255 } else { cut };
            strings.push(rest[..cut].to_owned());
            rest = &rest[cut..];
        }
        strings.push(rest.to_owned());
        Self {
            name,
            strings,
            rule,
        }
    }

    /// The record as a zone-file line: `name IN TXT "..." "..."`.
    pub fn to_zone_line(&self) -> String {
        let mut line = format!("{} IN TXT", self.name);
        for s in &self.strings {
            let _ = write!(
                line,
                " \"{}\"",
                s.replace('\\', "\\\\").replace('"', "\\\"")
            );
        }
        line
    }

    /// The text receivers see: the strings concatenated.
    pub fn text(&self) -> String {
        self.strings.concat()
    }
}

/// Why a record could not be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// A setting is invalid; `field` names it.
    #[error("invalid record setting {field}: {reason}")]
    Setting {
        /// The setting.
        field: String,
        /// Why.
        reason: String,
    },
}

fn bad(field: String, reason: impl Into<String>) -> RecordError {
    RecordError::Setting {
        field,
        reason: reason.into(),
    }
}

fn check_domain(field: &str, domain: &str) -> Result<String, RecordError> {
    let domain = domain.trim_end_matches('.');
    let ok = !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if ok {
        Ok(domain.to_ascii_lowercase())
    } else {
        Err(bad(
            field.to_owned(),
            format!("{domain:?} is not a domain name"),
        ))
    }
}

/// The SPF record of `domain` (AUTH-OUT-SPF): `v=spf1 ip4:... ip6:... include:... -all`.
/// `ip4`/`ip6` mechanisms cost receivers no DNS lookups; `include` costs one each, and SPF
/// allows ten (RFC 7208 §4.6.4), so more than ten includes is refused.
pub fn spf_record(domain: &str, config: &SpfConfig) -> Result<TxtRecord, RecordError> {
    let domain = check_domain("domain", domain)?;
    if config.sending_networks.is_empty() && config.include.is_empty() {
        return Err(bad(
            "spf.sending_networks".to_owned(),
            "no network and no include: nothing could pass",
        ));
    }
    if config.include.len() > 10 {
        return Err(bad(
            "spf.include".to_owned(),
            "more than the 10 DNS lookups SPF allows",
        ));
    }
    let mut text = String::from("v=spf1");
    for (i, entry) in config.sending_networks.iter().enumerate() {
        let network = IpNetwork::from_str(entry.trim()).map_err(|e| {
            bad(
                format!("spf.sending_networks[{i}]"),
                format!("{entry:?}: {e}"),
            )
        })?;
        if network.ip() != network.network() {
            return Err(bad(
                format!("spf.sending_networks[{i}]"),
                format!(
                    "{entry:?} has host bits set; the network is {}/{}",
                    network.network(),
                    network.prefix()
                ),
            ));
        }
        let (mechanism, full) = match network {
            IpNetwork::V4(_) => ("ip4", 32),
            IpNetwork::V6(_) => ("ip6", 128),
        };
        if network.prefix() == full {
            let _ = write!(text, " {mechanism}:{}", network.ip());
        } else {
            let _ = write!(text, " {mechanism}:{network}");
        }
    }
    for (i, include) in config.include.iter().enumerate() {
        let include = check_domain(&format!("spf.include[{i}]"), include)?;
        let _ = write!(text, " include:{include}");
    }
    text.push_str(match config.all {
        SpfAll::Fail => " -all",
        SpfAll::SoftFail => " ~all",
    });
    Ok(TxtRecord::new(
        format!("{domain}."),
        &text,
        Rule::AuthOutSpf,
    ))
}

/// The DMARC record of `domain` (AUTH-OUT-DMARC): `v=DMARC1; p=none[; rua=mailto:...]` at
/// `_dmarc.<domain>`. The policy is `none` by rule: customers' mail is never refused
/// because of DMARC.
pub fn dmarc_record(domain: &str, config: &DmarcConfig) -> Result<TxtRecord, RecordError> {
    let domain = check_domain("domain", domain)?;
    let mut text = String::from("v=DMARC1; p=none");
    if let Some(rua) = &config.rua {
        let address = rua.trim().trim_start_matches("mailto:");
        let valid = address.split_once('@').is_some_and(|(local, host)| {
            address.is_ascii()
                && !local.is_empty()
                && !host.is_empty()
                && !address.contains([';', ',', ' ', '!'])
        });
        if !valid {
            return Err(bad(
                "dmarc.rua".to_owned(),
                format!("{rua:?} is not a mail address"),
            ));
        }
        let _ = write!(text, "; rua=mailto:{address}");
    }
    Ok(TxtRecord::new(
        format!("_dmarc.{domain}."),
        &text,
        Rule::AuthOutDmarc,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spf_from_networks() {
        let config = SpfConfig {
            sending_networks: vec![
                "192.0.2.0/24".into(),
                "198.51.100.25".into(),
                "2001:db8:25::/48".into(),
            ],
            include: vec!["_spf.partner.example".into()],
            all: SpfAll::Fail,
        };
        let record = spf_record("so-net.ne.jp", &config).unwrap();
        assert_eq!(record.name, "so-net.ne.jp.");
        assert_eq!(
            record.text(),
            "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.25 ip6:2001:db8:25::/48 include:_spf.partner.example -all"
        );
        assert_eq!(record.rule, Rule::AuthOutSpf);
        assert_eq!(
            record.to_zone_line(),
            "so-net.ne.jp. IN TXT \"v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.25 ip6:2001:db8:25::/48 include:_spf.partner.example -all\""
        );
        let soft = SpfConfig {
            all: SpfAll::SoftFail,
            ..config
        };
        assert!(
            spf_record("so-net.ne.jp", &soft)
                .unwrap()
                .text()
                .ends_with(" ~all")
        );
    }

    #[test]
    fn long_spf_splits_into_strings() {
        let networks: Vec<String> = (0..40).map(|i| format!("198.51.{i}.0/24")).collect();
        let record = spf_record(
            "so-net.ne.jp",
            &SpfConfig {
                sending_networks: networks,
                include: vec![],
                all: SpfAll::Fail,
            },
        )
        .unwrap();
        assert!(record.strings.len() > 1);
        assert!(record.strings.iter().all(|s| s.len() <= 255));
        assert!(record.text().starts_with("v=spf1 ip4:198.51.0.0/24 "));
        assert!(record.text().ends_with("ip4:198.51.39.0/24 -all"));
    }

    #[test]
    fn spf_errors_name_the_field() {
        let bad_net = SpfConfig {
            sending_networks: vec!["192.0.2.1/24".into()],
            include: vec![],
            all: SpfAll::Fail,
        };
        assert!(
            matches!(spf_record("so-net.ne.jp", &bad_net), Err(RecordError::Setting { field, .. }) if field == "spf.sending_networks[0]")
        );
        let empty = SpfConfig {
            sending_networks: vec![],
            include: vec![],
            all: SpfAll::Fail,
        };
        assert!(spf_record("so-net.ne.jp", &empty).is_err());
        let many = SpfConfig {
            sending_networks: vec![],
            include: (0..11).map(|i| format!("i{i}.example")).collect(),
            all: SpfAll::Fail,
        };
        assert!(
            matches!(spf_record("so-net.ne.jp", &many), Err(RecordError::Setting { field, .. }) if field == "spf.include")
        );
        assert!(
            spf_record(
                "bad domain",
                &SpfConfig {
                    sending_networks: vec!["192.0.2.0/24".into()],
                    include: vec![],
                    all: SpfAll::Fail
                }
            )
            .is_err()
        );
    }

    #[test]
    fn dmarc_is_always_none() {
        let record = dmarc_record("so-net.ne.jp", &DmarcConfig::default()).unwrap();
        assert_eq!(
            (record.name.as_str(), record.text().as_str()),
            ("_dmarc.so-net.ne.jp.", "v=DMARC1; p=none")
        );
        let with_reports = dmarc_record(
            "gyao.ne.jp.",
            &DmarcConfig {
                rua: Some("mailto:dmarc-reports@so-net.ne.jp".into()),
            },
        )
        .unwrap();
        assert_eq!(
            with_reports.text(),
            "v=DMARC1; p=none; rua=mailto:dmarc-reports@so-net.ne.jp"
        );
        assert_eq!(with_reports.rule, Rule::AuthOutDmarc);
        assert!(
            dmarc_record(
                "so-net.ne.jp",
                &DmarcConfig {
                    rua: Some("not an address".into())
                }
            )
            .is_err()
        );
        assert!(
            dmarc_record(
                "so-net.ne.jp",
                &DmarcConfig {
                    rua: Some("a@b;p=reject".into())
                }
            )
            .is_err()
        );
        assert!(
            dmarc_record(
                "so-net.ne.jp",
                &DmarcConfig {
                    rua: Some("報告@例え.jp".into())
                }
            )
            .is_err()
        );
    }
}
