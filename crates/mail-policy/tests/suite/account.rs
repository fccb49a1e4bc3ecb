//! Logins and account operations through the engine.

use std::str::FromStr;

use chrono::Duration;
use mail_policy::address::{ChangeDecision, ChangeRequest, Mailbox};
use mail_policy::geo::{Access, AccountHistory, GeoSetting};
use mail_policy::mailbox::LoadRestriction;
use mail_policy::{Engine, Login};

use super::session::now;

#[test]
fn logins_follow_the_overseas_switch_and_the_load_restriction() {
    let engine = Engine::sonet(); // no domestic table: every address counts as abroad
    let abroad = "203.0.113.9".parse().expect("ip");
    let mut geo = GeoSetting::default();
    let login = |access, geo: &GeoSetting, load: Option<&LoadRestriction>| {
        engine.login(&Login {
            access,
            client_ip: abroad,
            account: "taro@aa2.so-net.ne.jp",
            geo,
            load,
        })
    };
    assert!(
        login(Access::Pop, &geo, None).allowed,
        "switch off: allowed"
    );
    geo.turn_on();
    let refused = login(Access::Imap, &geo, None);
    assert!(!refused.allowed);
    assert_eq!(refused.checks[0].rule, "GEO-RESTRICT");
    assert!(
        refused
            .message
            .as_deref()
            .unwrap_or("")
            .contains("outside Japan")
    );
    let webmail = login(Access::Webmail, &geo, None);
    assert!(webmail.allowed, "webmail is always allowed");
    assert_eq!(webmail.checks[0].rule, "GEO-WEBMAIL");
    // The emergency load restriction stops POP and IMAP, not webmail.
    geo.turn_off();
    let load = LoadRestriction {
        global: true,
        ..LoadRestriction::default()
    };
    let restricted = login(Access::Pop, &geo, Some(&load));
    assert!(!restricted.allowed);
    assert_eq!(restricted.checks.last().expect("check").rule, "MBX-LOAD");
    assert!(login(Access::Webmail, &geo, Some(&load)).allowed);
}

#[test]
fn suspicious_access_restricts_the_account_automatically() {
    let engine = Engine::sonet();
    let mut geo = GeoSetting::default();
    let mut history = AccountHistory::default();
    let abroad = "203.0.113.9".parse().expect("ip");
    let restriction = engine
        .observe_login(&mut geo, &mut history, Access::Imap, abroad, true, now())
        .expect("a first successful login from abroad restricts (GEO-AUTO)");
    assert_eq!(restriction.rule.id(), "GEO-AUTO");
    assert!(geo.is_restricted());
    let refused = engine.login(&Login {
        access: Access::Imap,
        client_ip: abroad,
        account: "taro@aa2.so-net.ne.jp",
        geo: &geo,
        load: None,
    });
    assert_eq!(refused.checks[0].rule, "GEO-AUTO");
}

#[test]
fn account_operations_are_the_address_rules() {
    let engine = Engine::sonet();
    let current = Mailbox::from_str("taro@aa2.so-net.ne.jp").expect("mailbox");
    let history: Vec<_> = (1..=10).map(|d| now() - Duration::days(d)).collect();
    let decision = engine
        .change_address(
            ChangeRequest {
                current: &current,
                new_user_name: "taro.yamada",
                history: &history,
                now: now(),
            },
            |_| false,
        )
        .expect("valid request");
    let ChangeDecision::Approved(change) = decision else {
        panic!("refused: {decision:?}");
    };
    assert_eq!(change.quote.change_number, 11);
    assert_eq!(
        change.quote.fee_yen, 330,
        "the 11th change of the year is paid"
    );
    assert!(engine.change_password(&current, "short").is_err());
    assert!(engine.change_password(&current, "Kx7-pq92-zz").is_ok());
}
