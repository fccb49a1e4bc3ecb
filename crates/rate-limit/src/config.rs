//! Limits as data ([`RateLimitConfig`]), validated into [`Limits`], and helpers that build
//! keys.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::gcra::{CompiledLimit, Counting, MAX_LIMITS};

/// One limit: `quota` units per `period_secs`, counted in messages or recipients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitConfig {
    /// A name for logs and traces (`messages-10min`).
    pub name: String,
    /// What it counts.
    pub counting: Counting,
    /// Units per period.
    pub quota: u64,
    /// The period, in seconds.
    pub period_secs: u64,
    /// Units that may go at once; default: the whole quota.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst: Option<u64>,
    /// Seconds sending stops after this limit is exceeded (RATE-SEND); 0: no suspension,
    /// the request is only refused.
    #[serde(default)]
    pub suspend_secs: u64,
}

/// The limits of one kind of key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// At most 4 limits ([`MAX_LIMITS`](crate::MAX_LIMITS)), all checked together.
    pub limits: Vec<LimitConfig>,
}

impl RateLimitConfig {
    /// The default profile for authenticated accounts. The ISP publishes no numbers
    /// (SPEC RATE-SEND, **\[ours\]**); these let a person send a lot and stop a hijacked
    /// account quickly:
    ///
    /// | limit | quota | on excess |
    /// |---|---|---|
    /// | `messages-10min` | 100 messages / 10 minutes | suspended 1 hour |
    /// | `recipients-hour` | 1,000 recipients / hour | suspended 1 hour |
    /// | `messages-day` | 1,000 messages / day | suspended 24 hours |
    pub fn sonet_accounts() -> Self {
        Self {
            limits: vec![
                limit("messages-10min", Counting::Messages, 100, 600, 3600),
                limit("recipients-hour", Counting::Recipients, 1000, 3600, 3600),
                limit("messages-day", Counting::Messages, 1000, 86_400, 86_400),
            ],
        }
    }

    /// The default profile for client IP addresses (unauthenticated relaying is refused
    /// elsewhere; this bounds what one address can push through the MX):
    /// 300 messages / 10 minutes and 3,000 recipients / hour, refused without suspension.
    pub fn sonet_client_ips() -> Self {
        Self {
            limits: vec![
                limit("ip-messages-10min", Counting::Messages, 300, 600, 0),
                limit("ip-recipients-hour", Counting::Recipients, 3000, 3600, 0),
            ],
        }
    }
}

fn limit(
    name: &str,
    counting: Counting,
    quota: u64,
    period_secs: u64,
    suspend_secs: u64,
) -> LimitConfig {
    LimitConfig {
        name: name.to_owned(),
        counting,
        quota,
        period_secs,
        burst: None,
        suspend_secs,
    }
}

/// Validated limits, ready for the stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    compiled: Vec<CompiledLimit>,
    names: Vec<String>,
}

/// A year: longer periods or suspensions are refused as nonsense.
const MAX_SECS: u64 = 366 * 86_400;

impl Limits {
    /// Validates a configuration. Errors name the field (`limits[1].quota`).
    pub fn new(config: &RateLimitConfig) -> Result<Self, Error> {
        if config.limits.is_empty() || config.limits.len() > MAX_LIMITS {
            return Err(Error::Setting {
                field: "limits".to_owned(),
                reason: format!("1 to {MAX_LIMITS} limits, got {}", config.limits.len()),
            });
        }
        let mut compiled = Vec::with_capacity(config.limits.len());
        let mut names = Vec::with_capacity(config.limits.len());
        for (i, limit) in config.limits.iter().enumerate() {
            let bad = |name: &str, reason: String| Error::Setting {
                field: format!("limits[{i}].{name}"),
                reason,
            };
            if limit.quota == 0 || limit.quota > 1_000_000_000 {
                return Err(bad("quota", format!("1 to 10^9, got {}", limit.quota)));
            }
            if limit.period_secs == 0 || limit.period_secs > MAX_SECS {
                return Err(bad(
                    "period_secs",
                    format!("1 to {MAX_SECS}, got {}", limit.period_secs),
                ));
            }
            if limit.suspend_secs > MAX_SECS {
                return Err(bad(
                    "suspend_secs",
                    format!("at most {MAX_SECS}, got {}", limit.suspend_secs),
                ));
            }
            let burst = limit.burst.unwrap_or(limit.quota);
            if burst == 0 || burst > limit.quota {
                return Err(bad(
                    "burst",
                    format!("1 to the quota ({}), got {burst}", limit.quota),
                ));
            }
            if names.contains(&limit.name) {
                return Err(bad("name", format!("{:?} is used twice", limit.name)));
            }
            // Rounded up: a unit never occupies less than its share, so the limiter never
            // admits more than the quota.
            let interval = (limit.period_secs * 1_000_000).div_ceil(limit.quota);
            compiled.push(CompiledLimit {
                counting: limit.counting,
                interval,
                capacity: burst * interval,
                suspension: limit.suspend_secs * 1_000_000,
            });
            names.push(limit.name.clone());
        }
        Ok(Self { compiled, names })
    }

    /// The compiled limits, in configuration order.
    pub fn compiled(&self) -> &[CompiledLimit] {
        &self.compiled
    }

    /// The name of limit `index`.
    pub fn name(&self, index: usize) -> &str {
        self.names.get(index).map_or("?", String::as_str)
    }
}

/// Key helpers: callers may build keys any way they like; these keep the usual ones
/// consistent across servers. Keys are case-normalised and never contain `{` or `}`, so
/// the Redis store's hash tags stay intact.
pub mod key {
    use super::IpAddr;

    fn clean(text: &str) -> String {
        text.chars()
            .filter(|c| *c != '{' && *c != '}')
            .flat_map(char::to_lowercase)
            .collect()
    }

    /// The key of an authenticated account (its mail address).
    pub fn account(address: &str) -> String {
        format!("acct:{}", clean(address.trim()))
    }

    /// The key of a client address; IPv6 clients are keyed by their /64, since one
    /// customer holds a whole /64.
    pub fn client_ip(ip: IpAddr) -> String {
        match ip {
            IpAddr::V4(v4) => ipv4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ipv4(v4),
                None => {
                    let s = v6.segments();
                    format!("ip:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
                }
            },
        }
    }

    /// `ip:192.0.2.1`, written digit by digit into a string sized once: a key is made
    /// for every connection, and `format!` with `Ipv4Addr`'s `Display` costs several
    /// times more.
    fn ipv4(v4: std::net::Ipv4Addr) -> String {
        let mut key = String::with_capacity("ip:255.255.255.255".len());
        key.push_str("ip:");
        for (i, octet) in v4.octets().into_iter().enumerate() {
            if i > 0 {
                key.push('.');
            }
            if octet >= 100 {
                key.push(char::from(b'0' + octet / 100));
            }
            if octet >= 10 {
                key.push(char::from(b'0' + octet / 10 % 10));
            }
            key.push(char::from(b'0' + octet % 10));
        }
        key
    }

    /// The key of an account sending from an address.
    pub fn account_at_ip(address: &str, ip: IpAddr) -> String {
        format!("{}|{}", account(address), client_ip(ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_valid() {
        let accounts = Limits::new(&RateLimitConfig::sonet_accounts()).unwrap();
        assert_eq!(accounts.compiled().len(), 3);
        assert_eq!(accounts.compiled()[0].interval, 6_000_000);
        assert_eq!(accounts.compiled()[0].capacity, 600_000_000);
        assert_eq!(accounts.name(2), "messages-day");
        assert!(Limits::new(&RateLimitConfig::sonet_client_ips()).is_ok());
    }

    #[test]
    fn bad_settings_name_the_field() {
        type Mutation = fn(&mut RateLimitConfig);
        let cases: Vec<(Mutation, &str)> = vec![
            (|c| c.limits[0].quota = 0, "limits[0].quota"),
            (|c| c.limits[1].period_secs = 0, "limits[1].period_secs"),
            (|c| c.limits[2].burst = Some(5000), "limits[2].burst"),
            (
                |c| c.limits[1].name = "messages-10min".into(),
                "limits[1].name",
            ),
            (
                |c| c.limits[0].suspend_secs = u64::MAX,
                "limits[0].suspend_secs",
            ),
            (|c| c.limits.clear(), "limits"),
        ];
        for (mutate, field) in cases {
            let mut config = RateLimitConfig::sonet_accounts();
            mutate(&mut config);
            match Limits::new(&config) {
                Err(Error::Setting { field: got, .. }) => assert_eq!(got, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn keys() {
        assert_eq!(
            key::account("Taro@AA2.so-net.ne.jp"),
            "acct:taro@aa2.so-net.ne.jp"
        );
        assert_eq!(key::account("a{b}c@x"), "acct:abc@x");
        assert_eq!(key::client_ip("192.0.2.1".parse().unwrap()), "ip:192.0.2.1");
        assert_eq!(
            key::client_ip("::ffff:192.0.2.1".parse().unwrap()),
            "ip:192.0.2.1"
        );
        assert_eq!(
            key::client_ip("2001:db8:1:2:3:4:5:6".parse().unwrap()),
            "ip:2001:db8:1:2::/64"
        );
        assert_eq!(
            key::account_at_ip("t@x", "192.0.2.1".parse().unwrap()),
            "acct:t@x|ip:192.0.2.1"
        );
    }

    #[test]
    fn ipv4_keys_read_as_display_does() {
        // Every octet value in every position.
        for octet in 0..=255u8 {
            for position in 0..4 {
                let mut octets = [1, 20, 255, 0];
                octets[position] = octet;
                let v4 = std::net::Ipv4Addr::from(octets);
                assert_eq!(key::client_ip(v4.into()), format!("ip:{v4}"));
            }
        }
    }
}
