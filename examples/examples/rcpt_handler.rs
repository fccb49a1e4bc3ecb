//! A toy SMTP `RCPT TO` handler that embeds `mail_policy::address`: it parses each path as
//! a strict SMTP server should, classifies the recipient by the ISP's address rules and a
//! small in-memory directory, and answers with an SMTP reply that names the `SPEC.md` rule
//! behind it.
//!
//! Run the built-in transaction, or give your own `RCPT TO:` arguments:
//!
//! ```text
//! cargo run -p examples --example rcpt_handler
//! cargo run -p examples --example rcpt_handler -- '<you@aa2.so-net.ne.jp>' '<bad..dots@x>'
//! ```

use std::collections::HashMap;

use chrono::{TimeZone, Utc};
use mail_policy::address::{
    AddressKind, AddressPolicy, ChangeDecision, ChangeRequest, ForwardPath, Mailbox, Rule,
    WireOptions, parse_mail_from, parse_rcpt_to,
};

/// The server's directory: which addresses exist, and what they are.
struct Directory(HashMap<String, AddressKind>);

impl Directory {
    fn demo() -> Self {
        Self(HashMap::from([
            ("taro@aa2.so-net.ne.jp".to_owned(), AddressKind::Basic),
            ("taro.shop@aa2.so-net.ne.jp".to_owned(), AddressKind::Plus),
            ("taro.box@aa2.so-net.ne.jp".to_owned(), AddressKind::ABox),
            ("oldtaro@aa2.so-net.ne.jp".to_owned(), AddressKind::Alias),
            ("hanako@gyao.ne.jp".to_owned(), AddressKind::Basic),
        ]))
    }

    fn lookup(&self, mailbox: &Mailbox) -> Option<AddressKind> {
        // `classify` hands us the normalized address, so a plain map lookup is enough.
        self.0.get(&mailbox.to_string()).copied()
    }
}

/// One SMTP reply: code, RFC 3463 enhanced code, text.
struct Reply {
    code: u16,
    enhanced: &'static str,
    text: String,
}

impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.code, self.enhanced, self.text)
    }
}

/// The RCPT stage of a receiving MX for the ISP's domains.
fn handle_rcpt(
    policy: &AddressPolicy,
    directory: &Directory,
    argument: &str,
    smtputf8: bool,
) -> Reply {
    let options = WireOptions {
        smtputf8,
        ..WireOptions::default()
    };
    let rcpt = match parse_rcpt_to(argument, options) {
        Ok(rcpt) => rcpt,
        Err(e) => {
            return Reply {
                code: 501,
                enhanced: "5.1.3",
                text: format!("Bad recipient address syntax: {e} [{}]", e.rule()),
            };
        }
    };
    let mailbox = match rcpt.forward_path {
        ForwardPath::Postmaster => {
            return Reply {
                code: 250,
                enhanced: "2.1.5",
                text: "Postmaster OK".to_owned(),
            };
        }
        ForwardPath::Mailbox(mailbox) => mailbox,
    };
    let class = policy.classify(&mailbox, |m| directory.lookup(m));
    match class.kind {
        AddressKind::Foreign => Reply {
            code: 554,
            enhanced: "5.7.1",
            text: format!(
                "<{mailbox}>: Relay access denied (not an ISP domain) [{}]",
                class.rule
            ),
        },
        AddressKind::UnregisteredIsp => {
            let why = class
                .form_violation
                .map_or_else(|| "no such mailbox".to_owned(), |v| v.to_string());
            Reply {
                code: 550,
                enhanced: "5.1.1",
                text: format!(
                    "<{mailbox}>: Recipient address rejected: {why} [{}]",
                    Rule::AddrForm
                ),
            }
        }
        kind => Reply {
            code: 250,
            enhanced: "2.1.5",
            text: format!("<{mailbox}> OK ({kind:?}) [{}]", class.rule),
        },
    }
}

fn main() {
    let policy = AddressPolicy::sonet();
    let directory = Directory::demo();

    let mail = "<sender@example.com> SIZE=4096 SMTPUTF8";
    let smtputf8 = match parse_mail_from(mail, WireOptions::default()) {
        Ok(mail) => mail.parameters.smtputf8(),
        Err(e) => {
            eprintln!("MAIL FROM refused: {e}");
            std::process::exit(1);
        }
    };
    println!("C: MAIL FROM:{mail}\nS: 250 2.1.0 OK");

    let given: Vec<String> = std::env::args().skip(1).collect();
    let arguments: Vec<String> = if given.is_empty() {
        [
            "<Taro@AA2.so-net.ne.jp>",
            "<taro.shop@aa2.so-net.ne.jp> NOTIFY=NEVER",
            "<oldtaro@aa2.so-net.ne.jp>",
            "<hanako@gyao.ne.jp>",
            "<jiro@aa2.so-net.ne.jp>",
            "<taro@so-net.ne.jp>",
            "<friend@example.com>",
            "<Postmaster>",
            "<taro..yamada@aa2.so-net.ne.jp>",
            "<taro@[300.1.2.3]>",
            "<用户@例え.jp>",
        ]
        .map(str::to_owned)
        .to_vec()
    } else {
        given
    };
    for argument in &arguments {
        println!("C: RCPT TO:{argument}");
        println!(
            "S: {}",
            handle_rcpt(&policy, &directory, argument, smtputf8)
        );
    }

    // The same policy answers account questions: the eleventh address change of a fiscal
    // year costs 330 yen (ADDR-CHANGE).
    let taro: Mailbox = "taro@aa2.so-net.ne.jp".parse().expect("valid address");
    let history: Vec<_> = (1..=10)
        .filter_map(|day| Utc.with_ymd_and_hms(2026, 5, day, 12, 0, 0).single())
        .collect();
    let now = Utc
        .with_ymd_and_hms(2026, 12, 4, 10, 0, 0)
        .single()
        .expect("valid time");
    let request = ChangeRequest {
        current: &taro,
        new_user_name: "taro2026",
        history: &history,
        now,
    };
    match policy.decide_change(request, |m| directory.lookup(m).is_some()) {
        Ok(ChangeDecision::Approved(change)) => println!(
            "\naddress change {} -> {}: change {} of {}, fee {} yen [{}]",
            change.old_address,
            change.new_address,
            change.quote.change_number,
            change.quote.fiscal_year,
            change.quote.fee_yen,
            change.quote.rule
        ),
        Ok(ChangeDecision::Refused(why)) => {
            println!("\naddress change refused: {why} [{}]", why.rule())
        }
        Err(e) => println!("\naddress change: bad request: {e}"),
    }
}
