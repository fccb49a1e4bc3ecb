//! ADDR-CHANGE, ADDR-CHANGE-CARRY, ADDR-PW-DEPS: user-name changes, the fiscal-year quota
//! and fee, and what a change carries over and invalidates.

use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::Rule;
use crate::config::AddressPolicy;
use crate::error::Error;
use crate::mailbox::{LocalPart, Mailbox};
use crate::user_name::UserNameViolation;

/// A fiscal year, named by the calendar year it starts in: FY2026 runs from
/// 2026-04-01 00:00 to 2027-03-31 24:00, Japan time (with the default configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FiscalYear {
    /// The calendar year it starts in.
    pub start_year: i32,
    /// When it starts.
    pub starts: DateTime<Utc>,
    /// When the next one starts (this one's end, exclusive).
    pub ends: DateTime<Utc>,
}

impl fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FY{} [{}, {})", self.start_year, self.starts, self.ends)
    }
}

/// Settings an address change keeps (ADDR-CHANGE-CARRY, REJ-CARRY): the caller migrates
/// them to the new address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum CarriedSetting {
    /// Forwarding destinations and conditions (FWD-*).
    Forwarding,
    /// The reject list (REJ-*).
    RejectList,
    /// Spam-sorting mode, level and lists (SPAM-*).
    SpamSorting,
    /// Virus-check subscriptions (VIRUS-CHECK).
    VirusCheck,
    /// The overseas-access switch (GEO-RESTRICT).
    OverseasRestriction,
    /// Plus addresses, A-Boxes and other extras of the account.
    ExtraAddresses,
    /// Any other per-address option.
    OtherOptions,
}

impl CarriedSetting {
    /// Every setting: all of them carry over.
    pub const ALL: [CarriedSetting; 7] = [
        CarriedSetting::Forwarding,
        CarriedSetting::RejectList,
        CarriedSetting::SpamSorting,
        CarriedSetting::VirusCheck,
        CarriedSetting::OverseasRestriction,
        CarriedSetting::ExtraAddresses,
        CarriedSetting::OtherOptions,
    ];
}

/// Settings elsewhere that an address or password change invalidates (ADDR-PW-DEPS): the
/// customer must update them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum DependentSetting {
    /// The password stored in the customer's mail client (seed).
    MailClientPassword,
    /// The account name of the mail client, which is the full mail address (P25-TLS).
    MailClientAccount,
    /// The sending authentication of the virus-check service (seed).
    VirusCheckSendingAuth,
}

/// What the next change of a fiscal year costs (ADDR-CHANGE).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeQuote {
    /// The fiscal year `now` falls in.
    pub fiscal_year: FiscalYear,
    /// Which change of that year this would be, from 1.
    pub change_number: u32,
    /// The fee in yen: 0 within the free quota, then the configured fee.
    pub fee_yen: u32,
    /// Free changes left in the year after this one.
    pub free_changes_left: u32,
    /// Always [`Rule::AddrChange`].
    pub rule: Rule,
}

/// A user-name change to decide: see [`AddressPolicy::decide_change`].
#[derive(Debug, Clone, Copy)]
pub struct ChangeRequest<'a> {
    /// The account's address now.
    pub current: &'a Mailbox,
    /// The user name the customer wants.
    pub new_user_name: &'a str,
    /// When the account's earlier changes took effect; any order, any years.
    pub history: &'a [DateTime<Utc>],
    /// The time of the request.
    pub now: DateTime<Utc>,
}

/// An approved change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovedChange {
    /// The address before.
    pub old_address: Mailbox,
    /// The address after: same `<sub>` and domain, new user name.
    pub new_address: Mailbox,
    /// Fiscal year, change number and fee.
    pub quote: FeeQuote,
    /// What the caller must move to the new address (ADDR-CHANGE-CARRY).
    pub carried_over: Vec<CarriedSetting>,
    /// What the customer must update (ADDR-PW-DEPS).
    pub dependents: Vec<DependentSetting>,
    /// The rules applied: ADDR-CHANGE, ADDR-CHANGE-CARRY, ADDR-PW-DEPS.
    pub rules: Vec<Rule>,
}

/// Why a change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChangeRefusal {
    /// The new user name breaks the user-name rules.
    #[error(transparent)]
    UserName(#[from] UserNameViolation),
    /// Somebody already has the new address.
    #[error("{address} is taken")]
    Taken {
        /// The address asked for.
        address: String,
    },
    /// The new user name is the current one (case does not count).
    #[error("the new user name is the current one")]
    Unchanged,
}

impl ChangeRefusal {
    /// The rule behind the refusal.
    pub fn rule(&self) -> Rule {
        match self {
            ChangeRefusal::UserName(_) => Rule::AddrUser,
            ChangeRefusal::Taken { .. } | ChangeRefusal::Unchanged => Rule::AddrChange,
        }
    }
}

/// The decision on a [`ChangeRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeDecision {
    /// Go ahead, with this fee (boxed: it is much larger than a refusal).
    Approved(Box<ApprovedChange>),
    /// No; nothing is charged and the count does not move.
    Refused(ChangeRefusal),
}

impl AddressPolicy {
    fn calendar_offset(&self) -> FixedOffset {
        // Validated in `AddressPolicy::new` to be within a day.
        FixedOffset::east_opt(self.changes.utc_offset_minutes * 60)
            .unwrap_or_else(|| unreachable!("offset validated"))
    }

    fn fiscal_year_starting(&self, start_year: i32) -> DateTime<Utc> {
        let offset = self.calendar_offset();
        let date = NaiveDate::from_ymd_opt(start_year, self.changes.fiscal_year_start_month, 1)
            .unwrap_or_else(|| unreachable!("month validated"));
        offset
            .from_local_datetime(&date.and_time(chrono::NaiveTime::MIN))
            .single()
            .unwrap_or_else(|| unreachable!("a fixed offset has no gaps"))
            .with_timezone(&Utc)
    }

    /// The fiscal year that instant `at` falls in (ADDR-CHANGE): with the defaults,
    /// 2027-03-31T14:59:59Z is still FY2026 and 2027-03-31T15:00:00Z (April 1, 00:00 in
    /// Japan) starts FY2027.
    pub fn fiscal_year(&self, at: DateTime<Utc>) -> FiscalYear {
        let local = at.with_timezone(&self.calendar_offset());
        let start_year = if local.month() < self.changes.fiscal_year_start_month {
            local.year() - 1
        } else {
            local.year()
        };
        FiscalYear {
            start_year,
            starts: self.fiscal_year_starting(start_year),
            ends: self.fiscal_year_starting(start_year + 1),
        }
    }

    /// What the next change would cost at `now`, given the times of earlier changes.
    pub fn change_fee(
        &self,
        history: &[DateTime<Utc>],
        now: DateTime<Utc>,
    ) -> Result<FeeQuote, Error> {
        if let Some(&at) = history.iter().find(|&&at| at > now) {
            return Err(Error::ChangeInFuture { at, now });
        }
        let fiscal_year = self.fiscal_year(now);
        let earlier = history
            .iter()
            .filter(|&&at| at >= fiscal_year.starts && at < fiscal_year.ends)
            .count();
        let change_number = u32::try_from(earlier).unwrap_or(u32::MAX).saturating_add(1);
        let free = self.changes.free_per_year;
        Ok(FeeQuote {
            fiscal_year,
            change_number,
            fee_yen: if change_number <= free {
                0
            } else {
                self.changes.fee_yen
            },
            free_changes_left: free.saturating_sub(change_number),
            rule: Rule::AddrChange,
        })
    }

    /// Decides a user-name change (ADDR-CHANGE): only the user name changes, the `<sub>`
    /// and domain stay. The new name must pass the user-name rules and be free;
    /// `is_taken` is the caller's directory lookup, given the normalized new address.
    ///
    /// An approved change says which fiscal year and which change of it this is, the fee,
    /// what carries over and what the customer must update.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use mail_policy_address_rules::{AddressPolicy, ChangeDecision, ChangeRequest};
    ///
    /// let policy = AddressPolicy::sonet();
    /// let current = "taro@aa2.so-net.ne.jp".parse()?;
    /// // Ten changes already this fiscal year (FY2026 starts 2026-03-31T15:00Z).
    /// let history: Vec<_> = (1..=10).map(|d| Utc.with_ymd_and_hms(2026, 5, d, 0, 0, 0).unwrap()).collect();
    /// let request = ChangeRequest {
    ///     current: &current,
    ///     new_user_name: "taro2027",
    ///     history: &history,
    ///     now: Utc.with_ymd_and_hms(2027, 3, 31, 14, 59, 59).unwrap(),
    /// };
    /// let ChangeDecision::Approved(change) = policy.decide_change(request, |_| false)? else { panic!() };
    /// assert_eq!((change.quote.change_number, change.quote.fee_yen), (11, 330));
    /// assert_eq!(change.new_address.to_string(), "taro2027@aa2.so-net.ne.jp");
    ///
    /// // One second later a new fiscal year begins: free again.
    /// let next = ChangeRequest { now: Utc.with_ymd_and_hms(2027, 3, 31, 15, 0, 0).unwrap(), ..request };
    /// let ChangeDecision::Approved(change) = policy.decide_change(next, |_| false)? else { panic!() };
    /// assert_eq!((change.quote.change_number, change.quote.fee_yen), (1, 0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide_change(
        &self,
        request: ChangeRequest<'_>,
        is_taken: impl FnOnce(&Mailbox) -> bool,
    ) -> Result<ChangeDecision, Error> {
        let current = request.current.normalized();
        let isp = self
            .parse_isp_address(&current)
            .map_err(|_| Error::NotIspAddress {
                address: request.current.to_string(),
            })?;
        let quote = self.change_fee(request.history, request.now)?;
        let user = match self.check_user_name(request.new_user_name) {
            Ok(user) => user,
            Err(violation) => return Ok(ChangeDecision::Refused(violation.into())),
        };
        if user.as_str() == isp.user {
            return Ok(ChangeDecision::Refused(ChangeRefusal::Unchanged));
        }
        let local = LocalPart::new(user.as_str())?;
        let new_address = Mailbox::new(local, current.domain().clone())?;
        if is_taken(&new_address) {
            return Ok(ChangeDecision::Refused(ChangeRefusal::Taken {
                address: new_address.to_string(),
            }));
        }
        Ok(ChangeDecision::Approved(Box::new(ApprovedChange {
            old_address: request.current.clone(),
            new_address,
            quote,
            carried_over: CarriedSetting::ALL.to_vec(),
            dependents: vec![
                DependentSetting::MailClientAccount,
                DependentSetting::MailClientPassword,
                DependentSetting::VirusCheckSendingAuth,
            ],
            rules: vec![Rule::AddrChange, Rule::AddrChangeCarry, Rule::AddrPwDeps],
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, s).unwrap()
    }

    #[test]
    fn fiscal_year_boundaries_in_japan_time() {
        let policy = AddressPolicy::sonet();
        assert_eq!(
            policy.fiscal_year(utc(2027, 3, 31, 14, 59, 59)).start_year,
            2026
        );
        assert_eq!(
            policy.fiscal_year(utc(2027, 3, 31, 15, 0, 0)).start_year,
            2027
        );
        // 2026-04-01 08:59 JST is still... April 1 (JST) -> FY2026; 2026-03-31T23:00Z is April 1 08:00 JST.
        assert_eq!(
            policy.fiscal_year(utc(2026, 3, 31, 23, 0, 0)).start_year,
            2026
        );
        // January is in the year that started the April before.
        assert_eq!(
            policy.fiscal_year(utc(2027, 1, 15, 0, 0, 0)).start_year,
            2026
        );
        let fy = policy.fiscal_year(utc(2026, 12, 4, 0, 0, 0));
        assert_eq!(fy.starts, utc(2026, 3, 31, 15, 0, 0));
        assert_eq!(fy.ends, utc(2027, 3, 31, 15, 0, 0));
        assert!(fy.to_string().starts_with("FY2026"));
    }

    #[test]
    fn quota_counts_only_this_fiscal_year() {
        let policy = AddressPolicy::sonet();
        let now = utc(2026, 12, 4, 0, 0, 0);
        // Nine last year and nine this year.
        let mut history: Vec<_> = (1..=9).map(|d| utc(2026, 3, d, 0, 0, 0)).collect();
        history.extend((1..=9).map(|d| utc(2026, 4, d, 0, 0, 0)));
        let quote = policy.change_fee(&history, now).unwrap();
        assert_eq!(
            (quote.change_number, quote.fee_yen, quote.free_changes_left),
            (10, 0, 0)
        );
        history.push(utc(2026, 6, 1, 0, 0, 0));
        let quote = policy.change_fee(&history, now).unwrap();
        assert_eq!((quote.change_number, quote.fee_yen), (11, 330));
        assert_eq!(quote.rule, Rule::AddrChange);
    }

    #[test]
    fn history_after_now_is_an_error() {
        let policy = AddressPolicy::sonet();
        let now = utc(2026, 12, 4, 0, 0, 0);
        let err = policy
            .change_fee(&[utc(2026, 12, 5, 0, 0, 0)], now)
            .unwrap_err();
        assert!(matches!(err, Error::ChangeInFuture { .. }));
        assert!(err.to_string().contains("after now"));
    }

    #[test]
    fn refusals() {
        let policy = AddressPolicy::sonet();
        let current: Mailbox = "taro@aa2.so-net.ne.jp".parse().unwrap();
        let now = utc(2026, 12, 4, 0, 0, 0);
        let decide = |name: &str, taken: bool| {
            policy
                .decide_change(
                    ChangeRequest {
                        current: &current,
                        new_user_name: name,
                        history: &[],
                        now,
                    },
                    |_| taken,
                )
                .unwrap()
        };
        assert_eq!(
            decide("TARO", false),
            ChangeDecision::Refused(ChangeRefusal::Unchanged)
        );
        let ChangeDecision::Refused(refusal) = decide("abuse", false) else {
            panic!()
        };
        assert_eq!(refusal.rule(), Rule::AddrUser);
        let ChangeDecision::Refused(refusal) = decide("hanako", true) else {
            panic!()
        };
        assert_eq!(
            refusal,
            ChangeRefusal::Taken {
                address: "hanako@aa2.so-net.ne.jp".into()
            }
        );
        assert_eq!(refusal.rule(), Rule::AddrChange);
        let ChangeDecision::Approved(change) = decide("Hanako", false) else {
            panic!()
        };
        assert_eq!(change.new_address.to_string(), "hanako@aa2.so-net.ne.jp");
        assert_eq!(change.carried_over.len(), CarriedSetting::ALL.len());
        assert!(change.carried_over.contains(&CarriedSetting::RejectList));
        assert!(
            change
                .dependents
                .contains(&DependentSetting::VirusCheckSendingAuth)
        );
        assert_eq!(
            change.rules,
            vec![Rule::AddrChange, Rule::AddrChangeCarry, Rule::AddrPwDeps]
        );
    }

    #[test]
    fn only_isp_addresses_change() {
        let policy = AddressPolicy::sonet();
        let foreign: Mailbox = "taro@example.com".parse().unwrap();
        let err = policy
            .decide_change(
                ChangeRequest {
                    current: &foreign,
                    new_user_name: "jiro",
                    history: &[],
                    now: utc(2026, 1, 1, 0, 0, 0),
                },
                |_| false,
            )
            .unwrap_err();
        assert!(matches!(err, Error::NotIspAddress { .. }));
    }
}
