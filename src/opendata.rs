//! Open data about the service: aggregate figures — conversations, news subscribers,
//! news delivered, consultation results — as CSV files with a DCAT-AP_IT catalogue
//! (`catalogo.jsonld`) and an index page, written by `sportello opendata export DIR`
//! and served by `sportello serve` under `/opendata/` without a token.
//!
//! Guarantees:
//! - Only counts leave the store (`store::pg::opendata`): no chat id, phone number,
//!   name or citizen's message ever reaches a file.
//! - No published count comes from 1 to `threshold − 1` citizens (default 5), and
//!   none can be worked out from the published totals (`suppress`, checked by
//!   `solve`). Withheld cells are empty and named in the row's `valori_soppressi`.
//! - Daily datasets cover whole Italian days, up to yesterday: a published day does
//!   not change afterwards (except when transcripts pass their retention).
//!
//! Everything here but [`publish_from`] and `routes` is pure: figures in, files out.
//!
//! # Layout
//! - `table`: a dataset as typed cells, its sums and its withheld cells.
//! - `suppress`: which cells are withheld; `solve`: which withheld cells the sums
//!   would still give away.
//! - `datasets`: the four datasets — definitions and how their tables are built.
//! - `csv`, `catalog`, `index`: the files.
//! - `config`: publisher, licence, base URL, threshold.
//! - `routes`: `GET /opendata/…`, cached in memory.

mod catalog;
mod config;
mod csv;
mod datasets;
mod index;
mod routes;
mod solve;
mod suppress;
mod table;

use chrono::{Days, NaiveDate};

use crate::store::StoreError;
use crate::store::pg::{OpenDataFigures, PgStore};

pub use catalog::{CATALOG_FILE, Entry};
pub use config::{Agent, CC_BY_4_0, Config, ConfigError, DEFAULT_DAYS, Licence, Settings};
pub use datasets::{
    ALL, Column, Coverage, Dataset, Frequency, Kind, Labels, TOTAL, WITHHELD_COLUMN,
};
pub use index::INDEX_FILE;
pub use routes::{CACHE_FOR, OpenDataState, router};
pub use solve::recoverable;
pub use suppress::{DEFAULT_THRESHOLD, suppress};
pub use table::{Cell, CellId, Count, Sum, Table, Withheld};

/// Why the open data could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum OpenDataError {
    /// The figures could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file could not be written in memory.
    #[error("{0}")]
    Write(String),
}

/// The Italian days the daily datasets cover: the `days` days before `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// The first day.
    pub first: NaiveDate,
    /// The last day (yesterday).
    pub last: NaiveDate,
}

impl Period {
    /// The `days` whole days before `today` (at least one).
    pub fn before(today: NaiveDate, days: u32) -> Period {
        let last = today.pred_opt().unwrap_or(today);
        let first = last
            .checked_sub_days(Days::new(u64::from(days.max(1)) - 1))
            .unwrap_or(last);
        Period { first, last }
    }
}

/// One published file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    /// Its name, in the export directory and under `/opendata/`.
    pub name: String,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its contents.
    pub bytes: Vec<u8>,
}

/// Everything published at once: the files, and the tables they were written from.
#[derive(Debug, Clone)]
pub struct Publication {
    /// The index page, the catalogue, then one CSV per dataset.
    pub files: Vec<File>,
    /// Each dataset's table with its withheld cells.
    pub tables: Vec<(&'static Dataset, Table)>,
}

impl Publication {
    /// The file called `name`.
    pub fn file(&self, name: &str) -> Option<&File> {
        self.files.iter().find(|f| f.name == name)
    }
}

/// The open data of `figures` (read for [`Period::before`]`(today, config.days)`),
/// with small counts withheld.
pub fn publish(
    figures: &OpenDataFigures,
    labels: &Labels,
    config: &Config,
    today: NaiveDate,
) -> Result<Publication, OpenDataError> {
    let period = Period::before(today, config.days);
    let mut tables = datasets::tables(figures, labels, today);
    let mut csvs = Vec::new();
    let mut entries = Vec::new();
    for (dataset, table) in &mut tables {
        suppress(table, config.threshold);
        let bytes = csv::write(dataset, table).map_err(|e| OpenDataError::Write(e.to_string()))?;
        let (temporal, modified) = match dataset.coverage {
            Coverage::Today => ((today, today), today),
            Coverage::Closings => (
                (period.first, period.last),
                figures
                    .consultations
                    .iter()
                    .map(|c| c.closed)
                    .max()
                    .unwrap_or(today),
            ),
            Coverage::Days => ((period.first, period.last), today),
        };
        entries.push(Entry {
            dataset,
            bytes: bytes.len(),
            temporal,
            modified,
        });
        csvs.push(File {
            name: dataset.file_name(),
            content_type: "text/csv; charset=utf-8",
            bytes,
        });
    }
    let catalog = serde_json::to_vec_pretty(&catalog::catalog(config, &entries, today))
        .map_err(|e| OpenDataError::Write(e.to_string()))?;
    let mut files = vec![
        File {
            name: INDEX_FILE.to_owned(),
            content_type: "text/html; charset=utf-8",
            bytes: index::page(config, &entries).into_bytes(),
        },
        File {
            name: CATALOG_FILE.to_owned(),
            content_type: "application/ld+json",
            bytes: catalog,
        },
    ];
    files.extend(csvs);
    Ok(Publication { files, tables })
}

/// Reads the figures from `store` and publishes them: what the export command and
/// the routes both run.
pub async fn publish_from(
    store: &PgStore,
    labels: &Labels,
    config: &Config,
    today: NaiveDate,
) -> Result<Publication, OpenDataError> {
    let period = Period::before(today, config.days);
    let figures = store.open_data_figures(period.first, period.last).await?;
    publish(&figures, labels, config, today)
}

/// Today in Italy.
pub fn today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Rome)
        .date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn the_period_ends_yesterday() {
        let period = Period::before(day("2027-03-01"), 365);
        assert_eq!(period.last, day("2027-02-28"));
        assert_eq!(period.first, day("2026-03-01"));
        let one = Period::before(day("2027-03-01"), 1);
        assert_eq!(
            (one.first, one.last),
            (day("2027-02-28"), day("2027-02-28"))
        );
    }
}
