//! The algorithm: GCRA (the generic cell rate algorithm, as in ATM and `governor`) over
//! several limits at once, with suspension. One pure function of (state, now, request) →
//! (decision, new state); every store runs it (the Redis store runs the same arithmetic
//! in Lua).

use serde::{Deserialize, Serialize};

use crate::Rule;

/// An instant, in microseconds since an epoch the caller chooses (the Unix epoch for the
/// Redis store, which uses the server's clock). Never read from a clock here.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// From microseconds.
    pub const fn from_micros(micros: u64) -> Self {
        Self(micros)
    }

    /// From seconds.
    pub const fn from_secs(secs: u64) -> Self {
        Self(secs.saturating_mul(1_000_000))
    }

    /// Microseconds since the epoch.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// From a `SystemTime` (microseconds since the Unix epoch; 0 before it).
    pub fn from_system_time(time: std::time::SystemTime) -> Self {
        Self(
            time.duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX)),
        )
    }
}

/// The most limits one key can have (messages per 10 minutes, per hour, per day and
/// recipients per hour fit). The state stays inline and small (40 bytes), which keeps the
/// in-memory store's table dense: 56-byte entries (4 limits, no stored hash) checked in
/// 31 ns where 96-byte ones (8 limits and the hash) took 37 ns (`benches/benches/rate_limit.rs`).
pub const MAX_LIMITS: usize = 4;

/// What a limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Counting {
    /// Messages: a request costs 1 per message.
    Messages,
    /// Recipients: a request costs its number of recipients.
    Recipients,
}

/// A request to send: how many messages and recipients it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Request {
    /// Messages (usually 1).
    pub messages: u32,
    /// Recipients.
    pub recipients: u32,
}

impl Request {
    /// One message to `recipients` recipients.
    pub const fn message(recipients: u32) -> Self {
        Self {
            messages: 1,
            recipients,
        }
    }
}

/// One compiled limit: GCRA's emission interval and capacity, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CompiledLimit {
    /// What it counts.
    pub counting: Counting,
    /// Microseconds one unit occupies: `ceil(period / quota)`.
    pub interval: u64,
    /// How far ahead of now the theoretical arrival time may run: `burst × interval`.
    pub capacity: u64,
    /// How long a key is suspended after exceeding this limit (0: not suspended).
    pub suspension: u64,
}

impl CompiledLimit {
    /// The cost of `request` under this limit.
    pub fn cost(&self, request: Request) -> u64 {
        u64::from(match self.counting {
            Counting::Messages => request.messages,
            Counting::Recipients => request.recipients,
        })
    }
}

/// The state of one key: each limit's theoretical arrival time, and the end of a
/// suspension (0: none). Fresh keys are all zeros.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct KeyState {
    /// Theoretical arrival time per limit, microseconds.
    pub tat: [u64; MAX_LIMITS],
    /// End of the suspension, microseconds; 0 when none.
    pub suspended_until: u64,
}

impl KeyState {
    /// True if forgetting this state changes no future decision: every limit is refilled
    /// and no suspension runs. Stores may drop such keys.
    pub fn is_idle(&self, now: Timestamp) -> bool {
        self.suspended_until <= now.0 && self.tat.iter().all(|&t| t <= now.0)
    }

    /// The instant after which the key is idle.
    pub fn idle_at(&self) -> Timestamp {
        Timestamp(
            self.tat
                .iter()
                .copied()
                .max()
                .unwrap_or(0)
                .max(self.suspended_until),
        )
    }
}

/// A decision on one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send. Every limit has been charged.
    Allowed {
        /// Units still available now under the tightest limit (in that limit's units).
        remaining: u64,
        /// Always [`Rule::RateSend`].
        rule: Rule,
    },
    /// Over a limit: refused, nothing charged. When the limit suspends, the key is now
    /// suspended until `resume_at`.
    Limited {
        /// The index of the limit that refused.
        limit: usize,
        /// When sending may resume: the end of the suspension, or when the request would
        /// fit.
        resume_at: Timestamp,
        /// Whether the key has been suspended.
        suspended: bool,
        /// Always [`Rule::RateSend`].
        rule: Rule,
    },
    /// Suspended by an earlier excess: refused until `until` (RATE-SEND: "sending is
    /// stopped for a certain period").
    Suspended {
        /// When sending resumes.
        until: Timestamp,
        /// Always [`Rule::RateSend`].
        rule: Rule,
    },
    /// A request costs more than a limit's whole capacity: it can never pass.
    TooLarge {
        /// The index of the limit.
        limit: usize,
        /// Always [`Rule::RateSend`].
        rule: Rule,
    },
    /// The shared store is unreachable and the operator chose to fail closed: defer
    /// (a temporary failure), try again later.
    Unavailable {
        /// Always [`Rule::RateFleet`].
        rule: Rule,
    },
}

impl Decision {
    /// True if the request may proceed.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }

    /// When a refused key may send again, if it is refused.
    pub fn resume_at(&self) -> Option<Timestamp> {
        match *self {
            Decision::Allowed { .. } | Decision::TooLarge { .. } | Decision::Unavailable { .. } => {
                None
            }
            Decision::Limited { resume_at, .. } => Some(resume_at),
            Decision::Suspended { until, .. } => Some(until),
        }
    }
}

/// GCRA over all of a key's limits, all or nothing: the request is charged to every limit
/// only if every limit admits it. Returns the decision and the new state.
///
/// Per limit with interval `T` and capacity `C = burst × T`: the new theoretical arrival
/// time is `max(tat, now) + cost × T`, admitted when it is at most `now + C`. So a full
/// limit takes `burst` units at once and one more every `T`; in any interval of length
/// `W`, at most `burst + ⌊W / T⌋` units pass, never the doubled burst of fixed windows.
pub fn decide(
    limits: &[CompiledLimit],
    state: &KeyState,
    now: Timestamp,
    request: Request,
) -> (Decision, KeyState) {
    let now = now.0;
    if state.suspended_until > now {
        return (
            Decision::Suspended {
                until: Timestamp(state.suspended_until),
                rule: Rule::RateSend,
            },
            *state,
        );
    }
    let mut next = *state;
    let mut remaining = u64::MAX;
    for (i, limit) in limits.iter().enumerate().take(MAX_LIMITS) {
        let cost = limit.cost(request);
        let tat = state.tat[i].max(now);
        let new_tat = tat.saturating_add(cost.saturating_mul(limit.interval));
        if cost.saturating_mul(limit.interval) > limit.capacity {
            return (
                Decision::TooLarge {
                    limit: i,
                    rule: Rule::RateSend,
                },
                *state,
            );
        }
        if new_tat - now > limit.capacity {
            let retry_at = new_tat - limit.capacity;
            if limit.suspension > 0 {
                let until = now.saturating_add(limit.suspension).max(retry_at);
                let mut suspended = *state;
                suspended.suspended_until = until;
                return (
                    Decision::Limited {
                        limit: i,
                        resume_at: Timestamp(until),
                        suspended: true,
                        rule: Rule::RateSend,
                    },
                    suspended,
                );
            }
            return (
                Decision::Limited {
                    limit: i,
                    resume_at: Timestamp(retry_at),
                    suspended: false,
                    rule: Rule::RateSend,
                },
                *state,
            );
        }
        if cost > 0 {
            next.tat[i] = new_tat;
        }
        let free = (limit.capacity - (new_tat - now)) / limit.interval.max(1);
        remaining = remaining.min(free);
    }
    if remaining == u64::MAX {
        remaining = 0;
    }
    (
        Decision::Allowed {
            remaining,
            rule: Rule::RateSend,
        },
        next,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `quota` per `period_secs`, full burst, suspension in seconds.
    fn limit(
        counting: Counting,
        quota: u64,
        period_secs: u64,
        suspension_secs: u64,
    ) -> CompiledLimit {
        let interval = (period_secs * 1_000_000).div_ceil(quota);
        CompiledLimit {
            counting,
            interval,
            capacity: quota * interval,
            suspension: suspension_secs * 1_000_000,
        }
    }

    #[test]
    fn burst_then_one_per_interval() {
        let limits = [limit(Counting::Messages, 10, 60, 0)];
        let mut state = KeyState::default();
        let t0 = Timestamp::from_secs(1000);
        for i in 0..10 {
            let (d, s) = decide(&limits, &state, t0, Request::message(1));
            assert!(d.is_allowed(), "message {i}");
            state = s;
        }
        let (d, s) = decide(&limits, &state, t0, Request::message(1));
        assert_eq!(
            d,
            Decision::Limited {
                limit: 0,
                resume_at: Timestamp::from_secs(1006),
                suspended: false,
                rule: Rule::RateSend
            }
        );
        assert_eq!(s, state, "a refusal charges nothing");
        // Six seconds later one more fits.
        assert!(
            decide(
                &limits,
                &state,
                Timestamp::from_secs(1006),
                Request::message(1)
            )
            .0
            .is_allowed()
        );
    }

    #[test]
    fn all_or_nothing_across_limits() {
        let limits = [
            limit(Counting::Messages, 100, 600, 0),
            limit(Counting::Recipients, 10, 3600, 0),
        ];
        let state = KeyState::default();
        let now = Timestamp::from_secs(50);
        let (d, s) = decide(&limits, &state, now, Request::message(8));
        assert!(matches!(d, Decision::Allowed { remaining: 2, .. }), "{d:?}");
        // 5 more recipients exceed the recipient limit: the message limit is not charged.
        let (d, s2) = decide(&limits, &s, now, Request::message(5));
        assert!(matches!(d, Decision::Limited { limit: 1, .. }), "{d:?}");
        assert_eq!(s2, s);
    }

    #[test]
    fn suspension() {
        let limits = [limit(Counting::Messages, 2, 60, 3600)];
        let now = Timestamp::from_secs(10);
        let (_, s) = decide(&limits, &KeyState::default(), now, Request::message(1));
        let (_, s) = decide(&limits, &s, now, Request::message(1));
        let (d, s) = decide(&limits, &s, now, Request::message(1));
        assert_eq!(
            d,
            Decision::Limited {
                limit: 0,
                resume_at: Timestamp::from_secs(3610),
                suspended: true,
                rule: Rule::RateSend
            }
        );
        assert_eq!(d.resume_at(), Some(Timestamp::from_secs(3610)));
        // Suspended: refused even though the limit has refilled.
        let (d, _) = decide(&limits, &s, Timestamp::from_secs(3000), Request::message(1));
        assert_eq!(
            d,
            Decision::Suspended {
                until: Timestamp::from_secs(3610),
                rule: Rule::RateSend
            }
        );
        assert!(
            decide(&limits, &s, Timestamp::from_secs(3610), Request::message(1))
                .0
                .is_allowed()
        );
        assert!(!s.is_idle(Timestamp::from_secs(3609)));
        assert!(s.is_idle(Timestamp::from_secs(3610)));
    }

    #[test]
    fn too_large_and_zero_cost() {
        let limits = [limit(Counting::Recipients, 200, 3600, 60)];
        let (d, s) = decide(
            &limits,
            &KeyState::default(),
            Timestamp(0),
            Request::message(201),
        );
        assert_eq!(
            d,
            Decision::TooLarge {
                limit: 0,
                rule: Rule::RateSend
            }
        );
        assert_eq!(
            s,
            KeyState::default(),
            "never suspends for an impossible request"
        );
        assert!(
            decide(
                &limits,
                &KeyState::default(),
                Timestamp(0),
                Request {
                    messages: 1,
                    recipients: 0
                }
            )
            .0
            .is_allowed()
        );
    }
}
