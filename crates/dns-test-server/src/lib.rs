//! Test support: an authoritative DNS server on `127.0.0.1` answering from a fixed
//! [`Zone`] over UDP and TCP on one port. The DNS adapters of the policy crates
//! (`dns-hickory` features) are tested against it over real sockets, as the standards of
//! this workspace require (a mocked resolver alone proves nothing about the wire).
//!
//! Messages are encoded and decoded by `hickory-proto`; the server itself is a few loops
//! on std threads, so it works under any async runtime or none, and outlives the runtime
//! of a single `#[tokio::test]`.
//!
//! What a name answers:
//! - its records of the asked type (several TXT records, TXT strings split at 255 octets);
//! - `NOERROR` with no answer (NODATA) when the name has records of other types only;
//! - `NXDOMAIN` when the name is not in the zone;
//! - `SERVFAIL` for names set with [`Zone::servfail`];
//! - nothing at all for names set with [`Zone::silent`], so the resolver times out.
//!
//! # Example
//!
//! ```
//! use mail_policy_dns_test_server::{TestDnsServer, Zone};
//!
//! let zone = Zone::new()
//!     .txt("example.com", "v=spf1 ip4:192.0.2.0/24 -all")
//!     .a("mail.example.com", [192, 0, 2, 1])
//!     .servfail("broken.example")
//!     .silent("slow.example");
//! let server = TestDnsServer::start(zone).expect("bind loopback");
//! assert!(server.addr().ip().is_loopback());
//! assert_eq!(server.queries(), 0);
//! ```
//!
//! # Crate features
//!
//! None.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, MX, PTR, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};

/// The records a [`TestDnsServer`] serves. Names are case-insensitive and may be written
/// with or without the final dot.
#[derive(Debug, Clone, Default)]
pub struct Zone {
    records: HashMap<String, Vec<RData>>,
    servfail: Vec<String>,
    silent: Vec<String>,
}

/// Lowercase, with the final dot: the form the server compares.
fn key(name: &str) -> String {
    let mut name = name.to_ascii_lowercase();
    if !name.ends_with('.') {
        name.push('.');
    }
    name
}

/// A name for record data; the zone is written by tests, so a bad name is a test bug.
fn name(text: &str) -> Name {
    Name::from_ascii(text).unwrap_or_else(|e| panic!("test zone: bad name {text:?}: {e}"))
}

impl Zone {
    /// An empty zone: every name is NXDOMAIN.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds any record.
    pub fn record(mut self, owner: &str, data: RData) -> Self {
        self.records.entry(key(owner)).or_default().push(data);
        self
    }

    /// Adds a TXT record; text longer than 255 octets is split into several strings, as a
    /// zone file would hold it.
    pub fn txt(self, owner: &str, text: &str) -> Self {
        let strings = text
            .as_bytes()
            .chunks(255)
            .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
            .collect::<Vec<_>>();
        let strings = if strings.is_empty() {
            vec![String::new()]
        } else {
            strings
        };
        self.record(owner, RData::TXT(TXT::new(strings)))
    }

    /// Adds an A record.
    pub fn a(self, owner: &str, ip: [u8; 4]) -> Self {
        self.record(owner, RData::A(A::from(Ipv4Addr::from(ip))))
    }

    /// Adds an AAAA record.
    pub fn aaaa(self, owner: &str, ip: Ipv6Addr) -> Self {
        self.record(owner, RData::AAAA(AAAA::from(ip)))
    }

    /// Adds an MX record.
    pub fn mx(self, owner: &str, preference: u16, exchange: &str) -> Self {
        self.record(owner, RData::MX(MX::new(preference, name(exchange))))
    }

    /// Adds a PTR record.
    pub fn ptr(self, owner: &str, target: &str) -> Self {
        self.record(owner, RData::PTR(PTR(name(target))))
    }

    /// Every query for `owner` answers SERVFAIL.
    pub fn servfail(mut self, owner: &str) -> Self {
        self.servfail.push(key(owner));
        self
    }

    /// Queries for `owner` are never answered: the resolver times out.
    pub fn silent(mut self, owner: &str) -> Self {
        self.silent.push(key(owner));
        self
    }

    /// The response to `request`, or `None` to stay silent.
    fn respond(&self, request: &Message) -> Option<Message> {
        let query = request.queries.first()?.clone();
        let owner = key(&query.name().to_ascii());
        if self.silent.contains(&owner) {
            return None;
        }
        let mut response = Message::response(request.metadata.id, request.metadata.op_code);
        response.metadata.message_type = MessageType::Response;
        response.metadata.authoritative = true;
        response.metadata.recursion_desired = request.metadata.recursion_desired;
        response.add_query(query.clone());
        if self.servfail.contains(&owner) {
            response.metadata.response_code = ResponseCode::ServFail;
            return Some(response);
        }
        match self.records.get(&owner) {
            None => response.metadata.response_code = ResponseCode::NXDomain,
            Some(records) => {
                for data in records {
                    if data.record_type() == query.query_type()
                        || query.query_type() == RecordType::ANY
                    {
                        response.add_answer(Record::from_rdata(
                            query.name().clone(),
                            300,
                            data.clone(),
                        ));
                    }
                }
            }
        }
        Some(response)
    }
}

/// A running server. Its threads live until the test process ends.
#[derive(Debug, Clone)]
pub struct TestDnsServer {
    addr: SocketAddr,
    queries: Arc<AtomicUsize>,
}

impl TestDnsServer {
    /// Binds UDP and TCP on one free port of `127.0.0.1` and serves `zone`.
    pub fn start(zone: Zone) -> io::Result<Self> {
        // Retry a few ports: the UDP port chosen by the system may be taken for TCP.
        let mut last_error = None;
        for _ in 0..16 {
            let udp = UdpSocket::bind("127.0.0.1:0")?;
            let addr = udp.local_addr()?;
            match TcpListener::bind(addr) {
                Ok(tcp) => return Ok(Self::serve(zone, udp, tcp, addr)),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("no free port")))
    }

    fn serve(zone: Zone, udp: UdpSocket, tcp: TcpListener, addr: SocketAddr) -> Self {
        let zone = Arc::new(zone);
        let queries = Arc::new(AtomicUsize::new(0));
        {
            let (zone, queries) = (Arc::clone(&zone), Arc::clone(&queries));
            thread::spawn(move || serve_udp(&zone, &udp, &queries));
        }
        {
            let (zone, queries) = (Arc::clone(&zone), Arc::clone(&queries));
            thread::spawn(move || {
                for stream in tcp.incoming().flatten() {
                    let (zone, queries) = (Arc::clone(&zone), Arc::clone(&queries));
                    thread::spawn(move || serve_tcp(&zone, stream, &queries));
                }
            });
        }
        Self { addr, queries }
    }

    /// The address (UDP and TCP) to point a resolver at.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many queries the server has received so far, over both transports.
    pub fn queries(&self) -> usize {
        self.queries.load(Ordering::Relaxed)
    }
}

fn serve_udp(zone: &Zone, socket: &UdpSocket, queries: &AtomicUsize) {
    let mut buffer = vec![0u8; 65_535];
    loop {
        let Ok((len, peer)) = socket.recv_from(&mut buffer) else {
            return;
        };
        let Ok(request) = Message::from_vec(&buffer[..len]) else {
            continue;
        };
        queries.fetch_add(1, Ordering::Relaxed);
        let Some(mut response) = zone.respond(&request) else {
            continue;
        };
        let Ok(mut bytes) = response.to_vec() else {
            continue;
        };
        // Without EDNS a UDP answer is at most 512 octets (RFC 1035 §4.2.1); with EDNS, the
        // size the client announced. Larger answers are truncated so the client retries
        // over TCP, as with a real server.
        let limit = request
            .edns
            .as_ref()
            .map_or(512, |edns| usize::from(edns.max_payload().max(512)));
        if bytes.len() > limit {
            response.answers.clear();
            response.metadata.truncation = true;
            match response.to_vec() {
                Ok(truncated) => bytes = truncated,
                Err(_) => continue,
            }
        }
        let _ = socket.send_to(&bytes, peer);
    }
}

fn serve_tcp(zone: &Zone, mut stream: TcpStream, queries: &AtomicUsize) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    loop {
        let mut length = [0u8; 2];
        if stream.read_exact(&mut length).is_err() {
            return;
        }
        let mut request = vec![0u8; usize::from(u16::from_be_bytes(length))];
        if stream.read_exact(&mut request).is_err() {
            return;
        }
        let Ok(request) = Message::from_vec(&request) else {
            return;
        };
        queries.fetch_add(1, Ordering::Relaxed);
        let Some(response) = zone.respond(&request) else {
            continue;
        };
        let Ok(bytes) = response.to_vec() else {
            return;
        };
        let Ok(len) = u16::try_from(bytes.len()) else {
            return;
        };
        let mut framed = Vec::with_capacity(bytes.len() + 2);
        framed.extend_from_slice(&len.to_be_bytes());
        framed.extend_from_slice(&bytes);
        if stream.write_all(&framed).is_err() {
            return;
        }
    }
}
