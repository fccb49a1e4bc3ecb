//! Overseas access restriction of a large Japanese consumer ISP (`SPEC.md` section GEO):
//!
//! - **Which addresses are domestic** ([`DomesticTable`]): built from the five regional
//!   internet registries' `delegated-*-extended-latest` files ([`parse_rir`]), range CSV
//!   files such as the CC0 ip-location-db ([`parse_range_csv`]), or MaxMind DB files
//!   (feature `maxminddb`); compiled to merged sorted intervals (IPv4 with a /16 index),
//!   IPv4-mapped IPv6 looked up as IPv4; loaded all or nothing ([`load_table`]) and swapped
//!   atomically on reload without blocking lookups ([`SharedTable`]).
//! - **The switch** (GEO-RESTRICT, GEO-DEFAULT, GEO-ACCOUNTS, GEO-WEBMAIL, GEO-TRAVEL):
//!   [`GeoSetting`] per account (default off) and [`check_access`]: SMTP, POP and IMAP
//!   from abroad are refused when on; webmail never is.
//! - **Automatic restriction** (GEO-AUTO): [`observe`] feeds access events to a detector
//!   with configurable signals (first success abroad, failures then success, impossible
//!   travel); its [`AutoRestriction`] holds until the customer turns the switch off.
//!
//! Sans-IO at the core: times and lookups come in as arguments; only the loaders read
//! files. Every decision names the `SPEC.md` rule behind it ([`Rule`]). Most users reach
//! this crate through the facade, as `mail_policy::geo`.
//!
//! # Example
//!
//! ```
//! use mail_policy_geo_restrict::{
//!     check_access, observe, parse_rir, Access, AccessEvent, AccountHistory, CountryCode,
//!     DetectorConfig, DomesticTable, GeoDecision, GeoSetting, Rule,
//! };
//!
//! let apnic = "2|apnic|20261204|2|19830613|20261203|+1000\n\
//!              apnic|JP|ipv4|1.0.16.0|4096|20110412|allocated|A92E1062\n\
//!              apnic|JP|ipv6|2001:200::|35|19990813|allocated|A91A3A41\n";
//! let table = DomesticTable::new(CountryCode::JP, parse_rir("delegated-apnic-extended-latest", apnic, CountryCode::JP)?);
//!
//! // Someone logs in from abroad after a run of failures: the detector restricts.
//! let mut setting = GeoSetting::default();
//! let mut history = AccountHistory { abroad_seen: true, ..Default::default() };
//! let intruder = "203.0.113.9".parse()?;
//! for t in 0..6 {
//!     observe(&DetectorConfig::default(), &mut history, &AccessEvent {
//!         time_secs: 1_000 + t, client: intruder, domestic: table.is_domestic(intruder),
//!         access: Access::Imap, success: t == 5,
//!     }).map(|r| setting.auto_restrict(r));
//! }
//! assert!(matches!(check_access(&setting, Access::Pop, intruder, &table), GeoDecision::Refused { rule: Rule::GeoAuto, .. }));
//! // From Japan, and by webmail, the customer still gets in; turning the switch off lifts it.
//! assert!(matches!(check_access(&setting, Access::Pop, "1.0.20.1".parse()?, &table), GeoDecision::Allowed { .. }));
//! setting.turn_off();
//! assert!(matches!(check_access(&setting, Access::Pop, intruder, &table), GeoDecision::Allowed { .. }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! - `maxminddb`: load the table from MaxMind DB files ([`parse_mmdb`], `SourceFormat::Mmdb`).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod detector;
mod error;
mod rule;
mod shared;
mod sources;
mod switch;
mod table;

pub use crate::detector::{
    AccessEvent, AccountHistory, AutoRestriction, DetectorConfig, Evidence, observe,
};
pub use crate::error::Error;
pub use crate::rule::Rule;
pub use crate::shared::{GeoSourceConfig, SharedTable, SourceFile, SourceFormat, load_table};
#[cfg(feature = "maxminddb")]
pub use crate::sources::parse_mmdb;
pub use crate::sources::{parse_range_csv, parse_rir};
pub use crate::switch::{Access, GeoDecision, GeoSetting, check_access};
pub use crate::table::{CountryCode, DomesticTable};
pub use mail_policy_ip_ranges::RangeList;
