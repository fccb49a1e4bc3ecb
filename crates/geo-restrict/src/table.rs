//! The domestic-address table: only what the decision needs, merged sorted intervals of
//! the configured country's addresses (u32 for IPv4 with a /16 index, u128 for IPv6).

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

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

/// Address ranges of one country, as sources yield them, before compiling.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RangeList {
    /// Inclusive IPv4 ranges.
    pub v4: Vec<(u32, u32)>,
    /// Inclusive IPv6 ranges.
    pub v6: Vec<(u128, u128)>,
}

impl RangeList {
    /// Adds another list's ranges.
    pub fn extend(&mut self, other: RangeList) {
        self.v4.extend(other.v4);
        self.v6.extend(other.v6);
    }

    /// Adds an IPv6 range, moving the part inside `::ffff:0:0/96` (IPv4-mapped addresses,
    /// which lookups treat as IPv4) to the IPv4 ranges.
    pub fn push_v6(&mut self, start: u128, end: u128) {
        const MAPPED_FIRST: u128 = 0xffff_0000_0000;
        const MAPPED_LAST: u128 = 0xffff_ffff_ffff;
        let (first, last) = (start.max(MAPPED_FIRST), end.min(MAPPED_LAST));
        if first <= last {
            self.v4
                .push(((first - MAPPED_FIRST) as u32, (last - MAPPED_FIRST) as u32));
        }
        if !(MAPPED_FIRST <= start && end <= MAPPED_LAST) {
            self.v6.push((start, end));
        }
    }
}

fn merge<T: Copy + Ord>(ranges: &mut Vec<(T, T)>, next: impl Fn(T) -> Option<T>) {
    ranges.sort_unstable();
    let mut merged: Vec<(T, T)> = Vec::with_capacity(ranges.len());
    for &(start, end) in ranges.iter() {
        match merged.last_mut() {
            Some(last) if next(last.1).is_none_or(|n| start <= n) => {
                if end > last.1 {
                    last.1 = end;
                }
            }
            _ => merged.push((start, end)),
        }
    }
    merged.shrink_to_fit();
    *ranges = merged;
}

fn contains_in<T: Copy + Ord>(ranges: &[(T, T)], x: T) -> bool {
    let i = ranges.partition_point(|&(start, _)| start <= x);
    i > 0 && ranges[i - 1].1 >= x
}

/// Which addresses are domestic. Immutable once built; share it (`Arc`) and swap it on
/// reload ([`SharedTable`](crate::SharedTable)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomesticTable {
    country: CountryCode,
    v4: Vec<(u32, u32)>,
    v6: Vec<(u128, u128)>,
    /// `v4_index[h]`: the first range starting at or after `h << 16`.
    v4_index: Vec<u32>,
}

impl DomesticTable {
    /// Compiles ranges of `country`: merges overlapping and adjacent ranges, sorts them,
    /// indexes IPv4 by /16.
    pub fn new(country: CountryCode, mut ranges: RangeList) -> Self {
        merge(&mut ranges.v4, |x: u32| x.checked_add(1));
        merge(&mut ranges.v6, |x: u128| x.checked_add(1));
        let v4_index = if ranges.v4.is_empty() {
            Vec::new()
        } else {
            (0..=1u32 << 16)
                .map(|h| {
                    let block = u64::from(h) << 16;
                    ranges
                        .v4
                        .partition_point(|&(start, _)| u64::from(start) < block)
                        as u32
                })
                .collect()
        };
        Self {
            country,
            v4: ranges.v4,
            v6: ranges.v6,
            v4_index,
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
        match ip {
            IpAddr::V4(v4) => self.contains_v4(u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => self.contains_v4(u32::from(v4)),
                None => contains_in(&self.v6, u128::from(v6)),
            },
        }
    }

    #[inline]
    fn contains_v4(&self, x: u32) -> bool {
        if self.v4_index.is_empty() {
            return false;
        }
        let h = (x >> 16) as usize;
        let lo = (self.v4_index[h] as usize).saturating_sub(1);
        let hi = self.v4_index[h + 1] as usize;
        contains_in(&self.v4[lo..hi], x)
    }

    /// The merged IPv4 ranges, inclusive, sorted.
    pub fn v4_ranges(&self) -> &[(u32, u32)] {
        &self.v4
    }

    /// The merged IPv6 ranges, inclusive, sorted.
    pub fn v6_ranges(&self) -> &[(u128, u128)] {
        &self.v6
    }

    /// Bytes the table occupies in memory.
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.v4.capacity() * std::mem::size_of::<(u32, u32)>()
            + self.v6.capacity() * std::mem::size_of::<(u128, u128)>()
            + self.v4_index.capacity() * std::mem::size_of::<u32>()
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
