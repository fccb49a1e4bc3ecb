//! Real DNS: an authoritative server on 127.0.0.1 (UDP, messages encoded and decoded by
//! `hickory-proto`) answers PTR, A and DNSBL queries; `HickoryLookups` asks it over the
//! socket, and the answers drive IP25B decisions.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, PTR};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use mail_policy_port25_policy::dns::HickoryLookups;
use mail_policy_port25_policy::{
    DnsblAnswer, Ip25b, Ip25bDecision, Ip25bInput, ListenerRole, PtrAnswer,
};
use tokio::net::UdpSocket;

/// The zone the test server serves.
fn answer(name: &str, kind: RecordType) -> Result<Vec<RData>, ResponseCode> {
    let ptr = |target: &str| {
        Ok(vec![RData::PTR(PTR(
            Name::from_ascii(target).expect("name")
        ))])
    };
    let a = |ip: [u8; 4]| Ok(vec![RData::A(A::new(ip[0], ip[1], ip[2], ip[3]))]);
    match (name.to_ascii_lowercase().as_str(), kind) {
        // A residential sender: dynamic PTR, forward-confirmed, PBL-listed.
        ("5.113.0.203.in-addr.arpa.", RecordType::PTR) => ptr("pppoe-203-0-113-5.dyn.example.net."),
        ("pppoe-203-0-113-5.dyn.example.net.", RecordType::A) => a([203, 0, 113, 5]),
        ("5.113.0.203.pbl.test.", RecordType::A) => a([127, 0, 0, 11]),
        // A server whose PTR name does not point back.
        ("1.2.0.192.in-addr.arpa.", RecordType::PTR) => ptr("mail.example.com."),
        ("mail.example.com.", RecordType::A) => a([192, 0, 2, 99]),
        // A DNSBL that refuses this resolver.
        ("1.2.0.192.pbl.test.", RecordType::A) => a([127, 255, 255, 254]),
        // A broken upstream.
        ("9.9.9.9.in-addr.arpa.", _) | ("9.9.9.9.pbl.test.", _) => Err(ResponseCode::ServFail),
        (_, _) => Err(ResponseCode::NXDomain),
    }
}

/// Serves `answer` on a loopback UDP socket until the test ends.
async fn start_server() -> SocketAddr {
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind loopback");
    let address = socket.local_addr().expect("address");
    tokio::spawn(async move {
        let mut buffer = vec![0u8; 4096];
        loop {
            let Ok((len, peer)) = socket.recv_from(&mut buffer).await else {
                return;
            };
            let Ok(request) = Message::from_vec(&buffer[..len]) else {
                continue;
            };
            let Some(query) = request.queries.first().cloned() else {
                continue;
            };
            let mut response = Message::response(request.metadata.id, request.metadata.op_code);
            response.metadata.message_type = MessageType::Response;
            response.metadata.authoritative = true;
            response.metadata.recursion_desired = request.metadata.recursion_desired;
            response.add_query(query.clone());
            match answer(&query.name().to_ascii(), query.query_type()) {
                Ok(records) => {
                    for data in records {
                        if data.record_type() == query.query_type() {
                            response.add_answer(Record::from_rdata(query.name().clone(), 60, data));
                        }
                    }
                }
                Err(code) => response.metadata.response_code = code,
            }
            if let Ok(bytes) = response.to_vec() {
                let _ = socket.send_to(&bytes, peer).await;
            }
        }
    });
    address
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
