//! The milter in process, driven by a milter client (`miltr-client`) over loopback: what
//! the end-to-end suite cannot show without Postfix's defaults (no macros sent, forged
//! headers renamed rather than removed, a message over the size limit).

use std::net::SocketAddr;

use mail_policy_dns_test_server::{TestDnsServer, Zone};
use miltr_client::{Client, ResponseError};
use miltr_common::actions::Action;
use miltr_common::commands::{Body, Connect, Family, Header};
use miltr_common::decoding::ServerCommand;
use miltr_common::modifications::{ModificationAction, ModificationResponse};
use miltr_common::optneg::OptNeg;
use tokio_util::compat::TokioAsyncReadCompatExt;

use super::serve::{scratch, start};

/// One inbound message from 192.0.2.10 through the milter: its end-of-message answer, or
/// the reply given at an earlier stage.
async fn deliver(
    milter: SocketAddr,
    recipient: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<ModificationResponse, Action> {
    let stream = tokio::net::TcpStream::connect(milter).await.unwrap();
    let client = Client::new(OptNeg::default());
    let mut connection = client.connect_via(stream.compat()).await.unwrap();
    let early = |e: ResponseError| match e {
        ResponseError::Unexpected(ServerCommand::Replycode(reply)) => Action::from(reply),
        other => panic!("unexpected milter answer: {other:?}"),
    };
    connection
        .connect(Connect::new(
            b"mail.example.com",
            Family::Inet,
            Some(40000),
            b"192.0.2.10",
        ))
        .await
        .map_err(early)?;
    connection
        .helo(&b"mail.example.com"[..])
        .await
        .map_err(early)?;
    connection
        .mail(&b"<alice@example.com>"[..])
        .await
        .map_err(early)?;
    connection
        .recipient(format!("<{recipient}>").as_bytes())
        .await
        .map_err(early)?;
    connection.data().await.map_err(early)?;
    for (name, value) in headers {
        connection
            .header(Header::new(name.as_bytes(), value.as_bytes()))
            .await
            .map_err(early)?;
    }
    connection.end_of_header().await.map_err(early)?;
    for chunk in body.chunks(65_535) {
        connection.body(Body::from(chunk)).await.map_err(early)?;
    }
    let response = connection.end_of_body().await.map_err(early)?;
    let _ = connection.quit().await;
    Ok(response)
}

fn describe(response: &ModificationResponse) -> Vec<String> {
    response
        .modifications()
        .iter()
        .map(|m| match m {
            ModificationAction::InsertHeader(h) => {
                format!("insert {} {}: {}", h.index(), h.name(), h.value())
            }
            ModificationAction::ChangeHeader(h) => {
                format!("change {} {}: {}", h.index(), h.name(), h.value())
            }
            ModificationAction::AddHeader(h) => format!("add {}: {}", h.name(), h.value()),
            ModificationAction::AddRecipient(r) => format!("add-rcpt {}", r.recipient()),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn the_milter_rewrites_headers_and_refuses_oversize_messages() {
    let dns = TestDnsServer::start(
        Zone::new()
            .txt("example.com", "v=spf1 ip4:192.0.2.0/24 -all")
            .txt("_dmarc.example.com", "v=DMARC1; p=none"),
    )
    .unwrap();
    let dir = scratch("milter");
    std::fs::write(
        dir.join("mailboxes.toml"),
        "[[mailbox]]\naddress = \"jiro@aa2.so-net.ne.jp\"\n[mailbox.spam]\nmode = \"tag-subject\"\nlevel = 3\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("mail-policy.toml"),
        format!(
            "[mailbox.limits]\nmax_message_bytes = 5000\nmax_recipients = 200\n\n\
             [auth.forged]\nauthserv_ids = [\"so-net.ne.jp\"]\naction = \"rename\"\n\n\
             [auth.dns]\nname_servers = [\"{}\"]\ntimeout_ms = 1000\nattempts = 1\n\n\
             [mailboxes]\nfile = \"mailboxes.toml\"\n",
            dns.addr()
        ),
    )
    .unwrap();
    let daemon = start(
        Some(&dir.join("mail-policy.toml")),
        &["--milter=127.0.0.1:0"],
    );
    let milter = daemon.milter.expect("milter address");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    // Spam with a forged Authentication-Results as its second field.
    let response = runtime
        .block_on(deliver(
            milter,
            "jiro@aa2.so-net.ne.jp",
            &[
                ("From", "alice@example.com"),
                (
                    "Authentication-Results",
                    "so-net.ne.jp; spf=pass smtp.mailfrom=forged@example.com",
                ),
                ("Subject", "hello"),
                ("X-Spam-Score", "25"),
            ],
            b"Hi.\r\n",
        ))
        .expect("accepted");
    assert!(matches!(response.final_action(), Action::Continue(_)));
    // Folded values come with bare LF line ends, as the milter protocol wants.
    let edits: Vec<String> = describe(&response)
        .into_iter()
        .map(|e| {
            assert!(!e.contains('\r'), "{e:?}");
            e.replace("\n  ", " ")
        })
        .collect();
    assert_eq!(
        edits[0], "change 1 Authentication-Results: ",
        "the forged field is deleted: {edits:?}"
    );
    assert_eq!(
        edits[1],
        "insert 1 X-Forged-Authentication-Results: so-net.ne.jp; spf=pass smtp.mailfrom=forged@example.com",
        "and put back under another name at its place: {edits:?}"
    );
    assert!(
        edits[2].starts_with(
            "insert 0 Authentication-Results: so-net.ne.jp; spf=pass smtp.mailfrom=alice@example.com"
        ),
        "ours on top: {edits:?}"
    );
    assert_eq!(edits[3], "change 1 Subject: [meiwaku] hello", "{edits:?}");
    assert_eq!(edits.len(), 4, "{edits:?}");

    // Over the size limit (5000 octets here): refused at the end of the message, with
    // only the size kept in memory.
    let refused = runtime
        .block_on(deliver(
            milter,
            "taro@aa2.so-net.ne.jp",
            &[("From", "alice@example.com"), ("Subject", "big")],
            &vec![b'x'; 200_000],
        ))
        .expect("refused at the end");
    let Action::Replycode(reply) = refused.final_action() else {
        panic!("a reply: {:?}", refused.final_action());
    };
    assert_eq!(reply.rcode().code(), [5, 5, 2]);
    assert!(reply.message().contains("MBX-SIZE"), "{}", reply.message());
    assert!(refused.modifications().is_empty());
}

#[test]
fn messages_past_the_milter_memory_budget_are_deferred_and_the_budget_comes_back() {
    // DNS from an empty zone on loopback: every lookup answers NXDOMAIN at once.
    let dns = TestDnsServer::start(Zone::new()).unwrap();
    let dir = scratch("milter-budget");
    let config = dir.join("mail-policy.toml");
    std::fs::write(
        &config,
        format!(
            "[auth.dns]\nname_servers = [\"{}\"]\ntimeout_ms = 1000\nattempts = 1\n",
            dns.addr()
        ),
    )
    .unwrap();
    let daemon = start(
        Some(&config),
        &["--milter=127.0.0.1:0", "--milter-memory-mb=1"],
    );
    let milter = daemon.milter.expect("milter address");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // 1.5 MB: within the size limit (20 MB), over the daemon's 1 MB budget.
    let deferred = runtime
        .block_on(deliver(
            milter,
            "taro@aa2.so-net.ne.jp",
            &[("From", "alice@example.com"), ("Subject", "big")],
            &vec![b'x'; 1_500_000],
        ))
        .expect("answered at the end");
    let Action::Replycode(reply) = deferred.final_action() else {
        panic!("a reply: {:?}", deferred.final_action());
    };
    assert_eq!(reply.rcode().code(), [4, 5, 1], "{}", reply.message());
    // The bytes went back: a small message passes.
    let small = runtime
        .block_on(deliver(
            milter,
            "taro@aa2.so-net.ne.jp",
            &[("From", "alice@example.com"), ("Subject", "small")],
            b"Hi.\r\n",
        ))
        .expect("accepted");
    assert!(matches!(small.final_action(), Action::Continue(_)));
}
