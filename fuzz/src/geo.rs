//! The check behind the `rir_file` fuzz target: RIR statistics files, parsed; what parses
//! must compile into a table that agrees with a scan of the parsed ranges. Shared with
//! `cargo test` like `address.rs`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use mail_policy_geo_restrict::{CountryCode, DomesticTable, parse_rir};

/// Parses `data` as an RIR file for JP, builds the table, and probes it at every range's
/// ends and just outside them.
#[allow(unreachable_pub)] // public for the fuzz target, private where tests include this file
pub fn rir_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(ranges) = parse_rir("fuzz", text, CountryCode::JP) else {
        return;
    };
    let table = DomesticTable::new(CountryCode::JP, ranges.clone());
    let in_v4 = |x: u32| ranges.v4.iter().any(|&(a, b)| a <= x && x <= b);
    let in_v6 = |x: u128| ranges.v6.iter().any(|&(a, b)| a <= x && x <= b);
    for &(a, b) in &ranges.v4 {
        for x in [a, b, a.wrapping_sub(1), b.wrapping_add(1)] {
            assert_eq!(
                table.is_domestic(IpAddr::V4(Ipv4Addr::from(x))),
                in_v4(x),
                "{x}"
            );
        }
    }
    for &(a, b) in &ranges.v6 {
        for x in [a, b, a.wrapping_sub(1), b.wrapping_add(1)] {
            let ip = Ipv6Addr::from(x);
            if ip.to_ipv4_mapped().is_none() {
                assert_eq!(table.is_domestic(IpAddr::V6(ip)), in_v6(x), "{ip}");
            }
        }
    }
}
