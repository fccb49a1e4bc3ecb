//! tmp
#![forbid(unsafe_code)]
pub use mail_policy_address_rules as address;
