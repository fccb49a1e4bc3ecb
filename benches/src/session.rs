//! The inputs of the whole-transaction bench (`benches/session.rs`) and of its
//! stage-by-stage breakdown (`examples/session_stages.rs`), so that both time the same
//! transaction.

use mail_policy::auth::{AuthReport, DkimCheck, DkimResult, SpfCheck, SpfIdentity, SpfResult};

/// A 10 KB message from outside: a few ordinary header fields (one RFC 2047 subject),
/// then plain text.
pub fn message() -> Vec<u8> {
    let mut text = String::from(
        "Received: from mail.example.com (mail.example.com [192.0.2.1])\r\n\
         From: Sender <sender@example.com>\r\nTo: taro@aa2.so-net.ne.jp\r\n\
         Subject: =?UTF-8?B?5LuK5pel44Gu5LqI5a6a?=\r\nDate: Fri, 04 Dec 2026 10:00:00 +0900\r\n\
         Message-ID: <bench@example.com>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=UTF-8\r\n\r\n",
    );
    while text.len() < 10_000 {
        text.push_str("The quick brown fox jumps over the lazy dog.  0123456789\r\n");
    }
    text.into_bytes()
}

/// What verification found for [`message`], given rather than looked up (no DNS, no
/// crypto): SPF pass for the MAIL FROM, one passing DKIM signature.
pub fn report() -> AuthReport {
    let mut report = AuthReport::empty();
    report.spf_mail_from = Some(SpfCheck {
        result: SpfResult::Pass,
        identity: SpfIdentity::MailFrom,
        value: "sender@example.com".into(),
        reason: None,
    });
    report.dkim.push(DkimCheck {
        result: DkimResult::Pass,
        domain: Some("example.com".into()),
        identity: Some("@example.com".into()),
        selector: Some("s1".into()),
        reason: None,
    });
    report.from = Some("sender@example.com".into());
    report
}

/// The 10 recipients, as `RCPT TO:` arguments: local mailboxes without settings of
/// their own.
pub fn recipients() -> Vec<String> {
    (0..10)
        .map(|i| format!("<user{i}@aa2.so-net.ne.jp>"))
        .collect()
}
