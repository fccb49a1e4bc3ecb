//! Shared inputs of the criterion benchmarks in `benches/` (and of the tests that check
//! what the peers accept). Nothing here is published.

/// Addresses as they arrive at an ISP's servers, in three sets.
pub struct AddressCorpus {
    /// Well-formed ASCII addresses: ISP customers, webmail providers, mailing lists,
    /// quoted local parts, address literals.
    pub valid_ascii: Vec<String>,
    /// Well-formed internationalised addresses (RFC 6531): UTF-8 local parts and IDN
    /// domains.
    pub valid_utf8: Vec<String>,
    /// Malformed addresses, each for a different reason.
    pub invalid: Vec<String>,
}

/// Malformed inputs that a lax parser takes for addresses: over-long parts and broken
/// address literals. A strict parser must refuse every one.
pub fn lax_parser_traps() -> Vec<String> {
    let long_label = "d".repeat(63);
    vec![
        // Local part over 64 octets (RFC 5321 §4.5.3.1.1).
        format!("{}@example.com", "a".repeat(65)),
        // Mailbox over 254 octets (does not fit a 256-octet path).
        format!("user@{long_label}.{long_label}.{long_label}.{long_label}.jp"),
        // Label over 63 octets.
        format!("user@{}.jp", "x".repeat(64)),
        // IPv4 literal with an octet over 255.
        "user@[192.0.2.256]".to_owned(),
        // IPv4 literal with five parts.
        "user@[1.2.3.4.5]".to_owned(),
        // IPv6 literal with nine groups.
        "user@[IPv6:1:2:3:4:5:6:7:8:9]".to_owned(),
        // IPv6 literal with two "::".
        "user@[IPv6:1::2::3]".to_owned(),
        // IPv6 literal whose "::" stands for a single group (RFC 5321 forbids it).
        "user@[IPv6:1:2:3:4:5:6:7::]".to_owned(),
        // Literal with an unregistered tag.
        "user@[x-foo:bar]".to_owned(),
        // Label starting with a hyphen.
        "user@-example.com".to_owned(),
        // Invalid Punycode.
        "user@xn--a.jp".to_owned(),
    ]
}

/// The benchmark corpus: about a hundred addresses, two thirds valid.
pub fn address_corpus() -> AddressCorpus {
    let mut valid_ascii: Vec<String> = [
        "taro@aa2.so-net.ne.jp",
        "hanako.yamada@ts1.so-net.ne.jp",
        "info@gyao.ne.jp",
        "pochi@postpet.so-net.ne.jp",
        "john.smith@example.com",
        "jane_doe-1980@mail.example.co.jp",
        "support+ticket-12345@helpdesk.example.org",
        "noreply@notifications.github.com",
        "bounce-mc.us5_12345678.9876543-abcdef@mail123.suw11.mcdlv.net",
        "prvs=0123456789=sender@example.net",
        "SRS0=HHH=TT=example.com=user@forwarder.example",
        "a@b.jp",
        "x@localhost",
        "user@[192.0.2.1]",
        "user@[IPv6:2001:db8::1]",
        "\"john smith\"@example.com",
        "\"very.(),:;<>[]\\\".VERY.\\\"very@\\\\ \\\"very\\\".unusual\"@strange.example.com",
        "o'reilly@example.ie",
        "first.middle.last@sub.domain.example.travel",
        "UPPER.Case@Example.COM",
        "user%relay@example.com",
        "customer/department=shipping@example.com",
        "!def!xyz%abc@example.com",
        "_somename@example.com",
        "mailer-daemon@mx01.so-net.ne.jp",
        "postmaster@docomo.ne.jp",
        "abc.def-123@ezweb.ne.jp",
        "someone@i.softbank.jp",
        "user123@yahoo.co.jp",
        "example.user@gmail.com",
        "user@xn--r8jz45g.jp",
    ]
    .map(str::to_owned)
    .to_vec();
    valid_ascii.push(format!("{}@example.com", "a".repeat(64)));

    let valid_utf8: Vec<String> = [
        "山田@例え.jp",
        "taro@例え.テスト",
        "用户@例子.广告",
        "θσερ@εχαμπλε.ψομ",
        "Pelé@example.com",
        "δοκιμή@παράδειγμα.δοκιμή",
        "我買@屋企.香港",
        "二ノ宮@黒川.日本",
        "медведь@с-балалайкой.рф",
        "user@bücher.example",
        "ü@münchen.de",
        "たろう@ドメイン.jp",
    ]
    .map(str::to_owned)
    .to_vec();

    let mut invalid: Vec<String> = [
        "",
        "plainaddress",
        "@no-local-part.com",
        "no-at-sign.example.com",
        "two@@example.com",
        "a@b@c.example",
        "user@",
        "user@.example.com",
        "user@example..com",
        "user@example.com.",
        ".user@example.com",
        "user.@example.com",
        "us..er@example.com",
        "user name@example.com",
        "user@exa mple.com",
        "user@exa_mple.com",
        "user@example-.com",
        "\"unterminated@example.com",
        "user@[192.0.2.1",
        "user@[]",
        "<user@example.com>",
        "user@example.com>",
        "John Doe <john@example.com>",
        "user\u{7}@example.com",
    ]
    .map(str::to_owned)
    .to_vec();
    invalid.extend(lax_parser_traps());

    AddressCorpus {
        valid_ascii,
        valid_utf8,
        invalid,
    }
}
