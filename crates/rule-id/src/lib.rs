//! The rule IDs of `SPEC.md`, shared machinery: every policy crate of mail-policy defines
//! its `Rule` enum with [`rule_ids!`], so that every decision can name the rule behind it
//! the same way (`Rule::MbxSize.id() == "MBX-SIZE"`, `Display`, serde as the ID text).
//!
//! # Example
//!
//! ```
//! mail_policy_rule_id::rule_ids! {
//!     /// The rules of an example section.
//!     pub enum Rule {
//!         /// `EX-ONE`: the first rule.
//!         ExOne => "EX-ONE",
//!         /// `EX-TWO`: the second rule.
//!         ExTwo => "EX-TWO",
//!     }
//! }
//!
//! assert_eq!(Rule::ExTwo.id(), "EX-TWO");
//! assert_eq!(Rule::ExOne.to_string(), "EX-ONE");
//! assert_eq!(Rule::try_from("EX-TWO".to_owned()), Ok(Rule::ExTwo));
//! assert_eq!(Rule::ALL, &[Rule::ExOne, Rule::ExTwo]);
//! ```
//!
//! # Crate features
//!
//! None.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[doc(hidden)]
pub use serde as __serde;

/// Defines a `Rule` enum of `SPEC.md` rule IDs: `Copy`, ordered, hashable,
/// `#[non_exhaustive]`, with `ALL` (in the order given), `id()`, `Display`, conversions to
/// and from the ID text, and serde as the ID text. Each variant is written
/// `Variant => "ID"`, after its doc comment. In test builds it also defines a test that
/// the IDs are unique and read back.
#[macro_export]
macro_rules! rule_ids {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident => $id:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
        }

        impl $name {
            /// Every rule, in `SPEC.md` order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// The rule's ID as written in `SPEC.md`.
            #[inline]
            pub const fn id(self) -> &'static str {
                match self {
                    $( $name::$variant => $id, )+
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.id())
            }
        }

        impl ::core::convert::From<$name> for &'static str {
            fn from(rule: $name) -> Self {
                rule.id()
            }
        }

        impl ::core::convert::TryFrom<::std::string::String> for $name {
            type Error = ::std::string::String;

            fn try_from(id: ::std::string::String) -> ::core::result::Result<Self, Self::Error> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|rule| rule.id() == id)
                    .ok_or_else(|| ::std::format!("unknown rule ID {id:?}"))
            }
        }

        // Every crate that defines rules checks in its own tests that the IDs are
        // unique and that each reads back as itself.
        #[cfg(test)]
        #[test]
        fn rule_ids_are_unique_and_read_back() {
            let mut seen = ::std::collections::HashSet::new();
            for &rule in $name::ALL {
                assert!(seen.insert(rule.id()), "duplicate rule ID {}", rule.id());
                assert_eq!($name::try_from(::std::string::String::from(rule.id())), Ok(rule));
            }
        }

        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.id())
            }
        }

        impl<'de> $crate::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                let id = <::std::string::String as $crate::__serde::Deserialize>::deserialize(deserializer)?;
                $name::try_from(id).map_err(<D::Error as $crate::__serde::de::Error>::custom)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    rule_ids! {
        /// Test rules.
        pub enum Rule {
            /// One.
            TestOne => "TEST-ONE",
            /// Two.
            TestTwo => "TEST-TWO",
        }
    }

    #[test]
    fn ids_display_and_conversions() {
        assert_eq!(Rule::ALL, &[Rule::TestOne, Rule::TestTwo]);
        for &rule in Rule::ALL {
            assert_eq!(Rule::try_from(rule.id().to_owned()), Ok(rule));
            assert_eq!(rule.to_string(), rule.id());
            let text: &'static str = rule.into();
            assert_eq!(text, rule.id());
        }
        assert!(Rule::try_from("TEST-THREE".to_owned()).is_err());
    }

    #[test]
    fn serde_as_the_id_text() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Holder {
            rule: Rule,
        }
        let text = toml::to_string(&Holder {
            rule: Rule::TestTwo,
        })
        .unwrap();
        assert_eq!(text.trim(), "rule = \"TEST-TWO\"");
        assert_eq!(
            toml::from_str::<Holder>(&text).unwrap(),
            Holder {
                rule: Rule::TestTwo
            }
        );
        assert!(toml::from_str::<Holder>("rule = \"NOPE\"").is_err());
    }
}
