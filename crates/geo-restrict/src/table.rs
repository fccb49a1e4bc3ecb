//! The domestic-address table: only what the decision needs, merged sorted intervals of
//! the configured country's addresses (u32 for IPv4 with a /16 index, u128 for IPv6).

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use mail_policy_ip_ranges::{IpRanges, RangeList};

use crate::error::Error;

/// An ISO 3166 alpha-2 country code, upper case (`JP`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Japan.
    pub const JP: CountryCode = CountryCode(*b"JP");

    /// Parses two ASCII letters, any case.
    pub fn new(code: &str) -> Result<Self, Error> {
        let bytes = code.as_bytes();
        if bytes.len() != 2 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(Error::Setting {
                field: "country".to_owned(),
                reason: format!("{code:?} is not a two-letter country code"),
            });
        }
        Ok(Self([
            bytes[0].to_ascii_uppercase(),
            bytes[1].to_ascii_uppercase(),
        ]))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// True if `code` names this country (any case).
    pub fn matches(&self, code: &str) -> bool {
        code.as_bytes().eq_ignore_ascii_case(&self.0)
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for CountryCode {
    type Error = Error;

    fn try_from(code: String) -> Result<Self, Error> {
        Self::new(&code)
    }
}

impl From<CountryCode> for String {
    fn from(code: CountryCode) -> Self {
        code.as_str().to_owned()
    }
}

/// Which addresses are domestic. Immutable once built; share it (`Arc`) and swap it on
/// reload ([`SharedTable`](crate::SharedTable)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomesticTable {
    country: CountryCode,
    ranges: IpRanges,
}

impl DomesticTable {
    /// Compiles ranges of `country`: merged, sorted, IPv4 indexed by /16 when large.
    pub fn new(country: CountryCode, ranges: RangeList) -> Self {
        Self {
            country,
            ranges: IpRanges::new(ranges),
        }
    }

    /// An empty table: nothing is domestic.
    pub fn empty(country: CountryCode) -> Self {
        Self::new(country, RangeList::default())
    }

    /// The country this table holds.
    pub fn country(&self) -> CountryCode {
        self.country
    }

    /// True if `ip` is in the country. IPv4-mapped IPv6 addresses are looked up as IPv4.
    #[inline]
    pub fn is_domestic(&self, ip: IpAddr) -> bool {
        self.ranges.contains(ip)
    }

    /// The merged IPv4 ranges, inclusive, sorted.
    pub fn v4_ranges(&self) -> &[(u32, u32)] {
        self.ranges.v4_ranges()
    }

    /// The merged IPv6 ranges, inclusive, sorted.
    pub fn v6_ranges(&self) -> &[(u128, u128)] {
        self.ranges.v6_ranges()
    }

    /// Bytes the table occupies in memory.
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<CountryCode>() + self.ranges.memory_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn lookups_and_merging() {
        let mut ranges = RangeList::default();
        ranges.v4.push((
            u32::from(std::net::Ipv4Addr::new(1, 0, 16, 0)),
            u32::from(std::net::Ipv4Addr::new(1, 0, 31, 255)),
        ));
        ranges.v4.push((
            u32::from(std::net::Ipv4Addr::new(1, 0, 32, 0)),
            u32::from(std::net::Ipv4Addr::new(1, 0, 63, 255)),
        ));
        ranges.v6.push((
            u128::from("2001:200::".parse::<std::net::Ipv6Addr>().unwrap()),
            u128::from(
                "2001:200:1fff:ffff:ffff:ffff:ffff:ffff"
                    .parse::<std::net::Ipv6Addr>()
                    .unwrap(),
            ),
        ));
        let table = DomesticTable::new(CountryCode::JP, ranges);
        assert_eq!(table.v4_ranges().len(), 1, "adjacent ranges merge");
        assert!(table.memory_bytes() < 1024, "small sets have no /16 index");
        assert!(table.is_domestic(ip("1.0.16.0")));
        assert!(table.is_domestic(ip("1.0.63.255")));
        assert!(!table.is_domestic(ip("1.0.64.0")));
        assert!(!table.is_domestic(ip("1.0.15.255")));
        assert!(table.is_domestic(ip("::ffff:1.0.20.1")));
        assert!(table.is_domestic(ip("2001:200:1234::1")));
        assert!(!table.is_domestic(ip("2001:201::1")));
        assert!(!DomesticTable::empty(CountryCode::JP).is_domestic(ip("1.0.16.1")));
    }

    #[test]
    fn mapped_ipv6_ranges_become_ipv4() {
        let mut ranges = RangeList::default();
        ranges.push_v6(0, u128::MAX);
        let table = DomesticTable::new(CountryCode::JP, ranges);
        assert!(table.is_domestic(ip("8.8.8.8")));
        assert!(table.is_domestic(ip("::1")));
    }

    #[test]
    fn country_codes() {
        assert_eq!(CountryCode::new("jp").unwrap(), CountryCode::JP);
        assert!(CountryCode::new("JPN").is_err());
        assert!(CountryCode::new("1P").is_err());
        assert!(CountryCode::JP.matches("jp"));
        assert_eq!(CountryCode::JP.to_string(), "JP");
    }
}
