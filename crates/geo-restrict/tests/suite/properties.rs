//! proptest: lookups agree with a naive scan of the source ranges; compiling the
//! compiled ranges again changes nothing (merge is idempotent).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use mail_policy_geo_restrict::{CountryCode, DomesticTable, RangeList};

fn ranges() -> impl Strategy<Value = RangeList> {
    (
        prop::collection::vec((any::<u32>(), 0u32..100_000), 0..80),
        prop::collection::vec((any::<u16>(), 16u32..64), 0..20),
    )
        .prop_map(|(v4, v6)| {
            let mut list = RangeList::default();
            for (start, len) in v4 {
                list.v4.push((start, start.saturating_add(len)));
            }
            for (top, prefix) in v6 {
                let start = u128::from(top) << 112;
                let mask = u128::MAX >> prefix;
                list.v6.push((start & !mask, (start & !mask) | mask));
            }
            list
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn lookup_agrees_with_a_naive_scan(list in ranges(), probes in prop::collection::vec(any::<u32>(), 50), probes6 in prop::collection::vec(any::<u16>(), 20)) {
        let table = DomesticTable::new(CountryCode::JP, list.clone());
        let ends = list.v4.iter().flat_map(|&(a, b)| [a, b, a.wrapping_sub(1), b.wrapping_add(1)]);
        for x in probes.into_iter().chain(ends) {
            let naive = list.v4.iter().any(|&(a, b)| a <= x && x <= b);
            prop_assert_eq!(table.is_domestic(IpAddr::V4(Ipv4Addr::from(x))), naive, "{}", Ipv4Addr::from(x));
            prop_assert_eq!(table.is_domestic(IpAddr::V6(Ipv4Addr::from(x).to_ipv6_mapped())), naive);
        }
        for top in probes6 {
            let x = (u128::from(top) << 112) | 0x1234;
            let naive = list.v6.iter().any(|&(a, b)| a <= x && x <= b);
            prop_assert_eq!(table.is_domestic(IpAddr::V6(Ipv6Addr::from(x))), naive);
        }
    }

    #[test]
    fn merge_is_idempotent(list in ranges()) {
        let once = DomesticTable::new(CountryCode::JP, list);
        let (v4, v6) = (once.v4_ranges(), once.v6_ranges());
        let again = DomesticTable::new(CountryCode::JP, RangeList { v4: v4.to_vec(), v6: v6.to_vec() });
        prop_assert_eq!(again, once);
    }
}
