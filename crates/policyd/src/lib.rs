//! `mail-policyd` as a library: the pieces of the daemon that tests, benches and the fuzz
//! targets use. The command line is `src/main.rs`.
//!
//! - [`policy_protocol`]: the Postfix policy delegation protocol, sans-IO (request
//!   decoder with bounds, reply encoder).
//! - [`serve`]: the daemon (`mail-policyd serve`): the policy service, the milter, the
//!   metrics endpoint, reload and shutdown.
//!
//! # Example
//!
//! ```
//! use mail_policyd::policy_protocol::{encode_action, Decoder};
//!
//! let mut decoder = Decoder::new();
//! decoder.feed(b"request=smtpd_access_policy\nprotocol_state=RCPT\nrecipient=taro@aa2.so-net.ne.jp\n\n");
//! let request = decoder.next_request()?.expect("a whole request");
//! assert_eq!(request.get("protocol_state"), Some("RCPT"));
//! assert_eq!(encode_action("DUNNO"), "action=DUNNO\n\n");
//! # Ok::<(), mail_policyd::policy_protocol::DecodeError>(())
//! ```
//!
//! # Crate features
//!
//! None.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod policy_protocol;
pub mod serve;
