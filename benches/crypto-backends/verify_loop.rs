//! The verification loop of `run.sh`: 2,000 DKIM verifications (parse + verify) of each
//! signed fixture, through mail-auth with whichever crypto backend the crate was built
//! with, against a loopback DNS server. Not part of the workspace; `run.sh` builds it.

use mail_auth::hickory_resolver::config::*;
use mail_auth::{AuthenticatedMessage, DkimResult, MessageAuthenticator};
use mail_policy_dns_test_server::{TestDnsServer, Zone};
use std::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dir = "/tmp/dkimfix";
    for name in ["rsa", "ed"] {
        let message = std::fs::read(format!("{dir}/{name}.eml")).unwrap();
        let record = std::fs::read_to_string(format!("{dir}/{name}.txt")).unwrap();
        let server = TestDnsServer::start(
            Zone::new().txt(&format!("{name}._domainkey.ts1.so-net.ne.jp"), &record),
        )
        .unwrap();
        let mut udp = ConnectionConfig::udp();
        udp.port = server.addr().port();
        let auth = MessageAuthenticator::new(
            ResolverConfig::from_name_servers(vec![NameServerConfig::new(server.addr().ip(), true, vec![udp])]),
            ResolverOpts::default(),
        )
        .unwrap();
        let parsed = AuthenticatedMessage::parse(&message).unwrap();
        assert_eq!(auth.verify_dkim(&parsed).await[0].result(), &DkimResult::Pass);
        let n = 2000;
        let start = Instant::now();
        for _ in 0..n {
            let parsed = AuthenticatedMessage::parse(&message).unwrap();
            std::hint::black_box(auth.verify_dkim(&parsed).await.len());
        }
        println!(
            "{name}: {:.1} us per verification",
            start.elapsed().as_secs_f64() * 1e6 / n as f64
        );
    }
}
