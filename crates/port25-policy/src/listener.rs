//! P25-SUBMIT, P25-TLS: listener roles and the stage decisions of an SMTP session: what
//! EHLO advertises, when AUTH is allowed, when MAIL and RCPT need it, and whether the
//! authenticated identity may use the envelope sender.

use mail_policy_address_rules::Mailbox;
use serde::{Deserialize, Serialize};

use crate::Rule;

/// What a listening socket is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ListenerRole {
    /// The MX, port 25: mail from other servers to the ISP's domains.
    Mx,
    /// Submission, port 587: STARTTLS, then AUTH, then mail (P25-SUBMIT, P25-TLS).
    Submission,
    /// Submissions, port 465: TLS from the first byte, then AUTH (RFC 8314).
    Submissions,
    /// POP3 over TLS, port 995 (P25-TLS).
    Pop3s,
    /// IMAP over TLS, port 993.
    Imaps,
}

impl ListenerRole {
    /// The conventional port.
    pub const fn default_port(self) -> u16 {
        match self {
            ListenerRole::Mx => 25,
            ListenerRole::Submission => 587,
            ListenerRole::Submissions => 465,
            ListenerRole::Pop3s => 995,
            ListenerRole::Imaps => 993,
        }
    }

    /// The role conventionally on `port`, if any.
    pub const fn from_port(port: u16) -> Option<Self> {
        match port {
            25 => Some(ListenerRole::Mx),
            587 => Some(ListenerRole::Submission),
            465 => Some(ListenerRole::Submissions),
            995 => Some(ListenerRole::Pop3s),
            993 => Some(ListenerRole::Imaps),
            _ => None,
        }
    }

    /// True when TLS starts with the connection (465, 995, 993).
    pub const fn implicit_tls(self) -> bool {
        matches!(
            self,
            ListenerRole::Submissions | ListenerRole::Pop3s | ListenerRole::Imaps
        )
    }

    /// True for the roles where customers submit mail.
    pub const fn is_submission(self) -> bool {
        matches!(self, ListenerRole::Submission | ListenerRole::Submissions)
    }
}

/// How an authenticated identity must relate to the envelope sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SenderMatch {
    /// No check.
    Off,
    /// The sender must be the authenticated address itself (any case).
    SameAddress,
    /// The sender must be an address of the authenticated account (the basic address,
    /// plus addresses, ...): the caller's directory says which.
    #[default]
    SameAccount,
}

/// Settings of the submission rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SubmissionConfig {
    /// How the AUTH identity must relate to `MAIL FROM`.
    pub sender_match: SenderMatch,
    /// Offer AUTH on the MX (port 25) after STARTTLS. Off by default: customers submit on
    /// 587/465 (P25-SUBMIT).
    pub auth_on_mx: bool,
}

impl Default for SubmissionConfig {
    fn default() -> Self {
        Self {
            sender_match: SenderMatch::SameAccount,
            auth_on_mx: false,
        }
    }
}

/// The state of one SMTP session, as the server tracks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSession {
    /// The listener it arrived on.
    pub role: ListenerRole,
    /// TLS is active (implicit, or after STARTTLS).
    pub tls: bool,
    /// The authenticated identity (the full mail address, P25-TLS), if any.
    pub authenticated: Option<String>,
}

impl SmtpSession {
    /// A new session on `role`: TLS already active on implicit-TLS ports.
    pub fn new(role: ListenerRole) -> Self {
        Self {
            role,
            tls: role.implicit_tls(),
            authenticated: None,
        }
    }
}

/// What EHLO may advertise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EhloAdvert {
    /// Offer `STARTTLS`.
    pub starttls: bool,
    /// Offer `AUTH`: never before TLS (RFC 8314 §3, P25-TLS).
    pub auth: bool,
}

/// Why a stage is refused. The facade maps each to its reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// AUTH or MAIL before TLS on submission: `530 5.7.0 Must issue a STARTTLS command
    /// first` (P25-TLS).
    TlsRequired,
    /// AUTH attempted before TLS where TLS is required for it: `538 5.7.11 Encryption
    /// required for requested authentication mechanism` (RFC 4954; P25-TLS).
    EncryptionRequiredForAuth,
    /// AUTH where it is not offered (the MX): `503 5.5.1` (P25-SUBMIT).
    AuthNotOffered,
    /// MAIL on submission without AUTH: `530 5.7.0 Authentication required` (P25-SUBMIT).
    AuthRequired,
    /// RCPT to a non-local domain without AUTH on the MX: `554 5.7.1 Relay access denied`
    /// (P25-SUBMIT).
    RelayDenied {
        /// The recipient.
        recipient: String,
    },
    /// The envelope sender is not the authenticated account's: `553 5.7.1 Sender address
    /// rejected: not owned by user` (P25-SUBMIT).
    SenderNotOwned {
        /// The authenticated identity.
        identity: String,
        /// The envelope sender.
        sender: String,
    },
}

/// The decision of a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StageDecision {
    /// Go on.
    Accept,
    /// Refuse the command.
    Refuse {
        /// Why.
        refusal: Refusal,
        /// The rule.
        rule: Rule,
    },
}

fn refuse(refusal: Refusal, rule: Rule) -> StageDecision {
    StageDecision::Refuse { refusal, rule }
}

/// Compiled submission rules.
#[derive(Debug, Clone, Default)]
pub struct SubmissionPolicy {
    config: SubmissionConfig,
}

impl SubmissionPolicy {
    /// Compiles the settings (nothing to validate yet).
    pub fn new(config: SubmissionConfig) -> Self {
        Self { config }
    }

    fn auth_offered_on(&self, role: ListenerRole) -> bool {
        role.is_submission() || (role == ListenerRole::Mx && self.config.auth_on_mx)
    }

    /// What EHLO advertises in this state.
    pub fn ehlo(&self, session: &SmtpSession) -> EhloAdvert {
        let smtp = matches!(
            session.role,
            ListenerRole::Mx | ListenerRole::Submission | ListenerRole::Submissions
        );
        EhloAdvert {
            starttls: smtp && !session.tls,
            auth: smtp && session.tls && self.auth_offered_on(session.role),
        }
    }

    /// Whether `AUTH` may start now.
    pub fn check_auth(&self, session: &SmtpSession) -> StageDecision {
        if !self.auth_offered_on(session.role) {
            return refuse(Refusal::AuthNotOffered, Rule::P25Submit);
        }
        if !session.tls {
            return refuse(Refusal::EncryptionRequiredForAuth, Rule::P25Tls);
        }
        StageDecision::Accept
    }

    /// Whether `MAIL FROM` with `sender` (`None` for `<>`) may proceed. `owns` is the
    /// caller's directory: does the account behind `identity` own `sender`?
    pub fn check_mail(
        &self,
        session: &SmtpSession,
        sender: Option<&Mailbox>,
        owns: impl FnOnce(&str, &Mailbox) -> bool,
    ) -> StageDecision {
        if !session.role.is_submission() {
            return StageDecision::Accept;
        }
        if !session.tls {
            return refuse(Refusal::TlsRequired, Rule::P25Tls);
        }
        let Some(identity) = &session.authenticated else {
            return refuse(Refusal::AuthRequired, Rule::P25Submit);
        };
        let Some(sender) = sender else {
            // Bounces from a customer's client are unusual but harmless.
            return StageDecision::Accept;
        };
        let owned = match self.config.sender_match {
            SenderMatch::Off => true,
            SenderMatch::SameAddress => {
                identity.eq_ignore_ascii_case(&sender.normalized().to_string())
            }
            SenderMatch::SameAccount => owns(identity, &sender.normalized()),
        };
        if owned {
            StageDecision::Accept
        } else {
            refuse(
                Refusal::SenderNotOwned {
                    identity: identity.clone(),
                    sender: sender.to_string(),
                },
                Rule::P25Submit,
            )
        }
    }

    /// Whether `RCPT TO` may proceed: on the MX, without AUTH, only to local domains
    /// (`is_local` is the caller's answer for this recipient's domain).
    pub fn check_rcpt(
        &self,
        session: &SmtpSession,
        recipient: &Mailbox,
        is_local: bool,
    ) -> StageDecision {
        if session.role.is_submission() {
            if session.authenticated.is_none() {
                return refuse(Refusal::AuthRequired, Rule::P25Submit);
            }
            return StageDecision::Accept;
        }
        if is_local || session.authenticated.is_some() {
            return StageDecision::Accept;
        }
        refuse(
            Refusal::RelayDenied {
                recipient: recipient.to_string(),
            },
            Rule::P25Submit,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mb(s: &str) -> Mailbox {
        s.parse().unwrap()
    }

    fn owns(identity: &str, sender: &Mailbox) -> bool {
        identity == "taro@aa2.so-net.ne.jp"
            && ["taro@aa2.so-net.ne.jp", "taro.shop@aa2.so-net.ne.jp"]
                .contains(&sender.to_string().as_str())
    }

    #[test]
    fn roles_and_ports() {
        for role in [
            ListenerRole::Mx,
            ListenerRole::Submission,
            ListenerRole::Submissions,
            ListenerRole::Pop3s,
            ListenerRole::Imaps,
        ] {
            assert_eq!(ListenerRole::from_port(role.default_port()), Some(role));
        }
        assert_eq!(ListenerRole::from_port(2525), None);
        assert!(SmtpSession::new(ListenerRole::Submissions).tls);
        assert!(!SmtpSession::new(ListenerRole::Submission).tls);
    }

    #[test]
    fn submission_587_needs_tls_then_auth() {
        let policy = SubmissionPolicy::default();
        let mut s = SmtpSession::new(ListenerRole::Submission);
        assert_eq!(
            policy.ehlo(&s),
            EhloAdvert {
                starttls: true,
                auth: false
            }
        );
        assert_eq!(
            policy.check_auth(&s),
            refuse(Refusal::EncryptionRequiredForAuth, Rule::P25Tls)
        );
        assert_eq!(
            policy.check_mail(&s, Some(&mb("taro@aa2.so-net.ne.jp")), owns),
            refuse(Refusal::TlsRequired, Rule::P25Tls)
        );
        s.tls = true;
        assert_eq!(
            policy.ehlo(&s),
            EhloAdvert {
                starttls: false,
                auth: true
            }
        );
        assert_eq!(policy.check_auth(&s), StageDecision::Accept);
        assert_eq!(
            policy.check_mail(&s, Some(&mb("taro@aa2.so-net.ne.jp")), owns),
            refuse(Refusal::AuthRequired, Rule::P25Submit)
        );
        assert_eq!(
            policy.check_rcpt(&s, &mb("x@example.com"), false),
            refuse(Refusal::AuthRequired, Rule::P25Submit)
        );
        s.authenticated = Some("taro@aa2.so-net.ne.jp".into());
        assert_eq!(
            policy.check_mail(&s, Some(&mb("Taro.Shop@aa2.so-net.ne.jp")), owns),
            StageDecision::Accept
        );
        assert_eq!(policy.check_mail(&s, None, owns), StageDecision::Accept);
        assert!(matches!(
            policy.check_mail(&s, Some(&mb("boss@example.com")), owns),
            StageDecision::Refuse {
                refusal: Refusal::SenderNotOwned { .. },
                rule: Rule::P25Submit
            }
        ));
        assert_eq!(
            policy.check_rcpt(&s, &mb("friend@example.com"), false),
            StageDecision::Accept
        );
    }

    #[test]
    fn sender_match_modes() {
        let mut s = SmtpSession::new(ListenerRole::Submissions);
        s.authenticated = Some("taro@aa2.so-net.ne.jp".into());
        let same_address = SubmissionPolicy::new(SubmissionConfig {
            sender_match: SenderMatch::SameAddress,
            ..Default::default()
        });
        assert_eq!(
            same_address.check_mail(&s, Some(&mb("TARO@aa2.so-net.ne.jp")), |_, _| false),
            StageDecision::Accept
        );
        assert!(matches!(
            same_address.check_mail(&s, Some(&mb("taro.shop@aa2.so-net.ne.jp")), |_, _| true),
            StageDecision::Refuse { .. }
        ));
        let off = SubmissionPolicy::new(SubmissionConfig {
            sender_match: SenderMatch::Off,
            ..Default::default()
        });
        assert_eq!(
            off.check_mail(&s, Some(&mb("anyone@example.com")), |_, _| false),
            StageDecision::Accept
        );
    }

    #[test]
    fn mx_relaying_and_auth() {
        let policy = SubmissionPolicy::default();
        let mut s = SmtpSession::new(ListenerRole::Mx);
        assert_eq!(
            policy.ehlo(&s),
            EhloAdvert {
                starttls: true,
                auth: false
            }
        );
        assert_eq!(
            policy.check_mail(&s, Some(&mb("a@example.com")), owns),
            StageDecision::Accept
        );
        assert_eq!(
            policy.check_rcpt(&s, &mb("taro@aa2.so-net.ne.jp"), true),
            StageDecision::Accept
        );
        assert_eq!(
            policy.check_rcpt(&s, &mb("victim@example.net"), false),
            refuse(
                Refusal::RelayDenied {
                    recipient: "victim@example.net".into()
                },
                Rule::P25Submit
            )
        );
        s.tls = true;
        assert_eq!(
            policy.ehlo(&s),
            EhloAdvert {
                starttls: false,
                auth: false
            }
        );
        assert_eq!(
            policy.check_auth(&s),
            refuse(Refusal::AuthNotOffered, Rule::P25Submit)
        );
        let with_auth = SubmissionPolicy::new(SubmissionConfig {
            auth_on_mx: true,
            ..Default::default()
        });
        assert!(with_auth.ehlo(&s).auth);
        assert_eq!(with_auth.check_auth(&s), StageDecision::Accept);
        let pop = SmtpSession::new(ListenerRole::Pop3s);
        assert_eq!(
            policy.ehlo(&pop),
            EhloAdvert {
                starttls: false,
                auth: false
            }
        );
    }
}
