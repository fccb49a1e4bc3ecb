//! The embedding example over loopback: a `mailin-embedded` server with
//! `examples::PolicyHandler`, driven with raw SMTP commands; the refusals of mail-policy
//! arrive as SMTP replies.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

use examples::PolicyHandler;
use mail_policy::{Config, Engine};
use mailin_embedded::{Server, SslConfig};

/// Starts a server on a free loopback port with `config`; returns its address.
fn start(config: Config) -> std::net::SocketAddr {
    let engine: &'static Engine =
        Box::leak(Box::new(Engine::new(&config, "test").expect("engine")));
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let mut server = Server::new(PolicyHandler::new(engine, 25));
    server
        .with_name("mx.test")
        .with_ssl(SslConfig::None)
        .expect("no tls")
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        if let Err(e) = server.serve() {
            eprintln!("smtp server: {e}");
        }
    });
    addr
}

struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn connect(addr: std::net::SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let mut client = Self {
            reader: BufReader::new(stream.try_clone().expect("clone")),
            writer: stream,
        };
        let greeting = client.reply();
        assert!(greeting.starts_with("220"), "{greeting}");
        client
    }

    /// Reads one reply (all lines of a multi-line one); returns the last line.
    fn reply(&mut self) -> String {
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).expect("read");
            assert!(!line.is_empty(), "connection closed");
            if line.as_bytes().get(3) != Some(&b'-') {
                return line.trim_end().to_owned();
            }
        }
    }

    fn send(&mut self, command: &str) -> String {
        self.writer
            .write_all(format!("{command}\r\n").as_bytes())
            .expect("write");
        self.reply()
    }
}

#[test]
fn refusals_arrive_as_smtp_replies() {
    let addr = start(Config::sonet());
    let mut smtp = Client::connect(addr);
    assert!(smtp.send("EHLO client.example").starts_with("250"));
    assert!(
        smtp.send("MAIL FROM:<sender@example.com>")
            .starts_with("250")
    );
    assert!(
        smtp.send("RCPT TO:<taro@aa2.so-net.ne.jp>")
            .starts_with("250")
    );
    let relay = smtp.send("RCPT TO:<someone@example.org>");
    assert!(
        relay.starts_with("554 5.7.1 <someone@example.org>: Relay access denied (P25-SUBMIT)"),
        "{relay}"
    );
    for i in 1..200 {
        let reply = smtp.send(&format!("RCPT TO:<user{i}@aa2.so-net.ne.jp>"));
        assert!(reply.starts_with("250"), "recipient {i}: {reply}");
    }
    let over = smtp.send("RCPT TO:<user200@aa2.so-net.ne.jp>");
    assert!(
        over.starts_with("452 4.5.3 Too many recipients (MBX-RCPT"),
        "{over}"
    );
    assert!(smtp.send("DATA").starts_with("354"));
    let done = smtp.send("From: sender@example.com\r\nSubject: hello\r\n\r\nHello.\r\n.");
    assert!(done.starts_with("250"), "{done}");
    assert!(smtp.send("QUIT").starts_with("221"));
}

#[test]
fn the_reject_list_refuses_at_the_end_of_data() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("mail-policy.toml");
    let addr = start(Config::load(path).expect("example config"));
    let mut smtp = Client::connect(addr);
    smtp.send("EHLO client.example");
    assert!(
        smtp.send("MAIL FROM:<ads@spammer.example>")
            .starts_with("250")
    );
    assert!(
        smtp.send("RCPT TO:<taro@aa2.so-net.ne.jp>")
            .starts_with("250")
    );
    assert!(smtp.send("DATA").starts_with("354"));
    let refused = smtp.send(
        "From: Ads <ads@spammer.example>\r\nTo: taro@aa2.so-net.ne.jp\r\nSubject: sale\r\n\r\nBuy.\r\n.",
    );
    assert!(
        refused.starts_with("550 5.7.1 Message refused by the recipient's reject list (REJ-LIST)"),
        "{refused}"
    );
}
