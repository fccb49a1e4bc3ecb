//! Integration tests of the facade, one binary: whole SMTP sessions for every listener
//! role and every refusal of the reply table, the configuration file and its errors, the
//! reply table against `docs/replies.md`.

mod suite {
    mod account;
    mod config;
    mod replies;
    mod session;
    #[cfg(all(feature = "dns-hickory", feature = "mail-auth"))]
    mod verified;
}
