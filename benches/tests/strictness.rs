//! The benchmark compares parsers that must agree on what an address is: check that they
//! do on the valid inputs, and that ours refuses the malformed inputs a lax parser takes.

use std::str::FromStr;

use benches::{address_corpus, lax_parser_traps};
use email_address::{EmailAddress, Options};
use mail_policy::address::Mailbox;

#[test]
fn both_parsers_accept_every_valid_ascii_input() {
    let options = Options {
        allow_display_text: false,
        ..Options::default()
    };
    for input in address_corpus().valid_ascii {
        assert!(Mailbox::from_str(&input).is_ok(), "we refuse {input:?}");
        assert!(
            EmailAddress::parse_with_options(&input, options).is_ok(),
            "email_address refuses {input:?}"
        );
    }
}

#[test]
fn we_accept_valid_utf8_and_refuse_every_invalid_input() {
    let corpus = address_corpus();
    for input in &corpus.valid_utf8 {
        assert!(Mailbox::from_str(input).is_ok(), "we refuse {input:?}");
    }
    for input in &corpus.invalid {
        assert!(Mailbox::from_str(input).is_err(), "we accept {input:?}");
    }
}

#[test]
fn email_address_accepts_traps_that_we_refuse() {
    let options = Options {
        allow_display_text: false,
        ..Options::default()
    };
    let traps = lax_parser_traps();
    let accepted_by_peer: Vec<&String> = traps
        .iter()
        .filter(|input| EmailAddress::parse_with_options(input, options).is_ok())
        .collect();
    // At the time of writing email_address 0.2 takes most of them; if it becomes stricter,
    // this number falls and docs/performance.md should say so.
    assert!(
        !accepted_by_peer.is_empty(),
        "email_address refuses every trap now"
    );
    for input in &traps {
        assert!(Mailbox::from_str(input).is_err(), "we accept {input:?}");
    }
    eprintln!(
        "email_address accepts {} of {} malformed inputs: {accepted_by_peer:?}",
        accepted_by_peer.len(),
        traps.len()
    );
}
