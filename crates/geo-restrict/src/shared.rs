//! Loading the table from files, and swapping it atomically while lookups go on.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::sources::{parse_range_csv, parse_rir, read_text};
use mail_policy_ip_ranges::RangeList;

use crate::table::{CountryCode, DomesticTable};

/// The format of a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceFormat {
    /// An RIR `delegated-*-extended-latest` (or non-extended) statistics file.
    Rir,
    /// A `first,last,country` range CSV (ip-location-db).
    RangeCsv,
    /// A MaxMind DB file (feature `maxminddb`).
    Mmdb,
}

/// One source file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    /// Its path.
    pub path: PathBuf,
    /// Its format.
    pub format: SourceFormat,
}

/// Where the table comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeoSourceConfig {
    /// The domestic country: `JP`.
    #[serde(default = "japan")]
    pub country: CountryCode,
    /// The files, all of which are loaded and merged (e.g. the five RIR files).
    pub files: Vec<SourceFile>,
}

fn japan() -> CountryCode {
    CountryCode::JP
}

/// Loads every file and builds one table. All or nothing: the first malformed file stops
/// the load with its name, line and reason, and no table is built.
pub fn load_table(config: &GeoSourceConfig) -> Result<DomesticTable, Error> {
    let mut ranges = RangeList::default();
    for source in &config.files {
        ranges.extend(load_file(&source.path, source.format, config.country)?);
    }
    Ok(DomesticTable::new(config.country, ranges))
}

fn load_file(path: &Path, format: SourceFormat, country: CountryCode) -> Result<RangeList, Error> {
    let name = path.display().to_string();
    match format {
        SourceFormat::Rir => parse_rir(&name, &read_text(path)?, country),
        SourceFormat::RangeCsv => parse_range_csv(&name, &read_text(path)?, country),
        #[cfg(feature = "maxminddb")]
        SourceFormat::Mmdb => {
            let bytes = std::fs::read(path).map_err(|e| Error::Io {
                file: name.clone(),
                reason: e.to_string(),
            })?;
            crate::sources::parse_mmdb(&name, bytes, country)
        }
        #[cfg(not(feature = "maxminddb"))]
        SourceFormat::Mmdb => Err(Error::Setting {
            field: "files.format".to_owned(),
            reason: format!("{name}: MaxMind DB files need the `maxminddb` feature"),
        }),
    }
}

/// The table in use, swapped atomically on reload: lookups never wait for a reload and
/// never see a half-built table.
#[derive(Debug)]
pub struct SharedTable {
    current: ArcSwap<DomesticTable>,
}

impl SharedTable {
    /// Starts with `table`.
    pub fn new(table: DomesticTable) -> Self {
        Self {
            current: ArcSwap::from_pointee(table),
        }
    }

    /// The table now; keep the `Arc` for a whole decision.
    pub fn current(&self) -> Arc<DomesticTable> {
        self.current.load_full()
    }

    /// Replaces the table.
    pub fn replace(&self, table: DomesticTable) {
        self.current.store(Arc::new(table));
    }

    /// Loads the sources and, only if all load, replaces the table. On error the old
    /// table stays in use.
    pub fn reload(&self, config: &GeoSourceConfig) -> Result<(), Error> {
        let table = load_table(config)?;
        self.replace(table);
        Ok(())
    }
}
