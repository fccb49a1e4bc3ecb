//! ADDR-PLUS, ADDR-ABOX, ADDR-POSTPET, ADDR-OWN-DOMAIN, ADDR-ALIAS: the extra addresses an
//! account holds, where mail to each is delivered, and whether a new one may be added.

use serde::{Deserialize, Serialize};

use crate::Rule;
use crate::config::{AddressPolicy, DomainKind};
use crate::isp::{AddressKind, FormViolation};
use crate::mailbox::{DomainName, Mailbox};
use crate::user_name::UserNameViolation;

/// The addresses of one customer account, as the caller's directory holds them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Account {
    /// The basic mailbox's address.
    pub basic: Option<Mailbox>,
    /// Plus addresses, delivering into the basic mailbox (ADDR-PLUS).
    pub plus_addresses: Vec<Mailbox>,
    /// Additional mailboxes (ADDR-ABOX), each its own mailbox.
    pub a_boxes: Vec<Mailbox>,
    /// PostPet mail accounts (ADDR-POSTPET), each its own mailbox.
    pub postpet: Vec<Mailbox>,
    /// Domains the customer has shown to own ("plus domain", ADDR-OWN-DOMAIN).
    pub own_domains: Vec<DomainName>,
    /// Addresses on those domains, delivering into the basic mailbox.
    pub own_domain_addresses: Vec<Mailbox>,
    /// Legacy aliases (ADDR-ALIAS), delivering into the basic mailbox.
    pub aliases: Vec<Mailbox>,
}

/// Kinds of extra address a customer can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExtraKind {
    /// A plus address (ADDR-PLUS).
    Plus,
    /// An A-Box (ADDR-ABOX).
    ABox,
    /// A PostPet mail account (ADDR-POSTPET).
    PostPet,
    /// An address on the customer's own domain (ADDR-OWN-DOMAIN).
    OwnDomain,
    /// An alias (ADDR-ALIAS): no longer offered.
    Alias,
}

impl ExtraKind {
    /// The rule that governs this kind.
    pub fn rule(self) -> Rule {
        match self {
            ExtraKind::Plus => Rule::AddrPlus,
            ExtraKind::ABox => Rule::AddrAbox,
            ExtraKind::PostPet => Rule::AddrPostpet,
            ExtraKind::OwnDomain => Rule::AddrOwnDomain,
            ExtraKind::Alias => Rule::AddrAlias,
        }
    }
}

/// Why an extra address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExtraRefusal {
    /// The account already holds the most of this kind.
    #[error("the account already has {count} of at most {limit}")]
    LimitReached {
        /// The limit.
        limit: usize,
        /// How many it holds.
        count: usize,
    },
    /// Not an address of the ISP's form.
    #[error(transparent)]
    Form(#[from] FormViolation),
    /// On an ISP domain, but of the wrong kind (a plus address on the PostPet domain).
    #[error("{kind:?} addresses must be on a {expected:?} domain")]
    WrongDomain {
        /// What was asked for.
        kind: ExtraKind,
        /// The kind of domain it needs.
        expected: DomainKind,
    },
    /// The user name breaks the user-name rules.
    #[error(transparent)]
    UserName(#[from] UserNameViolation),
    /// Somebody has the address already.
    #[error("{address} is taken")]
    Taken {
        /// The address.
        address: String,
    },
    /// An own-domain address on a domain the account has not shown to own, or on one of
    /// the ISP's domains.
    #[error("{domain} is not a domain of this account")]
    DomainNotOwned {
        /// The domain.
        domain: String,
    },
    /// Aliases are no longer offered (ADDR-ALIAS).
    #[error("alias addresses are no longer offered")]
    AliasesClosed,
    /// The account has no basic mailbox to deliver into.
    #[error("the account has no basic mailbox")]
    NoBasicMailbox,
}

/// The decision on a new extra address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtraDecision {
    /// Add it.
    Approved {
        /// What it is.
        kind: ExtraKind,
        /// The normalized address.
        address: Mailbox,
        /// The mailbox its mail goes to: the basic mailbox, or itself for A-Box/PostPet.
        delivers_to: Mailbox,
        /// The rule applied.
        rule: Rule,
    },
    /// Do not.
    Refused {
        /// What was asked for.
        kind: ExtraKind,
        /// Why not.
        reason: ExtraRefusal,
        /// The rule behind the refusal.
        rule: Rule,
    },
}

/// Where mail to one of an account's addresses goes: see [`AddressPolicy::resolve`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The mailbox that stores it.
    pub mailbox: Mailbox,
    /// What the address was.
    pub kind: AddressKind,
    /// The rule behind it.
    pub rule: Rule,
}

impl AddressPolicy {
    /// Decides whether `account` may add `address` as an extra address of `kind`.
    /// `is_taken` is the caller's directory lookup, given the normalized address.
    ///
    /// ```
    /// use mail_policy_address_rules::{Account, AddressPolicy, ExtraDecision, ExtraKind, ExtraRefusal};
    ///
    /// let policy = AddressPolicy::sonet();
    /// let mut account = Account { basic: Some("taro@aa2.so-net.ne.jp".parse()?), ..Account::default() };
    /// for i in 0..10 {
    ///     account.plus_addresses.push(format!("taro{i}@aa2.so-net.ne.jp").parse()?);
    /// }
    /// let decision = policy.decide_extra_address(&account, ExtraKind::Plus, &"taro10@aa2.so-net.ne.jp".parse()?, |_| false);
    /// assert!(matches!(decision, ExtraDecision::Refused { reason: ExtraRefusal::LimitReached { limit: 10, count: 10 }, .. }));
    /// # Ok::<(), mail_policy_address_rules::ParseError>(())
    /// ```
    pub fn decide_extra_address(
        &self,
        account: &Account,
        kind: ExtraKind,
        address: &Mailbox,
        is_taken: impl FnOnce(&Mailbox) -> bool,
    ) -> ExtraDecision {
        let address = address.normalized();
        let refuse = |reason: ExtraRefusal| {
            let rule = match &reason {
                ExtraRefusal::Form(_) => Rule::AddrForm,
                ExtraRefusal::UserName(_) => Rule::AddrUser,
                _ => kind.rule(),
            };
            ExtraDecision::Refused { kind, reason, rule }
        };
        let Some(basic) = &account.basic else {
            return refuse(ExtraRefusal::NoBasicMailbox);
        };
        let (limit, count, domain_kind) = match kind {
            ExtraKind::Alias => return refuse(ExtraRefusal::AliasesClosed),
            ExtraKind::Plus => (
                Some(self.extras.max_plus_addresses),
                account.plus_addresses.len(),
                Some(DomainKind::Isp),
            ),
            ExtraKind::ABox => (
                Some(self.extras.max_a_boxes),
                account.a_boxes.len(),
                Some(DomainKind::Isp),
            ),
            ExtraKind::PostPet => (None, account.postpet.len(), Some(DomainKind::PostPet)),
            ExtraKind::OwnDomain => (None, account.own_domain_addresses.len(), None),
        };
        if let Some(limit) = limit {
            if count >= limit {
                return refuse(ExtraRefusal::LimitReached { limit, count });
            }
        }
        match domain_kind {
            Some(expected) => {
                let isp = match self.parse_isp_address(&address) {
                    Ok(isp) => isp,
                    Err(violation) => return refuse(violation.into()),
                };
                if isp.kind != expected {
                    return refuse(ExtraRefusal::WrongDomain { kind, expected });
                }
                if let Err(violation) = self.check_user_name(&isp.user) {
                    return refuse(violation.into());
                }
            }
            None => {
                let owned = address.domain().as_name().is_some_and(|name| {
                    !self.is_isp_domain(address.domain())
                        && account.own_domains.iter().any(|own| name.is_within(own))
                });
                if !owned {
                    return refuse(ExtraRefusal::DomainNotOwned {
                        domain: address.domain().to_string(),
                    });
                }
            }
        }
        if is_taken(&address) {
            return refuse(ExtraRefusal::Taken {
                address: address.to_string(),
            });
        }
        let delivers_to = match kind {
            ExtraKind::ABox | ExtraKind::PostPet => address.clone(),
            _ => basic.normalized(),
        };
        ExtraDecision::Approved {
            kind,
            address,
            delivers_to,
            rule: kind.rule(),
        }
    }

    /// Where mail to `address` goes, if it is one of `account`'s addresses: plus
    /// addresses, own-domain addresses and legacy aliases deliver into the basic mailbox
    /// (aliases keep working though none can be created, ADDR-ALIAS); the basic mailbox,
    /// A-Boxes and PostPet accounts are mailboxes of their own. Case does not matter.
    pub fn resolve(&self, account: &Account, address: &Mailbox) -> Option<Delivery> {
        let wanted = address.normalized();
        let is = |list: &[Mailbox]| list.iter().any(|m| m.normalized() == wanted);
        let basic = account.basic.as_ref().map(Mailbox::normalized);
        let into_basic = |kind: AddressKind| {
            basic.clone().map(|mailbox| Delivery {
                mailbox,
                kind,
                rule: kind.rule(),
            })
        };
        let itself = |kind: AddressKind| {
            Some(Delivery {
                mailbox: wanted.clone(),
                kind,
                rule: kind.rule(),
            })
        };
        if basic.as_ref() == Some(&wanted) {
            itself(AddressKind::Basic)
        } else if is(&account.a_boxes) {
            itself(AddressKind::ABox)
        } else if is(&account.postpet) {
            itself(AddressKind::PostPet)
        } else if is(&account.plus_addresses) {
            into_basic(AddressKind::Plus)
        } else if is(&account.own_domain_addresses) {
            into_basic(AddressKind::OwnDomain)
        } else if is(&account.aliases) {
            into_basic(AddressKind::Alias)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mb(s: &str) -> Mailbox {
        s.parse().unwrap()
    }

    fn account() -> Account {
        Account {
            basic: Some(mb("taro@aa2.so-net.ne.jp")),
            plus_addresses: vec![mb("taro.shop@aa2.so-net.ne.jp")],
            a_boxes: vec![mb("taro.box@aa2.so-net.ne.jp")],
            postpet: vec![mb("pochi@postpet.so-net.ne.jp")],
            own_domains: vec!["yamada.example".parse().unwrap()],
            own_domain_addresses: vec![mb("me@yamada.example")],
            aliases: vec![mb("oldtaro@aa2.so-net.ne.jp")],
        }
    }

    fn refusal(decision: ExtraDecision) -> (ExtraRefusal, Rule) {
        match decision {
            ExtraDecision::Refused { reason, rule, .. } => (reason, rule),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn plus_addresses() {
        let policy = AddressPolicy::sonet();
        let decision = policy.decide_extra_address(
            &account(),
            ExtraKind::Plus,
            &mb("Taro.News@aa2.so-net.ne.jp"),
            |_| false,
        );
        assert_eq!(
            decision,
            ExtraDecision::Approved {
                kind: ExtraKind::Plus,
                address: mb("taro.news@aa2.so-net.ne.jp"),
                delivers_to: mb("taro@aa2.so-net.ne.jp"),
                rule: Rule::AddrPlus,
            }
        );
        let mut full = account();
        full.plus_addresses = (0..10)
            .map(|i| mb(&format!("p{i}x@aa2.so-net.ne.jp")))
            .collect();
        let (reason, rule) = refusal(policy.decide_extra_address(
            &full,
            ExtraKind::Plus,
            &mb("one.more@aa2.so-net.ne.jp"),
            |_| false,
        ));
        assert_eq!(
            (reason, rule),
            (
                ExtraRefusal::LimitReached {
                    limit: 10,
                    count: 10
                },
                Rule::AddrPlus
            )
        );
        let (reason, rule) = refusal(policy.decide_extra_address(
            &account(),
            ExtraKind::Plus,
            &mb("x@example.com"),
            |_| false,
        ));
        assert!(matches!(
            reason,
            ExtraRefusal::Form(FormViolation::NotIspDomain { .. })
        ));
        assert_eq!(rule, Rule::AddrForm);
        let (reason, rule) = refusal(policy.decide_extra_address(
            &account(),
            ExtraKind::Plus,
            &mb("root@aa2.so-net.ne.jp"),
            |_| false,
        ));
        assert!(matches!(
            reason,
            ExtraRefusal::UserName(UserNameViolation::Reserved { .. })
        ));
        assert_eq!(rule, Rule::AddrUser);
        let (reason, _) = refusal(policy.decide_extra_address(
            &account(),
            ExtraKind::Plus,
            &mb("taken@aa2.so-net.ne.jp"),
            |_| true,
        ));
        assert!(matches!(reason, ExtraRefusal::Taken { .. }));
        let (reason, _) = refusal(policy.decide_extra_address(
            &account(),
            ExtraKind::Plus,
            &mb("pet@postpet.so-net.ne.jp"),
            |_| false,
        ));
        assert_eq!(
            reason,
            ExtraRefusal::WrongDomain {
                kind: ExtraKind::Plus,
                expected: DomainKind::Isp
            }
        );
    }

    #[test]
    fn a_boxes_postpet_own_domain_alias() {
        let policy = AddressPolicy::sonet();
        let mut acc = account();
        let approved = policy.decide_extra_address(
            &acc,
            ExtraKind::ABox,
            &mb("box2@aa2.so-net.ne.jp"),
            |_| false,
        );
        assert!(
            matches!(approved, ExtraDecision::Approved { ref delivers_to, .. } if delivers_to.to_string() == "box2@aa2.so-net.ne.jp")
        );
        acc.a_boxes = (0..5)
            .map(|i| mb(&format!("box{i}x@aa2.so-net.ne.jp")))
            .collect();
        let (reason, rule) = refusal(policy.decide_extra_address(
            &acc,
            ExtraKind::ABox,
            &mb("box9@aa2.so-net.ne.jp"),
            |_| false,
        ));
        assert_eq!(
            (reason, rule),
            (
                ExtraRefusal::LimitReached { limit: 5, count: 5 },
                Rule::AddrAbox
            )
        );

        assert!(matches!(
            policy.decide_extra_address(
                &acc,
                ExtraKind::PostPet,
                &mb("tama@postpet.so-net.ne.jp"),
                |_| false
            ),
            ExtraDecision::Approved {
                rule: Rule::AddrPostpet,
                ..
            }
        ));
        let (reason, _) = refusal(policy.decide_extra_address(
            &acc,
            ExtraKind::PostPet,
            &mb("tama@aa2.so-net.ne.jp"),
            |_| false,
        ));
        assert_eq!(
            reason,
            ExtraRefusal::WrongDomain {
                kind: ExtraKind::PostPet,
                expected: DomainKind::PostPet
            }
        );

        assert!(matches!(
            policy.decide_extra_address(
                &acc,
                ExtraKind::OwnDomain,
                &mb("shop@mail.yamada.example"),
                |_| false
            ),
            ExtraDecision::Approved {
                rule: Rule::AddrOwnDomain,
                ..
            }
        ));
        let (reason, rule) = refusal(policy.decide_extra_address(
            &acc,
            ExtraKind::OwnDomain,
            &mb("shop@other.example"),
            |_| false,
        ));
        assert!(matches!(reason, ExtraRefusal::DomainNotOwned { .. }));
        assert_eq!(rule, Rule::AddrOwnDomain);

        let (reason, rule) = refusal(policy.decide_extra_address(
            &acc,
            ExtraKind::Alias,
            &mb("al@aa2.so-net.ne.jp"),
            |_| false,
        ));
        assert_eq!(
            (reason, rule),
            (ExtraRefusal::AliasesClosed, Rule::AddrAlias)
        );

        let (reason, _) = refusal(policy.decide_extra_address(
            &Account::default(),
            ExtraKind::Plus,
            &mb("x1y@aa2.so-net.ne.jp"),
            |_| false,
        ));
        assert_eq!(reason, ExtraRefusal::NoBasicMailbox);
    }

    #[test]
    fn resolution() {
        let policy = AddressPolicy::sonet();
        let acc = account();
        let resolve = |s: &str| {
            policy
                .resolve(&acc, &mb(s))
                .map(|d| (d.mailbox.to_string(), d.kind))
        };
        let basic = "taro@aa2.so-net.ne.jp".to_string();
        assert_eq!(
            resolve("TARO@aa2.so-net.ne.jp"),
            Some((basic.clone(), AddressKind::Basic))
        );
        assert_eq!(
            resolve("taro.shop@aa2.so-net.ne.jp"),
            Some((basic.clone(), AddressKind::Plus))
        );
        assert_eq!(
            resolve("oldtaro@aa2.so-net.ne.jp"),
            Some((basic.clone(), AddressKind::Alias))
        );
        assert_eq!(
            resolve("me@YAMADA.example"),
            Some((basic, AddressKind::OwnDomain))
        );
        assert_eq!(
            resolve("taro.box@aa2.so-net.ne.jp"),
            Some(("taro.box@aa2.so-net.ne.jp".into(), AddressKind::ABox))
        );
        assert_eq!(
            resolve("pochi@postpet.so-net.ne.jp"),
            Some(("pochi@postpet.so-net.ne.jp".into(), AddressKind::PostPet))
        );
        assert_eq!(resolve("nobody@aa2.so-net.ne.jp"), None);
        assert_eq!(
            policy
                .resolve(&acc, &mb("oldtaro@aa2.so-net.ne.jp"))
                .unwrap()
                .rule,
            Rule::AddrAlias
        );
    }
}
