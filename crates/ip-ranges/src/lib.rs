//! Sets of IP address ranges, shared by the policy crates that ask "is this address in
//! that set?": the access pools of OP25B (`port25-policy`) and the domestic addresses of
//! the overseas restriction (`geo-restrict`).
//!
//! Ranges are merged (overlapping and adjacent ones joined) and sorted, so membership is
//! a binary search; large IPv4 sets get an index by /16 so that a lookup searches only
//! the ranges of its /16. IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) are looked up
//! as IPv4, and IPv6 ranges that cover part of `::ffff:0:0/96` cover those IPv4 addresses.
//!
//! # Example
//!
//! ```
//! use mail_policy_ip_ranges::{IpRanges, RangeList};
//!
//! let mut list = RangeList::default();
//! list.push_v4(0xC000_0200, 0xC000_02FF); // 192.0.2.0 - 192.0.2.255
//! let set = IpRanges::new(list);
//! assert!(set.contains("192.0.2.7".parse()?));
//! assert!(set.contains("::ffff:192.0.2.7".parse()?));
//! assert!(!set.contains("192.0.3.0".parse()?));
//! # Ok::<(), std::net::AddrParseError>(())
//! ```
//!
//! # Crate features
//!
//! None.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::net::IpAddr;

/// IPv4-mapped IPv6 addresses: `::ffff:0:0/96`.
const MAPPED_FIRST: u128 = 0xffff_0000_0000;
const MAPPED_LAST: u128 = 0xffff_ffff_ffff;

/// Sets with at least this many IPv4 ranges get the /16 index (65,537 × 4 bytes): below
/// it a plain binary search is as fast.
pub const V4_INDEX_THRESHOLD: usize = 1024;

/// Inclusive address ranges as sources give them, before compiling into [`IpRanges`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RangeList {
    /// Inclusive IPv4 ranges, as integers.
    pub v4: Vec<(u32, u32)>,
    /// Inclusive IPv6 ranges, as integers.
    pub v6: Vec<(u128, u128)>,
}

impl RangeList {
    /// Adds an IPv4 range (`start <= end`; swapped otherwise).
    pub fn push_v4(&mut self, start: u32, end: u32) {
        self.v4.push((start.min(end), start.max(end)));
    }

    /// Adds an IPv6 range, moving the part inside `::ffff:0:0/96` to the IPv4 ranges,
    /// since lookups treat IPv4-mapped addresses as IPv4.
    pub fn push_v6(&mut self, start: u128, end: u128) {
        let (start, end) = (start.min(end), start.max(end));
        let (first, last) = (start.max(MAPPED_FIRST), end.min(MAPPED_LAST));
        if first <= last {
            self.v4
                .push(((first - MAPPED_FIRST) as u32, (last - MAPPED_FIRST) as u32));
        }
        if !(MAPPED_FIRST <= start && end <= MAPPED_LAST) {
            self.v6.push((start, end));
        }
    }

    /// Adds another list's ranges.
    pub fn extend(&mut self, other: RangeList) {
        self.v4.extend(other.v4);
        self.v6.extend(other.v6);
    }
}

/// A compiled set of ranges: immutable, `Send + Sync`, lookups in O(log n).
#[derive(Debug, Clone, Default)]
pub struct IpRanges {
    v4: Vec<(u32, u32)>,
    v6: Vec<(u128, u128)>,
    /// `v4_index[h]`: the first range starting at or after `h << 16` (large sets only).
    v4_index: Vec<u32>,
}

impl PartialEq for IpRanges {
    fn eq(&self, other: &Self) -> bool {
        // The index is derived from `v4`.
        self.v4 == other.v4 && self.v6 == other.v6
    }
}

impl Eq for IpRanges {}

fn merge<T: Copy + Ord>(ranges: &mut Vec<(T, T)>, successor: impl Fn(T) -> Option<T>) {
    ranges.sort_unstable();
    let mut merged: Vec<(T, T)> = Vec::with_capacity(ranges.len());
    for &(start, end) in ranges.iter() {
        match merged.last_mut() {
            // Overlapping or adjacent: extend.
            Some(last) if successor(last.1).is_none_or(|next| start <= next) => {
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
    // The last range starting at or before x, if it reaches x.
    let i = ranges.partition_point(|&(start, _)| start <= x);
    i > 0 && ranges[i - 1].1 >= x
}

impl IpRanges {
    /// Compiles a list: merges, sorts, and indexes large IPv4 sets.
    pub fn new(mut list: RangeList) -> Self {
        merge(&mut list.v4, |x: u32| x.checked_add(1));
        merge(&mut list.v6, |x: u128| x.checked_add(1));
        let v4_index = if list.v4.len() >= V4_INDEX_THRESHOLD {
            (0..=1u32 << 16)
                .map(|h| {
                    let block = u64::from(h) << 16;
                    list.v4
                        .partition_point(|&(start, _)| u64::from(start) < block)
                        as u32
                })
                .collect()
        } else {
            Vec::new()
        };
        Self {
            v4: list.v4,
            v6: list.v6,
            v4_index,
        }
    }

    /// True if `ip` is in the set. IPv4-mapped IPv6 addresses are looked up as IPv4.
    #[inline]
    pub fn contains(&self, ip: IpAddr) -> bool {
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
            return contains_in(&self.v4, x);
        }
        let h = (x >> 16) as usize;
        // The range holding x starts in x's /16 at or before x, or is the last range
        // starting before the /16.
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

    /// True if the set holds no address.
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// Bytes the set occupies in memory.
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.v4.capacity() * std::mem::size_of::<(u32, u32)>()
            + self.v6.capacity() * std::mem::size_of::<(u128, u128)>()
            + self.v4_index.capacity() * std::mem::size_of::<u32>()
    }

    #[cfg(test)]
    fn has_index(&self) -> bool {
        !self.v4_index.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn merging_and_mapped_ranges() {
        let mut list = RangeList::default();
        list.push_v4(10, 20);
        list.push_v4(21, 30);
        list.push_v4(5, 12);
        list.push_v6(0, u128::MAX);
        let set = IpRanges::new(list);
        assert_eq!(set.v4_ranges(), &[(0, u32::MAX)], "::/0 covers all of IPv4");
        assert_eq!(set.v6_ranges().len(), 1);
        assert!(set.contains(ip("8.8.8.8")));
        assert!(IpRanges::default().is_empty());
        assert!(!IpRanges::default().contains(ip("::1")));
    }

    proptest! {
        // Building the /16 index (65,537 binary searches) is the slow part: fewer cases.
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn indexed_and_plain_agree_with_a_scan(
            starts in prop::collection::vec((any::<u32>(), 0u32..5000), 0..1500),
            probes in prop::collection::vec(any::<u32>(), 64),
        ) {
            let mut list = RangeList::default();
            for &(s, len) in &starts {
                list.push_v4(s, s.saturating_add(len));
            }
            let set = IpRanges::new(list.clone());
            prop_assert_eq!(set.has_index(), set.v4_ranges().len() >= V4_INDEX_THRESHOLD);
            let ends = list.v4.iter().flat_map(|&(a, b)| [a, b, a.wrapping_sub(1), b.wrapping_add(1)]);
            for x in probes.into_iter().chain(ends) {
                let naive = list.v4.iter().any(|&(a, b)| a <= x && x <= b);
                prop_assert_eq!(set.contains(IpAddr::V4(x.into())), naive);
            }
            // Merging is idempotent.
            let again = IpRanges::new(RangeList { v4: set.v4_ranges().to_vec(), v6: set.v6_ranges().to_vec() });
            prop_assert_eq!(again, set);
        }
    }
}
