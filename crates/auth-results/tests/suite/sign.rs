//! AUTH-OUT-DKIM: keys from PEM and DER, weak and foreign keys refused with a clear error,
//! the signature header and the key record.

use mail_policy_auth_results::{
    DkimAlgorithm, DkimKey, DkimKeyError, DkimSigner, MIN_RSA_BITS, Rule,
};

pub(crate) fn data(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

pub(crate) const MESSAGE: &[u8] = b"From: Taro <taro@ts1.so-net.ne.jp>\r\n\
To: hanako@example.net\r\n\
Subject: =?UTF-8?B?5LuK5pel44Gu5LqI5a6a?=\r\n\
Date: Fri, 04 Dec 2026 10:00:00 +0900\r\n\
Message-ID: <20261204100000.1@ts1.so-net.ne.jp>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=UTF-8\r\n\
\r\n\
Hello.\r\n\
\r\n\
See you tomorrow.\r\n";

#[test]
fn keys_load_from_every_format() {
    for (file, algorithm, bits) in [
        ("rsa2048.pem", DkimAlgorithm::RsaSha256, 2048),
        ("rsa2048-pkcs1.pem", DkimAlgorithm::RsaSha256, 2048),
        ("rsa2048.der", DkimAlgorithm::RsaSha256, 2048),
        ("ed25519.pem", DkimAlgorithm::Ed25519Sha256, 256),
    ] {
        let key = DkimKey::from_file(data(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(key.algorithm(), algorithm, "{file}");
        assert_eq!(key.bits(), bits, "{file}");
    }
    // PKCS#8 PEM and its DER form are the same key.
    let pem = DkimKey::from_file(data("rsa2048.pem")).expect("pem");
    let der = DkimKey::from_file(data("rsa2048.der")).expect("der");
    let pkcs1 = DkimKey::from_file(data("rsa2048-pkcs1.pem")).expect("pkcs1");
    assert_eq!(pem.public_key_base64(), der.public_key_base64());
    assert_eq!(pem.public_key_base64(), pkcs1.public_key_base64());
    // Ed25519's p= is the raw 32-octet key (RFC 8463 §4.2): 44 base64 characters.
    let ed = DkimKey::from_file(data("ed25519.pem")).expect("ed25519");
    assert_eq!(ed.public_key_base64().len(), 44);
    // Debug output never shows key material.
    assert!(!format!("{pem:?}").contains(&pem.public_key_base64()[..20]));
}

#[test]
fn bad_keys_are_refused_with_the_reason() {
    assert_eq!(
        DkimKey::from_file(data("rsa1024.pem")).map(|_| ()),
        Err(DkimKeyError::WeakKey { bits: 1024 })
    );
    const { assert!(MIN_RSA_BITS >= 2048) };
    let ec = DkimKey::from_file(data("p256.pem")).expect_err("EC key");
    assert!(ec.to_string().contains("RSA or Ed25519"), "{ec}");
    let missing = DkimKey::from_file(data("no-such-key.pem")).expect_err("missing");
    assert!(
        matches!(&missing, DkimKeyError::Read { path, .. } if path.ends_with("no-such-key.pem")),
        "{missing}"
    );
    for garbage in [
        &b""[..],
        b"-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n",
        b"\x30\x03\x02\x01\x00",
        &[0xff; 64],
    ] {
        let error = DkimKey::from_pem(garbage)
            .and_then(|_| DkimKey::from_der(garbage))
            .expect_err("garbage is not a key");
        assert!(matches!(error, DkimKeyError::Format(_)), "{error:?}");
    }
}

#[test]
fn signature_header_names_domain_selector_and_oversigned_from() {
    let key = DkimKey::from_file(data("rsa2048.pem")).expect("key");
    let signer = DkimSigner::new(key, "TS1.so-net.ne.jp.", "s2026").expect("signer");
    assert_eq!(signer.domain(), "ts1.so-net.ne.jp");
    assert_eq!(signer.rule(), Rule::AuthOutDkim);
    let header = signer.sign(MESSAGE).expect("sign");
    assert!(
        header.starts_with("DKIM-Signature: v=1; a=rsa-sha256;"),
        "{header}"
    );
    assert!(header.ends_with("\r\n"), "{header:?}");
    let unfolded = header.replace("\r\n", "").replace([' ', '\t'], "");
    assert!(unfolded.contains("d=ts1.so-net.ne.jp;"), "{header}");
    assert!(unfolded.contains("s=s2026;"), "{header}");
    assert!(unfolded.contains("c=relaxed/relaxed;"), "{header}");
    // From is signed for its one instance and listed once more (oversigned).
    let h = unfolded
        .split(';')
        .find_map(|tag| tag.strip_prefix("h="))
        .expect("h= tag")
        .to_ascii_lowercase();
    assert_eq!(
        h.split(':').filter(|name| *name == "from").count(),
        2,
        "{h}"
    );
    assert!(h.contains("subject") && h.contains("message-id"), "{h}");
    // A configured header the message lacks is listed too (RFC 6376 §5.4.2): nobody can
    // add a Reply-To later without breaking the signature.
    assert!(h.split(':').any(|name| name == "reply-to"), "{h}");
}

#[test]
fn key_record_is_published_at_the_selector() {
    let rsa = DkimSigner::new(
        DkimKey::from_file(data("rsa2048.pem")).expect("key"),
        "so-net.ne.jp",
        "s2026",
    )
    .expect("signer");
    let record = rsa.record();
    assert_eq!(record.name, "s2026._domainkey.so-net.ne.jp.");
    assert_eq!(record.rule, Rule::AuthOutDkim);
    let text = record.text();
    assert!(text.starts_with("v=DKIM1; k=rsa; p=MIIBIjAN"), "{text}");
    assert!(record.strings.iter().all(|s| s.len() <= 255), "{record:?}");
    assert!(
        record.strings.len() >= 2,
        "a 2048-bit key needs two strings"
    );

    let ed = DkimSigner::new(
        DkimKey::from_file(data("ed25519.pem")).expect("key"),
        "so-net.ne.jp",
        "ed2026",
    )
    .expect("signer");
    assert!(ed.record().text().starts_with("v=DKIM1; k=ed25519; p="));
    assert!(ed.sign(MESSAGE).expect("sign").contains("a=ed25519-sha256"));
}

#[test]
fn bad_settings_and_unsignable_messages_are_errors() {
    let key = || DkimKey::from_file(data("ed25519.pem")).expect("key");
    assert!(matches!(
        DkimSigner::new(key(), "not a domain", "s1"),
        Err(DkimKeyError::Setting { what: "domain", .. })
    ));
    assert!(matches!(
        DkimSigner::new(key(), "example.jp", "s;1"),
        Err(DkimKeyError::Setting {
            what: "selector",
            ..
        })
    ));
    assert!(matches!(
        DkimSigner::with_headers(
            key(),
            "example.jp",
            "s1",
            &["Subject", "Bad:Name"],
            &["From"]
        ),
        Err(DkimKeyError::Setting {
            what: "header name",
            ..
        })
    ));
    // From is always signed, even when the list forgets it.
    let signer = DkimSigner::with_headers(key(), "example.jp", "s1", &["Subject"], &[] as &[&str])
        .expect("signer");
    assert_eq!(signer.signed_headers()[0], "From");
    // A message without a From header cannot be signed.
    let error = signer
        .sign(b"X-Other: 1\r\n\r\nbody\r\n")
        .expect_err("nothing to sign");
    assert!(matches!(error, DkimKeyError::Sign(_)), "{error:?}");
}

/// Writes signed messages and key records for the crypto-backend comparison in
/// docs/performance.md; ignored because it writes files for a manual measurement
/// (`benches/crypto-backends/run.sh` runs it with `DKIM_FIXTURES` set).
#[test]
#[ignore = "writes fixtures for a manual measurement"]
fn write_backend_fixtures() {
    let Ok(dir) = std::env::var("DKIM_FIXTURES") else {
        return;
    };
    let mut body = String::new();
    while body.len() < 10_000 {
        body.push_str("The quick brown fox jumps over the lazy dog.  0123456789\r\n");
    }
    for (name, file) in [("rsa", "rsa2048.pem"), ("ed", "ed25519.pem")] {
        let signer = DkimSigner::new(
            DkimKey::from_file(data(file)).expect("key"),
            "ts1.so-net.ne.jp",
            name,
        )
        .expect("signer");
        let mut message = String::from_utf8_lossy(MESSAGE).into_owned();
        message.truncate(message.find("\r\n\r\n").expect("headers") + 4);
        message.push_str(&body);
        let signed = format!(
            "{}{message}",
            signer.sign(message.as_bytes()).expect("sign")
        );
        std::fs::write(format!("{dir}/{name}.eml"), signed).expect("write");
        std::fs::write(format!("{dir}/{name}.txt"), signer.record().text()).expect("write");
    }
}
