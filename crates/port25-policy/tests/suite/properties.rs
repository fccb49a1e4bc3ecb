//! proptest properties: CIDR-set membership agrees with a naive linear scan; export and
//! re-parse give the same set; the hostname classifier never panics.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnetwork::IpNetwork;
use proptest::prelude::*;

use mail_policy_port25_policy::{CidrSet, Ip25b};

use crate::fuzz_checks;

fn network() -> impl Strategy<Value = IpNetwork> {
    prop_oneof![
        // Clustered IPv4 so that networks overlap and touch.
        (0u32..4096, 16u8..=32).prop_map(|(x, prefix)| {
            let base = Ipv4Addr::from(0xC000_0000u32 | (x << 8));
            let n = ipnetwork::Ipv4Network::new(base, prefix).expect("prefix <= 32");
            IpNetwork::V4(ipnetwork::Ipv4Network::new(n.network(), prefix).expect("valid"))
        }),
        (0u16..256, 24u8..=64).prop_map(|(x, prefix)| {
            let base = Ipv6Addr::new(0x2001, 0xdb8, x, 0, 0, 0, 0, 0);
            let n = ipnetwork::Ipv6Network::new(base, prefix).expect("prefix <= 128");
            IpNetwork::V6(ipnetwork::Ipv6Network::new(n.network(), prefix).expect("valid"))
        }),
    ]
}

fn address() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        (0u32..(4096 << 8)).prop_map(|x| IpAddr::V4(Ipv4Addr::from(0xC000_0000u32 | x))),
        (0u16..256, any::<u64>()).prop_map(|(x, low)| IpAddr::V6(Ipv6Addr::new(
            0x2001,
            0xdb8,
            x,
            0,
            (low >> 48) as u16,
            (low >> 32) as u16,
            (low >> 16) as u16,
            low as u16
        ))),
        any::<u32>().prop_map(|x| IpAddr::V6(
            Ipv4Addr::from(0xC000_0000u32 | (x & 0xF_FFFF)).to_ipv6_mapped()
        )),
    ]
}

fn naive_contains(networks: &[IpNetwork], ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    networks.iter().any(|n| n.contains(ip))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn membership_agrees_with_a_linear_scan(
        networks in prop::collection::vec(network(), 0..60),
        probes in prop::collection::vec(address(), 1..60),
    ) {
        let set = CidrSet::from_networks(networks.iter().copied());
        for ip in probes {
            prop_assert_eq!(set.contains(ip), naive_contains(&networks, ip), "{}", ip);
        }
        // Every network's ends are members.
        for n in &networks {
            prop_assert!(set.contains(n.network()));
            prop_assert!(set.contains(n.broadcast()));
        }
    }

    #[test]
    fn export_round_trips(networks in prop::collection::vec(network(), 0..60)) {
        let set = CidrSet::from_networks(networks.iter().copied());
        let again = CidrSet::parse("export", &set.to_list()).expect("own export parses");
        prop_assert_eq!(&again, &set);
        // The export is minimal: exporting again changes nothing.
        prop_assert_eq!(again.to_list(), set.to_list());
    }

    #[test]
    fn classifier_never_panics_on_any_hostname(name in any::<String>(), v4 in any::<u32>()) {
        let policy = Ip25b::sonet();
        let _ = policy.classify_hostname(IpAddr::V4(Ipv4Addr::from(v4)), &name);
        fuzz_checks::ptr_hostname(name.as_bytes());
    }

    #[test]
    fn cidr_parser_never_panics(text in "([0-9a-f:./% #\n]|[0-9]{1,3}){0,80}") {
        fuzz_checks::cidr_list(text.as_bytes());
    }
}

proptest! {
    // Building a 5000-network set is the slow part: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn large_indexed_sets_agree_with_a_linear_scan(
        seeds in prop::collection::vec(any::<u32>(), 5000..5200),
        probes in prop::collection::vec(any::<u32>(), 50),
    ) {
        // Over 4096 ranges: the set builds its /16 index.
        let networks: Vec<IpNetwork> = seeds
            .iter()
            .map(|&s| {
                let prefix = 20 + (s % 9) as u8;
                let n = ipnetwork::Ipv4Network::new(Ipv4Addr::from(s), prefix).expect("valid");
                IpNetwork::V4(ipnetwork::Ipv4Network::new(n.network(), prefix).expect("valid"))
            })
            .collect();
        let set = CidrSet::from_networks(networks.iter().copied());
        for probe in probes.into_iter().chain(seeds.iter().copied().take(50)) {
            let ip = IpAddr::V4(Ipv4Addr::from(probe));
            prop_assert_eq!(set.contains(ip), naive_contains(&networks, ip), "{}", ip);
        }
    }
}
