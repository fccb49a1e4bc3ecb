//! Shared inputs of the criterion benchmarks in `benches/` (and of the tests that check
//! what the peers accept). Nothing here is published.

pub mod session;

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

/// 200 reject rules of the kind customers write: Japanese ad markers and spam words in
/// several widths, sender domains and addresses, recipient addresses, and a few size
/// rules. Returned as `(field, text)` with field one of `from`, `to`, `subject`, or
/// `("size>=", kb)` / `("size<", kb)` for size rules.
pub fn reject_rules() -> Vec<(&'static str, String)> {
    let subject_words = [
        "未承諾広告※",
        "未承諾広告",
        "出会い",
        "副業",
        "高収入",
        "当選",
        "無料プレゼント",
        "至急",
        "ＳＡＬＥ",
        "ｾｰﾙ",
        "セール",
        "激安",
        "在庫処分",
        "限定",
        "キャンペーン",
        "ポイント",
        "casino",
        "viagra",
        "lottery",
        "winner",
        "bitcoin",
        "investment",
        "crypto",
        "loan",
        "urgent",
        "verify your account",
        "password expired",
        "invoice overdue",
        "unclaimed",
        "prize",
        "bonus",
        "free gift",
        "limited offer",
        "act now",
        "click here",
        "unsubscribe",
        "amazon prime",
        "アカウント停止",
        "本人確認",
        "お支払い方法",
        "重要なお知らせ",
        "宅配便",
        "不在通知",
        "ご利用料金",
        "未払い",
        "督促",
        "警告",
        "ウイルス",
        "セキュリティ",
        "更新",
    ];
    let mut rules: Vec<(&'static str, String)> = Vec::new();
    for word in subject_words {
        rules.push(("subject", word.to_owned()));
    }
    for i in 0..80 {
        rules.push(("from", format!("promo{i}.example")));
    }
    for i in 0..40 {
        rules.push(("from", format!("sender{i}@mail.example.net")));
    }
    for i in 0..24 {
        rules.push(("to", format!("list{i}@lists.example.org")));
    }
    rules.push(("size>=", "10240".to_owned()));
    rules.push(("size<", "1".to_owned()));
    for i in 0..(200 - rules.len()) {
        rules.push(("subject", format!("広告{i:03}")));
    }
    rules.truncate(200);
    rules
}

/// Header sections of realistic incoming messages: ordinary mail (matching nothing),
/// encoded Japanese subjects in ISO-2022-JP, Shift_JIS and UTF-8, and spam that matches a
/// rule late in the list.
pub fn messages() -> Vec<Vec<u8>> {
    [
        // Ordinary mail: no rule matches, every rule must be considered.
        "From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@work.example.co.jp>\r\nTo: taro@aa2.so-net.ne.jp\r\nSubject: =?ISO-2022-JP?B?GyRCTGVGfCROMnE1RCRLJEQkJCRGGyhC?=\r\n\r\n",
        "From: Hanako <hanako@ts1.so-net.ne.jp>\r\nTo: taro@aa2.so-net.ne.jp\r\nCc: jiro@example.jp\r\nSubject: Re: weekend plans\r\n\r\n",
        "From: GitHub <noreply@github.com>\r\nTo: taro@aa2.so-net.ne.jp\r\nSubject: [org/repo] Pull request #1234: Fix the parser for obsolete address forms\r\n\r\n",
        "From: =?UTF-8?B?5qW95aSp5biC5aC0?= <info@shop.example.jp>\r\nTo: taro@aa2.so-net.ne.jp\r\nSubject: =?UTF-8?B?44GU5rOo5paH44Gu56K66KqN?=\r\n\r\n",
        // Spam: an ad marker in Shift_JIS, a promo sender late in the list.
        "From: shop@ads.example\r\nTo: taro@aa2.so-net.ne.jp\r\nSubject: =?Shift_JIS?B?lqKPs5H4jUyNkIGm?= winter\r\n\r\n",
        "From: Deals <deals@promo79.example>\r\nTo: taro@aa2.so-net.ne.jp\r\nSubject: Your weekly offers\r\n\r\n",
        "From: security@bank.example\r\nTo: taro@aa2.so-net.ne.jp\r\nSubject: =?UTF-8?B?44CQ6YeN6KaB44CR44Ki44Kr44Km44Oz44OI5YGc5q2i44Gu44GK55+l44KJ44Gb?=\r\n\r\n",
        "From: newsletter@lists.example.org\r\nTo: list23@lists.example.org\r\nSubject: Monthly digest\r\n\r\n",
    ]
    .into_iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

/// A deterministic pseudo-random sequence (xorshift64*), so every run measures the same
/// data.
pub struct XorShift(u64);

impl XorShift {
    /// A sequence from `seed` (any value but 0).
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// `count` IPv4 networks with the prefix-length mix of a routing table (mostly /24,
/// then /22–/23, some /16–/21 and longer), as `(address, prefix)`, network bits only.
pub fn ipv4_networks(count: usize, seed: u64) -> Vec<(u32, u8)> {
    let mut rng = XorShift::new(seed);
    (0..count)
        .map(|_| {
            let r = rng.next_u64();
            let prefix = match r % 100 {
                0..=59 => 24,
                60..=74 => 23,
                75..=84 => 22,
                85..=92 => 20 + (r >> 8) as u8 % 2,
                93..=97 => 16 + (r >> 8) as u8 % 4,
                _ => 25 + (r >> 8) as u8 % 4,
            };
            let address = (rng.next_u64() >> 32) as u32;
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix))
            };
            (address & mask, prefix)
        })
        .collect()
}

/// PTR names as an MX sees them: mail servers and residential pools, Japanese and other.
pub fn ptr_names() -> Vec<&'static str> {
    vec![
        "mail-sor-f41.google.com",
        "o1.ptr2625.sendgrid.net",
        "mta7.am0.yahoodns.net",
        "mx01.so-net.ne.jp",
        "smtp.example.co.jp",
        "softbank126123045067.bbtec.net",
        "p1234567-ipngn200.tokyo.ocn.ne.jp",
        "FL1-203-0-113-5.tky.mesh.ad.jp",
        "KD111239000001.ppp-bb.dion.ne.jp",
        "dynamic-203-0-113-5.example.net",
        "c-73-22-1-5.hsd1.il.comcast.net",
        "ip68-100-2-3.dc.dc.cox.net",
    ]
}
