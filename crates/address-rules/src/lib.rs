//! Address rules of a large Japanese consumer ISP (`SPEC.md` section ADDR), for any Rust
//! mail server:
//!
//! - **Wire and header addresses** (ADDR-RFC): RFC 5321 paths and ESMTP parameters
//!   ([`parse_mail_from`], [`parse_rcpt_to`]), RFC 5322 address lists with display names,
//!   groups, comments and the obsolete forms ([`parse_address_list`]), SMTPUTF8 and IDN
//!   (RFC 6531/6532), length limits, IPv4/IPv6 address literals. Two strictness levels
//!   ([`Strictness`]). Errors say what is wrong and at which byte ([`ParseError`]).
//! - **ISP addresses** (ADDR-FORM, ADDR-USER): `<user>@<sub>.<domain>` on configured
//!   domains ([`AddressPolicy::parse_isp_address`]), classification into basic / A-Box /
//!   PostPet / plus / own domain / alias / foreign ([`AddressPolicy::classify`]),
//!   user-name rules ([`AddressPolicy::check_user_name`]).
//! - **Address changes** (ADDR-CHANGE, ADDR-CHANGE-CARRY): ten free changes per fiscal
//!   year (April to March, Japan time), then 330 yen ([`AddressPolicy::decide_change`]).
//! - **Passwords** (ADDR-PW, ADDR-PW-DEPS): [`AddressPolicy::decide_password_change`].
//! - **Extra addresses** (ADDR-PLUS, ADDR-ABOX, ADDR-POSTPET, ADDR-OWN-DOMAIN, ADDR-ALIAS):
//!   [`AddressPolicy::decide_extra_address`], [`AddressPolicy::resolve`].
//!
//! The crate is sans-IO: it reads no clock and does no I/O. Time comes in as a `now`
//! argument, directory lookups as closures the caller supplies. Every decision names the
//! `SPEC.md` rule behind it ([`Rule`]).
//!
//! Most users reach this crate through the facade, `mail_policy::address`.
//!
//! # Example
//!
//! A toy RCPT handler: parse the path as an SMTP server should, then decide by the ISP's
//! address form and a directory.
//!
//! ```
//! use mail_policy_address_rules::{
//!     parse_rcpt_to, AddressKind, AddressPolicy, ForwardPath, WireOptions,
//! };
//!
//! let policy = AddressPolicy::sonet();
//! let directory = |m: &mail_policy_address_rules::Mailbox| {
//!     (m.to_string() == "taro@aa2.so-net.ne.jp").then_some(AddressKind::Basic)
//! };
//!
//! let rcpt = parse_rcpt_to("<Taro@AA2.so-net.ne.jp> NOTIFY=NEVER", WireOptions::default())?;
//! let ForwardPath::Mailbox(mailbox) = rcpt.forward_path else { unreachable!() };
//! let class = policy.classify(&mailbox, directory);
//! assert_eq!(class.kind, AddressKind::Basic);
//! assert_eq!(class.isp.unwrap().sub.as_deref(), Some("aa2"));
//!
//! // Bad input is a typed error with a position, never a panic.
//! let err = parse_rcpt_to("<taro@aa2..so-net.ne.jp>", WireOptions::default()).unwrap_err();
//! assert_eq!(err.to_string(), "empty label (two dots in a row, or a dot at an end) at byte 10");
//! assert_eq!(err.rule().id(), "ADDR-RFC");
//! # Ok::<(), mail_policy_address_rules::ParseError>(())
//! ```
//!
//! # Crate features
//!
//! None: the crate has no I/O to put behind features. Configuration types implement
//! `serde`'s `Serialize` and `Deserialize` unconditionally, since configuration is data.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod account;
mod change;
mod config;
mod error;
mod header;
mod isp;
mod mailbox;
mod password;
mod rule;
mod syntax;
mod user_name;
mod wire;

pub use crate::account::{Account, Delivery, ExtraDecision, ExtraKind, ExtraRefusal};
pub use crate::change::{
    ApprovedChange, CarriedSetting, ChangeDecision, ChangeRefusal, ChangeRequest, DependentSetting,
    FeeQuote, FiscalYear,
};
pub use crate::config::{
    AddressConfig, AddressPolicy, ChangeConfig, DomainConfig, DomainKind, ExtraAddressConfig,
    PasswordConfig, SubdomainConfig, UserNameConfig,
};
pub use crate::error::{Error, ParseError, ParseErrorKind};
pub use crate::header::{
    Address, Group, NamedMailbox, format_address_list, parse_address_list, parse_header_mailbox,
    parse_mailbox_list,
};
pub use crate::isp::{AddressKind, Classification, FormViolation, IspAddress};
pub use crate::mailbox::{
    AddressLiteral, Domain, DomainName, LocalPart, MAX_DOMAIN_LEN, MAX_LOCAL_PART_LEN,
    MAX_MAILBOX_LEN, MAX_PATH_LEN, Mailbox,
};
pub use crate::password::{Credential, PasswordChange, PasswordViolation};
pub use crate::rule::Rule;
pub use crate::user_name::{UserName, UserNameViolation};
pub use crate::wire::{
    ForwardPath, MailFrom, Parameters, RcptTo, ReversePath, Strictness, WireOptions,
    parse_forward_path, parse_mail_from, parse_mail_from_bytes, parse_rcpt_to, parse_rcpt_to_bytes,
    parse_reverse_path,
};
