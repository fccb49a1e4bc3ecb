//! Sets of IPv4 and IPv6 networks, parsed from CIDR lists and compiled into merged, sorted
//! intervals for lookups in O(log n).

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use ipnetwork::IpNetwork;
use mail_policy_ip_ranges::{IpRanges, RangeList};

use crate::error::Error;

/// A set of networks: membership of an address in O(log n), whatever the number of
/// networks. IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) are looked up as IPv4.
///
/// ```
/// use mail_policy_port25_policy::CidrSet;
///
/// let set = CidrSet::parse("pools", "# access pools\n192.0.2.0/24\n2001:db8::/32\n")?;
/// assert!(set.contains("192.0.2.77".parse()?));
/// assert!(set.contains("::ffff:192.0.2.77".parse()?));
/// assert!(!set.contains("198.51.100.1".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CidrSet {
    ranges: IpRanges,
}

/// The address as the set sees it: IPv4-mapped IPv6 becomes IPv4.
pub(crate) fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl CidrSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    fn compile(list: RangeList) -> Self {
        Self {
            ranges: IpRanges::new(list),
        }
    }

    /// Parses a CIDR list: one network per line (`192.0.2.0/24`, `2001:db8::/32`, or a
    /// bare address for a single host), `#` starts a comment, blank lines are skipped.
    /// A network with host bits set (`192.0.2.1/24`) is refused: it is usually a typo.
    /// `source_name` names the list in errors.
    pub fn parse(source_name: &str, text: &str) -> Result<Self, Error> {
        let mut list = RangeList::default();
        for (i, line) in text.lines().enumerate() {
            let entry = line.split('#').next().unwrap_or_default().trim();
            if entry.is_empty() {
                continue;
            }
            let network = parse_network(entry).map_err(|reason| Error::CidrList {
                source_name: source_name.to_owned(),
                line: i + 1,
                reason,
            })?;
            push(&mut list, network);
        }
        Ok(Self::compile(list))
    }

    /// Builds a set from networks given one by one, each as text, as configuration lists
    /// hold them; `source_name` names the list in errors, `line` is the entry's index + 1.
    pub fn from_entries<S: AsRef<str>>(source_name: &str, entries: &[S]) -> Result<Self, Error> {
        let mut list = RangeList::default();
        for (i, entry) in entries.iter().enumerate() {
            let network =
                parse_network(entry.as_ref().trim()).map_err(|reason| Error::CidrList {
                    source_name: source_name.to_owned(),
                    line: i + 1,
                    reason,
                })?;
            push(&mut list, network);
        }
        Ok(Self::compile(list))
    }

    /// Builds a set from networks.
    pub fn from_networks(networks: impl IntoIterator<Item = IpNetwork>) -> Self {
        let mut list = RangeList::default();
        for network in networks {
            push(&mut list, network);
        }
        Self::compile(list)
    }

    /// True if `ip` is in the set.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.ranges.contains(ip)
    }

    /// True if the set has no address.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The number of merged intervals (IPv4, IPv6).
    pub fn interval_counts(&self) -> (usize, usize) {
        (self.ranges.v4_ranges().len(), self.ranges.v6_ranges().len())
    }

    /// The set as the fewest CIDR networks, IPv4 first, each family in address order.
    pub fn to_networks(&self) -> Vec<IpNetwork> {
        let mut out = Vec::new();
        for &(start, end) in self.ranges.v4_ranges() {
            cover(
                u128::from(start),
                u128::from(end),
                32,
                &mut |base, prefix| {
                    let ip = Ipv4Addr::from(base as u32);
                    if let Ok(n) = ipnetwork::Ipv4Network::new(ip, prefix) {
                        out.push(IpNetwork::V4(n));
                    }
                },
            );
        }
        for &(start, end) in self.ranges.v6_ranges() {
            cover(start, end, 128, &mut |base, prefix| {
                if let Ok(n) = ipnetwork::Ipv6Network::new(Ipv6Addr::from(base), prefix) {
                    out.push(IpNetwork::V6(n));
                }
            });
        }
        out
    }

    /// The set as text, one network per line: what [`CidrSet::parse`] reads back.
    pub fn to_list(&self) -> String {
        let mut text = String::new();
        for network in self.to_networks() {
            let _ = writeln!(text, "{network}");
        }
        text
    }
}

/// Adds a network's range to `list` (IPv4-mapped parts go to IPv4: see
/// [`RangeList::push_v6`]).
fn push(list: &mut RangeList, network: IpNetwork) {
    match network {
        IpNetwork::V4(n) => list.push_v4(u32::from(n.network()), u32::from(n.broadcast())),
        IpNetwork::V6(n) => {
            let start = u128::from(n.network());
            let host_bits = 128 - u32::from(n.prefix());
            let end = if host_bits == 128 {
                u128::MAX
            } else {
                start | ((1u128 << host_bits) - 1)
            };
            list.push_v6(start, end);
        }
    }
}

/// Calls `emit(base, prefix)` for the fewest aligned blocks that cover `[start, end]` in an
/// address space of `bits` bits.
fn cover(mut start: u128, end: u128, bits: u8, emit: &mut dyn FnMut(u128, u8)) {
    loop {
        // The largest aligned block at `start` that does not pass `end`.
        let align = if start == 0 {
            u32::from(bits)
        } else {
            start.trailing_zeros().min(u32::from(bits))
        };
        let mut size_bits = align;
        while size_bits > 0 {
            let last = if size_bits == 128 {
                u128::MAX
            } else {
                start + ((1u128 << size_bits) - 1)
            };
            if last <= end {
                break;
            }
            size_bits -= 1;
        }
        let prefix = bits - size_bits as u8;
        emit(start, prefix);
        let last = if size_bits == 128 {
            u128::MAX
        } else {
            start + ((1u128 << size_bits) - 1)
        };
        if last >= end {
            return;
        }
        start = last + 1;
    }
}

fn parse_network(entry: &str) -> Result<IpNetwork, String> {
    let network =
        IpNetwork::from_str(entry).map_err(|e| format!("{entry:?} is not a network: {e}"))?;
    if network.ip() != network.network() {
        return Err(format!(
            "{entry:?} has host bits set; the network is {}/{}",
            network.network(),
            network.prefix()
        ));
    }
    Ok(network)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn membership_v4_v6_and_mapped() {
        let set = CidrSet::parse(
            "test",
            "192.0.2.0/24\n10.0.0.1\n2001:db8::/32 # doc\n\n# x\n",
        )
        .unwrap();
        assert!(set.contains(ip("192.0.2.0")));
        assert!(set.contains(ip("192.0.2.255")));
        assert!(!set.contains(ip("192.0.3.0")));
        assert!(set.contains(ip("10.0.0.1")));
        assert!(!set.contains(ip("10.0.0.2")));
        assert!(set.contains(ip("2001:db8:ffff::1")));
        assert!(!set.contains(ip("2001:db9::1")));
        assert!(set.contains(ip("::ffff:192.0.2.9")));
        assert!(!set.contains(ip("::ffff:192.0.3.9")));
    }

    #[test]
    fn merging_and_export() {
        let set = CidrSet::parse(
            "t",
            "192.0.2.0/25\n192.0.2.128/25\n192.0.2.64/26\n0.0.0.0/0\n",
        )
        .unwrap();
        assert_eq!(set.interval_counts(), (1, 0));
        assert_eq!(set.to_list(), "0.0.0.0/0\n");
        let set = CidrSet::parse(
            "t",
            "192.0.2.0/25\n192.0.2.128/26\n2001:db8::/33\n2001:db8:8000::/33\n",
        )
        .unwrap();
        assert_eq!(
            set.to_list(),
            "192.0.2.0/25\n192.0.2.128/26\n2001:db8::/32\n"
        );
        // ::/0 holds the IPv4-mapped range, so all of IPv4 too.
        let everything = CidrSet::parse("t", "::/0\n").unwrap();
        assert_eq!(everything.to_list(), "0.0.0.0/0\n::/0\n");
        // Mapped networks join the IPv4 table.
        let mapped = CidrSet::parse("t", "::ffff:192.0.2.0/120\n").unwrap();
        assert!(mapped.contains(ip("192.0.2.1")));
        assert_eq!(mapped.interval_counts(), (1, 0));
        // A wider IPv6 network that contains the mapped range covers all of IPv4 (found by
        // the `cidr_list` fuzz target: `::/80`).
        let wide = CidrSet::parse("t", "::/80\n").unwrap();
        assert!(wide.contains(ip("255.255.255.255")));
        assert!(wide.contains(ip("::ffff:1.2.3.4")));
        assert!(wide.contains(ip("::1")));
        assert!(!wide.contains(ip("1::")));
        assert_eq!(wide.interval_counts(), (1, 1));
    }

    #[test]
    fn large_sets_agree_with_a_scan() {
        // Every other /24 of 10.0.0.0/8 and 11.0.0.0/8 (large enough for the /16 index),
        // plus a range spanning several /16s.
        let mut text = String::new();
        for i in (0..131072u32).step_by(2) {
            text.push_str(&format!(
                "{}.{}.{}.0/24\n",
                10 + (i >> 16),
                (i >> 8) & 255,
                i & 255
            ));
        }
        text.push_str("192.160.0.0/11\n");
        let set = CidrSet::parse("big", &text).unwrap();
        for (probe, expected) in [
            ("10.0.0.1", true),
            ("10.0.1.1", false),
            ("10.255.254.9", true),
            ("10.255.255.9", false),
            ("11.0.0.0", true),
            ("12.0.0.0", false),
            ("192.170.3.4", true),
            ("192.192.0.0", false),
            ("0.0.0.0", false),
            ("255.255.255.255", false),
            ("192.159.255.255", false),
            ("192.175.255.255", true),
        ] {
            assert_eq!(set.contains(ip(probe)), expected, "{probe}");
        }
    }

    #[test]
    fn errors_name_the_list_and_line() {
        let err = CidrSet::parse("pools.txt", "192.0.2.0/24\n192.0.2.1/24\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "pools.txt:2: \"192.0.2.1/24\" has host bits set; the network is 192.0.2.0/24"
        );
        let err = CidrSet::parse("pools.txt", "\n\n300.0.0.0/8\n").unwrap_err();
        assert!(matches!(err, Error::CidrList { line: 3, .. }), "{err}");
        assert!(CidrSet::parse("x", "192.0.2.0/33").is_err());
        assert!(CidrSet::parse("x", "hello").is_err());
        let err =
            CidrSet::from_entries("op25b.access_pools", &["192.0.2.0/24", "nope"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "op25b.access_pools:2: \"nope\" is not a network: invalid address: nope"
        );
    }
}
