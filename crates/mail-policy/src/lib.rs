//! **mail-policy**: the mail rules of a large Japanese consumer ISP, for any Rust mail
//! server, as composable sans-IO policy crates behind this one facade.
//!
//! Each module is one policy crate, re-exported whole:
//!
//! | module | crate | rules (`SPEC.md`) |
//! |---|---|---|
//! | [`address`] | `mail-policy-address-rules` | ADDR-*: RFC 5321/5322/6531 addresses, ISP address forms, user names, address changes with a yearly free quota, passwords, extra addresses |
//! | [`port25`] | `mail-policy-port25-policy` | P25-*: Outbound Port 25 Blocking with nftables export, submission and listener rules, Inbound Port 25 Blocking of dynamic senders |
//! | [`rate`] | `mail-policy-rate-limit` | RATE-*: send limits (GCRA, several per key) with suspension, in memory or shared on Redis |
//! | [`geo`] | `mail-policy-geo-restrict` | GEO-*: domestic-address table from RIR files or MaxMind DB, the per-account overseas switch, automatic restriction on suspicious access |
//! | [`auth`] | `mail-policy-auth-results` | AUTH-*: SPF, DKIM, DMARC and ADSP verification over DNS, the `Authentication-Results` header in the ISP's shape, its RFC 8601 parser, removal of forged ones, DKIM signing, the SPF/DMARC/DKIM records to publish |
//! | [`mailbox`] | `mail-policy-mailbox-policy` | MBX-*, REJ-*, FWD-*, SPAM-*, VIRUS-*: size and recipient limits, retention, reject lists, forwarding, spam sorting, virus-check policy, one delivery plan |
//!
//! What only the composition knows lives here: one TOML configuration for every crate
//! ([`Config`], the profile of `SPEC.md` built in), an [`Engine`] compiled from it, a
//! [`Session`] that walks one SMTP transaction stage by stage and answers each stage with
//! a [`Verdict`] (action, SMTP reply, header edits, subject rewrite, deliveries, and the
//! explain trace of every rule consulted), and the one place where decisions become SMTP
//! replies ([`reply`], listed in `docs/replies.md`).
//!
//! Every crate is sans-IO: decisions are pure functions of their inputs, `now` and lookup
//! results are arguments, and every decision names the `SPEC.md` rule behind it. The
//! session stages are synchronous; only
//! [`Session::end_of_message_verified`] (feature `dns-hickory`) awaits DNS.
//!
//! # Example
//!
//! A whole inbound session on the built-in profile:
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use mail_policy::port25::{DnsblAnswer, PtrAnswer};
//! use mail_policy::{Action, Connect, ContentScan, Engine};
//!
//! let engine = Engine::sonet();
//! let now = Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, 0).unwrap();
//! let ptr = PtrAnswer::Name { name: "mail.example.com".into(), forward_confirmed: true };
//! let (mut session, hello) = engine.connect(&Connect {
//!     client_ip: "192.0.2.1".parse()?,
//!     port: 25,
//!     ptr: &ptr,
//!     dnsbl: &DnsblAnswer::NotListed,
//!     recent_messages: 0,
//!     explain: true,
//! });
//! assert_eq!(hello.reply.code, 220);
//! session.ehlo("mail.example.com");
//! assert!(session.mail_from("<sender@example.com> SIZE=30000000", now).reply.to_string()
//!     .starts_with("552 5.3.4 Message size exceeds fixed limit (MBX-SIZE"));
//! assert!(session.mail_from("<sender@example.com>", now).is_accept());
//! assert!(session.rcpt_to("<taro@aa2.so-net.ne.jp>").is_accept());
//! let relay = session.rcpt_to("<someone@example.org>");
//! assert_eq!(relay.reply.to_string(), "554 5.7.1 <someone@example.org>: Relay access denied (P25-SUBMIT)");
//! session.data();
//! let done = session.end_of_message(
//!     b"From: sender@example.com\r\nSubject: hi\r\n\r\nHello.\r\n",
//!     None,
//!     &ContentScan::default(),
//!     now,
//! );
//! assert_eq!(done.action, Action::Accept);
//! assert_eq!(done.deliveries[0].outcome, "inbox");
//! assert!(session.trace().iter().any(|check| check.rule == "MBX-RETAIN"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A single crate works alone too:
//!
//! ```
//! use mail_policy::address::{parse_rcpt_to, AddressKind, AddressPolicy, WireOptions};
//!
//! let policy = AddressPolicy::sonet();
//! let rcpt = parse_rcpt_to("<taro@aa2.so-net.ne.jp>", WireOptions::default())?;
//! let mailbox = rcpt.forward_path.mailbox().expect("not <Postmaster>");
//! let class = policy.classify(mailbox, |_| Some(AddressKind::Basic));
//! assert_eq!(class.kind, AddressKind::Basic);
//! assert_eq!(class.rule.id(), "ADDR-FORM");
//! # Ok::<(), mail_policy::address::ParseError>(())
//! ```
//!
//! # Crate features
//!
//! - `dns-hickory`: PTR and DNSBL lookups for IP25B (`port25::dns::HickoryLookups`);
//!   SPF, DKIM, DMARC, ADSP, ARC and iprev verification (`auth::Verifier`,
//!   `Session::end_of_message_verified`).
//! - `mail-auth`: DKIM signing and the DKIM key record (`auth::DkimSigner`; the engine
//!   signs authenticated submissions when `[auth.dkim]` is configured).
//! - `redis`: the fleet-wide rate-limit store (`rate::RedisStore`).
//! - `maxminddb`: MaxMind DB files as a source of the domestic table (`geo::parse_mmdb`).
//!
//! Further I/O adapters arrive behind features named after their backend with the crates
//! that need them.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod account;
mod config;
mod engine;
pub mod reply;
mod verdict;

pub use crate::account::{Login, LoginVerdict};
pub use crate::config::{
    AuthConfig, Config, ConfigError, DkimConfig, GeoConfig, ListenerConfig, MailboxEntry,
    MailboxesConfig, MailboxesFile, RateConfig, RateStoreConfig,
};
pub use crate::engine::{Connect, Engine, Session, TRACE_LIMIT, header_fields};
pub use crate::reply::{Action, Reply};
pub use crate::verdict::{
    Check, Checks, ContentScan, Delivery, HeaderEdit, HeaderField, Stage, Verdict,
};
/// The string type of [`Delivery::recipient`] (from `compact_str`), re-exported so that
/// it can be named without a dependency of one's own.
pub use compact_str::CompactString;
pub use mail_policy_address_rules as address;
pub use mail_policy_auth_results as auth;
pub use mail_policy_geo_restrict as geo;
pub use mail_policy_mailbox_policy as mailbox;
pub use mail_policy_port25_policy as port25;
pub use mail_policy_rate_limit as rate;
