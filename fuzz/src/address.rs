//! The checks behind the `wire_address` and `header_address_list` fuzz targets: an error
//! offset outside the input, or a parsed value whose canonical form does not parse back to
//! it, panics.

use mail_policy_address_rules::{
    Mailbox, ParseErrorKind, Strictness, WireOptions, format_address_list, parse_address_list,
    parse_mail_from, parse_mail_from_bytes, parse_mailbox_list, parse_rcpt_to, parse_rcpt_to_bytes,
};

fn check_offset(input: &str, offset: usize) {
    assert!(
        offset <= input.len(),
        "error offset {offset} beyond input of {} bytes",
        input.len()
    );
}

/// `MAIL FROM:` / `RCPT TO:` arguments and bare mailboxes, at both strictness levels, with
/// and without SMTPUTF8.
#[allow(unreachable_pub)] // public for the fuzz targets, private where tests include this file
pub fn wire_address(data: &[u8]) {
    // Raw bytes first, as a server reads them.
    for smtputf8 in [false, true] {
        let options = WireOptions {
            smtputf8,
            ..WireOptions::default()
        };
        let from_bytes = parse_mail_from_bytes(data, options);
        let _ = parse_rcpt_to_bytes(data, options);
        match std::str::from_utf8(data) {
            Ok(text) => assert_eq!(from_bytes, parse_mail_from(text, options)),
            Err(e) => {
                let err = from_bytes.expect_err("not UTF-8");
                assert_eq!(
                    (err.kind(), err.offset()),
                    (&ParseErrorKind::InvalidUtf8, e.valid_up_to())
                );
            }
        }
    }
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    for strictness in [Strictness::Strict, Strictness::Lenient] {
        for smtputf8 in [false, true] {
            let options = WireOptions {
                smtputf8,
                strictness,
            };
            let reparse = WireOptions {
                smtputf8: true,
                strictness,
            };
            match parse_mail_from(input, options) {
                Ok(mail) => {
                    let printed = if mail.parameters.is_empty() {
                        mail.reverse_path.to_string()
                    } else {
                        format!("{} {}", mail.reverse_path, mail.parameters)
                    };
                    let again = parse_mail_from(&printed, reparse)
                        .unwrap_or_else(|e| panic!("{input:?} printed as {printed:?}: {e}"));
                    assert_eq!(again, mail, "{input:?} printed as {printed:?}");
                    if let Some(mailbox) = mail.reverse_path.mailbox() {
                        let normal = mailbox.normalized();
                        assert_eq!(normal.normalized(), normal);
                    }
                }
                Err(e) => check_offset(input, e.offset()),
            }
            match parse_rcpt_to(input, options) {
                Ok(rcpt) => {
                    let printed = if rcpt.parameters.is_empty() {
                        rcpt.forward_path.to_string()
                    } else {
                        format!("{} {}", rcpt.forward_path, rcpt.parameters)
                    };
                    let again = parse_rcpt_to(&printed, reparse)
                        .unwrap_or_else(|e| panic!("{input:?} printed as {printed:?}: {e}"));
                    assert_eq!(again, rcpt, "{input:?} printed as {printed:?}");
                }
                Err(e) => check_offset(input, e.offset()),
            }
        }
    }
    match input.parse::<Mailbox>() {
        Ok(mailbox) => {
            let printed = mailbox.to_string();
            assert_eq!(
                printed.parse::<Mailbox>().as_ref(),
                Ok(&mailbox),
                "{input:?}"
            );
        }
        Err(e) => check_offset(input, e.offset()),
    }
}

/// RFC 5322 address lists and mailbox lists, at both strictness levels.
#[allow(unreachable_pub)] // see above
pub fn header_address_list(data: &[u8]) {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    for strictness in [Strictness::Strict, Strictness::Lenient] {
        match parse_address_list(input, strictness) {
            Ok(list) => {
                let printed = format_address_list(&list);
                let again = parse_address_list(&printed, strictness)
                    .unwrap_or_else(|e| panic!("{input:?} printed as {printed:?}: {e}"));
                assert_eq!(again, list, "{input:?} printed as {printed:?}");
            }
            Err(e) => check_offset(input, e.offset()),
        }
        if let Err(e) = parse_mailbox_list(input, strictness) {
            check_offset(input, e.offset());
        }
    }
}
