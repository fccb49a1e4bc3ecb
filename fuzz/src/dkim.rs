//! The check behind the `dkim_key` fuzz target (needs auth-results' `mail-auth` feature),
//! shared with `cargo test` like `auth.rs`.

use mail_policy_auth_results::{DkimKey, MIN_RSA_BITS};

/// Loads `data` as a PEM and as a DER key: never a panic; a key that loads is RSA of at
/// least [`MIN_RSA_BITS`] or Ed25519, and its record's public key is base64.
#[allow(unreachable_pub)] // public for the fuzz target, private where tests include this file
pub fn dkim_key(data: &[u8]) {
    for key in [DkimKey::from_pem(data), DkimKey::from_der(data)]
        .into_iter()
        .flatten()
    {
        assert!(key.bits() >= MIN_RSA_BITS || key.bits() == 256, "{key:?}");
        assert!(
            key.public_key_base64()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
        );
    }
}
