//! Logins (POP, IMAP, webmail, SMTP AUTH) and account operations, as thin compositions of
//! the crates: the overseas switch and its automatic restriction (GEO-*), the emergency
//! load restriction (MBX-LOAD), address changes with the yearly free quota (ADDR-CHANGE),
//! password changes (ADDR-PW), extra addresses (ADDR-PLUS, ADDR-ABOX).

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::address::{
    Account, ChangeDecision, ChangeRequest, Error as AddressError, ExtraDecision, ExtraKind,
    Mailbox, PasswordChange, PasswordViolation,
};
use crate::engine::Engine;
use crate::geo::{
    Access, AccessEvent, AccountHistory, AutoRestriction, GeoDecision, GeoSetting, check_access,
    observe,
};
use crate::mailbox::{AccessDecision, LoadRestriction, MailAccess};
use crate::verdict::Check;

/// One login attempt, after the password was checked by the caller's store.
#[derive(Debug, Clone, Copy)]
pub struct Login<'a> {
    /// POP, IMAP, webmail or SMTP AUTH.
    pub access: Access,
    /// The client's address.
    pub client_ip: IpAddr,
    /// The account (its mail address).
    pub account: &'a str,
    /// The account's overseas switch.
    pub geo: &'a GeoSetting,
    /// The operator's emergency load restriction, if any is in force.
    pub load: Option<&'a LoadRestriction>,
}

/// May the login proceed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoginVerdict {
    /// Whether the login may proceed.
    pub allowed: bool,
    /// The reason to show the user when refused (POP `-ERR`, IMAP `NO` text).
    pub message: Option<String>,
    /// The checks consulted.
    pub checks: Vec<Check>,
}

impl Engine {
    /// A POP/IMAP/webmail/SMTP login: the overseas switch (GEO-RESTRICT, GEO-AUTO; webmail
    /// is always allowed, GEO-WEBMAIL) and, for POP and IMAP, the emergency load
    /// restriction (MBX-LOAD).
    pub fn login(&self, login: &Login<'_>) -> LoginVerdict {
        let mut checks = Vec::new();
        let table = self.geo_table().current();
        match check_access(login.geo, login.access, login.client_ip, &table) {
            GeoDecision::Refused {
                client,
                country,
                rule,
            } => {
                checks.push(Check {
                    rule: rule.id(),
                    outcome: format!("{client} is not in {}", country.as_str()),
                });
                return LoginVerdict {
                    allowed: false,
                    message: Some(format!(
                        "[AUTH] access from {client} outside Japan is refused for this account \
                         ({}); use webmail or turn the restriction off",
                        rule.id()
                    )),
                    checks,
                };
            }
            GeoDecision::Allowed { rule } => checks.push(Check {
                rule: rule.id(),
                outcome: format!("{:?} from {} allowed", login.access, login.client_ip),
            }),
        }
        let reading = match login.access {
            Access::Pop => Some(MailAccess::Pop),
            Access::Imap => Some(MailAccess::Imap),
            _ => None,
        };
        if let (Some(load), Some(reading)) = (login.load, reading) {
            if let AccessDecision::Restricted { global, rule } = load.check(login.account, reading)
            {
                checks.push(Check {
                    rule: rule.id(),
                    outcome: format!("load restriction in force (all mailboxes: {global})"),
                });
                return LoginVerdict {
                    allowed: false,
                    message: Some(format!(
                        "[SYS/TEMP] mail reading is restricted for now because of system load \
                         ({}); try again later",
                        rule.id()
                    )),
                    checks,
                };
            }
        }
        LoginVerdict {
            allowed: true,
            message: None,
            checks,
        }
    }

    /// Records a login attempt for the automatic restriction (GEO-AUTO) and applies it:
    /// when the detector sees unauthorised access, the account is switched to "restrict"
    /// whatever the customer had set. Returns the restriction applied, if any.
    pub fn observe_login(
        &self,
        setting: &mut GeoSetting,
        history: &mut AccountHistory,
        access: Access,
        client_ip: IpAddr,
        success: bool,
        now: DateTime<Utc>,
    ) -> Option<AutoRestriction> {
        let event = AccessEvent {
            time_secs: u64::try_from(now.timestamp()).unwrap_or(0),
            client: client_ip,
            domestic: self.geo_table().current().is_domestic(client_ip),
            access,
            success,
        };
        let restriction = observe(&self.config().geo.detector, history, &event)?;
        setting.auto_restrict(restriction.clone());
        Some(restriction)
    }

    /// An address change (ADDR-CHANGE, ADDR-CHANGE-CARRY): the fee from this fiscal
    /// year's changes, the settings carried over, or why it is refused.
    pub fn change_address(
        &self,
        request: ChangeRequest<'_>,
        is_taken: impl FnOnce(&Mailbox) -> bool,
    ) -> Result<ChangeDecision, AddressError> {
        self.address_policy().decide_change(request, is_taken)
    }

    /// A new mail-address password (ADDR-PW, ADDR-PW-DEPS).
    pub fn change_password(
        &self,
        mailbox: &Mailbox,
        new_password: &str,
    ) -> Result<PasswordChange, PasswordViolation> {
        self.address_policy()
            .decide_password_change(mailbox, new_password)
    }

    /// A plus address or an A-Box (ADDR-PLUS, ADDR-ABOX).
    pub fn add_extra_address(
        &self,
        account: &Account,
        kind: ExtraKind,
        address: &Mailbox,
        is_taken: impl FnOnce(&Mailbox) -> bool,
    ) -> ExtraDecision {
        self.address_policy()
            .decide_extra_address(account, kind, address, is_taken)
    }
}
