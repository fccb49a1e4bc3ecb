//! P25-IN: Inbound Port 25 Blocking. On the MX, unauthenticated clients on port 25 are
//! classified as dynamic (residential) addresses of other providers from several signals;
//! a dynamic sender sending in volume is refused with a text that names its address and
//! the reason, and says how to reach support. DNS failures defer, never reject.

use std::borrow::Cow;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use regex::{RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};

use crate::Rule;
use crate::cidr::{CidrSet, canonical};
use crate::error::Error;
use crate::listener::ListenerRole;

/// The reverse-DNS (PTR) answer for the client, with its forward confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PtrAnswer {
    /// No PTR record (NXDOMAIN or no data).
    NoName,
    /// A name.
    Name {
        /// The PTR name.
        name: String,
        /// The name resolves back to the client's address (forward-confirmed reverse DNS).
        forward_confirmed: bool,
    },
    /// The lookup failed temporarily (SERVFAIL, timeout).
    TempFail,
}

/// The answer of a Spamhaus-PBL-style DNSBL for the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsblAnswer {
    /// Not listed (NXDOMAIN).
    NotListed,
    /// The A records of the answer: `127.0.0.10`/`11` are PBL listings,
    /// `127.255.255.x` are the list's error codes (a refused resolver), not listings.
    Records(Vec<Ipv4Addr>),
    /// The lookup failed temporarily.
    TempFail,
}

/// One piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// In a configured dynamic-pool list.
    DynamicPool,
    /// Listed by the DNSBL with a dynamic-address code.
    DnsblListed {
        /// The code.
        code: Ipv4Addr,
    },
    /// The DNSBL answered with an error code (`127.255.255.x`): no evidence either way.
    DnsblError {
        /// The code.
        code: Ipv4Addr,
    },
    /// No PTR record.
    NoPtr,
    /// The PTR name does not resolve back to the client.
    PtrNotConfirmed,
    /// The PTR name looks like a dynamic pool (`dynamic`, `pppoe`, `dsl`, ... or a known
    /// residential naming scheme).
    GenericPtr {
        /// The pattern that matched.
        pattern: String,
    },
    /// The PTR name embeds the client's address (`192-0-2-1.example.net`).
    AddressInPtr,
    /// A lookup failed temporarily.
    LookupFailed,
}

impl Signal {
    /// True for signals that mark a dynamic address on their own.
    pub fn is_strong(&self) -> bool {
        matches!(
            self,
            Signal::DynamicPool
                | Signal::DnsblListed { .. }
                | Signal::GenericPtr { .. }
                | Signal::AddressInPtr
        )
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Signal::DynamicPool => f.write_str("address in a dynamic pool"),
            Signal::DnsblListed { code } => write!(f, "listed as a dynamic address ({code})"),
            Signal::DnsblError { code } => write!(f, "DNSBL error code {code}"),
            Signal::NoPtr => f.write_str("no reverse DNS name"),
            Signal::PtrNotConfirmed => f.write_str("reverse DNS name not forward-confirmed"),
            Signal::GenericPtr { .. } => f.write_str("reverse DNS name of a dynamic pool"),
            Signal::AddressInPtr => f.write_str("reverse DNS name embeds the address"),
            Signal::LookupFailed => f.write_str("DNS lookup failed temporarily"),
        }
    }
}

/// Generic dynamic-pool words, between label or hyphen boundaries.
pub const GENERIC_PTR_PATTERNS: &[&str] = &[
    r"(^|[.-])(dyn|dynamic|dhcp|dsl|adsl|vdsl|xdsl|ppp|pppoe|dialup|dial|pool|cable|cpe|broadband|ftth|fttx|dip|res|residential|nat)[0-9]*([.-]|$)",
];

/// Residential naming of large Japanese access providers (suffixes and prefixes of their
/// customer pools), from their public reverse-DNS conventions.
pub const JAPANESE_ISP_PTR_PATTERNS: &[&str] = &[
    r"\.ppp\.infoweb\.ne\.jp$",
    r"(^|\.)softbank[0-9]+\.bbtec\.net$",
    r"^p[0-9]+-[a-z0-9]+\.[a-z0-9.-]*ocn\.ne\.jp$",
    r"\.ppp-bb\.dion\.ne\.jp$",
    r"\.au-net\.ne\.jp$",
    r"\.eonet\.ne\.jp$",
    r"\.mesh\.ad\.jp$",
    r"\.commufa\.jp$",
    r"\.zaq\.ne\.jp$",
    r"\.plala\.or\.jp$",
    r"\.v6connect\.net$",
    r"\.spmode\.ne\.jp$",
    r"\.openmobile\.ne\.jp$",
];

/// Settings of IP25B.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ip25bConfig {
    /// Known dynamic pools of other providers (CIDR).
    pub dynamic_pools: Vec<String>,
    /// Clients never restricted (partners, the ISP's own relays).
    pub exempt: Vec<String>,
    /// Regular expressions for dynamic PTR names (matched on the lower-case name).
    pub ptr_patterns: Vec<String>,
    /// DNSBL answers that mean "dynamic address": `127.0.0.10`, `127.0.0.11` (PBL).
    pub dnsbl_listing_codes: Vec<Ipv4Addr>,
    /// A client without a PTR name counts as dynamic.
    pub missing_ptr_is_dynamic: bool,
    /// A client whose PTR name is not forward-confirmed counts as dynamic.
    pub unconfirmed_ptr_is_dynamic: bool,
    /// Messages (in the caller's window, this one included) from which a dynamic sender
    /// is "large volume" and refused. 1 refuses every dynamic sender.
    pub volume_threshold: u64,
    /// How senders reach support, quoted in the refusal.
    pub support_contact: String,
}

impl Default for Ip25bConfig {
    fn default() -> Self {
        Self {
            dynamic_pools: Vec::new(),
            exempt: Vec::new(),
            ptr_patterns: GENERIC_PTR_PATTERNS
                .iter()
                .chain(JAPANESE_ISP_PTR_PATTERNS)
                .map(|p| (*p).to_owned())
                .collect(),
            dnsbl_listing_codes: vec![Ipv4Addr::new(127, 0, 0, 10), Ipv4Addr::new(127, 0, 0, 11)],
            missing_ptr_is_dynamic: true,
            unconfirmed_ptr_is_dynamic: false,
            volume_threshold: 10,
            support_contact: "the postmaster of the recipient's provider".to_owned(),
        }
    }
}

/// The input of an IP25B decision.
#[derive(Debug, Clone, Copy)]
pub struct Ip25bInput<'a> {
    /// The connecting client.
    pub client: IpAddr,
    /// The listener.
    pub role: ListenerRole,
    /// The client authenticated (SMTP AUTH): IP25B does not apply.
    pub authenticated: bool,
    /// The PTR answer.
    pub ptr: &'a PtrAnswer,
    /// The DNSBL answer.
    pub dnsbl: &'a DnsblAnswer,
    /// Messages from this client in the caller's window, this one included (the
    /// rate-limit crate counts them).
    pub recent_messages: u64,
}

/// How a client was classified.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Classification {
    /// The client is a dynamic address.
    pub dynamic: bool,
    /// A lookup failed, and its answer could have made the client dynamic.
    pub uncertain: bool,
    /// The evidence.
    pub signals: Vec<Signal>,
}

/// The refusal of a dynamic sender sending in volume. Its `Display` is the text for the
/// SMTP reply: the client's address, the reasons, and how to reach support, since support
/// asks senders for both (P25-IN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ip25bRefusal {
    /// The client.
    pub client: IpAddr,
    /// The evidence.
    pub signals: Vec<Signal>,
    /// Messages counted.
    pub messages: u64,
    /// The threshold.
    pub threshold: u64,
    /// How to reach support.
    pub support_contact: String,
    /// Always [`Rule::P25In`].
    pub rule: Rule,
}

impl fmt::Display for Ip25bRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reasons: Vec<String> = self
            .signals
            .iter()
            .filter(|s| s.is_strong() || matches!(s, Signal::NoPtr | Signal::PtrNotConfirmed))
            .map(ToString::to_string)
            .collect();
        write!(
            f,
            "mail from {} refused ({}): a dynamic address sending directly in volume ({}); \
             send through your provider's mail server (port 587 with authentication). \
             If this is wrong, contact {} with this IP address and this message",
            self.client,
            self.rule,
            reasons.join(", "),
            self.support_contact
        )
    }
}

/// The decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ip25bDecision {
    /// Not an unauthenticated port-25 client, or exempt.
    NotApplicable,
    /// Accept. `dynamic` tells later checks (spam scoring) what was found.
    Accept {
        /// The classification.
        classification: Classification,
    },
    /// A lookup failed and the answer matters: try later (451 4.7.1), never reject.
    Defer {
        /// The client.
        client: IpAddr,
        /// Always [`Rule::P25In`].
        rule: Rule,
    },
    /// Refuse (550 5.7.1 with the refusal's text).
    Reject(Ip25bRefusal),
}

/// Compiled IP25B settings.
#[derive(Debug, Clone)]
pub struct Ip25b {
    pools: CidrSet,
    exempt: CidrSet,
    patterns: RegexSet,
    config: Ip25bConfig,
}

/// Longest host name looked at (RFC 1035: 255 octets on the wire).
const MAX_NAME_LEN: usize = 255;

impl Ip25b {
    /// Validates and compiles the settings; the PTR patterns become one `RegexSet`.
    pub fn new(config: Ip25bConfig) -> Result<Self, Error> {
        let pools = CidrSet::from_entries("ip25b.dynamic_pools", &config.dynamic_pools)?;
        let exempt = CidrSet::from_entries("ip25b.exempt", &config.exempt)?;
        let patterns = RegexSetBuilder::new(&config.ptr_patterns)
            .case_insensitive(true)
            .size_limit(8 << 20)
            .build()
            .map_err(|e| Error::Setting {
                field: "ip25b.ptr_patterns".to_owned(),
                reason: e.to_string(),
            })?;
        if config.volume_threshold == 0 {
            return Err(Error::Setting {
                field: "ip25b.volume_threshold".to_owned(),
                reason: "must be at least 1".to_owned(),
            });
        }
        Ok(Self {
            pools,
            exempt,
            patterns,
            config,
        })
    }

    /// The profile of `SPEC.md` (no provider lists configured; patterns built in).
    pub fn sonet() -> Self {
        Self::new(Ip25bConfig::default()).unwrap_or_else(|e| unreachable!("built-in profile: {e}"))
    }

    /// What a PTR name says about `client`: dynamic-pool patterns and an embedded
    /// address. Any string is fine (it is what a DNS server sent).
    pub fn classify_hostname(&self, client: IpAddr, name: &str) -> Vec<Signal> {
        let name = name.trim_end_matches('.');
        let name = if name.len() > MAX_NAME_LEN {
            // Cut at a character boundary.
            let mut end = MAX_NAME_LEN;
            while !name.is_char_boundary(end) {
                end -= 1;
            }
            &name[..end]
        } else {
            name
        };
        let mut signals = Vec::new();
        // Most names match no pattern: a plain search says so without the overlapping
        // search (and its allocation) that finds which one matched.
        if self.patterns.is_match(name) {
            if let Some(i) = self.patterns.matches(name).iter().next() {
                signals.push(Signal::GenericPtr {
                    pattern: self.config.ptr_patterns[i].clone(),
                });
            }
        }
        let lower = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        };
        if embeds_address(canonical(client), &lower) {
            signals.push(Signal::AddressInPtr);
        }
        signals
    }

    /// Classifies a client from its address, PTR answer and DNSBL answer.
    pub fn classify(&self, client: IpAddr, ptr: &PtrAnswer, dnsbl: &DnsblAnswer) -> Classification {
        let client = canonical(client);
        let mut signals = Vec::new();
        let mut failed_lookup = false;
        if self.pools.contains(client) {
            signals.push(Signal::DynamicPool);
        }
        match dnsbl {
            DnsblAnswer::NotListed => {}
            DnsblAnswer::Records(codes) => {
                for &code in codes {
                    if self.config.dnsbl_listing_codes.contains(&code) {
                        signals.push(Signal::DnsblListed { code });
                    } else if code.octets()[..3] == [127, 255, 255] {
                        signals.push(Signal::DnsblError { code });
                    }
                }
            }
            DnsblAnswer::TempFail => failed_lookup = true,
        }
        let mut weak_dynamic = false;
        match ptr {
            PtrAnswer::NoName => {
                signals.push(Signal::NoPtr);
                weak_dynamic |= self.config.missing_ptr_is_dynamic;
            }
            PtrAnswer::Name {
                name,
                forward_confirmed,
            } => {
                signals.extend(self.classify_hostname(client, name));
                if !forward_confirmed {
                    signals.push(Signal::PtrNotConfirmed);
                    weak_dynamic |= self.config.unconfirmed_ptr_is_dynamic;
                }
            }
            PtrAnswer::TempFail => failed_lookup = true,
        }
        if failed_lookup {
            signals.push(Signal::LookupFailed);
        }
        let dynamic = weak_dynamic || signals.iter().any(Signal::is_strong);
        Classification {
            dynamic,
            uncertain: failed_lookup && !dynamic,
            signals,
        }
    }

    /// Decides an unauthenticated port-25 client.
    pub fn decide(&self, input: &Ip25bInput<'_>) -> Ip25bDecision {
        let client = canonical(input.client);
        if input.authenticated || input.role != ListenerRole::Mx || self.exempt.contains(client) {
            return Ip25bDecision::NotApplicable;
        }
        let classification = self.classify(client, input.ptr, input.dnsbl);
        let in_volume = input.recent_messages >= self.config.volume_threshold;
        if classification.dynamic && in_volume {
            return Ip25bDecision::Reject(Ip25bRefusal {
                client,
                signals: classification.signals,
                messages: input.recent_messages,
                threshold: self.config.volume_threshold,
                support_contact: self.config.support_contact.clone(),
                rule: Rule::P25In,
            });
        }
        if classification.uncertain && in_volume {
            return Ip25bDecision::Defer {
                client,
                rule: Rule::P25In,
            };
        }
        Ip25bDecision::Accept { classification }
    }
}

/// True if `name` holds the address in one of the usual encodings: dotted or dashed in
/// either order (`192-0-2-1`, `1.2.0.192`), zero-padded digits (`192000002001`), or hex
/// (`c0000201`). IPv6: the hex groups dashed (`2001-db8--1`).
fn embeds_address(client: IpAddr, name: &str) -> bool {
    match client {
        IpAddr::V4(v4) => embeds_ipv4(v4.octets(), name.as_bytes()),
        IpAddr::V6(v6) => {
            let dashed = v6.to_string().replace(':', "-");
            name.contains(&dashed)
        }
    }
}

/// Whether `name` (lower case) holds `a-b-c-d`, `d-c-b-a`, `a.b.c.d`, `d.c.b.a`,
/// `a_b_c_d`, `aaabbbcccddd`, `dddcccbbbaaa` or the address in 8 hexadecimal digits.
/// Classification runs for every connection: each candidate is written into a stack
/// buffer by hand (no formatting machinery, no allocation), and only when the name could
/// hold it at all.
fn embeds_ipv4(octets: [u8; 4], name: &[u8]) -> bool {
    let mut candidate = StackText::default();
    // Every decimal candidate has digits: most mail servers' names have none.
    if name.iter().any(u8::is_ascii_digit) {
        let [a, b, c, d] = octets;
        for (order, separators) in [([a, b, c, d], &b"-._"[..]), ([d, c, b, a], &b"-."[..])] {
            for &separator in separators {
                candidate.clear();
                for (i, &octet) in order.iter().enumerate() {
                    if i > 0 {
                        candidate.push(separator);
                    }
                    candidate.push_decimal(octet, false);
                }
                if candidate.is_in(name) {
                    return true;
                }
            }
            candidate.clear();
            for octet in order {
                candidate.push_decimal(octet, true);
            }
            if candidate.is_in(name) {
                return true;
            }
        }
    }
    // The hexadecimal form needs a run of 8 hexadecimal digits.
    let mut run = 0;
    let has_hex_run = name.iter().any(|b| {
        run = if matches!(b, b'0'..=b'9' | b'a'..=b'f') {
            run + 1
        } else {
            0
        };
        run == 8
    });
    if !has_hex_run {
        return false;
    }
    candidate.clear();
    for octet in octets {
        candidate.push(HEX_DIGITS[usize::from(octet >> 4)]);
        candidate.push(HEX_DIGITS[usize::from(octet & 0xf)]);
    }
    candidate.is_in(name)
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// A short ASCII text on the stack (the longest IPv4 candidate is 15 octets).
#[derive(Default)]
struct StackText {
    bytes: [u8; 16],
    len: usize,
}

impl StackText {
    fn clear(&mut self) {
        self.len = 0;
    }

    /// Appends a byte; the candidates are at most 15 octets, so this never runs out.
    fn push(&mut self, byte: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = byte;
            self.len += 1;
        }
    }

    /// Appends `value` in decimal, zero-padded to 3 digits when `padded`.
    fn push_decimal(&mut self, value: u8, padded: bool) {
        let digits = [value / 100, value / 10 % 10, value % 10];
        let skip = if padded || value >= 100 {
            0
        } else if value >= 10 {
            1
        } else {
            2
        };
        for digit in &digits[skip..] {
            self.push(b'0' + digit);
        }
    }

    /// Whether `haystack` contains this text.
    fn is_in(&self, haystack: &[u8]) -> bool {
        let needle = &self.bytes[..self.len];
        haystack
            .windows(needle.len())
            .any(|window| window == needle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn named(name: &str) -> PtrAnswer {
        PtrAnswer::Name {
            name: name.into(),
            forward_confirmed: true,
        }
    }

    fn input<'a>(
        client: &str,
        ptr: &'a PtrAnswer,
        dnsbl: &'a DnsblAnswer,
        recent_messages: u64,
    ) -> Ip25bInput<'a> {
        Ip25bInput {
            client: ip(client),
            role: ListenerRole::Mx,
            authenticated: false,
            ptr,
            dnsbl,
            recent_messages,
        }
    }

    #[test]
    fn hostnames() {
        let p = Ip25b::sonet();
        let dynamic = [
            ("203.0.113.5", "dynamic-203-0-113-5.example.net"),
            ("203.0.113.5", "pppoe.tokyo.example.jp"),
            ("203.0.113.5", "adsl123.isp.example"),
            ("126.123.45.67", "softbank126123045067.bbtec.net"),
            ("203.0.113.5", "p1234567-ipngn200.tokyo.ocn.ne.jp"),
            ("203.0.113.5", "FL1-203-0-113-5.tky.mesh.ad.jp"),
            ("203.0.113.5", "KD111239000001.ppp-bb.dion.ne.jp"),
            ("203.0.113.5", "x.y.ppp.infoweb.ne.jp."),
            ("203.0.113.5", "5.113.0.203.in-addr.example.net"),
            ("203.0.113.5", "cb007105.example.net"),
        ];
        for (client, name) in dynamic {
            assert!(
                !p.classify_hostname(ip(client), name).is_empty(),
                "{name} should look dynamic"
            );
        }
        for name in [
            "mail.example.com",
            "mx01.so-net.ne.jp",
            "smtp.gmail.com",
            "o1.ptr1234.sendgrid.net",
            "mta7.am0.yahoodns.net",
            "hostmaster.example.org",
        ] {
            assert_eq!(
                p.classify_hostname(ip("203.0.113.5"), name),
                vec![],
                "{name} should look static"
            );
        }
        // Nonsense is fine.
        let long = "x".repeat(10_000) + "é";
        assert!(p.classify_hostname(ip("::1"), &long).is_empty());
        assert_eq!(
            p.classify_hostname(ip("2001:db8::1"), "2001-db8--1.pool.example"),
            vec![
                Signal::GenericPtr {
                    pattern: GENERIC_PTR_PATTERNS[0].into()
                },
                Signal::AddressInPtr
            ]
        );
    }

    /// The address in a PTR name, as `format!` writes each candidate.
    fn embeds_reference(v4: Ipv4Addr, name: &str) -> bool {
        let [a, b, c, d] = v4.octets();
        [
            format!("{a}-{b}-{c}-{d}"),
            format!("{d}-{c}-{b}-{a}"),
            format!("{a}.{b}.{c}.{d}"),
            format!("{d}.{c}.{b}.{a}"),
            format!("{a}_{b}_{c}_{d}"),
            format!("{a:03}{b:03}{c:03}{d:03}"),
            format!("{d:03}{c:03}{b:03}{a:03}"),
            format!("{:08x}", u32::from(v4)),
        ]
        .iter()
        .any(|candidate| name.contains(candidate.as_str()))
    }

    #[test]
    fn embedded_addresses_are_found_in_every_form() {
        let samples = [
            Ipv4Addr::new(203, 0, 113, 5),
            Ipv4Addr::new(10, 20, 30, 40),
            Ipv4Addr::new(126, 123, 45, 67),
            Ipv4Addr::new(0, 0, 0, 0),
            Ipv4Addr::new(255, 255, 255, 255),
            Ipv4Addr::new(1, 99, 100, 9),
        ];
        for v4 in samples {
            let [a, b, c, d] = v4.octets();
            let names = [
                format!("host-{a}-{b}-{c}-{d}.example.net"),
                format!("{d}-{c}-{b}-{a}.example.net"),
                format!("{a}.{b}.{c}.{d}.example.net"),
                format!("{d}.{c}.{b}.{a}.in-addr.example"),
                format!("p{a}_{b}_{c}_{d}.example"),
                format!("bb{a:03}{b:03}{c:03}{d:03}.example"),
                format!("bb{d:03}{c:03}{b:03}{a:03}.example"),
                format!("cb{:08x}.example.net", u32::from(v4)),
                // Near misses: one octet off, a different separator, too few digits.
                format!("host-{a}-{b}-{c}.example.net"),
                format!("{a}:{b}:{c}:{d}.example"),
                format!("cb{:07x}.example.net", u32::from(v4) >> 4),
                "mail.example.com".to_owned(),
                "deadbeefcafe.example".to_owned(),
            ];
            for name in names {
                assert_eq!(
                    embeds_address(IpAddr::V4(v4), &name),
                    embeds_reference(v4, &name),
                    "{v4} in {name}"
                );
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn embedded_address_search_agrees_with_format(
            octets: [u8; 4],
            name in "[0-9a-f._-]{0,40}",
        ) {
            let v4 = Ipv4Addr::from(octets);
            proptest::prop_assert_eq!(
                embeds_address(IpAddr::V4(v4), &name),
                embeds_reference(v4, &name)
            );
            // Planted: the name that holds a candidate is always found.
            let planted = format!("{name}{}-{}-{}-{}", octets[0], octets[1], octets[2], octets[3]);
            proptest::prop_assert!(embeds_address(IpAddr::V4(v4), &planted));
        }
    }

    #[test]
    fn dnsbl_codes() {
        let p = Ip25b::sonet();
        let c = p.classify(
            ip("203.0.113.5"),
            &named("mail.example.com"),
            &DnsblAnswer::Records(vec![Ipv4Addr::new(127, 0, 0, 11)]),
        );
        assert!(c.dynamic);
        let c = p.classify(
            ip("203.0.113.5"),
            &named("mail.example.com"),
            &DnsblAnswer::Records(vec![Ipv4Addr::new(127, 255, 255, 254)]),
        );
        assert!(!c.dynamic, "an error code is not a listing");
        assert_eq!(
            c.signals,
            vec![Signal::DnsblError {
                code: Ipv4Addr::new(127, 255, 255, 254)
            }]
        );
        let c = p.classify(
            ip("203.0.113.5"),
            &named("mail.example.com"),
            &DnsblAnswer::Records(vec![Ipv4Addr::new(127, 0, 0, 2)]),
        );
        assert!(!c.dynamic, "SBL/XBL codes are not IP25B's business");
    }

    #[test]
    fn volume_decides() {
        let p = Ip25b::sonet();
        let ptr = named("dynamic-203-0-113-5.example.net");
        let clean = DnsblAnswer::NotListed;
        assert!(
            matches!(p.decide(&input("203.0.113.5", &ptr, &clean, 3)), Ip25bDecision::Accept { classification } if classification.dynamic)
        );
        let Ip25bDecision::Reject(refusal) = p.decide(&input("203.0.113.5", &ptr, &clean, 10))
        else {
            panic!()
        };
        let text = refusal.to_string();
        assert!(text.contains("203.0.113.5"), "{text}");
        assert!(text.contains("P25-IN"), "{text}");
        assert!(
            text.contains("reverse DNS name of a dynamic pool"),
            "{text}"
        );
        assert!(text.contains("contact"), "{text}");
        let static_ptr = named("mail.example.com");
        assert!(
            matches!(p.decide(&input("203.0.113.5", &static_ptr, &clean, 1000)), Ip25bDecision::Accept { classification } if !classification.dynamic)
        );
    }

    #[test]
    fn temp_failures_defer_never_reject() {
        let p = Ip25b::sonet();
        let fail = PtrAnswer::TempFail;
        let clean = DnsblAnswer::NotListed;
        assert_eq!(
            p.decide(&input("203.0.113.5", &fail, &clean, 50)),
            Ip25bDecision::Defer {
                client: ip("203.0.113.5"),
                rule: Rule::P25In
            }
        );
        assert!(matches!(
            p.decide(&input("203.0.113.5", &fail, &clean, 1)),
            Ip25bDecision::Accept { .. }
        ));
        // Already dynamic by another signal: the failure does not matter.
        let ptr = named("pppoe.example.jp");
        assert!(matches!(
            p.decide(&input("203.0.113.5", &ptr, &DnsblAnswer::TempFail, 50)),
            Ip25bDecision::Reject(_)
        ));
    }

    #[test]
    fn applicability_pools_and_mapped_addresses() {
        let p = Ip25b::new(Ip25bConfig {
            dynamic_pools: vec!["198.51.100.0/24".into()],
            exempt: vec!["192.0.2.0/24".into()],
            ..Default::default()
        })
        .unwrap();
        let ptr = named("mail.example.com");
        let clean = DnsblAnswer::NotListed;
        assert!(
            matches!(p.decide(&input("::ffff:198.51.100.9", &ptr, &clean, 10)), Ip25bDecision::Reject(r) if r.client == ip("198.51.100.9"))
        );
        assert_eq!(
            p.decide(&input("192.0.2.1", &PtrAnswer::NoName, &clean, 100)),
            Ip25bDecision::NotApplicable
        );
        let mut auth = input("198.51.100.9", &ptr, &clean, 100);
        auth.authenticated = true;
        assert_eq!(p.decide(&auth), Ip25bDecision::NotApplicable);
        let mut submission = input("198.51.100.9", &ptr, &clean, 100);
        submission.role = ListenerRole::Submission;
        assert_eq!(p.decide(&submission), Ip25bDecision::NotApplicable);
        // No PTR at all counts as dynamic by default.
        assert!(matches!(
            p.decide(&input("203.0.113.5", &PtrAnswer::NoName, &clean, 10)),
            Ip25bDecision::Reject(_)
        ));
    }

    #[test]
    fn bad_settings() {
        let bad = Ip25bConfig {
            ptr_patterns: vec!["(".into()],
            ..Default::default()
        };
        assert!(
            matches!(Ip25b::new(bad), Err(Error::Setting { field, .. }) if field == "ip25b.ptr_patterns")
        );
        let zero = Ip25bConfig {
            volume_threshold: 0,
            ..Default::default()
        };
        assert!(Ip25b::new(zero).is_err());
    }
}
