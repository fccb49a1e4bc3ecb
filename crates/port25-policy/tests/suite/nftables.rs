//! The nftables export passes `nft -c -f` (a syntax and semantics check that loads
//! nothing). CI installs `nftables`; elsewhere the test says loudly that it skipped.

use std::process::Command;

use mail_policy_port25_policy::{Op25b, Op25bConfig};

fn nft_available() -> bool {
    Command::new("nft")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn exported_rules_pass_nft_check() {
    let mut config = Op25bConfig {
        access_pools: vec!["198.51.100.0/24".into(), "2001:db8:100::/40".into()],
        own_mail_servers: vec![
            "192.0.2.25".into(),
            "192.0.2.26".into(),
            "2001:db8:25::/64".into(),
        ],
        fixed_ip_customers: vec!["198.51.100.200/29".into()],
    };
    // Many pools, as a real access network has.
    for i in 0..2000u32 {
        config
            .access_pools
            .push(format!("10.{}.{}.0/24", i / 256, i % 256));
    }
    let rules = Op25b::new(&config)
        .expect("valid config")
        .to_nftables("op25b_ci")
        .expect("valid name");
    if !nft_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install nftables (nft not found)"
        );
        eprintln!("SKIPPED: `nft` not installed; install the nftables package to run this check");
        return;
    }
    let path = std::env::temp_dir().join(format!("op25b-{}.nft", std::process::id()));
    std::fs::write(&path, &rules).expect("write rules");
    let output = Command::new("nft")
        .arg("-c")
        .arg("-f")
        .arg(&path)
        .output()
        .expect("run nft");
    let _ = std::fs::remove_file(&path);
    assert!(
        output.status.success(),
        "nft -c refused the rules: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        rules.lines().take(30).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn a_broken_rule_set_is_caught_by_nft() {
    // Guards the test above: `nft -c` really checks.
    if !nft_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install nftables (nft not found)"
        );
        eprintln!("SKIPPED: `nft` not installed");
        return;
    }
    let path = std::env::temp_dir().join(format!("broken-{}.nft", std::process::id()));
    std::fs::write(
        &path,
        "table inet x {\n  chain y {\n    tcp dport 25 rejec\n  }\n}\n",
    )
    .expect("write");
    let output = Command::new("nft")
        .arg("-c")
        .arg("-f")
        .arg(&path)
        .output()
        .expect("run nft");
    let _ = std::fs::remove_file(&path);
    assert!(!output.status.success());
}
