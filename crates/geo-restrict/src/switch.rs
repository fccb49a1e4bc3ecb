//! GEO-RESTRICT, GEO-DEFAULT, GEO-ACCOUNTS, GEO-WEBMAIL, GEO-TRAVEL: the per-account
//! switch and the access decision.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::Rule;
use crate::detector::AutoRestriction;
use crate::table::{CountryCode, DomesticTable};

/// How the customer reaches mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// SMTP submission (sending).
    Smtp,
    /// POP3 (receiving).
    Pop,
    /// IMAP (receiving).
    Imap,
    /// Webmail: authenticated with the user ID and user-ID password, never restricted
    /// (GEO-WEBMAIL).
    Webmail,
}

/// An account's overseas setting. One per mail account, whatever its kind (basic, A-Box,
/// Access Mailbox, VAIO mail, PostPet, mail service (G): GEO-ACCOUNTS). The default is
/// "do not restrict" (GEO-DEFAULT). Serialisable, to keep with the account.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GeoSetting {
    /// The customer turned the restriction on.
    pub restrict: bool,
    /// The operator's monitoring turned it on (GEO-AUTO). It holds whatever `restrict`
    /// says, until the customer turns the restriction off explicitly.
    pub auto: Option<AutoRestriction>,
}

impl GeoSetting {
    /// The customer turns the restriction on.
    pub fn turn_on(&mut self) {
        self.restrict = true;
    }

    /// The customer turns the restriction off, e.g. before travelling (GEO-TRAVEL). This
    /// is the explicit act that also lifts an automatic restriction (GEO-AUTO).
    pub fn turn_off(&mut self) {
        self.restrict = false;
        self.auto = None;
    }

    /// Applies an automatic restriction (GEO-AUTO).
    pub fn auto_restrict(&mut self, restriction: AutoRestriction) {
        self.auto = Some(restriction);
    }

    /// True when access from abroad is refused now.
    pub fn is_restricted(&self) -> bool {
        self.restrict || self.auto.is_some()
    }
}

/// The decision on one access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GeoDecision {
    /// Allowed.
    Allowed {
        /// Why: the rule that lets it through (GEO-WEBMAIL, GEO-DEFAULT, or GEO-RESTRICT
        /// for a domestic address).
        rule: Rule,
    },
    /// Refused: access from abroad to a restricted account.
    Refused {
        /// The client.
        client: IpAddr,
        /// The domestic country the client is not in.
        country: CountryCode,
        /// GEO-RESTRICT (the customer's setting) or GEO-AUTO (automatic).
        rule: Rule,
    },
}

/// Decides one access of `access` kind from `client` to an account with `setting`.
///
/// ```
/// use mail_policy_geo_restrict::{check_access, Access, CountryCode, DomesticTable, GeoDecision, GeoSetting, RangeList, Rule};
///
/// let mut ranges = RangeList::default();
/// ranges.v4.push((0x0100_1000, 0x0100_1fff)); // 1.0.16.0 - 1.0.31.255
/// let table = DomesticTable::new(CountryCode::JP, ranges);
/// let mut setting = GeoSetting::default();
/// let abroad = "203.0.113.9".parse()?;
/// assert_eq!(check_access(&setting, Access::Imap, abroad, &table), GeoDecision::Allowed { rule: Rule::GeoDefault });
/// setting.turn_on();
/// assert!(matches!(check_access(&setting, Access::Imap, abroad, &table), GeoDecision::Refused { rule: Rule::GeoRestrict, .. }));
/// assert_eq!(check_access(&setting, Access::Webmail, abroad, &table), GeoDecision::Allowed { rule: Rule::GeoWebmail });
/// assert!(matches!(check_access(&setting, Access::Smtp, "1.0.16.1".parse()?, &table), GeoDecision::Allowed { .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_access(
    setting: &GeoSetting,
    access: Access,
    client: IpAddr,
    table: &DomesticTable,
) -> GeoDecision {
    if access == Access::Webmail {
        return GeoDecision::Allowed {
            rule: Rule::GeoWebmail,
        };
    }
    if !setting.is_restricted() {
        return GeoDecision::Allowed {
            rule: Rule::GeoDefault,
        };
    }
    if table.is_domestic(client) {
        return GeoDecision::Allowed {
            rule: Rule::GeoRestrict,
        };
    }
    GeoDecision::Refused {
        client,
        country: table.country(),
        rule: if setting.auto.is_some() {
            Rule::GeoAuto
        } else {
            Rule::GeoRestrict
        },
    }
}
