//! Counters per protocol, deciding rule and action, rendered in the Prometheus text
//! exposition format (version 0.0.4) for a scraper on the loopback metrics port.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use mail_policy::{Action, Verdict};

/// The daemon's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    decisions: Mutex<BTreeMap<(&'static str, &'static str, &'static str), u64>>,
    /// Connections closed for bad input, idleness or slowness.
    pub closed_bad_input: AtomicU64,
    /// Connections refused because the connection limit was reached.
    pub refused_connections: AtomicU64,
    /// Messages the milter deferred because the daemon-wide message budget was full.
    pub milter_memory_deferrals: AtomicU64,
    /// Configuration reloads that succeeded.
    pub reloads: AtomicU64,
    /// Configuration reloads refused (the old configuration stayed).
    pub reload_failures: AtomicU64,
}

/// The name of an action for counters and logs.
pub fn action_name(action: Action) -> &'static str {
    match action {
        Action::Accept => "accept",
        Action::Reject => "reject",
        Action::Defer => "defer",
        Action::Discard => "discard",
    }
}

/// The rule that decided a verdict: for a refusal, the consulted rule its reply names
/// (replies end with the rule ID); otherwise the last check, or `-` when none.
pub fn deciding_rule(verdict: &Verdict) -> &'static str {
    if !verdict.is_accept() {
        if let Some(check) = verdict
            .checks
            .iter()
            .rev()
            .find(|c| verdict.reply.text.contains(c.rule))
        {
            return check.rule;
        }
    }
    verdict.checks.last().map_or("-", |c| c.rule)
}

impl Metrics {
    /// Counts one verdict given over `protocol` (`policy` or `milter`).
    pub fn count(&self, protocol: &'static str, verdict: &Verdict) {
        let key = (
            protocol,
            deciding_rule(verdict),
            action_name(verdict.action),
        );
        *self
            .decisions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(key)
            .or_default() += 1;
    }

    /// Counts one answer that did not come from a verdict (`DUNNO` for a request the
    /// policy does not apply to, or could not be read).
    pub fn count_other(&self, protocol: &'static str, rule: &'static str, action: &'static str) {
        *self
            .decisions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry((protocol, rule, action))
            .or_default() += 1;
    }

    /// The Prometheus text format.
    pub fn render(&self, open_instances: usize) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str(
            "# HELP mail_policy_decisions_total Verdicts given, by protocol, deciding rule and action.\n\
             # TYPE mail_policy_decisions_total counter\n",
        );
        for ((protocol, rule, action), n) in self
            .decisions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
        {
            let _ = writeln!(
                out,
                "mail_policy_decisions_total{{protocol=\"{protocol}\",rule=\"{rule}\",action=\"{action}\"}} {n}"
            );
        }
        let counters = [
            (
                "mail_policy_connections_closed_bad_input_total",
                "Connections closed for bad input, idleness or slowness.",
                &self.closed_bad_input,
            ),
            (
                "mail_policy_connections_refused_total",
                "Connections refused at the connection limit.",
                &self.refused_connections,
            ),
            (
                "mail_policy_milter_memory_deferrals_total",
                "Messages the milter deferred because its memory budget was full.",
                &self.milter_memory_deferrals,
            ),
            (
                "mail_policy_reloads_total",
                "Configuration reloads that succeeded.",
                &self.reloads,
            ),
            (
                "mail_policy_reload_failures_total",
                "Configuration reloads refused; the previous configuration stayed.",
                &self.reload_failures,
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP mail_policy_open_transactions Policy transactions remembered by instance.\n\
             # TYPE mail_policy_open_transactions gauge\n\
             mail_policy_open_transactions {open_instances}"
        );
        out
    }
}
