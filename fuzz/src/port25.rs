//! The checks behind the `cidr_list` and `ptr_hostname` fuzz targets, shared with
//! `cargo test` like `address.rs`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

use mail_policy_port25_policy::{CidrSet, Ip25b};

/// Parses `data` as a CIDR list; what parses must export and parse back to the same set,
/// and membership must agree with the exported networks.
#[allow(unreachable_pub)] // public for the fuzz target, private where tests include this file
pub fn cidr_list(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(set) = CidrSet::parse("fuzz", text) else {
        return;
    };
    let exported = set.to_list();
    let again = CidrSet::parse("exported", &exported).expect("our own export parses");
    assert_eq!(again, set, "{text:?} exported as {exported:?}");
    for network in set.to_networks() {
        assert!(set.contains(network.network()));
        assert!(set.contains(network.broadcast()));
    }
}

/// Classifies `data` as a PTR name for a few client addresses: never panics.
#[allow(unreachable_pub)] // see above
pub fn ptr_hostname(data: &[u8]) {
    static POLICY: OnceLock<Ip25b> = OnceLock::new();
    let policy = POLICY.get_or_init(Ip25b::sonet);
    let name = String::from_utf8_lossy(data);
    for client in [
        IpAddr::V4(Ipv4Addr::new(203, 0, 113, 5)),
        IpAddr::V4(Ipv4Addr::new(126, 123, 45, 67)),
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
    ] {
        let _ = policy.classify_hostname(client, &name);
    }
}
