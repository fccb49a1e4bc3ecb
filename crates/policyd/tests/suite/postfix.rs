//! End to end with a real Postfix: `mail-policyd serve` as Postfix's policy service and
//! milter, `swaks` as the SMTP client (XCLIENT sets the client address, names and login),
//! `smtp-sink` as the next hop that writes every delivered message to a file, and the
//! loopback DNS server for SPF, DKIM and DMARC.
//!
//! Needs root and the Debian packages `postfix` and `swaks` (`.ci/run` installs them and
//! sets `MAIL_POLICY_REQUIRE_POSTFIX=1`, which turns a missing part into a failure).
//! Elsewhere the test says what is missing and passes without running.
//!
//! Postfix runs as its own instance: a configuration directory, queue and data directory
//! under a scratch directory, listeners on free loopback ports, no chroot. Everything is
//! stopped and removed when the test ends, whatever its outcome.

use std::io::Write as _;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mail_policy::auth::{DkimKey, DkimResult, DkimSigner, Envelope, Verifier, VerifierConfig};
use mail_policy_dns_test_server::{TestDnsServer, Zone};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Everything the test started; stopped and removed on drop.
struct Stack {
    dir: PathBuf,
    postfix_started: bool,
    daemon: Option<Child>,
    sink: Option<Child>,
}

impl Drop for Stack {
    fn drop(&mut self) {
        if self.postfix_started {
            let _ = Command::new("postfix")
                .args(["-c", &self.dir.join("conf").display().to_string(), "stop"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        for child in [self.daemon.as_mut(), self.sink.as_mut()]
            .into_iter()
            .flatten()
        {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::env::var_os("MAIL_POLICY_KEEP_POSTFIX").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn wait_for_port(port: u16, what: &str) {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{what} did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

struct Ports {
    mx: u16,
    /// An MX listener without the milter: the policy service alone (`--policy-spf`).
    mx_policy_only: u16,
    submission: u16,
    sink: u16,
    policy: u16,
    milter: u16,
    metrics: u16,
}

fn run(command: &mut Command) -> String {
    let output = command.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{command:?} failed:\n{text}");
    text
}

fn key_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../auth-results/tests/data/ed25519.pem")
}

fn write_configs(dir: &Path, ports: &Ports, dns: SocketAddr) {
    std::fs::write(
        dir.join("mail-policy.toml"),
        format!(
            r#"
[[listeners]]
port = {mx}
role = "mx"

[[listeners]]
port = {submission}
role = "submission"

[[listeners]]
port = {mx_policy_only}
role = "mx"

[mailbox.limits]
max_message_bytes = 200000
max_recipients = 200

[ip25b]
volume_threshold = 1

[[rate.accounts.limits]]
name = "messages-3s"
counting = "messages"
quota = 2
period_secs = 3
suspend_secs = 3

[auth.dns]
name_servers = ["{dns}"]
timeout_ms = 1000
attempts = 1

[auth.dkim]
domain = "so-net.ne.jp"
selector = "s2026"
key_file = "{key}"

[mailboxes]
file = "mailboxes.toml"
"#,
            mx = ports.mx,
            submission = ports.submission,
            mx_policy_only = ports.mx_policy_only,
            key = key_file().display(),
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("mailboxes.toml"),
        r#"
[[mailbox]]
address = "hanako@aa2.so-net.ne.jp"
restrict_overseas = true

[[mailbox]]
address = "jiro@aa2.so-net.ne.jp"
[mailbox.spam]
mode = "tag-subject"
level = 3

[[mailbox]]
address = "saburo@aa2.so-net.ne.jp"
[mailbox.reject]
mode = "reject-matching"
action = "refuse"
[[mailbox.reject.rules]]
field = "subject"
contains = "e2e-refuse-me"

[[mailbox]]
address = "shiro@aa2.so-net.ne.jp"
[mailbox.reject]
mode = "reject-matching"
action = "discard"
[[mailbox.reject.rules]]
field = "subject"
contains = "e2e-discard-me"
"#,
    )
    .unwrap();
    let conf = dir.join("conf");
    std::fs::create_dir_all(&conf).unwrap();
    let d = dir.display();
    std::fs::write(
        conf.join("main.cf"),
        format!(
            "compatibility_level = 3.6
queue_directory = {d}/queue
data_directory = {d}/data
mail_owner = postfix
setgid_group = postdrop
maillog_file_prefixes = {d}
maillog_file = {d}/maillog
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.test.so-net.ne.jp
mydestination =
mynetworks = 127.0.0.0/8
relay_domains = so-net.ne.jp .so-net.ne.jp
transport_maps = static:smtp:[127.0.0.1]:{sink}
smtpd_authorized_xclient_hosts = 127.0.0.0/8
smtpd_tls_security_level = may
smtpd_tls_cert_file = {d}/cert.pem
smtpd_tls_key_file = {d}/key.pem
smtpd_sasl_auth_enable = yes
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions = check_policy_service inet:127.0.0.1:{policy}
smtpd_end_of_data_restrictions = check_policy_service inet:127.0.0.1:{policy}
smtpd_milters = inet:127.0.0.1:{milter}
milter_default_action = tempfail
milter_connect_macros = j {{daemon_name}} {{daemon_addr}} {{daemon_port}} v _ {{client_ptr}}
",
            sink = ports.sink,
            policy = ports.policy,
            milter = ports.milter,
        ),
    )
    .unwrap();
    let services = "pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
tlsmgr unix - - n 1000? 1 tlsmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
";
    std::fs::write(
        conf.join("master.cf"),
        format!(
            "127.0.0.1:{mx} inet n - n - - smtpd\n127.0.0.1:{submission} inet n - n - - smtpd\n\
             127.0.0.1:{mx_policy_only} inet n - n - - smtpd -o smtpd_milters=\n{services}",
            mx = ports.mx,
            submission = ports.submission,
            mx_policy_only = ports.mx_policy_only,
        ),
    )
    .unwrap();
}

fn start_stack(dns: SocketAddr) -> (Stack, Ports) {
    let dir = std::env::temp_dir().join(format!("mail-policyd-postfix-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sink")).unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::create_dir_all(dir.join("queue")).unwrap();
    let mut stack = Stack {
        dir: dir.clone(),
        postfix_started: false,
        daemon: None,
        sink: None,
    };
    let ports = Ports {
        mx: free_port(),
        mx_policy_only: free_port(),
        submission: free_port(),
        sink: free_port(),
        policy: free_port(),
        milter: free_port(),
        metrics: free_port(),
    };
    write_configs(&dir, &ports, dns);
    run(Command::new("openssl").args([
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=mx.test.so-net.ne.jp",
        "-keyout",
        &dir.join("key.pem").display().to_string(),
        "-out",
        &dir.join("cert.pem").display().to_string(),
    ]));
    run(Command::new("chown").args([
        "postfix",
        &dir.join("sink").display().to_string(),
        &dir.join("data").display().to_string(),
    ]));
    let log = std::fs::File::create(dir.join("mail-policyd.log")).unwrap();
    stack.daemon = Some(
        Command::new(env!("CARGO_BIN_EXE_mail-policyd"))
            .args([
                "serve",
                &format!("--config={}", dir.join("mail-policy.toml").display()),
                &format!("--policy=127.0.0.1:{}", ports.policy),
                &format!("--milter=127.0.0.1:{}", ports.milter),
                &format!("--metrics=127.0.0.1:{}", ports.metrics),
                "--log-level=debug",
                "--policy-spf",
            ])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    stack.sink = Some(
        Command::new("smtp-sink")
            .args([
                "-u",
                "postfix",
                "-d",
                &format!("{}/sink/%M.", dir.display()),
                &format!("127.0.0.1:{}", ports.sink),
                "20",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(ports.policy, "mail-policyd");
    wait_for_port(ports.sink, "smtp-sink");
    let conf = dir.join("conf").display().to_string();
    run(Command::new("postfix").args(["-c", &conf, "start"]));
    stack.postfix_started = true;
    wait_for_port(ports.mx, "postfix");
    wait_for_port(ports.submission, "postfix");
    (stack, ports)
}

/// One swaks run: its transcript and whether it succeeded.
fn swaks(port: u16, args: &[&str]) -> (bool, String) {
    let output = Command::new("swaks")
        .args(["--server", &format!("127.0.0.1:{port}"), "--timeout", "20"])
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// Mail from the well-behaved server 192.0.2.10 (forward-confirmed name, inside
/// example.com's SPF) as `alice@example.com`, to `to` (comma-separated), with `subject`.
fn from_alice(port: u16, to: &str, subject: &str, extra: &[&str]) -> (bool, String) {
    let subject = format!("Subject: {subject}");
    let mut args = vec![
        "--xclient",
        "ADDR=192.0.2.10 NAME=mail.example.com REVERSE_NAME=mail.example.com",
        "--helo",
        "mail.example.com",
        "--from",
        "alice@example.com",
        "--to",
        to,
        "--header",
        &subject,
    ];
    args.extend_from_slice(extra);
    swaks(port, &args)
}

/// The delivered message whose text contains `marker`, as smtp-sink wrote it.
fn delivered(dir: &Path, marker: &str) -> String {
    let started = Instant::now();
    loop {
        for entry in std::fs::read_dir(dir.join("sink")).unwrap().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            if text.contains(marker) {
                return text;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no delivered message contains {marker:?}; maillog:\n{}\ndaemon log:\n{}",
            std::fs::read_to_string(dir.join("maillog")).unwrap_or_default(),
            std::fs::read_to_string(dir.join("mail-policyd.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The message part of an smtp-sink dump (after its `X-…-Args` envelope lines) in CRLF.
fn message_of(dump: &str) -> Vec<u8> {
    let start = dump.find("\nReceived: ").map_or(0, |i| i + 1);
    dump[start..]
        .replace("\r\n", "\n")
        .replace('\n', "\r\n")
        .into_bytes()
}

/// The header fields named `name` of a dump's message, unfolded.
fn header_lines(dump: &str, name: &str) -> Vec<String> {
    let message = String::from_utf8(message_of(dump)).unwrap();
    let head = message.split("\r\n\r\n").next().unwrap_or_default();
    let mut fields: Vec<String> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = fields.last_mut() {
                last.push(' ');
                last.push_str(line.trim());
            }
        } else {
            fields.push(line.to_owned());
        }
    }
    let prefix = format!("{}:", name.to_ascii_lowercase());
    fields
        .into_iter()
        .filter(|f| f.to_ascii_lowercase().starts_with(&prefix))
        .collect()
}

#[test]
fn postfix_with_the_policy_service_and_the_milter() {
    let required = std::env::var_os("MAIL_POLICY_REQUIRE_POSTFIX").is_some();
    let missing: Vec<&str> = ["postfix", "swaks", "smtp-sink", "openssl"]
        .into_iter()
        .filter(|p| !have(p))
        .collect();
    // SAFETY-free root check: Postfix's master must start as root.
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !missing.is_empty() || !root {
        assert!(
            !required,
            "MAIL_POLICY_REQUIRE_POSTFIX is set but missing: {missing:?}, root: {root}"
        );
        eprintln!("skipped: needs root and {missing:?} (apt install postfix swaks)");
        return;
    }

    let signer_record = DkimSigner::new(
        DkimKey::from_file(key_file()).unwrap(),
        "so-net.ne.jp",
        "s2026",
    )
    .unwrap()
    .record();
    let zone = Zone::new()
        .txt(&signer_record.name, &signer_record.text())
        .txt("example.com", "v=spf1 ip4:192.0.2.0/24 -all")
        .mx("example.com", 10, "mail.example.com")
        .a("mail.example.com", [192, 0, 2, 10])
        .txt("_dmarc.example.com", "v=DMARC1; p=none")
        .txt("so-net.ne.jp", "v=spf1 ip4:203.0.113.0/24 -all");
    let dns = TestDnsServer::start(zone).unwrap();
    let (stack, ports) = start_stack(dns.addr());
    let dir = stack.dir.clone();

    // 1. The seed's Authentication-Results, and no forged one.
    let (ok, transcript) = from_alice(
        ports.mx,
        "taro@aa2.so-net.ne.jp",
        "e2e-auth-results",
        &[
            "--add-header",
            "Authentication-Results: so-net.ne.jp; spf=pass smtp.mailfrom=forged@example.com",
        ],
    );
    assert!(ok, "{transcript}");
    let dump = delivered(&dir, "e2e-auth-results");
    let results = header_lines(&dump, "Authentication-Results");
    assert_eq!(results.len(), 1, "one A-R, ours: {results:?}\n{dump}");
    let ours = &results[0];
    assert!(
        ours.starts_with("Authentication-Results: so-net.ne.jp;"),
        "{ours}"
    );
    let order = [
        "spf=pass smtp.mailfrom=alice@example.com",
        "dkim=none",
        "dkim-adsp=",
        "dmarc=",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|part| {
            ours.find(part)
                .unwrap_or_else(|| panic!("{part} in {ours}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{ours}");
    assert!(!ours.contains("forged"), "{ours}");

    // 2. [meiwaku] on the subject of spam to a mailbox that asked for it.
    let (ok, transcript) = from_alice(
        ports.mx,
        "jiro@aa2.so-net.ne.jp",
        "e2e-spam",
        &["--add-header", "X-Spam-Score: 20.0"],
    );
    assert!(ok, "{transcript}");
    let dump = delivered(&dir, "e2e-spam");
    let subject = header_lines(&dump, "Subject");
    assert_eq!(
        subject,
        vec!["Subject: [meiwaku] e2e-spam".to_owned()],
        "{dump}"
    );

    // 3. The 201st recipient of one transaction is refused; the other 200 get the message.
    let recipients: Vec<String> = (1..=201)
        .map(|n| format!("user{n}@aa2.so-net.ne.jp"))
        .collect();
    let (_, transcript) = from_alice(ports.mx, &recipients.join(","), "e2e-many", &[]);
    assert!(transcript.contains("452 4.5.3"), "{transcript}");
    assert_eq!(transcript.matches("MBX-RCPT").count(), 1, "{transcript}");
    // Postfix's SMTP client delivers 50 recipients per transaction: count them all.
    let started = Instant::now();
    loop {
        let delivered_to: usize = std::fs::read_dir(dir.join("sink"))
            .unwrap()
            .flatten()
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .filter(|text| text.contains("e2e-many"))
            .map(|text| text.matches("X-Rcpt-Args: ").count())
            .sum();
        if delivered_to == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{delivered_to} recipients delivered"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // 4. IP25B: a dynamic rDNS name on the MX port, refused naming the client address.
    let (ok, transcript) = swaks(
        ports.mx,
        &[
            "--xclient",
            "ADDR=198.51.100.7 NAME=[UNAVAILABLE] REVERSE_NAME=dyn-198-51-100-7.pool.example.net",
            "--from",
            "bob@example.net",
            "--to",
            "taro@aa2.so-net.ne.jp",
        ],
    );
    assert!(!ok, "{transcript}");
    assert!(transcript.contains("554 5.7.1"), "{transcript}");
    assert!(transcript.contains("[198.51.100.7]"), "{transcript}");
    assert!(transcript.contains("P25-IN"), "{transcript}");

    // 5. An overseas client refused on submission when the account's switch is on.
    let (ok, transcript) = swaks(
        ports.submission,
        &[
            "--tls",
            "--xclient",
            "ADDR=203.0.113.9 LOGIN=hanako@aa2.so-net.ne.jp",
            "--from",
            "hanako@aa2.so-net.ne.jp",
            "--to",
            "friend@example.org",
        ],
    );
    assert!(!ok, "{transcript}");
    assert!(transcript.contains("550 5.7.1"), "{transcript}");
    assert!(transcript.contains("GEO-RESTRICT"), "{transcript}");

    // 6. A submission is DKIM-signed, and the signature verifies.
    let submit = |subject: &str| {
        swaks(
            ports.submission,
            &[
                "--tls",
                "--xclient",
                "ADDR=203.0.113.5 LOGIN=taro@aa2.so-net.ne.jp",
                "--from",
                "taro@aa2.so-net.ne.jp",
                "--to",
                "friend@example.org",
                "--header",
                &format!("Subject: {subject}"),
                "--header",
                "From: Taro <taro@aa2.so-net.ne.jp>",
            ],
        )
    };
    let (ok, transcript) = submit("e2e-signed");
    assert!(ok, "{transcript}");
    let dump = delivered(&dir, "e2e-signed");
    assert_eq!(header_lines(&dump, "DKIM-Signature").len(), 1, "{dump}");
    let verifier = Verifier::new(VerifierConfig {
        name_servers: vec![dns.addr()],
        timeout_ms: 1000,
        attempts: 1,
        ..VerifierConfig::default()
    })
    .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let message = message_of(&dump);
    let checks = runtime.block_on(verifier.verify_dkim(&message));
    assert!(
        checks
            .iter()
            .any(|c| c.result == DkimResult::Pass && c.domain.as_deref() == Some("so-net.ne.jp")),
        "{checks:?}\n{dump}"
    );
    let _ = Envelope {
        client_ip: "203.0.113.5".parse().unwrap(),
        helo: "",
        mail_from: "",
        receiver: "",
    };

    // 7. Rate limit: the account's second message fills its quota (2 per 3 s), the third
    // is refused at the end of data and suspends it; after the suspension it sends again.
    let (ok, transcript) = submit("e2e-rate-2");
    assert!(ok, "{transcript}");
    let (ok, transcript) = submit("e2e-rate-3");
    assert!(!ok, "{transcript}");
    assert!(transcript.contains("450 4.7.1"), "{transcript}");
    assert!(transcript.contains("RATE-SEND"), "{transcript}");
    let (ok, transcript) = submit("e2e-rate-4");
    assert!(!ok && transcript.contains("suspension"), "{transcript}");
    std::thread::sleep(Duration::from_millis(3500));
    let (ok, transcript) = submit("e2e-rate-5");
    assert!(ok, "resumed: {transcript}");

    // 8. Without the milter, the policy service's SPF result is prepended, once.
    let (ok, transcript) = from_alice(
        ports.mx_policy_only,
        "taro@aa2.so-net.ne.jp,jiro@aa2.so-net.ne.jp",
        "e2e-policy-only",
        &[],
    );
    assert!(ok, "{transcript}");
    let dump = delivered(&dir, "e2e-policy-only");
    assert_eq!(
        header_lines(&dump, "Authentication-Results"),
        vec![
            "Authentication-Results: so-net.ne.jp; spf=pass smtp.mailfrom=alice@example.com"
                .to_owned()
        ],
        "{dump}"
    );

    // 9. Reject lists: refused with the rule named, or accepted and dropped silently.
    let (ok, transcript) = from_alice(ports.mx, "saburo@aa2.so-net.ne.jp", "e2e-refuse-me", &[]);
    assert!(!ok, "{transcript}");
    assert!(
        transcript.contains("550 5.7.1") && transcript.contains("REJ-LIST"),
        "{transcript}"
    );
    let (ok, transcript) = from_alice(ports.mx, "shiro@aa2.so-net.ne.jp", "e2e-discard-me", &[]);
    assert!(ok, "a discarded message is accepted: {transcript}");

    // 10. Size (MBX-SIZE, 200 KB in this configuration): refused at the end of data.
    let big = "x".repeat(100);
    let body_file = dir.join("big-body.txt");
    std::fs::write(
        &body_file,
        (0..3000).map(|_| format!("{big}\n")).collect::<String>(),
    )
    .unwrap();
    let body = format!("@{}", body_file.display());
    let (ok, transcript) = from_alice(
        ports.mx,
        "taro@aa2.so-net.ne.jp",
        "e2e-too-big",
        &["--body", &body, "--suppress-data"],
    );
    assert!(!ok, "{transcript}");
    assert!(
        transcript.contains("552 5.3.4") && transcript.contains("MBX-SIZE"),
        "{transcript}"
    );

    // Nothing of the refused or discarded messages reached the next hop.
    let sink_text: String = std::fs::read_dir(dir.join("sink"))
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect();
    for marker in ["e2e-refuse-me", "e2e-discard-me", "e2e-too-big"] {
        assert!(!sink_text.contains(marker), "{marker} was delivered");
    }

    // The daemon counted what it decided.
    let mut scrape = TcpStream::connect(("127.0.0.1", ports.metrics)).unwrap();
    scrape
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut metrics = String::new();
    std::io::Read::read_to_string(&mut scrape, &mut metrics).unwrap();
    assert!(metrics.contains("protocol=\"milter\""), "{metrics}");
    assert!(metrics.contains("rule=\"P25-IN\""), "{metrics}");
    drop(stack);
}
