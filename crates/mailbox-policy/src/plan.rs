//! The one delivery plan: everything this crate decides about one incoming message for
//! one mailbox, in a documented order.

use chrono::{DateTime, Utc};
use mail_policy_address_rules::Mailbox;
use serde::{Deserialize, Serialize};

use crate::Rule;
use crate::error::Error;
use crate::forward::{Forwarding, ForwardingConfig};
use crate::limits::{Limits, LimitsConfig, SizeDecision};
use crate::message::IncomingMessage;
use crate::reject::{Haystacks, RejectAction, RejectList, RejectListConfig, RejectOutcome};
use crate::retention::{Expiry, FolderKind, Retention, RetentionConfig};
use crate::spam::{
    ScanResult, SpamConfig, SpamMode, SpamOutcome, SpamSorting, SpamThresholds, SpamVerdict,
    VirusAction, VirusConfig, tag_subject,
};

/// The operator's settings, the same for every mailbox.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailboxPolicyConfig {
    /// Size and recipient limits.
    pub limits: LimitsConfig,
    /// Retention periods.
    pub retention: RetentionConfig,
    /// Spam score thresholds per sensitivity level.
    pub spam_thresholds: SpamThresholds,
    /// Forward messages classified as spam. Off by default: forwarding spam to other
    /// providers would spend the ISP's sending reputation on it.
    pub forward_spam: bool,
}

/// One mailbox's settings, as the customer set them. They are kept per mailbox and
/// survive an address change (REJ-CARRY, ADDR-CHANGE-CARRY): move them to the new
/// address as they are.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailboxSettings {
    /// The reject list (REJ-*).
    pub reject: RejectListConfig,
    /// Forwarding (FWD-*).
    pub forwarding: ForwardingConfig,
    /// Spam sorting (SPAM-*).
    pub spam: SpamConfig,
    /// Virus check subscriptions (VIRUS-CHECK).
    pub virus: VirusConfig,
}

/// The compiled operator settings: every decision of this crate is a method of it or of
/// the types it hands out.
#[derive(Debug, Clone)]
pub struct MailboxPolicy {
    limits: Limits,
    retention: Retention,
    thresholds: SpamThresholds,
    forward_spam: bool,
}

/// One mailbox's compiled settings: validated once, then used for every message.
#[derive(Debug, Clone)]
pub struct CompiledMailbox {
    address: Mailbox,
    reject: RejectList,
    forwarding: Forwarding,
    spam: SpamSorting,
    virus: VirusConfig,
}

impl CompiledMailbox {
    /// The mailbox's address, normalized.
    pub fn address(&self) -> &Mailbox {
        &self.address
    }

    /// The compiled reject list.
    pub fn reject_list(&self) -> &RejectList {
        &self.reject
    }

    /// The virus-check subscriptions.
    pub fn virus(&self) -> &VirusConfig {
        &self.virus
    }
}

/// What happens to the mailbox's own copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// Store it.
    Store {
        /// In this folder.
        folder: FolderKind,
        /// Until then.
        expires: Expiry,
    },
    /// Accept and drop silently (reject list with discard, virus with discard).
    Discard,
    /// Refuse at SMTP time.
    Refuse {
        /// Why, for the SMTP reply.
        reason: RefusalReason,
    },
    /// Forwarded without keeping a copy (FWD-KEEP off).
    NotKept,
}

/// Why a message is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefusalReason {
    /// Over the size limit.
    TooLarge {
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The reject list refuses it.
    RejectList {
        /// The rule that matched, if one did.
        matched_rule: Option<usize>,
    },
    /// It carries a virus.
    Virus {
        /// The scanner's name for it.
        name: String,
    },
}

/// One step of the evaluation, for the explain trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The rule consulted.
    pub rule: Rule,
    /// What it decided, in words.
    pub outcome: String,
}

/// The plan for one message: see [`MailboxPolicy::plan_delivery`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryPlan {
    /// The mailbox's own copy.
    pub disposition: Disposition,
    /// Where copies are forwarded.
    pub forward_to: Vec<Mailbox>,
    /// The header every forwarded copy must carry (FWD-LOOP).
    pub forward_marker: Option<(String, String)>,
    /// The new raw `Subject` value, when spam mode A tags it.
    pub subject_rewrite: Option<String>,
    /// Whether the stored copy must be the virus scanner's cleaned one.
    pub deliver_cleaned: bool,
    /// The rules consulted, in order, with their outcomes.
    pub trace: Vec<Step>,
}

impl DeliveryPlan {
    /// The rules that changed the outcome (everything in the trace but "pass").
    pub fn rules(&self) -> impl Iterator<Item = Rule> + '_ {
        self.trace.iter().map(|step| step.rule)
    }
}

impl MailboxPolicy {
    /// Validates and compiles the operator's settings.
    pub fn new(config: MailboxPolicyConfig) -> Result<Self, Error> {
        let limits = &config.limits;
        if limits.max_message_bytes == 0 {
            return Err(Error::Setting {
                field: "limits.max_message_bytes".to_owned(),
                reason: "must be positive".to_owned(),
            });
        }
        if limits.max_recipients == 0 {
            return Err(Error::Setting {
                field: "limits.max_recipients".to_owned(),
                reason: "must be positive".to_owned(),
            });
        }
        if limits.attachment_overhead_bytes >= limits.max_message_bytes {
            return Err(Error::Setting {
                field: "limits.attachment_overhead_bytes".to_owned(),
                reason: "must be less than max_message_bytes".to_owned(),
            });
        }
        if config.retention.utc_offset_minutes.abs() >= 24 * 60 {
            return Err(Error::Setting {
                field: "retention.utc_offset_minutes".to_owned(),
                reason: "must be within a day".to_owned(),
            });
        }
        let retention = Retention::new(&config.retention).ok_or_else(|| Error::Setting {
            field: "retention.junk_days".to_owned(),
            reason: "too large".to_owned(),
        })?;
        let t = config.spam_thresholds.0;
        if t.iter().any(|v| !v.is_finite()) || t.windows(2).any(|w| w[0] < w[1]) {
            return Err(Error::Setting {
                field: "spam_thresholds".to_owned(),
                reason: "four finite scores, level 1 the highest (least sensitive)".to_owned(),
            });
        }
        Ok(Self {
            limits: Limits::new(config.limits),
            retention,
            thresholds: config.spam_thresholds,
            forward_spam: config.forward_spam,
        })
    }

    /// The profile of `SPEC.md`: 20 MiB, 200 recipients, 2 months, 15 days.
    pub fn sonet() -> Self {
        Self::new(MailboxPolicyConfig::default())
            .unwrap_or_else(|e| unreachable!("built-in profile: {e}"))
    }

    /// The size and recipient limits (MBX-SIZE, MBX-RCPT).
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The retention rules (MBX-RETAIN*).
    pub fn retention(&self) -> &Retention {
        &self.retention
    }

    /// Validates and compiles one mailbox's settings. Errors name the setting and, for
    /// lists, the limit.
    pub fn compile_mailbox(
        &self,
        address: &Mailbox,
        settings: &MailboxSettings,
    ) -> Result<CompiledMailbox, Error> {
        Ok(CompiledMailbox {
            address: address.normalized(),
            reject: RejectList::compile(&settings.reject)?,
            forwarding: Forwarding::compile(address, &settings.forwarding)?,
            spam: SpamSorting::compile(&settings.spam, &self.thresholds)?,
            virus: settings.virus.clone(),
        })
    }

    /// Plans the delivery of one incoming message to one mailbox.
    ///
    /// The order, and why:
    /// 1. **Size** (MBX-SIZE): a message over the limit is refused before anything reads it.
    /// 2. **Virus** (VIRUS-CHECK), when the mailbox subscribes to incoming checks and a
    ///    `scan` result is given: a virus is never forwarded or filed as it is.
    /// 3. **Reject list** (REJ-*): what the customer refuses is not forwarded either.
    /// 4. **Spam sorting** (SPAM-*): decides the folder or the subject tag.
    /// 5. **Forwarding** (FWD-*): after spam sorting, so spam is not forwarded (unless the
    ///    operator sets `forward_spam`); forwarded copies are never tagged; loops are cut.
    /// 6. **Retention** (MBX-RETAIN*): the stored copy's expiry from its folder and `now`.
    pub fn plan_delivery(
        &self,
        mailbox: &CompiledMailbox,
        message: &IncomingMessage,
        spam: SpamVerdict,
        scan: Option<&ScanResult>,
        now: DateTime<Utc>,
    ) -> DeliveryPlan {
        self.plan_delivery_explained(mailbox, message, spam, scan, now, true)
    }

    /// [`plan_delivery`](Self::plan_delivery), with the outcome texts of the trace's steps
    /// written only when `explain` is true. Without it each step still names its rule,
    /// and nothing is formatted: for servers that log rule IDs only.
    pub fn plan_delivery_explained(
        &self,
        mailbox: &CompiledMailbox,
        message: &IncomingMessage,
        spam: SpamVerdict,
        scan: Option<&ScanResult>,
        now: DateTime<Utc>,
        explain: bool,
    ) -> DeliveryPlan {
        let mut plan = DeliveryPlan {
            disposition: Disposition::Discard,
            forward_to: Vec::new(),
            forward_marker: None,
            subject_rewrite: None,
            deliver_cleaned: false,
            trace: Vec::new(),
        };
        // A step of the trace, its text formatted only when explaining.
        let step = |plan: &mut DeliveryPlan, rule: Rule, outcome: &dyn Fn() -> String| {
            let outcome = if explain { outcome() } else { String::new() };
            plan.trace.push(Step { rule, outcome });
        };

        // 1. Size.
        if let SizeDecision::TooLarge { size, limit, rule } =
            self.limits.check_message_size(message.size)
        {
            step(&mut plan, rule, &|| {
                format!("{size} octets over the limit of {limit}")
            });
            plan.disposition = Disposition::Refuse {
                reason: RefusalReason::TooLarge { size, limit },
            };
            return plan;
        }

        // 2. Virus.
        if mailbox.virus.incoming {
            match scan {
                Some(ScanResult::Infected(name)) => {
                    step(&mut plan, Rule::VirusCheck, &|| {
                        format!("virus {name}: {:?}", mailbox.virus.on_virus)
                    });
                    match mailbox.virus.on_virus {
                        VirusAction::Clean => plan.deliver_cleaned = true,
                        VirusAction::Discard => return plan,
                        VirusAction::Refuse => {
                            plan.disposition = Disposition::Refuse {
                                reason: RefusalReason::Virus { name: name.clone() },
                            };
                            return plan;
                        }
                    }
                }
                Some(ScanResult::Clean) => {
                    step(&mut plan, Rule::VirusCheck, &|| "clean".to_owned())
                }
                None => step(&mut plan, Rule::VirusCheck, &|| {
                    "subscribed, but no scan result given".to_owned()
                }),
            }
        }

        // The normalised From/To/Subject, computed once and only when a list needs them
        // (most mailboxes have none).
        let haystacks = std::cell::OnceCell::new();
        let haystacks = || haystacks.get_or_init(|| Haystacks::of(message));

        // 3. Reject list.
        if let RejectOutcome::Reject {
            action,
            matched_rule,
            rule,
        } = if mailbox.reject.is_off() {
            RejectOutcome::Pass
        } else {
            mailbox.reject.evaluate_with(message, haystacks())
        } {
            step(&mut plan, rule, &|| match matched_rule {
                Some(i) => format!("rejected by rule {i}: {action:?}"),
                None => format!("rejected by mode: {action:?}"),
            });
            plan.disposition = match action {
                RejectAction::Discard => Disposition::Discard,
                RejectAction::Refuse => Disposition::Refuse {
                    reason: RefusalReason::RejectList { matched_rule },
                },
            };
            return plan;
        }

        // 4. Spam sorting.
        let mut folder = FolderKind::Inbox;
        let spam_outcome = if mailbox.spam.is_off() {
            SpamOutcome::Clean
        } else {
            mailbox.spam.evaluate_with(haystacks(), spam)
        };
        let is_spam = matches!(spam_outcome, SpamOutcome::Spam { .. });
        match spam_outcome {
            SpamOutcome::Clean => {}
            SpamOutcome::Passed { entry } => step(&mut plan, Rule::SpamLevel, &|| {
                format!("pass list entry {entry}")
            }),
            SpamOutcome::Spam { reason, mode, rule } => {
                step(&mut plan, rule, &|| format!("spam ({reason:?}): {mode:?}"));
                match mode {
                    SpamMode::SpamFolder => folder = FolderKind::Spam,
                    SpamMode::TagSubject => {
                        plan.subject_rewrite =
                            tag_subject(message.subject.as_deref(), message.raw_subject.as_deref());
                    }
                    SpamMode::Off => {}
                }
            }
        }

        // 5. Forwarding.
        let mut keep_copy = true;
        if !mailbox.forwarding.is_empty() {
            if is_spam && !self.forward_spam {
                step(&mut plan, Rule::FwdRules, &|| {
                    "spam is not forwarded".to_owned()
                });
            } else {
                let outcome = mailbox.forwarding.evaluate_with(message, haystacks());
                if outcome.loop_detected {
                    step(&mut plan, Rule::FwdLoop, &|| {
                        "already forwarded by this mailbox: not again".to_owned()
                    });
                }
                if outcome.unconfirmed > 0 {
                    step(&mut plan, Rule::FwdConsent, &|| {
                        format!("{} unconfirmed destination(s) skipped", outcome.unconfirmed)
                    });
                }
                if !outcome.targets.is_empty() {
                    step(&mut plan, Rule::FwdRules, &|| {
                        format!("forward to {} destination(s)", outcome.targets.len())
                    });
                    if !outcome.keep_copy {
                        step(&mut plan, Rule::FwdKeep, &|| "no copy kept".to_owned());
                    }
                    plan.forward_marker = Some(outcome.marker);
                }
                keep_copy = outcome.keep_copy;
                plan.forward_to = outcome.targets;
            }
        }

        // 6. Storage and retention.
        plan.disposition = if keep_copy {
            let (expires, rule) = self.retention.expiry(folder, now);
            step(&mut plan, rule, &|| {
                format!("store in {folder:?} until {expires}")
            });
            Disposition::Store { folder, expires }
        } else {
            Disposition::NotKept
        };
        plan
    }
}
