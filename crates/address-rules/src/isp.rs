//! ADDR-FORM and the classification of addresses: which ISP domain, which `<sub>`, which
//! kind of address.

use serde::{Deserialize, Serialize};

use crate::Rule;
use crate::config::{AddressPolicy, CompiledDomain, DomainKind};
use crate::mailbox::{Domain, DomainName, Mailbox};

/// An address on one of the ISP's domains, taken apart (ADDR-FORM).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IspAddress {
    /// The user name, left of `@`, in lower case.
    pub user: String,
    /// The ISP-assigned label between user name and domain (`aa2`), if the domain has one.
    pub sub: Option<String>,
    /// The configured domain (`so-net.ne.jp`).
    pub domain: DomainName,
    /// What the domain hosts.
    pub kind: DomainKind,
    /// True when `sub` matched none of the usual patterns but is a configured exception.
    pub sub_is_exception: bool,
}

impl IspAddress {
    /// The authserv-id for `Authentication-Results` of mail to this address
    /// (AUTH-IN-FORMAT): the domain itself (`so-net.ne.jp`, `gyao.ne.jp`).
    pub fn authserv_id(&self) -> &str {
        self.domain.as_ascii()
    }
}

/// Why an address on an ISP domain does not have the ISP's form (rule
/// [`Rule::AddrForm`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormViolation {
    /// The domain is not one of the ISP's.
    #[error("{domain} is not an ISP domain")]
    NotIspDomain {
        /// The address's domain.
        domain: String,
    },
    /// The domain needs a `<sub>` label (`taro@aa2.so-net.ne.jp`), and there is none.
    #[error("address on {domain} lacks the sub-domain label (like aa2.{domain})")]
    MissingSub {
        /// The ISP domain.
        domain: String,
    },
    /// More than one label between the user name and the ISP domain, or one where the
    /// domain takes none.
    #[error("{labels:?} between the user name and {domain} is not a valid sub-domain")]
    UnexpectedSub {
        /// The extra labels.
        labels: String,
        /// The ISP domain.
        domain: String,
    },
    /// The `<sub>` label matches no pattern and is no configured exception.
    #[error("sub-domain {sub:?} matches no pattern of {domain} and is no listed exception")]
    SubPattern {
        /// The label.
        sub: String,
        /// The ISP domain.
        domain: String,
    },
    /// A quoted or non-ASCII local part, which no ISP mailbox has.
    #[error("local part {local:?} is not a possible ISP user name")]
    BadLocalPart {
        /// The local part.
        local: String,
    },
}

impl FormViolation {
    /// The rule behind every form violation.
    pub fn rule(&self) -> Rule {
        Rule::AddrForm
    }
}

/// What an address is, for routing and for the rules that apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum AddressKind {
    /// The basic mailbox's address.
    Basic,
    /// An additional mailbox (ADDR-ABOX).
    ABox,
    /// An Access Mailbox account (GEO-ACCOUNTS).
    AccessMailbox,
    /// A VAIO mail account (GEO-ACCOUNTS).
    VaioMail,
    /// A PostPet mail account (ADDR-POSTPET).
    PostPet,
    /// A "mail service (G)" account (`gyao.ne.jp`).
    ServiceG,
    /// A plus address, delivering into the basic mailbox (ADDR-PLUS).
    Plus,
    /// A "plus domain" address on the customer's own domain (ADDR-OWN-DOMAIN).
    OwnDomain,
    /// A legacy alias (ADDR-ALIAS).
    Alias,
    /// On an ISP domain, well formed, but registered to nobody.
    UnregisteredIsp,
    /// Not the ISP's: any other domain, not registered as anyone's own domain.
    Foreign,
}

impl AddressKind {
    /// True for kinds that are mailboxes of their own (GEO-ACCOUNTS lists them: basic,
    /// A-Box, Access Mailbox, VAIO mail, PostPet, mail service (G)).
    pub fn is_mailbox(self) -> bool {
        matches!(
            self,
            AddressKind::Basic
                | AddressKind::ABox
                | AddressKind::AccessMailbox
                | AddressKind::VaioMail
                | AddressKind::PostPet
                | AddressKind::ServiceG
        )
    }

    /// The rule that defines this kind.
    pub fn rule(self) -> Rule {
        match self {
            AddressKind::ABox => Rule::AddrAbox,
            AddressKind::PostPet => Rule::AddrPostpet,
            AddressKind::Plus => Rule::AddrPlus,
            AddressKind::OwnDomain => Rule::AddrOwnDomain,
            AddressKind::Alias => Rule::AddrAlias,
            _ => Rule::AddrForm,
        }
    }
}

/// The result of [`AddressPolicy::classify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// What the address is.
    pub kind: AddressKind,
    /// The address taken apart, when it is on an ISP domain and well formed.
    pub isp: Option<IspAddress>,
    /// Why an address on an ISP domain is not well formed, if it is not.
    pub form_violation: Option<FormViolation>,
    /// The rule behind the classification.
    pub rule: Rule,
}

impl AddressPolicy {
    /// The ISP domain `domain` belongs to, most specific first.
    fn isp_domain_of(&self, domain: &DomainName) -> Option<&CompiledDomain> {
        self.domains.iter().find(|d| domain.is_within(&d.name))
    }

    /// The ISP domain that `domain` is or lies below (`so-net.ne.jp` for
    /// `aa2.so-net.ne.jp`), most specific first; `None` for other domains. Unlike
    /// [`parse_isp_address`](Self::parse_isp_address) it looks at the domain alone.
    pub fn isp_domain(&self, domain: &Domain) -> Option<&DomainName> {
        Some(&self.isp_domain_of(domain.as_name()?)?.name)
    }

    /// True if `domain` is one of the ISP's domains or below one.
    pub fn is_isp_domain(&self, domain: &Domain) -> bool {
        domain
            .as_name()
            .is_some_and(|name| self.isp_domain_of(name).is_some())
    }

    /// Takes an address on an ISP domain apart and checks its form (ADDR-FORM): the
    /// `<sub>` label where the domain has one, matching a pattern (`aa9`) or a listed
    /// exception.
    ///
    /// ```
    /// use mail_policy_address_rules::{AddressPolicy, FormViolation};
    ///
    /// let policy = AddressPolicy::sonet();
    /// let isp = policy.parse_isp_address(&"Taro@AA2.so-net.ne.jp".parse()?)?;
    /// assert_eq!((isp.user.as_str(), isp.sub.as_deref()), ("taro", Some("aa2")));
    /// assert!(matches!(
    ///     policy.parse_isp_address(&"taro@so-net.ne.jp".parse()?),
    ///     Err(FormViolation::MissingSub { .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse_isp_address(&self, mailbox: &Mailbox) -> Result<IspAddress, FormViolation> {
        let not_isp = || FormViolation::NotIspDomain {
            domain: mailbox.domain().to_string(),
        };
        let name = mailbox.domain().as_name().ok_or_else(not_isp)?;
        let isp = self.isp_domain_of(name).ok_or_else(not_isp)?;
        let domain = isp.name.as_ascii().to_owned();
        let full = name.as_ascii();
        // The labels left of the ISP domain, without the joining dot.
        let prefix = &full[..full.len() - domain.len()];
        let prefix = prefix.strip_suffix('.').unwrap_or(prefix);
        let local = mailbox.local_part();
        if local.needs_quoting() || !local.as_str().is_ascii() {
            return Err(FormViolation::BadLocalPart {
                local: local.as_str().to_owned(),
            });
        }
        let (sub, sub_is_exception) = if isp.sub_required {
            if prefix.is_empty() {
                return Err(FormViolation::MissingSub { domain });
            }
            if prefix.contains('.') {
                return Err(FormViolation::UnexpectedSub {
                    labels: prefix.to_owned(),
                    domain,
                });
            }
            let matches_pattern = isp
                .sub_patterns
                .iter()
                .any(|pattern| sub_matches(pattern, prefix.as_bytes()));
            let exception = isp.sub_exceptions.iter().any(|e| e == prefix);
            if !matches_pattern && !exception {
                return Err(FormViolation::SubPattern {
                    sub: prefix.to_owned(),
                    domain,
                });
            }
            (Some(prefix.to_owned()), !matches_pattern)
        } else {
            if !prefix.is_empty() {
                return Err(FormViolation::UnexpectedSub {
                    labels: prefix.to_owned(),
                    domain,
                });
            }
            (None, false)
        };
        Ok(IspAddress {
            user: local.as_str().to_ascii_lowercase(),
            sub,
            domain: isp.name.clone(),
            kind: isp.kind,
            sub_is_exception,
        })
    }

    /// Classifies an address. `registered` is the caller's directory lookup: it is given
    /// the [normalized](Mailbox::normalized) address and answers what is registered there,
    /// if anything (one of [`AddressKind::Basic`] to [`AddressKind::Alias`]).
    ///
    /// The domain decides PostPet and mail service (G); the directory decides the rest.
    /// A directory answer that contradicts the domain (a PostPet registration off the
    /// PostPet domain) is not trusted: the address is then what its domain says.
    ///
    /// ```
    /// use mail_policy_address_rules::{AddressKind, AddressPolicy};
    ///
    /// let policy = AddressPolicy::sonet();
    /// let directory = |m: &mail_policy_address_rules::Mailbox| {
    ///     (m.to_string() == "taro@aa2.so-net.ne.jp").then_some(AddressKind::Basic)
    /// };
    /// assert_eq!(policy.classify(&"TARO@aa2.so-net.ne.jp".parse()?, directory).kind, AddressKind::Basic);
    /// assert_eq!(policy.classify(&"jiro@aa2.so-net.ne.jp".parse()?, directory).kind, AddressKind::UnregisteredIsp);
    /// assert_eq!(policy.classify(&"a@example.com".parse()?, directory).kind, AddressKind::Foreign);
    /// # Ok::<(), mail_policy_address_rules::ParseError>(())
    /// ```
    pub fn classify(
        &self,
        mailbox: &Mailbox,
        registered: impl FnOnce(&Mailbox) -> Option<AddressKind>,
    ) -> Classification {
        let normalized = mailbox.normalized();
        let on_isp_domain = self.is_isp_domain(normalized.domain());
        let form = on_isp_domain.then(|| self.parse_isp_address(&normalized));
        let registration = registered(&normalized);
        let (isp, form_violation) = match form {
            Some(Ok(isp)) => (Some(isp), None),
            Some(Err(violation)) => (None, Some(violation)),
            None => (None, None),
        };
        let domain_kind = isp.as_ref().map(|isp| isp.kind);
        let kind = match (domain_kind, registration) {
            // The domain decides these two.
            (Some(DomainKind::PostPet), Some(_)) => AddressKind::PostPet,
            (Some(DomainKind::ServiceG), Some(_)) => AddressKind::ServiceG,
            (Some(DomainKind::Isp), Some(kind))
                if !matches!(
                    kind,
                    AddressKind::PostPet
                        | AddressKind::ServiceG
                        | AddressKind::OwnDomain
                        | AddressKind::UnregisteredIsp
                        | AddressKind::Foreign
                ) =>
            {
                kind
            }
            (Some(_), _) => AddressKind::UnregisteredIsp,
            // Malformed on an ISP domain: nobody can hold it.
            (None, _) if on_isp_domain => AddressKind::UnregisteredIsp,
            (None, Some(AddressKind::OwnDomain)) => AddressKind::OwnDomain,
            (None, _) => AddressKind::Foreign,
        };
        Classification {
            kind,
            isp,
            form_violation,
            rule: kind.rule(),
        }
    }
}

/// `pattern`: `a` = any ASCII letter, `9` = any digit, anything else = itself.
fn sub_matches(pattern: &[u8], label: &[u8]) -> bool {
    pattern.len() == label.len()
        && pattern.iter().zip(label).all(|(&p, &c)| match p {
            b'a' => c.is_ascii_lowercase(),
            b'9' => c.is_ascii_digit(),
            other => other == c,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AddressConfig;

    fn mb(s: &str) -> Mailbox {
        s.parse().unwrap()
    }

    #[test]
    fn isp_forms() {
        let policy = AddressPolicy::sonet();
        let isp = policy
            .parse_isp_address(&mb("taro@aa2.so-net.ne.jp"))
            .unwrap();
        assert_eq!(isp.sub.as_deref(), Some("aa2"));
        assert_eq!(isp.kind, DomainKind::Isp);
        assert_eq!(isp.authserv_id(), "so-net.ne.jp");
        assert!(!isp.sub_is_exception);

        let g = policy.parse_isp_address(&mb("taro@gyao.ne.jp")).unwrap();
        assert_eq!(
            (g.kind, g.sub.as_deref(), g.authserv_id()),
            (DomainKind::ServiceG, None, "gyao.ne.jp")
        );
        let pet = policy
            .parse_isp_address(&mb("pochi@postpet.so-net.ne.jp"))
            .unwrap();
        assert_eq!(pet.kind, DomainKind::PostPet);

        let err = |s: &str| policy.parse_isp_address(&mb(s)).unwrap_err();
        assert!(matches!(
            err("taro@so-net.ne.jp"),
            FormViolation::MissingSub { .. }
        ));
        assert!(matches!(
            err("taro@a.aa2.so-net.ne.jp"),
            FormViolation::UnexpectedSub { .. }
        ));
        assert!(matches!(
            err("taro@abc.so-net.ne.jp"),
            FormViolation::SubPattern { .. }
        ));
        assert!(matches!(
            err("taro@a22.so-net.ne.jp"),
            FormViolation::SubPattern { .. }
        ));
        assert!(matches!(
            err("taro@x.gyao.ne.jp"),
            FormViolation::UnexpectedSub { .. }
        ));
        assert!(matches!(
            err("taro@example.com"),
            FormViolation::NotIspDomain { .. }
        ));
        assert!(matches!(
            err("taro@[192.0.2.1]"),
            FormViolation::NotIspDomain { .. }
        ));
        assert!(matches!(
            err("\"ta ro\"@aa2.so-net.ne.jp"),
            FormViolation::BadLocalPart { .. }
        ));
        assert!(matches!(
            err("taro@xso-net.ne.jp"),
            FormViolation::NotIspDomain { .. }
        ));
        assert_eq!(err("taro@so-net.ne.jp").rule(), Rule::AddrForm);
    }

    #[test]
    fn sub_exceptions() {
        let mut config = AddressConfig::sonet();
        config.domains[0].subdomain.exceptions = vec!["mail".into()];
        let policy = AddressPolicy::new(config).unwrap();
        let isp = policy
            .parse_isp_address(&mb("taro@mail.so-net.ne.jp"))
            .unwrap();
        assert!(isp.sub_is_exception);
        assert!(
            policy
                .parse_isp_address(&mb("taro@mails.so-net.ne.jp"))
                .is_err()
        );
    }

    #[test]
    fn classification() {
        let policy = AddressPolicy::sonet();
        let directory = |m: &Mailbox| match m.to_string().as_str() {
            "taro@aa2.so-net.ne.jp" => Some(AddressKind::Basic),
            "box@aa2.so-net.ne.jp" => Some(AddressKind::ABox),
            "plus@aa2.so-net.ne.jp" => Some(AddressKind::Plus),
            "old@aa2.so-net.ne.jp" => Some(AddressKind::Alias),
            "bogus@aa2.so-net.ne.jp" => Some(AddressKind::PostPet),
            "pochi@postpet.so-net.ne.jp" => Some(AddressKind::Basic),
            "me@example.org" => Some(AddressKind::OwnDomain),
            "g@gyao.ne.jp" => Some(AddressKind::Basic),
            _ => None,
        };
        let kind = |s: &str| policy.classify(&mb(s), directory).kind;
        assert_eq!(kind("Taro@AA2.so-net.ne.jp"), AddressKind::Basic);
        assert_eq!(kind("box@aa2.so-net.ne.jp"), AddressKind::ABox);
        assert_eq!(kind("plus@aa2.so-net.ne.jp"), AddressKind::Plus);
        assert_eq!(kind("old@aa2.so-net.ne.jp"), AddressKind::Alias);
        assert_eq!(kind("bogus@aa2.so-net.ne.jp"), AddressKind::UnregisteredIsp);
        assert_eq!(kind("pochi@postpet.so-net.ne.jp"), AddressKind::PostPet);
        assert_eq!(kind("g@gyao.ne.jp"), AddressKind::ServiceG);
        assert_eq!(kind("me@example.org"), AddressKind::OwnDomain);
        assert_eq!(kind("else@example.org"), AddressKind::Foreign);
        assert_eq!(kind("taro@so-net.ne.jp"), AddressKind::UnregisteredIsp);
        let c = policy.classify(&mb("taro@so-net.ne.jp"), directory);
        assert!(matches!(
            c.form_violation,
            Some(FormViolation::MissingSub { .. })
        ));
        assert_eq!(
            policy
                .classify(&mb("plus@aa2.so-net.ne.jp"), directory)
                .rule,
            Rule::AddrPlus
        );
        assert!(AddressKind::AccessMailbox.is_mailbox());
        assert!(!AddressKind::Plus.is_mailbox());
    }
}
