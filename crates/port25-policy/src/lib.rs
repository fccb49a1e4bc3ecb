//! Port 25 rules of a large Japanese consumer ISP (`SPEC.md` section P25), for any Rust
//! mail server and for the routers of its access network:
//!
//! - **OP25B** (P25-OUT): customers on the access network reach port 25 only on the ISP's
//!   own mail servers; fixed-IP customers are exempt ([`Op25b::decide`]). The same policy
//!   exports as an nftables rule set ([`Op25b::to_nftables`]).
//! - **Submission and listeners** (P25-SUBMIT, P25-TLS): listener roles (25, 587, 465,
//!   995, 993) and the stage decisions of an SMTP session: no AUTH before TLS, no MAIL
//!   without AUTH on submission, no relaying without AUTH on the MX, the AUTH identity
//!   must own the envelope sender ([`SubmissionPolicy`]).
//! - **IP25B** (P25-IN): on the MX, unauthenticated clients are classified as dynamic
//!   addresses from dynamic-pool lists, the PTR name (one `RegexSet` of generic and
//!   Japanese residential patterns, embedded addresses, missing or unconfirmed names) and
//!   a PBL-style DNSBL answer; dynamic senders in volume are refused with a text naming
//!   their address, DNS failures defer ([`Ip25b::decide`]).
//! - **CIDR sets** for all of it: merged sorted intervals, IPv4 and IPv6, IPv4-mapped
//!   addresses looked up as IPv4 ([`CidrSet`]).
//!
//! Sans-IO: PTR and DNSBL answers come in as arguments ([`PtrAnswer`], [`DnsblAnswer`]);
//! the `dns-hickory` feature adds a resolver that produces them. Every decision names the
//! `SPEC.md` rule behind it ([`Rule`]). Most users reach this crate through the facade,
//! as `mail_policy::port25`.
//!
//! # Example
//!
//! ```
//! use mail_policy_port25_policy::{
//!     DnsblAnswer, Flow, FlowDecision, Ip25b, Ip25bDecision, Ip25bInput, ListenerRole, Op25b,
//!     Op25bConfig, PtrAnswer, ServiceKind,
//! };
//!
//! // OP25B on the access network.
//! let op25b = Op25b::new(&Op25bConfig {
//!     access_pools: vec!["198.51.100.0/24".into()],
//!     own_mail_servers: vec!["192.0.2.25".into()],
//!     fixed_ip_customers: vec![],
//! })?;
//! let flow = Flow {
//!     source: "198.51.100.7".parse()?,
//!     destination: "203.0.113.5".parse()?,
//!     port: 25,
//!     service: ServiceKind::Dynamic,
//! };
//! assert!(matches!(op25b.decide(flow), FlowDecision::Block { .. }));
//! assert!(op25b.to_nftables("op25b")?.contains("reject with tcp reset"));
//!
//! // IP25B on the MX: a residential sender in volume is refused, with its address.
//! let ip25b = Ip25b::sonet();
//! let ptr = PtrAnswer::Name { name: "softbank126123045067.bbtec.net".into(), forward_confirmed: true };
//! let decision = ip25b.decide(&Ip25bInput {
//!     client: "126.123.45.67".parse()?,
//!     role: ListenerRole::Mx,
//!     authenticated: false,
//!     ptr: &ptr,
//!     dnsbl: &DnsblAnswer::NotListed,
//!     recent_messages: 50,
//! });
//! let Ip25bDecision::Reject(refusal) = decision else { panic!("{decision:?}") };
//! assert!(refusal.to_string().contains("126.123.45.67"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! - `dns-hickory`: [`HickoryLookups`](dns::HickoryLookups), PTR (with forward
//!   confirmation) and DNSBL lookups with `hickory-resolver` on tokio.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cidr;
#[cfg(feature = "dns-hickory")]
pub mod dns;
mod error;
mod ip25b;
mod listener;
mod op25b;
mod rule;

pub use crate::cidr::CidrSet;
pub use crate::error::Error;
pub use crate::ip25b::{
    Classification, DnsblAnswer, GENERIC_PTR_PATTERNS, Ip25b, Ip25bConfig, Ip25bDecision,
    Ip25bInput, Ip25bRefusal, JAPANESE_ISP_PTR_PATTERNS, PtrAnswer, Signal,
};
pub use crate::listener::{
    EhloAdvert, ListenerRole, Refusal, SenderMatch, SmtpSession, StageDecision, SubmissionConfig,
    SubmissionPolicy,
};
pub use crate::op25b::{Flow, FlowDecision, Op25b, Op25bConfig, ServiceKind};
pub use crate::rule::Rule;
