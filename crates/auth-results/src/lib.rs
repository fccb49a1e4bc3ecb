//! Sender authentication of a large Japanese consumer ISP (`SPEC.md` section AUTH):
//!
//! - **Inbound (AUTH-IN).** [`Verifier`] (feature `dns-hickory`) checks SPF for HELO and
//!   MAIL FROM, every DKIM signature, DKIM ADSP (RFC 5617, which the seed's header shows
//!   and mail-auth lacks), DMARC with alignment, and optionally ARC and iprev, with
//!   `mail-auth` on a `hickory-resolver` whose name servers and timeouts are configured.
//!   The outcome is an [`AuthReport`]: plain data, so a server with its own resolver can
//!   fill one too. DNS failures are `temperror`, never `pass`.
//! - **The header (AUTH-IN-FORMAT).** [`AuthReport::to_authentication_results`] gives the
//!   `Authentication-Results` header in the seed's shape for the account kind's
//!   authserv-id (`so-net.ne.jp`, `gyao.ne.jp`), folded at 78 columns.
//! - **DMARC (AUTH-IN-DMARC-NOENFORCE).** [`AuthReport::dmarc_action`]: annotate only by
//!   default; quarantine or reject per the sender's policy when the operator enforces.
//! - **Parser (RFC 8601).** [`parse_authentication_results`]: our own parser of the full
//!   grammar, for headers from elsewhere; [`find_forged`] finds the ones claiming our
//!   authserv-id (AUTH-IN-FORGED) so they are removed or renamed before ours is added.
//! - **Outbound.** [`DkimSigner`] (feature `mail-auth`) signs with RSA-SHA256 (≥ 2048 bits)
//!   or Ed25519 and gives the key's TXT record (AUTH-OUT-DKIM); [`spf_record`] and
//!   [`dmarc_record`] give the SPF and `p=none` DMARC records (AUTH-OUT-SPF,
//!   AUTH-OUT-DMARC).
//!
//! # Example
//!
//! Verification results to the seed's header, and the header parsed back:
//!
//! ```
//! use mail_policy_auth_results::{
//!     parse_authentication_results, AuthReport, DkimCheck, DkimResult, DmarcMode,
//!     DmarcDisposition, SpfCheck, SpfIdentity, SpfResult,
//! };
//!
//! let mut report = AuthReport::empty();
//! report.spf_mail_from = Some(SpfCheck {
//!     result: SpfResult::Pass,
//!     identity: SpfIdentity::MailFrom,
//!     value: "AAAAA@ts1.so-net.ne.jp".into(),
//!     reason: None,
//! });
//! report.dkim.push(DkimCheck {
//!     result: DkimResult::Pass,
//!     domain: Some("ts1.so-net.ne.jp".into()),
//!     identity: Some("@ts1.so-net.ne.jp".into()),
//!     selector: Some("s1".into()),
//!     reason: None,
//! });
//! let header = report.to_authentication_results("so-net.ne.jp");
//! assert_eq!(
//!     header.to_value(),
//!     "so-net.ne.jp; spf=pass smtp.mailfrom=AAAAA@ts1.so-net.ne.jp; dkim=pass header.i=@ts1.so-net.ne.jp"
//! );
//! assert_eq!(parse_authentication_results(&header.to_value())?, header);
//! // DMARC never refuses mail unless the operator asks for it.
//! assert_eq!(report.dmarc_action(DmarcMode::default()).disposition, DmarcDisposition::Deliver);
//! # Ok::<(), mail_policy_auth_results::ParseError>(())
//! ```
//!
//! With `dns-hickory`, the report comes from DNS:
//!
//! ```no_run
//! # #[cfg(feature = "dns-hickory")]
//! # async fn example(message: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
//! use mail_policy_auth_results::{Envelope, Verifier, VerifierConfig};
//!
//! let verifier = Verifier::new(VerifierConfig {
//!     name_servers: vec!["127.0.0.1:53".parse()?],
//!     ..VerifierConfig::default()
//! })?;
//! let envelope = Envelope {
//!     client_ip: "192.0.2.10".parse()?,
//!     helo: "mx.example.jp",
//!     mail_from: "taro@example.jp",
//!     receiver: "mx01.so-net.ne.jp",
//! };
//! let report = verifier.verify(&envelope, message).await;
//! print!("{}", report.to_authentication_results("so-net.ne.jp").to_header());
//! # Ok(())
//! # }
//! ```
//!
//! # Crate features
//!
//! - `mail-auth`: DKIM signing and the DKIM key record ([`DkimSigner`], [`DkimKey`]),
//!   with mail-auth's `ring` crypto backend.
//! - `dns-hickory`: verification over DNS ([`Verifier`]); implies `mail-auth`.
//!
//! Without features the crate has no I/O and no crypto: the header, its parser, the
//! forged-header scan, ADSP evaluation and the DNS records to publish.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod adsp;
mod config;
mod error;
mod forged;
mod header;
mod records;
mod report;
mod rule;
#[cfg(feature = "mail-auth")]
mod sign;
#[cfg(feature = "dns-hickory")]
mod verify;

pub use crate::adsp::{
    AdspLookup, AdspPractice, AdspRecordError, evaluate_adsp, has_author_domain_signature,
    parse_adsp_record,
};
pub use crate::config::VerifierConfig;
pub use crate::error::{ParseError, ParseErrorKind};
pub use crate::forged::{ForgedAction, ForgedConfig, ForgedHeader, find_forged};
pub use crate::header::{
    AuthenticationResults, AuthenticationResultsRef, MethodResult, MethodResultRef, Property,
    PropertyRef, authserv_id_of, parse_authentication_results,
};
pub use crate::records::{
    DmarcConfig, RecordError, SpfAll, SpfConfig, TxtRecord, dmarc_record, spf_record,
};
pub use crate::report::{
    AdspCheck, AdspResult, ArcCheck, ArcResult, AuthReport, DkimCheck, DkimResult, DmarcAction,
    DmarcCheck, DmarcDisposition, DmarcMode, DmarcPolicy, DmarcResult, IprevCheck, IprevResult,
    SpfCheck, SpfIdentity, SpfResult,
};
pub use crate::rule::Rule;
#[cfg(feature = "mail-auth")]
pub use crate::sign::{
    DEFAULT_SIGNED_HEADERS, DkimAlgorithm, DkimKey, DkimKeyError, DkimSigner, MIN_RSA_BITS,
};
#[cfg(feature = "dns-hickory")]
pub use crate::verify::{Envelope, Verifier, VerifierError};
