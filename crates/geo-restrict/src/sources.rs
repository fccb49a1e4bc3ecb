//! Sources of the domestic table: the regional internet registries'
//! `delegated-<rir>-extended-latest` files, range CSV files (ip-location-db, CC0), and,
//! with the `maxminddb` feature, MaxMind DB files.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use crate::error::Error;
use mail_policy_ip_ranges::RangeList;

use crate::table::CountryCode;

fn source_error(file: &str, line: usize, reason: impl Into<String>) -> Error {
    Error::Source {
        file: file.to_owned(),
        line,
        reason: reason.into(),
    }
}

/// Reads a file as text, naming it in errors.
pub(crate) fn read_text(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| Error::Io {
        file: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// Parses an RIR statistics file (the "RIR statistics exchange format", extended or not)
/// and returns the ranges delegated to `country` (status `allocated` or `assigned`).
///
/// Handles: `#` comments and blank lines; the version line (`2|apnic|20241204|...`);
/// summary lines (`apnic|*|ipv4|*|12345|summary`); IPv4 rows whose value is an address
/// count, often not a power of two; IPv6 rows whose value is a prefix length; ASN rows
/// (skipped); 7-field rows without the extended opaque ID (RIPE writes some) and 8-field
/// extended rows; `ZZ` and empty country codes (AFRINIC, `available`/`reserved` rows).
/// `file` names the source in errors, which carry the line number.
pub fn parse_rir(file: &str, text: &str, country: CountryCode) -> Result<RangeList, Error> {
    let mut ranges = RangeList::default();
    let mut seen_version = false;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let content = raw.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = content.split('|').collect();
        if !seen_version {
            // version|registry|serial|records|startdate|enddate|UTCoffset
            seen_version = true;
            if fields.len() >= 6 && fields[0].bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                continue;
            }
            return Err(source_error(
                file,
                line,
                "the first line must be the version line (2|registry|serial|...)",
            ));
        }
        if fields.len() >= 6 && fields[1] == "*" && fields[5] == "summary" {
            continue;
        }
        if !(7..=8).contains(&fields.len()) {
            return Err(source_error(
                file,
                line,
                format!(
                    "{} fields; a record has 7 or 8 (registry|cc|type|start|value|date|status[|opaque-id])",
                    fields.len()
                ),
            ));
        }
        let (cc, kind, start, value, status) =
            (fields[1], fields[2], fields[3], fields[4], fields[6]);
        let wanted = country.matches(cc) && matches!(status, "allocated" | "assigned");
        match kind {
            "asn" => {}
            "ipv4" => {
                let first: Ipv4Addr = start.parse().map_err(|_| {
                    source_error(file, line, format!("{start:?} is not an IPv4 address"))
                })?;
                let count: u64 = value.parse().map_err(|_| {
                    source_error(file, line, format!("{value:?} is not an address count"))
                })?;
                let first = u32::from(first);
                // Checked: a count near 2^64 must be an error, not an overflow (found by
                // the `rir_file` fuzz target).
                let last = count
                    .checked_sub(1)
                    .and_then(|n| u64::from(first).checked_add(n))
                    .and_then(|last| u32::try_from(last).ok());
                let Some(last) = last else {
                    return Err(source_error(
                        file,
                        line,
                        format!("{count} addresses from {start} leave the IPv4 space"),
                    ));
                };
                if wanted {
                    ranges.v4.push((first, last));
                }
            }
            "ipv6" => {
                let first: Ipv6Addr = start.parse().map_err(|_| {
                    source_error(file, line, format!("{start:?} is not an IPv6 address"))
                })?;
                let prefix: u32 = value.parse().map_err(|_| {
                    source_error(file, line, format!("{value:?} is not a prefix length"))
                })?;
                if prefix > 128 {
                    return Err(source_error(
                        file,
                        line,
                        format!("prefix length {prefix} is over 128"),
                    ));
                }
                let host_bits = 128 - prefix;
                let mask = if host_bits == 128 {
                    0
                } else {
                    u128::MAX << host_bits
                };
                let first = u128::from(first);
                if first & !mask != 0 {
                    return Err(source_error(
                        file,
                        line,
                        format!("{start}/{prefix} has host bits set"),
                    ));
                }
                if wanted {
                    ranges.push_v6(first, first | !mask);
                }
            }
            other => {
                return Err(source_error(
                    file,
                    line,
                    format!("unknown record type {other:?}"),
                ));
            }
        }
    }
    if !seen_version {
        return Err(source_error(
            file,
            0,
            "no version line: not an RIR statistics file",
        ));
    }
    Ok(ranges)
}

/// Parses a range CSV file, one `first,last,country` per line (the ip-location-db
/// format: `1.0.16.0,1.0.31.255,JP`; IPv4 and IPv6), keeping `country`'s ranges.
pub fn parse_range_csv(file: &str, text: &str, country: CountryCode) -> Result<RangeList, Error> {
    let mut ranges = RangeList::default();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let content = raw.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let mut fields = content.split(',');
        let (Some(first), Some(last), Some(cc), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(source_error(file, line, "expected first,last,country"));
        };
        let parse = |text: &str| -> Result<IpAddr, Error> {
            text.trim()
                .parse()
                .map_err(|_| source_error(file, line, format!("{text:?} is not an address")))
        };
        let (first, last) = (parse(first)?, parse(last)?);
        match (first, last) {
            (IpAddr::V4(a), IpAddr::V4(b)) if a <= b => {
                if country.matches(cc.trim()) {
                    ranges.v4.push((u32::from(a), u32::from(b)));
                }
            }
            (IpAddr::V6(a), IpAddr::V6(b)) if a <= b => {
                if country.matches(cc.trim()) {
                    ranges.push_v6(u128::from(a), u128::from(b));
                }
            }
            _ => {
                return Err(source_error(
                    file,
                    line,
                    "first and last must be of one family, first <= last",
                ));
            }
        }
    }
    Ok(ranges)
}

/// Reads `country`'s networks from a MaxMind DB file (feature `maxminddb`): the GeoIP2 /
/// GeoLite2 Country layout (`country.iso_code`) or ip-location-db's (`country_code`).
#[cfg(feature = "maxminddb")]
pub fn parse_mmdb(file: &str, bytes: Vec<u8>, country: CountryCode) -> Result<RangeList, Error> {
    use maxminddb::{Reader, WithinOptions};
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Country<'a> {
        #[serde(borrow)]
        iso_code: Option<&'a str>,
    }
    #[derive(Deserialize)]
    struct Record<'a> {
        #[serde(borrow)]
        country: Option<Country<'a>>,
        #[serde(borrow)]
        country_code: Option<&'a str>,
    }

    let reader = Reader::from_source(bytes).map_err(|e| source_error(file, 0, e.to_string()))?;
    let mut ranges = RangeList::default();
    let networks = reader
        .networks(WithinOptions::default())
        .map_err(|e| source_error(file, 0, e.to_string()))?;
    for item in networks {
        let item = item.map_err(|e| source_error(file, 0, e.to_string()))?;
        let record: Option<Record<'_>> = item
            .decode()
            .map_err(|e| source_error(file, 0, e.to_string()))?;
        let Some(record) = record else { continue };
        let code = record
            .country
            .and_then(|c| c.iso_code)
            .or(record.country_code);
        if !code.is_some_and(|c| country.matches(c)) {
            continue;
        }
        let network = item
            .network()
            .map_err(|e| source_error(file, 0, e.to_string()))?;
        match network {
            ipnetwork::IpNetwork::V4(n) => ranges
                .v4
                .push((u32::from(n.network()), u32::from(n.broadcast()))),
            ipnetwork::IpNetwork::V6(n) => {
                let first = u128::from(n.network());
                let host_bits = 128 - u32::from(n.prefix());
                let last = if host_bits == 128 {
                    u128::MAX
                } else {
                    first | ((1u128 << host_bits) - 1)
                };
                ranges.push_v6(first, last);
            }
        }
    }
    Ok(ranges)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rir_quirks() {
        let text = "\
# comment line
2|apnic|20241204|5|19830613|20241203|+1000
apnic|*|asn|*|1|summary
apnic|*|ipv4|*|3|summary
apnic|*|ipv6|*|1|summary

apnic|JP|asn|2497|1|19970508|allocated|A92D9378
apnic|JP|ipv4|1.0.16.0|4096|20110412|allocated|A92E1062
apnic|JP|ipv4|1.0.64.0|1536|20110412|assigned
apnic|CN|ipv4|1.0.1.0|256|20110414|allocated|A92E1062
apnic|JP|ipv6|2001:200::|35|19990813|allocated|A91A3A41
afrinic|ZZ|ipv4|41.0.0.0|768||available|
ripencc||ipv4|2.56.0.0|1024||reserved|
apnic|JP|ipv4|1.1.0.0|256|20110412|reserved|A92E1062
";
        let ranges = parse_rir("delegated-apnic-extended-latest", text, CountryCode::JP).unwrap();
        let v4: Vec<(Ipv4Addr, Ipv4Addr)> = ranges
            .v4
            .iter()
            .map(|&(a, b)| (Ipv4Addr::from(a), Ipv4Addr::from(b)))
            .collect();
        assert_eq!(
            v4,
            vec![
                (Ipv4Addr::new(1, 0, 16, 0), Ipv4Addr::new(1, 0, 31, 255)),
                // 1536 addresses: not a power of two.
                (Ipv4Addr::new(1, 0, 64, 0), Ipv4Addr::new(1, 0, 69, 255)),
            ]
        );
        assert_eq!(ranges.v6.len(), 1);
        assert_eq!(
            Ipv6Addr::from(ranges.v6[0].1),
            "2001:200:1fff:ffff:ffff:ffff:ffff:ffff"
                .parse::<Ipv6Addr>()
                .unwrap()
        );
    }

    #[test]
    fn rir_errors_name_file_and_line() {
        let cases = [
            (
                "2|apnic|1|1|1|1|+0\napnic|JP|ipv4|1.0.0|256|2011|allocated\n",
                2,
                "not an IPv4 address",
            ),
            (
                "2|apnic|1|1|1|1|+0\napnic|JP|ipv4|255.255.255.0|512|2011|allocated\n",
                2,
                "leave the IPv4 space",
            ),
            (
                "2|apnic|1|1|1|1|+0\n\napnic|JP|ipv6|2001:200::1|35|2011|allocated\n",
                3,
                "host bits",
            ),
            (
                "2|apnic|1|1|1|1|+0\napnic|JP|ipv6|2001:200::|129|2011|allocated\n",
                2,
                "over 128",
            ),
            ("2|apnic|1|1|1|1|+0\napnic|JP|ipv4|1.0.0.0\n", 2, "fields"),
            (
                "2|apnic|1|1|1|1|+0\napnic|JP|ipx|1.0.0.0|1|2011|allocated\n",
                2,
                "unknown record type",
            ),
            (
                "apnic|JP|ipv4|1.0.16.0|4096|20110412|allocated\n",
                1,
                "version line",
            ),
            ("# only a comment\n", 0, "no version line"),
        ];
        for (text, line, reason) in cases {
            match parse_rir("f.txt", text, CountryCode::JP) {
                Err(Error::Source {
                    file,
                    line: got,
                    reason: why,
                }) => {
                    assert_eq!((file.as_str(), got), ("f.txt", line), "{text:?}: {why}");
                    assert!(why.contains(reason), "{text:?}: {why}");
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn range_csv() {
        let text = "1.0.16.0,1.0.31.255,JP\n1.0.32.0,1.0.63.255,CN\n2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,jp\n";
        let ranges = parse_range_csv("geo.csv", text, CountryCode::JP).unwrap();
        assert_eq!(ranges.v4.len(), 1);
        assert_eq!(ranges.v6.len(), 1);
        let err = parse_range_csv(
            "geo.csv",
            "1.0.16.0,1.0.31.255,JP\n1.0.31.255,1.0.16.0,JP\n",
            CountryCode::JP,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "geo.csv:2: first and last must be of one family, first <= last"
        );
        assert!(parse_range_csv("g", "1.0.0.0,::1,JP", CountryCode::JP).is_err());
        assert!(parse_range_csv("g", "1.0.0.0,1.0.0.1", CountryCode::JP).is_err());
    }
}
