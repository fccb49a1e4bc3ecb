//! `mail-policyd check` as users run it: exit codes, text and JSON, every sample message.

use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sample(name: &str) -> String {
    root()
        .join("examples/data")
        .join(name)
        .display()
        .to_string()
}

fn example_config() -> String {
    root()
        .join("examples/mail-policy.toml")
        .display()
        .to_string()
}

fn check(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mail-policyd"))
        .arg("check")
        .args(args)
        .output()
        .expect("run mail-policyd")
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn welcome_message_is_accepted_with_our_header() {
    let output = check(&[&sample("welcome.eml"), "--no-dns"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with("verdict: Accept (250 2.0.0 Ok: queued)"),
        "{text}"
    );
    assert!(
        text.contains("Authentication-Results: so-net.ne.jp; spf=temperror"),
        "{text}"
    );
    assert!(text.contains("taro@aa2.so-net.ne.jp -> inbox"), "{text}");
    assert!(text.contains("MBX-RETAIN"), "{text}");
}

#[test]
fn json_output_for_scripts() {
    let output = check(&[
        &sample("welcome.eml"),
        "--no-dns",
        "--json",
        "--now",
        "2026-12-04T01:00:00Z",
    ]);
    let report = json(&output);
    assert_eq!(report["action"], "accept");
    assert_eq!(report["reply"], "250 2.0.0 Ok: queued");
    let stages = report["stages"].as_array().expect("stages");
    assert_eq!(
        stages.first().expect("connect")["verdict"]["stage"],
        "connect"
    );
    let last = &stages.last().expect("end")["verdict"];
    assert_eq!(last["stage"], "end-of-message");
    assert_eq!(last["deliveries"][0]["expires"], "2027-02-04T01:00:00Z");
    assert!(report["trace"].as_array().expect("trace").len() > 5);
}

#[test]
fn the_201st_recipient_is_deferred() {
    let output = check(&[
        &sample("welcome.eml"),
        "--no-dns",
        "--json",
        "--rcpt-file",
        &sample("many-rcpts.txt"),
    ]);
    let report = json(&output);
    let stages = report["stages"].as_array().expect("stages");
    let rcpts: Vec<_> = stages
        .iter()
        .filter(|s| s["verdict"]["stage"] == "rcpt")
        .collect();
    assert_eq!(rcpts.len(), 201);
    assert_eq!(rcpts[199]["verdict"]["reply"]["code"], 250);
    assert_eq!(rcpts[200]["verdict"]["reply"]["code"], 452);
    assert_eq!(rcpts[200]["verdict"]["reply"]["enhanced"], "4.5.3");
    // The 200 accepted ones still get the message.
    assert_eq!(report["action"], "accept");
}

#[test]
fn forged_authentication_results_are_removed() {
    let output = check(&[&sample("forged-ar.eml"), "--no-dns", "--json"]);
    let report = json(&output);
    let last = &report["stages"]
        .as_array()
        .expect("stages")
        .last()
        .expect("end")["verdict"];
    let edits = last["edit_headers"].as_array().expect("edits");
    assert_eq!(edits.len(), 2, "{last}");
    assert!(edits.iter().all(|e| e["rule"] == "AUTH-IN-FORGED"));
    assert_eq!(last["add_headers"][0]["name"], "Authentication-Results");
}

#[test]
fn example_config_reject_list_and_spam_tagging() {
    let config = example_config();
    let output = check(&[
        &sample("reject-listed.eml"),
        "--no-dns",
        "--config",
        &config,
    ]);
    assert_eq!(output.status.code(), Some(4), "{}", stdout(&output));
    assert!(
        stdout(&output)
            .contains("550 5.7.1 Message refused by the recipient's reject list (REJ-LIST)")
    );

    let output = check(&[
        &sample("meiwaku.eml"),
        "--no-dns",
        "--config",
        &config,
        "--spam-score",
        "12",
        "--json",
    ]);
    let report = json(&output);
    let last = &report["stages"]
        .as_array()
        .expect("stages")
        .last()
        .expect("end")["verdict"];
    let subject = last["subject"].as_str().expect("subject rewritten");
    assert!(subject.starts_with("[meiwaku]"), "{subject}");
}

#[test]
fn submission_needs_tls_and_auth() {
    let output = check(&[&sample("submission.eml"), "--port", "587"]);
    assert_eq!(output.status.code(), Some(4));
    assert!(stdout(&output).contains("530 5.7.0 Must issue a STARTTLS command first"));
    let output = check(&[
        &sample("submission.eml"),
        "--port",
        "587",
        "--tls",
        "--auth",
        "taro@aa2.so-net.ne.jp",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    // Abroad, with the switch on: refused at AUTH.
    let output = check(&[
        &sample("submission.eml"),
        "--port",
        "465",
        "--auth",
        "taro@aa2.so-net.ne.jp",
        "--restrict-overseas",
        "--client-ip",
        "203.0.113.77",
    ]);
    assert_eq!(output.status.code(), Some(4));
    assert!(stdout(&output).contains("550 5.7.1 Access from [203.0.113.77] outside Japan"));
}

#[test]
fn oversize_and_dynamic_clients_are_refused() {
    let output = check(&[&sample("welcome.eml"), "--no-dns", "--size", "30000000"]);
    assert_eq!(output.status.code(), Some(4));
    assert!(stdout(&output).contains("552 5.3.4"));
    let output = check(&[
        &sample("welcome.eml"),
        "--no-dns",
        "--client-ip",
        "203.0.113.5",
        "--ptr",
        "softbank126000000005.bbtec.net",
        "--recent-messages",
        "50",
    ]);
    assert_eq!(output.status.code(), Some(4), "{}", stdout(&output));
    assert!(stdout(&output).contains("554 5.7.1 Client host [203.0.113.5] blocked"));
}

#[test]
fn dns_that_never_answers_is_temperror_within_the_deadline() {
    // A name server that reads nothing: every query times out.
    let silent = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let dir = std::env::temp_dir().join(format!("mail-policyd-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let config = dir.join("silent-dns.toml");
    std::fs::write(
        &config,
        format!(
            "[auth.dns]\nname_servers = [\"{}\"]\ntimeout_ms = 10000\n",
            silent.local_addr().expect("addr")
        ),
    )
    .expect("write");
    let started = Instant::now();
    let output = check(&[
        &sample("welcome.eml"),
        "--config",
        &config.display().to_string(),
        "--dns-deadline-ms",
        "300",
    ]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let text = stdout(&output);
    assert!(
        text.contains("spf=temperror") && text.contains("DNS did not answer within 300 ms"),
        "{text}"
    );
    assert!(!text.contains("=pass"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_config_and_missing_files_are_errors() {
    let dir = std::env::temp_dir().join(format!("mail-policyd-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let config = dir.join("bad.toml");
    std::fs::write(&config, "[auth]\ndmark = \"enforce\"\n").expect("write");
    let output = check(&[
        &sample("welcome.eml"),
        "--config",
        &config.display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.toml:2:1: key `auth.dmark`"),
        "{stderr}"
    );
    let output = check(&["/no/such/message.eml"]);
    assert_eq!(output.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(&dir);
}
