//! AUTH-OUT-DKIM: DKIM signing of mail our users submit (RSA-SHA256 with keys of at least
//! 2048 bits, Ed25519-SHA256 per RFC 8463), keys loaded from PEM or DER, and the DKIM
//! public-key TXT record the operator publishes. Signing is mail-auth's (feature
//! `mail-auth`); this module chooses the keys, the headers and the
//! record, and refuses weak keys. The crypto is mail-auth's `ring` backend (constant-time
//! RSA; see docs/performance.md for the choice).
//!
//! mail-auth stamps `t=` from the system clock: the one clock read in this crate, inside
//! the adapter.

use std::fmt;
use std::path::Path;

use base64ct::{Base64, Encoding};
use mail_auth::common::crypto::{Ed25519Key, RsaKey, Sha256};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::{Canonicalization, DkimSigner as MailAuthSigner, Done};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer};

use crate::Rule;
use crate::records::TxtRecord;

/// The smallest RSA key we sign with (RFC 8301 §3.2 requires 1024 and recommends 2048;
/// the ISP's rule is 2048).
pub const MIN_RSA_BITS: usize = 2048;

/// The headers signed by default: RFC 6376 §5.4.1's list of what should be signed, less
/// the `List-*` fields a mailing list adds. A listed header the message lacks is still
/// named in `h=` (mail-auth signs "nonexistent header fields", RFC 6376 §5.4.2), so it
/// cannot be added later; `From` is also oversigned (listed once more than it occurs) so
/// that a second `From` breaks the signature.
pub const DEFAULT_SIGNED_HEADERS: &[&str] = &[
    "From",
    "Reply-To",
    "Subject",
    "Date",
    "To",
    "Cc",
    "Message-ID",
    "In-Reply-To",
    "References",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
];

/// Why a key could not be loaded or a message signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DkimKeyError {
    /// The key file could not be read.
    #[error("cannot read the key file {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        reason: String,
    },
    /// Neither a PEM private key (`PRIVATE KEY`, `RSA PRIVATE KEY`) nor a DER PKCS#8 or
    /// PKCS#1 private key of RSA or Ed25519.
    #[error("not an RSA or Ed25519 private key in PEM or DER (PKCS#8 or PKCS#1): {0}")]
    Format(String),
    /// An RSA key below [`MIN_RSA_BITS`].
    #[error("RSA key of {bits} bits; DKIM keys must have at least {MIN_RSA_BITS}")]
    WeakKey {
        /// The key's size.
        bits: usize,
    },
    /// The signing domain or selector is not a domain name.
    #[error("invalid {what} {value:?}")]
    Setting {
        /// `domain` or `selector`.
        what: &'static str,
        /// The value given.
        value: String,
    },
    /// mail-auth could not sign (no signed header present, crypto failure).
    #[error("cannot sign: {0}")]
    Sign(String),
}

/// The signature algorithm a key gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DkimAlgorithm {
    /// `rsa-sha256`.
    RsaSha256,
    /// `ed25519-sha256` (RFC 8463).
    Ed25519Sha256,
}

impl DkimAlgorithm {
    /// The `k=` of the key record.
    pub fn key_type(self) -> &'static str {
        match self {
            Self::RsaSha256 => "rsa",
            Self::Ed25519Sha256 => "ed25519",
        }
    }
}

enum KeyPair {
    Rsa(RsaKey<Sha256>),
    Ed25519(Ed25519Key),
}

/// A DKIM private key, with what the key record needs.
pub struct DkimKey {
    pair: KeyPair,
    /// `p=` of the record: SubjectPublicKeyInfo DER for RSA, the raw 32 octets for Ed25519.
    public_key: Vec<u8>,
    bits: usize,
}

impl fmt::Debug for DkimKey {
    // Never prints key material.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DkimKey")
            .field("algorithm", &self.algorithm())
            .field("bits", &self.bits)
            .finish_non_exhaustive()
    }
}

fn format_error(e: impl fmt::Display) -> DkimKeyError {
    DkimKeyError::Format(e.to_string())
}

impl DkimKey {
    /// Reads a key file, PEM or DER (told apart by the `-----BEGIN` line).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, DkimKeyError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| DkimKeyError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
            Self::from_pem(&bytes)
        } else {
            Self::from_der(&bytes)
        }
    }

    /// A key from PEM: `-----BEGIN PRIVATE KEY-----` (PKCS#8, RSA or Ed25519) or
    /// `-----BEGIN RSA PRIVATE KEY-----` (PKCS#1).
    pub fn from_pem(pem: &[u8]) -> Result<Self, DkimKeyError> {
        match PrivateKeyDer::from_pem_slice(pem).map_err(format_error)? {
            PrivateKeyDer::Pkcs8(der) => Self::from_pkcs8(der.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(der) => Self::from_pkcs1(der.secret_pkcs1_der()),
            _ => Err(DkimKeyError::Format(
                "an EC (SEC1) key; DKIM uses RSA or Ed25519".to_owned(),
            )),
        }
    }

    /// A key from DER: PKCS#8 (RSA or Ed25519) or PKCS#1 (RSA).
    pub fn from_der(der: &[u8]) -> Result<Self, DkimKeyError> {
        Self::from_pkcs8(der).or_else(|pkcs8_error| {
            Self::from_pkcs1(der).map_err(|e| match e {
                DkimKeyError::WeakKey { .. } => e,
                _ => pkcs8_error,
            })
        })
    }

    fn from_pkcs8(der: &[u8]) -> Result<Self, DkimKeyError> {
        // OpenSSL writes Ed25519 keys as PKCS#8 v1 (without the public key), which ring
        // accepts only through the "maybe unchecked" constructor.
        if let Ok(key) = Ed25519Key::from_pkcs8_maybe_unchecked_der(der) {
            return Ok(Self {
                public_key: key.public_key(),
                pair: KeyPair::Ed25519(key),
                bits: 256,
            });
        }
        // The size first, so that a short key gets its own error, not ring's refusal.
        let bits = rsa::RsaPrivateKey::from_pkcs8_der(der)
            .map_err(format_error)?
            .size()
            * 8;
        Self::rsa(
            bits,
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der.to_vec())),
        )
    }

    fn from_pkcs1(der: &[u8]) -> Result<Self, DkimKeyError> {
        let bits = rsa::RsaPrivateKey::from_pkcs1_der(der)
            .map_err(format_error)?
            .size()
            * 8;
        Self::rsa(
            bits,
            PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(der.to_vec())),
        )
    }

    fn rsa(bits: usize, der: PrivateKeyDer<'_>) -> Result<Self, DkimKeyError> {
        if bits < MIN_RSA_BITS {
            return Err(DkimKeyError::WeakKey { bits });
        }
        let signing = RsaKey::<Sha256>::from_key_der(der).map_err(format_error)?;
        // ring gives the PKCS#1 RSAPublicKey; DKIM records carry SubjectPublicKeyInfo,
        // which every verifier (OpenDKIM included) reads.
        let public_key = rsa::RsaPublicKey::from_pkcs1_der(&signing.public_key())
            .map_err(format_error)?
            .to_public_key_der()
            .map_err(format_error)?
            .into_vec();
        Ok(Self {
            pair: KeyPair::Rsa(signing),
            public_key,
            bits,
        })
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> DkimAlgorithm {
        match self.pair {
            KeyPair::Rsa(_) => DkimAlgorithm::RsaSha256,
            KeyPair::Ed25519(_) => DkimAlgorithm::Ed25519Sha256,
        }
    }

    /// The key size in bits (256 for Ed25519).
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// The public key as the record's `p=` carries it, base64.
    pub fn public_key_base64(&self) -> String {
        Base64::encode_string(&self.public_key)
    }
}

enum Signer {
    Rsa(MailAuthSigner<RsaKey<Sha256>, Done>),
    Ed25519(MailAuthSigner<Ed25519Key, Done>),
}

/// Signs messages for one domain and selector (AUTH-OUT-DKIM), relaxed/relaxed.
///
/// ```no_run
/// use mail_policy_auth_results::{DkimKey, DkimSigner};
///
/// let key = DkimKey::from_file("/etc/mail-policy/dkim/s2026.pem")?;
/// let signer = DkimSigner::new(key, "so-net.ne.jp", "s2026")?;
/// println!("{}", signer.record().to_zone_line());
/// let message = b"From: taro@so-net.ne.jp\r\nSubject: hi\r\n\r\nbody\r\n";
/// let header = signer.sign(message)?; // "DKIM-Signature: v=1; a=rsa-sha256; ...\r\n"
/// # Ok::<(), mail_policy_auth_results::DkimKeyError>(())
/// ```
pub struct DkimSigner {
    signer: Signer,
    domain: String,
    selector: String,
    algorithm: DkimAlgorithm,
    public_key: String,
    headers: Vec<String>,
}

impl fmt::Debug for DkimSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DkimSigner")
            .field("domain", &self.domain)
            .field("selector", &self.selector)
            .field("algorithm", &self.algorithm)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

fn is_dns_label_list(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Whether the header section of `message` has a `From:` field.
fn has_from_header(message: &[u8]) -> bool {
    for line in message.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return false;
        }
        if let Some(colon) = line.iter().position(|&b| b == b':') {
            if line[..colon].trim_ascii_end().eq_ignore_ascii_case(b"from") {
                return true;
            }
        }
    }
    false
}

impl DkimSigner {
    /// A signer of `domain` with `selector`, signing [`DEFAULT_SIGNED_HEADERS`] with
    /// `From` oversigned.
    pub fn new(key: DkimKey, domain: &str, selector: &str) -> Result<Self, DkimKeyError> {
        Self::with_headers(key, domain, selector, DEFAULT_SIGNED_HEADERS, &["From"])
    }

    /// A signer with its own header list; every name in `oversign` is listed once more so
    /// that an added instance breaks the signature.
    pub fn with_headers(
        key: DkimKey,
        domain: &str,
        selector: &str,
        headers: &[impl AsRef<str>],
        oversign: &[impl AsRef<str>],
    ) -> Result<Self, DkimKeyError> {
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        if !is_dns_label_list(&domain) {
            return Err(DkimKeyError::Setting {
                what: "domain",
                value: domain,
            });
        }
        if !is_dns_label_list(selector) {
            return Err(DkimKeyError::Setting {
                what: "selector",
                value: selector.to_owned(),
            });
        }
        let mut names: Vec<String> = headers.iter().map(|h| h.as_ref().to_owned()).collect();
        if !names.iter().any(|h| h.eq_ignore_ascii_case("from")) {
            // RFC 6376 §5.4: From MUST be signed.
            names.insert(0, "From".to_owned());
        }
        for name in oversign {
            names.push(name.as_ref().to_owned());
        }
        if let Some(bad) = names
            .iter()
            .find(|n| n.is_empty() || !n.bytes().all(|b| b.is_ascii_graphic() && b != b':'))
        {
            return Err(DkimKeyError::Setting {
                what: "header name",
                value: bad.clone(),
            });
        }
        let algorithm = key.algorithm();
        let public_key = key.public_key_base64();
        let signer = match key.pair {
            KeyPair::Rsa(rsa) => Signer::Rsa(
                MailAuthSigner::from_key(rsa)
                    .domain(domain.clone())
                    .selector(selector)
                    .headers(names.clone())
                    .header_canonicalization(Canonicalization::Relaxed)
                    .body_canonicalization(Canonicalization::Relaxed),
            ),
            KeyPair::Ed25519(ed) => Signer::Ed25519(
                MailAuthSigner::from_key(ed)
                    .domain(domain.clone())
                    .selector(selector)
                    .headers(names.clone())
                    .header_canonicalization(Canonicalization::Relaxed)
                    .body_canonicalization(Canonicalization::Relaxed),
            ),
        };
        Ok(Self {
            signer,
            domain,
            selector: selector.to_owned(),
            algorithm,
            public_key,
            headers: names,
        })
    }

    /// Signs `message` (headers, blank line, body; CRLF or LF) and returns the
    /// `DKIM-Signature` header field to prepend, ending with CRLF.
    pub fn sign(&self, message: &[u8]) -> Result<String, DkimKeyError> {
        if !has_from_header(message) {
            // mail-auth would sign the absent From as empty; RFC 6376 §5.4 requires it.
            return Err(DkimKeyError::Sign(
                "the message has no From header (RFC 6376 section 5.4)".to_owned(),
            ));
        }
        let signature = match &self.signer {
            Signer::Rsa(signer) => signer.sign(message),
            Signer::Ed25519(signer) => signer.sign(message),
        }
        .map_err(|e| DkimKeyError::Sign(e.to_string()))?;
        Ok(signature.to_header())
    }

    /// The rule signing serves: `AUTH-OUT-DKIM`.
    pub fn rule(&self) -> Rule {
        Rule::AuthOutDkim
    }

    /// The signing domain (`d=`).
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The selector (`s=`).
    pub fn selector(&self) -> &str {
        &self.selector
    }

    /// The header names signed, oversigned ones repeated.
    pub fn signed_headers(&self) -> &[String] {
        &self.headers
    }

    /// The key record to publish at `<selector>._domainkey.<domain>`:
    /// `v=DKIM1; k=rsa; p=…` (AUTH-OUT-DKIM: "the public key is published in DNS").
    pub fn record(&self) -> TxtRecord {
        TxtRecord::new(
            format!("{}._domainkey.{}.", self.selector, self.domain),
            &format!(
                "v=DKIM1; k={}; p={}",
                self.algorithm.key_type(),
                self.public_key
            ),
            Rule::AuthOutDkim,
        )
    }
}
