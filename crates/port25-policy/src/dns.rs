//! PTR and DNSBL lookups with `hickory-resolver` on tokio (feature `dns-hickory`): the I/O
//! that produces the [`PtrAnswer`] and [`DnsblAnswer`] the policy takes as inputs.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::NetError;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;

use crate::cidr::canonical;
use crate::error::Error;
use crate::ip25b::{DnsblAnswer, PtrAnswer};

/// A resolver for the lookups IP25B needs.
#[derive(Clone)]
pub struct HickoryLookups {
    resolver: TokioResolver,
}

impl std::fmt::Debug for HickoryLookups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HickoryLookups").finish_non_exhaustive()
    }
}

impl HickoryLookups {
    /// A resolver that asks `name_servers` (address and port; UDP, then TCP for truncated
    /// answers) with `timeout` per try and 2 tries.
    pub fn new(name_servers: &[SocketAddr], timeout: Duration) -> Result<Self, Error> {
        if name_servers.is_empty() {
            return Err(Error::Setting {
                field: "dns.name_servers".to_owned(),
                reason: "at least one name server".to_owned(),
            });
        }
        let servers = name_servers
            .iter()
            .map(|addr| {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                NameServerConfig::new(addr.ip(), true, vec![udp, tcp])
            })
            .collect();
        let mut options = ResolverOpts::default();
        options.timeout = timeout;
        options.attempts = 2;
        let resolver = TokioResolver::builder_with_config(
            ResolverConfig::from_name_servers(servers),
            TokioRuntimeProvider::default(),
        )
        .with_options(options)
        .build()
        .map_err(|e| Error::Setting {
            field: "dns".to_owned(),
            reason: e.to_string(),
        })?;
        Ok(Self { resolver })
    }

    /// Wraps a resolver the caller built.
    pub fn from_resolver(resolver: TokioResolver) -> Self {
        Self { resolver }
    }

    /// The PTR name of `ip`, forward-confirmed: its A/AAAA records must include `ip`.
    pub async fn ptr(&self, ip: IpAddr) -> PtrAnswer {
        let ip = canonical(ip);
        let lookup = match self.resolver.reverse_lookup(ip).await {
            Ok(lookup) => lookup,
            Err(e) if is_negative(&e) => return PtrAnswer::NoName,
            Err(_) => return PtrAnswer::TempFail,
        };
        let Some(name) = lookup
            .answers()
            .iter()
            .find_map(|record| match &record.data {
                RData::PTR(ptr) => Some(ptr.0.clone()),
                _ => None,
            })
        else {
            return PtrAnswer::NoName;
        };
        let forward_confirmed = match self.resolver.lookup_ip(name.clone()).await {
            Ok(addresses) => addresses.iter().any(|a| canonical(a) == ip),
            Err(e) if is_negative(&e) => false,
            Err(_) => return PtrAnswer::TempFail,
        };
        let mut text = name.to_ascii();
        if text.ends_with('.') {
            text.pop();
        }
        PtrAnswer::Name {
            name: text,
            forward_confirmed,
        }
    }

    /// The answer of the DNSBL `zone` (e.g. `pbl.example`) for `ip`: the A records of
    /// `<reversed address>.<zone>`, or not listed.
    pub async fn dnsbl(&self, ip: IpAddr, zone: &str) -> DnsblAnswer {
        let name = format!(
            "{}.{}.",
            reversed(canonical(ip)),
            zone.trim_end_matches('.')
        );
        match self.resolver.ipv4_lookup(name).await {
            Ok(lookup) => DnsblAnswer::Records(
                lookup
                    .answers()
                    .iter()
                    .filter_map(|record| match &record.data {
                        RData::A(a) => Some(a.0),
                        _ => None,
                    })
                    .collect(),
            ),
            Err(e) if is_negative(&e) => DnsblAnswer::NotListed,
            Err(_) => DnsblAnswer::TempFail,
        }
    }
}

/// NXDOMAIN or no data: a definite "no", as opposed to a failure.
fn is_negative(error: &NetError) -> bool {
    error.is_no_records_found() || error.is_nx_domain()
}

/// The DNSBL form of an address: `1.2.0.192` for `192.0.2.1`; reversed nibbles for IPv6.
fn reversed(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}")
        }
        IpAddr::V6(v6) => {
            let hex: String = v6.octets().iter().map(|b| format!("{b:02x}")).collect();
            let nibbles: Vec<String> = hex.chars().rev().map(String::from).collect();
            nibbles.join(".")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reversed_forms() {
        assert_eq!(reversed("192.0.2.1".parse().unwrap()), "1.2.0.192");
        assert_eq!(
            reversed("2001:db8::1".parse().unwrap()),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
        );
        assert!(HickoryLookups::new(&[], Duration::from_secs(1)).is_err());
    }
}
