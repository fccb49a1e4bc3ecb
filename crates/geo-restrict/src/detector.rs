//! GEO-AUTO: detecting likely unauthorised access from a stream of access events, with
//! documented, configurable signals. The state per account is small, bounded and
//! serialisable, so a server can keep it with the account.

use std::collections::VecDeque;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::Rule;
use crate::error::Error;
use crate::switch::Access;

/// The signals and their thresholds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DetectorConfig {
    /// A successful login from abroad on an account that has never logged in from abroad.
    pub first_success_abroad: bool,
    /// This many failed logins from abroad within `failure_window_secs`, followed by a
    /// successful one from abroad (password guessing that worked). 0 turns it off.
    pub failure_burst: u32,
    /// The window of `failure_burst`, in seconds.
    pub failure_window_secs: u64,
    /// Successful logins from Japan and from abroad less than this many seconds apart:
    /// nobody travels that fast (the shortest flights from Japan plus airports take
    /// longer). 0 turns it off.
    pub impossible_travel_secs: u64,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        Self {
            first_success_abroad: true,
            failure_burst: 5,
            failure_window_secs: 3600,
            impossible_travel_secs: 3 * 3600,
        }
    }
}

impl DetectorConfig {
    /// Checks the settings: `failure_burst` at most 64 (the state keeps that many
    /// failures).
    pub fn validate(&self) -> Result<(), Error> {
        if self.failure_burst > MAX_FAILURES {
            return Err(Error::Setting {
                field: "detector.failure_burst".to_owned(),
                reason: format!("at most {MAX_FAILURES}, got {}", self.failure_burst),
            });
        }
        Ok(())
    }
}

const MAX_FAILURES: u32 = 64;

/// One access attempt, as the caller saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessEvent {
    /// When, in seconds (any epoch, the same for every event of the account).
    pub time_secs: u64,
    /// From where.
    pub client: IpAddr,
    /// Whether `client` is domestic (from the [`DomesticTable`](crate::DomesticTable)).
    pub domestic: bool,
    /// How.
    pub access: Access,
    /// Whether the login succeeded.
    pub success: bool,
}

/// Why an account was restricted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    /// The first successful login from abroad.
    FirstSuccessAbroad {
        /// The client.
        client: IpAddr,
    },
    /// Failed logins from abroad, then a successful one.
    FailuresThenSuccess {
        /// Failures in the window.
        failures: u32,
        /// The window, seconds.
        window_secs: u64,
        /// The successful client.
        client: IpAddr,
    },
    /// Successful logins from Japan and from abroad too close together.
    ImpossibleTravel {
        /// Seconds between them.
        seconds: u64,
        /// The later client.
        client: IpAddr,
    },
}

/// An automatic restriction (GEO-AUTO), with its evidence. It stays until the customer
/// turns the restriction off ([`GeoSetting::turn_off`](crate::GeoSetting::turn_off)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoRestriction {
    /// When it was applied, seconds.
    pub at_secs: u64,
    /// Why.
    pub evidence: Vec<Evidence>,
    /// Always [`Rule::GeoAuto`].
    pub rule: Rule,
}

/// What the detector remembers of one account: bounded (at most 64 failure times and a
/// few fields), serialisable.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountHistory {
    /// The account has logged in from abroad before without raising a signal.
    pub abroad_seen: bool,
    /// Last successful login from Japan.
    pub last_domestic_success: Option<u64>,
    /// Last successful login from abroad.
    pub last_abroad_success: Option<u64>,
    /// Recent failed logins from abroad, oldest first.
    pub foreign_failures: VecDeque<u64>,
}

/// Feeds one event to the detector. Returns an automatic restriction when the event,
/// with the account's history, looks like unauthorised access. Webmail events are not
/// considered (webmail is not restricted and uses other credentials, GEO-WEBMAIL).
pub fn observe(
    config: &DetectorConfig,
    history: &mut AccountHistory,
    event: &AccessEvent,
) -> Option<AutoRestriction> {
    if event.access == Access::Webmail {
        return None;
    }
    let now = event.time_secs;
    let window_start = now.saturating_sub(config.failure_window_secs);
    while history
        .foreign_failures
        .front()
        .is_some_and(|&t| t < window_start)
    {
        history.foreign_failures.pop_front();
    }
    if !event.success {
        if !event.domestic {
            if history.foreign_failures.len() >= MAX_FAILURES as usize {
                history.foreign_failures.pop_front();
            }
            history.foreign_failures.push_back(now);
        }
        return None;
    }
    let mut evidence = Vec::new();
    let close = |other: Option<u64>| {
        config.impossible_travel_secs > 0
            && other.is_some_and(|t| now >= t && now - t < config.impossible_travel_secs)
    };
    if event.domestic {
        if close(history.last_abroad_success) {
            evidence.push(Evidence::ImpossibleTravel {
                seconds: now - history.last_abroad_success.unwrap_or(now),
                client: event.client,
            });
        }
        history.last_domestic_success = Some(now);
    } else {
        if config.first_success_abroad && !history.abroad_seen {
            evidence.push(Evidence::FirstSuccessAbroad {
                client: event.client,
            });
        }
        let failures = history.foreign_failures.len() as u32;
        if config.failure_burst > 0 && failures >= config.failure_burst {
            evidence.push(Evidence::FailuresThenSuccess {
                failures,
                window_secs: config.failure_window_secs,
                client: event.client,
            });
        }
        if close(history.last_domestic_success) {
            evidence.push(Evidence::ImpossibleTravel {
                seconds: now - history.last_domestic_success.unwrap_or(now),
                client: event.client,
            });
        }
        history.last_abroad_success = Some(now);
        if evidence.is_empty() {
            history.abroad_seen = true;
        }
    }
    if evidence.is_empty() {
        return None;
    }
    history.foreign_failures.clear();
    Some(AutoRestriction {
        at_secs: now,
        evidence,
        rule: Rule::GeoAuto,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(time_secs: u64, client: &str, domestic: bool, success: bool) -> AccessEvent {
        AccessEvent {
            time_secs,
            client: client.parse().unwrap(),
            domestic,
            access: Access::Imap,
            success,
        }
    }

    #[test]
    fn first_success_abroad() {
        let config = DetectorConfig::default();
        let mut h = AccountHistory::default();
        assert_eq!(
            observe(&config, &mut h, &event(100, "1.0.16.1", true, true)),
            None
        );
        let r = observe(&config, &mut h, &event(100_000, "203.0.113.9", false, true)).unwrap();
        assert_eq!(
            r.evidence,
            vec![Evidence::FirstSuccessAbroad {
                client: "203.0.113.9".parse().unwrap()
            }]
        );
        assert_eq!(r.rule, Rule::GeoAuto);
        // With the signal off, a traveller's login is learnt, not restricted.
        let off = DetectorConfig {
            first_success_abroad: false,
            ..DetectorConfig::default()
        };
        let mut h = AccountHistory::default();
        assert_eq!(
            observe(&off, &mut h, &event(100_000, "203.0.113.9", false, true)),
            None
        );
        assert!(h.abroad_seen);
    }

    #[test]
    fn failures_then_success() {
        let config = DetectorConfig {
            first_success_abroad: false,
            ..DetectorConfig::default()
        };
        let mut h = AccountHistory {
            abroad_seen: true,
            ..Default::default()
        };
        for i in 0..5 {
            assert_eq!(
                observe(
                    &config,
                    &mut h,
                    &event(1000 + i, "198.51.100.7", false, false)
                ),
                None
            );
        }
        let r = observe(&config, &mut h, &event(1010, "198.51.100.7", false, true)).unwrap();
        assert!(matches!(
            r.evidence[0],
            Evidence::FailuresThenSuccess { failures: 5, .. }
        ));
        assert!(h.foreign_failures.is_empty());
        // Old failures fall out of the window.
        let mut h = AccountHistory {
            abroad_seen: true,
            ..Default::default()
        };
        for i in 0..5 {
            observe(
                &config,
                &mut h,
                &event(1000 + i, "198.51.100.7", false, false),
            );
        }
        assert_eq!(
            observe(
                &config,
                &mut h,
                &event(1000 + 3601 + 10, "198.51.100.7", false, true)
            ),
            None
        );
        // Domestic failures do not count.
        let mut h = AccountHistory {
            abroad_seen: true,
            ..Default::default()
        };
        for i in 0..10 {
            observe(&config, &mut h, &event(1000 + i, "1.0.16.1", true, false));
        }
        assert_eq!(
            observe(&config, &mut h, &event(1020, "198.51.100.7", false, true)),
            None
        );
    }

    #[test]
    fn impossible_travel() {
        let config = DetectorConfig {
            first_success_abroad: false,
            ..DetectorConfig::default()
        };
        let mut h = AccountHistory::default();
        observe(&config, &mut h, &event(10_000, "1.0.16.1", true, true));
        let r = observe(&config, &mut h, &event(10_600, "203.0.113.9", false, true)).unwrap();
        assert_eq!(
            r.evidence,
            vec![Evidence::ImpossibleTravel {
                seconds: 600,
                client: "203.0.113.9".parse().unwrap()
            }]
        );
        // Abroad, then home too soon.
        let mut h = AccountHistory {
            abroad_seen: true,
            ..Default::default()
        };
        observe(&config, &mut h, &event(50_000, "203.0.113.9", false, true));
        assert!(observe(&config, &mut h, &event(50_100, "1.0.16.1", true, true)).is_some());
        // A day apart is travel.
        let mut h = AccountHistory::default();
        observe(&config, &mut h, &event(10_000, "1.0.16.1", true, true));
        assert_eq!(
            observe(
                &config,
                &mut h,
                &event(10_000 + 86_400, "203.0.113.9", false, true)
            ),
            None
        );
    }

    #[test]
    fn bounded_and_serialisable() {
        let config = DetectorConfig::default();
        let mut h = AccountHistory::default();
        for i in 0..10_000 {
            observe(
                &config,
                &mut h,
                &event(1000 + i / 100, "198.51.100.7", false, false),
            );
        }
        assert!(h.foreign_failures.len() <= 64);
        let text = toml::to_string(&h).unwrap();
        assert_eq!(toml::from_str::<AccountHistory>(&text).unwrap(), h);
        assert!(
            DetectorConfig {
                failure_burst: 65,
                ..Default::default()
            }
            .validate()
            .is_err()
        );
        let webmail = AccessEvent {
            access: Access::Webmail,
            ..event(1, "203.0.113.9", false, true)
        };
        assert_eq!(
            observe(&config, &mut AccountHistory::default(), &webmail),
            None
        );
    }
}
