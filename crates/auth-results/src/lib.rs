//! Sender authentication results of a large Japanese consumer ISP (`SPEC.md` section
//! AUTH): the `Authentication-Results` header in the seed's shape (AUTH-IN-FORMAT), our
//! own RFC 8601 parser of incoming ones, the removal of forged ones claiming our
//! authserv-id (AUTH-IN-FORGED), and the SPF and DMARC records the ISP publishes
//! (AUTH-OUT-SPF, AUTH-OUT-DMARC: [`spf_record`], [`dmarc_record`]).
//!
//! SPF, DKIM, DMARC and ADSP verification with `mail-auth` over real DNS, and DKIM signing,
//! are not built yet (issue 4 continues): this crate holds the header machinery they will
//! produce and consume.
//!
//! # Example
//!
//! ```
//! use mail_policy_auth_results::{parse_authentication_results, AuthenticationResults, MethodResult};
//!
//! let header = AuthenticationResults::new("so-net.ne.jp", vec![
//!     MethodResult::new("spf", "pass").with("smtp", "mailfrom", "AAAAA@ts1.so-net.ne.jp"),
//!     MethodResult::new("dkim", "pass").with("header", "i", "@ts1.so-net.ne.jp"),
//! ]);
//! assert_eq!(
//!     header.to_value(),
//!     "so-net.ne.jp; spf=pass smtp.mailfrom=AAAAA@ts1.so-net.ne.jp; dkim=pass header.i=@ts1.so-net.ne.jp"
//! );
//! assert_eq!(parse_authentication_results(&header.to_value())?, header);
//! # Ok::<(), mail_policy_auth_results::ParseError>(())
//! ```
//!
//! # Crate features
//!
//! None yet.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod adsp;
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
pub use crate::error::{ParseError, ParseErrorKind};
pub use crate::forged::{ForgedAction, ForgedConfig, ForgedHeader, find_forged};
pub use crate::header::{
    AuthenticationResults, MethodResult, Property, authserv_id_of, parse_authentication_results,
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
pub use crate::verify::{Envelope, Verifier, VerifierConfig, VerifierError};
