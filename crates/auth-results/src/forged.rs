//! AUTH-IN-FORGED: `Authentication-Results` headers that arrive from outside claiming our
//! authserv-id are removed or renamed before ours is added (RFC 8601 §5), so nobody can
//! forge a pass. Headers of other authserv-ids stay untouched.

use serde::{Deserialize, Serialize};

use crate::Rule;
use crate::header::authserv_id_of;

/// What to do with a forged header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForgedAction {
    /// Delete it.
    #[default]
    Remove,
    /// Rename it to `X-Forged-Authentication-Results` (kept for forensics, ignored by
    /// readers of `Authentication-Results`).
    Rename,
}

/// Settings of the scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ForgedConfig {
    /// Our authserv-ids (`so-net.ne.jp`, `gyao.ne.jp`), compared without regard to case.
    pub authserv_ids: Vec<String>,
    /// Also scan `ARC-Authentication-Results` (whose value starts with `i=N;`).
    pub include_arc: bool,
    /// Remove or rename.
    pub action: ForgedAction,
}

impl Default for ForgedConfig {
    fn default() -> Self {
        Self {
            authserv_ids: vec!["so-net.ne.jp".to_owned(), "gyao.ne.jp".to_owned()],
            include_arc: false,
            action: ForgedAction::Remove,
        }
    }
}

/// A header to remove or rename.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgedHeader {
    /// Its index in the list scanned.
    pub index: usize,
    /// The authserv-id it claimed, as written.
    pub claimed: String,
    /// What to do.
    pub action: ForgedAction,
    /// The new name, when renaming.
    pub rename_to: Option<&'static str>,
    /// Always [`Rule::AuthInForged`].
    pub rule: Rule,
}

/// Finds the headers among `(name, value)` pairs that claim one of our authserv-ids,
/// however written (case, comments, folding, a version after the id).
pub fn find_forged<'a>(
    config: &ForgedConfig,
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<ForgedHeader> {
    let mut found = Vec::new();
    for (index, (name, value)) in headers.into_iter().enumerate() {
        let name = name.trim();
        let id = if name.eq_ignore_ascii_case("Authentication-Results") {
            authserv_id_of(value)
        } else if config.include_arc && name.eq_ignore_ascii_case("ARC-Authentication-Results") {
            // `i=1; authserv-id; ...`: skip the instance tag.
            value
                .split_once(';')
                .and_then(|(_, rest)| authserv_id_of(rest))
        } else {
            None
        };
        let Some(id) = id else { continue };
        if config
            .authserv_ids
            .iter()
            .any(|ours| ours.eq_ignore_ascii_case(&id))
        {
            found.push(ForgedHeader {
                index,
                claimed: id,
                action: config.action,
                rename_to: (config.action == ForgedAction::Rename)
                    .then_some("X-Forged-Authentication-Results"),
                rule: Rule::AuthInForged,
            });
        }
    }
    found
}
