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
//! The daemon's decisions without its sockets: one [`serve::Shared`] state (the engine,
//! the open transactions by `instance`), and [`serve::policy::answer`] for each request.
//! The 201st recipient of one transaction is deferred:
//!
//! ```
//! use std::time::Instant;
//! use mail_policyd::policy_protocol::Decoder;
//! use mail_policyd::serve::policy::{answer, Prechecks};
//! use mail_policyd::serve::{Limits, Shared};
//!
//! let shared = Shared::new(mail_policy::Engine::sonet(), None, Limits::default())?;
//! let mut last = String::new();
//! for n in 1..=201 {
//!     let mut decoder = Decoder::new();
//!     decoder.feed(format!(
//!         "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.10\n\
//!          client_name=mail.example.com\nreverse_client_name=mail.example.com\n\
//!          sender=alice@example.com\nrecipient=user{n}@aa2.so-net.ne.jp\ninstance=1a2b.1\n\n"
//!     ).as_bytes());
//!     let request = decoder.next_request()?.expect("a whole request");
//!     last = answer(&shared, &request, &Prechecks::default(), chrono::Utc::now(), Instant::now()).action;
//! }
//! assert!(last.starts_with("452 4.5.3"), "{last}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! None.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod policy_protocol;
pub mod serve;
