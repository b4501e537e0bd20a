//! The four datasets: what each is (titles, descriptions, columns, how often it
//! changes) and how its table is built from the store's aggregates. The catalogue,
//! the CSV header, the index page and docs/opendata.md all read these definitions.
//!
//! Column names are Italian `snake_case`, as Italian open data usually are; total
//! rows carry [`TOTAL`] in their label column.

mod consultations;
mod conversations;
mod news;
mod subscribers;

use std::collections::BTreeMap;

use crate::dialogue::Dialogues;
use crate::store::pg::OpenDataFigures;

use super::table::Table;

/// The label of total rows (in the topic, channel or option column).
pub const TOTAL: &str = "totale";

/// The column every CSV ends with: the names of the row's withheld columns.
pub const WITHHELD_COLUMN: Column = Column {
    name: "valori_soppressi",
    kind: Kind::Text,
    it: "Le colonne di questa riga il cui valore non è pubblicato per tutelare la riservatezza (separate da «;»); vuota se la riga è completa.",
    en: "The columns of this row whose value is withheld to protect privacy (separated by `;`); empty when the row is complete.",
};

/// One published dataset.
#[derive(Debug)]
pub struct Dataset {
    /// Its identifier: the file is `<id>.csv`; the catalogue's `dct:identifier` is
    /// `<IPA code>:sportello-<id>`.
    pub id: &'static str,
    /// Title, in Italian and in English.
    pub title: (&'static str, &'static str),
    /// Description, in Italian and in English; `{soglia}` stands for the threshold.
    pub description: (&'static str, &'static str),
    /// Italian keywords (`dcat:keyword`).
    pub keywords: &'static [&'static str],
    /// How often it changes.
    pub frequency: Frequency,
    /// Which days its figures cover.
    pub coverage: Coverage,
    /// Its columns, in order (without [`WITHHELD_COLUMN`], which every file adds).
    pub columns: &'static [Column],
}

impl Dataset {
    /// The CSV file's name.
    pub fn file_name(&self) -> String {
        format!("{}.csv", self.id)
    }

    /// Every column of the file, [`WITHHELD_COLUMN`] last.
    pub fn header(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().chain(std::iter::once(&WITHHELD_COLUMN))
    }
}

/// How often a dataset changes, from the EU frequency vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    /// A new day each day.
    Daily,
    /// When something happens (a consultation closes).
    Irregular,
}

impl Frequency {
    /// Its URI in `http://publications.europa.eu/resource/authority/frequency`.
    pub fn uri(self) -> &'static str {
        match self {
            Frequency::Daily => "http://publications.europa.eu/resource/authority/frequency/DAILY",
            Frequency::Irregular => {
                "http://publications.europa.eu/resource/authority/frequency/IRREG"
            }
        }
    }
}

/// Which days a dataset's figures cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// Each day of the period; changed today.
    Days,
    /// Today only (a count taken now); changed today.
    Today,
    /// Events of the period (consultations closing); changed on the latest.
    Closings,
}

/// One column of a dataset.
#[derive(Debug)]
pub struct Column {
    /// Its header, Italian `snake_case`.
    pub name: &'static str,
    /// What its values are.
    pub kind: Kind,
    /// What it holds, in Italian.
    pub it: &'static str,
    /// What it holds, in English.
    pub en: &'static str,
}

/// The type of a column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `YYYY-MM-DD`, Italian time.
    Date,
    /// Free text (UTF-8).
    Text,
    /// A whole number ≥ 0; empty when withheld.
    Integer,
    /// A number with one decimal and `.` as separator; empty when withheld.
    Decimal,
}

impl Kind {
    /// Its name in the docs and the index page.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Date => "data (AAAA-MM-GG)",
            Kind::Text => "testo",
            Kind::Integer => "intero",
            Kind::Decimal => "decimale",
        }
    }
}

/// Every dataset, in the order they are listed.
pub const ALL: [&Dataset; 4] = [
    &conversations::DATASET,
    &subscribers::DATASET,
    &news::DATASET,
    &consultations::DATASET,
];

/// Human names for the keys the figures carry: flow titles and topic names, in
/// Italian (else the dialogues' default language).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Labels {
    /// Flow name → title.
    pub flows: BTreeMap<String, String>,
    /// Topic key → name.
    pub topics: BTreeMap<String, String>,
}

impl Labels {
    /// The titles and names the dialogues declare.
    pub fn from_dialogues(d: &Dialogues) -> Labels {
        let fallback = d.settings.default_lang.as_str();
        let flows = d
            .flows
            .iter()
            .filter_map(|f| {
                let title = f.title.as_ref()?.get("it", fallback);
                (!title.is_empty()).then(|| (f.name.clone(), title.to_owned()))
            })
            .collect();
        let topics = d
            .settings
            .topics
            .iter()
            .map(|t| (t.key.clone(), t.name.get("it", fallback).to_owned()))
            .filter(|(_, name)| !name.is_empty())
            .collect();
        Labels { flows, topics }
    }

    /// A flow's title; empty when the dialogues no longer have it.
    fn flow(&self, name: &str) -> String {
        self.flows.get(name).cloned().unwrap_or_default()
    }

    /// Topics' names, `; ` between them; an unknown topic's name is empty.
    fn topics(&self, keys: &[String]) -> String {
        keys.iter()
            .map(|k| self.topics.get(k).map_or("", String::as_str))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Every dataset's table, before suppression, in [`ALL`]'s order.
pub(super) fn tables(
    figures: &OpenDataFigures,
    labels: &Labels,
    today: chrono::NaiveDate,
) -> Vec<(&'static Dataset, Table)> {
    vec![
        (
            &conversations::DATASET,
            conversations::table(&figures.conversations, labels),
        ),
        (
            &subscribers::DATASET,
            subscribers::table(&figures.subscribers, labels, today),
        ),
        (&news::DATASET, news::table(&figures.deliveries, labels)),
        (
            &consultations::DATASET,
            consultations::table(&figures.consultations),
        ),
    ]
}

/// Adds, for each group of rows with a total row, one sum per column in `columns`:
/// the total row's cell is the sum of the group's other cells.
fn sum_columns(table: &mut Table, groups: &[(Vec<usize>, usize)], columns: &[usize]) {
    use super::table::{CellId, Sum};
    for (parts, total) in groups {
        for &column in columns {
            table.sums.push(Sum {
                total: CellId {
                    row: *total,
                    column,
                },
                parts: parts.iter().map(|&row| CellId { row, column }).collect(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_are_snake_case_and_unique_per_dataset() {
        for dataset in ALL {
            let names: Vec<&str> = dataset.header().map(|c| c.name).collect();
            let mut unique = names.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), names.len(), "{}", dataset.id);
            for name in names {
                assert!(
                    name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn dataset_ids_are_unique() {
        let mut ids: Vec<&str> = ALL.iter().map(|d| d.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len());
    }
}
