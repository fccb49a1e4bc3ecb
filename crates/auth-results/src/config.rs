//! The verifier's settings: plain data, available without the `dns-hickory` feature so
//! that one configuration file serves every build.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// How the verifier reaches DNS and which optional checks it makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VerifierConfig {
    /// Name servers (address and port), asked over UDP and then TCP for truncated
    /// answers. Empty means the system's (`/etc/resolv.conf`).
    pub name_servers: Vec<SocketAddr>,
    /// Time to wait for one answer, in milliseconds.
    pub timeout_ms: u64,
    /// Tries per query.
    pub attempts: usize,
    /// Check DKIM ADSP (the seed's header shows `dkim-adsp`).
    pub adsp: bool,
    /// Check the ARC chain (AUTH-IN-LISTS).
    pub arc: bool,
    /// Check iprev of the client address.
    pub iprev: bool,
}

impl Default for VerifierConfig {
    fn default() -> Self {
        Self {
            name_servers: Vec::new(),
            timeout_ms: 2_000,
            attempts: 2,
            adsp: true,
            arc: false,
            iprev: false,
        }
    }
}
