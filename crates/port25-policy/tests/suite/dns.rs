//! Real DNS: an authoritative server on 127.0.0.1 (`mail-policy-dns-test-server`, UDP and
//! TCP) answers PTR, A and DNSBL queries; `HickoryLookups` asks it over the
//! socket, and the answers drive IP25B decisions.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use mail_policy_dns_test_server::{TestDnsServer, Zone};
use mail_policy_port25_policy::dns::HickoryLookups;
use mail_policy_port25_policy::{
    DnsblAnswer, Ip25b, Ip25bDecision, Ip25bInput, ListenerRole, PtrAnswer,
};

/// Starts the server with the zone the tests ask.
async fn start_server() -> SocketAddr {
    let zone = Zone::new()
        // A residential sender: dynamic PTR, forward-confirmed, PBL-listed.
        .ptr(
            "5.113.0.203.in-addr.arpa",
            "pppoe-203-0-113-5.dyn.example.net",
        )
        .a("pppoe-203-0-113-5.dyn.example.net", [203, 0, 113, 5])
        .a("5.113.0.203.pbl.test", [127, 0, 0, 11])
        // A server whose PTR name does not point back.
        .ptr("1.2.0.192.in-addr.arpa", "mail.example.com")
        .a("mail.example.com", [192, 0, 2, 99])
        // A DNSBL that refuses this resolver.
        .a("1.2.0.192.pbl.test", [127, 255, 255, 254])
        // A broken upstream.
        .servfail("9.9.9.9.in-addr.arpa")
        .servfail("9.9.9.9.pbl.test");
    TestDnsServer::start(zone).expect("bind loopback").addr()
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("address")
}

#[tokio::test(flavor = "current_thread")]
async fn ptr_and_dnsbl_over_a_real_socket() {
    let server = start_server().await;
    let lookups = HickoryLookups::new(&[server], Duration::from_millis(500)).expect("resolver");

    assert_eq!(
        lookups.ptr(ip("203.0.113.5")).await,
        PtrAnswer::Name {
            name: "pppoe-203-0-113-5.dyn.example.net".into(),
            forward_confirmed: true
        }
    );
    assert_eq!(
        lookups.ptr(ip("192.0.2.1")).await,
        PtrAnswer::Name {
            name: "mail.example.com".into(),
            forward_confirmed: false
        }
    );
    assert_eq!(lookups.ptr(ip("198.51.100.7")).await, PtrAnswer::NoName);
    assert_eq!(lookups.ptr(ip("9.9.9.9")).await, PtrAnswer::TempFail);
    // IPv4-mapped IPv6 is looked up as IPv4.
    assert_eq!(
        lookups.ptr(ip("::ffff:198.51.100.7")).await,
        PtrAnswer::NoName
    );

    assert_eq!(
        lookups.dnsbl(ip("203.0.113.5"), "pbl.test").await,
        DnsblAnswer::Records(vec![Ipv4Addr::new(127, 0, 0, 11)])
    );
    assert_eq!(
        lookups.dnsbl(ip("192.0.2.1"), "pbl.test.").await,
        DnsblAnswer::Records(vec![Ipv4Addr::new(127, 255, 255, 254)])
    );
    assert_eq!(
        lookups.dnsbl(ip("198.51.100.7"), "pbl.test").await,
        DnsblAnswer::NotListed
    );
    assert_eq!(
        lookups.dnsbl(ip("9.9.9.9"), "pbl.test").await,
        DnsblAnswer::TempFail
    );
}

#[tokio::test(flavor = "current_thread")]
async fn ip25b_decisions_from_real_lookups() {
    let server = start_server().await;
    let lookups = HickoryLookups::new(&[server], Duration::from_millis(500)).expect("resolver");
    let policy = Ip25b::sonet();
    let mut outcomes = Vec::new();
    for client in ["203.0.113.5", "192.0.2.1", "9.9.9.9"] {
        let client = ip(client);
        let ptr = lookups.ptr(client).await;
        let dnsbl = lookups.dnsbl(client, "pbl.test").await;
        outcomes.push(policy.decide(&Ip25bInput {
            client,
            role: ListenerRole::Mx,
            authenticated: false,
            ptr: &ptr,
            dnsbl: &dnsbl,
            recent_messages: 100,
        }));
    }
    assert!(
        matches!(&outcomes[0], Ip25bDecision::Reject(r) if r.to_string().contains("203.0.113.5"))
    );
    assert!(
        matches!(&outcomes[1], Ip25bDecision::Accept { classification } if !classification.dynamic)
    );
    assert!(
        matches!(&outcomes[2], Ip25bDecision::Defer { .. }),
        "a DNS failure defers: {:?}",
        outcomes[2]
    );
}
