//! A table as a CSV file: UTF-8 without BOM, comma-separated, CRLF line ends and
//! quotes only where RFC 4180 needs them, a header row of the dataset's column
//! names, dates as `YYYY-MM-DD`, decimals with one digit after a `.`. A withheld cell
//! is empty, and the row's last column (`valori_soppressi`) names it, so an empty
//! cell is never mistaken for a zero or for a missing value.

use super::datasets::Dataset;
use super::table::{Cell, CellId, Table};

/// Writing a CSV into memory failed (it cannot, short of running out of memory).
#[derive(Debug, thiserror::Error)]
#[error("cannot write the CSV: {0}")]
pub(super) struct CsvError(String);

/// The CSV file of `table`, whose rows follow `dataset`'s columns.
pub(super) fn write(dataset: &Dataset, table: &Table) -> Result<Vec<u8>, CsvError> {
    let mut out = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let failed = |e: ::csv::Error| CsvError(e.to_string());
    out.write_record(dataset.header().map(|c| c.name))
        .map_err(failed)?;
    for (r, row) in table.rows.iter().enumerate() {
        let mut fields: Vec<String> = Vec::with_capacity(row.len() + 1);
        let mut withheld: Vec<&str> = Vec::new();
        for (c, cell) in row.iter().enumerate() {
            if table.is_withheld(CellId { row: r, column: c }) {
                fields.push(String::new());
                withheld.extend(dataset.columns.get(c).map(|column| column.name));
            } else {
                fields.push(field(cell));
            }
        }
        fields.push(withheld.join(";"));
        out.write_record(&fields).map_err(failed)?;
    }
    out.into_inner().map_err(|e| CsvError(e.to_string()))
}

fn field(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => text.clone(),
        Cell::Day(day) => day.format("%Y-%m-%d").to_string(),
        Cell::Ordinal(number) => number.map(|n| n.to_string()).unwrap_or_default(),
        Cell::Count(count) => count.value.to_string(),
        Cell::Percent { value, .. } => value.map(|v| format!("{v:.1}")).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::opendata::datasets::{Column, Coverage, Frequency, Kind};
    use crate::opendata::table::{Count, Withheld};

    const DATASET: Dataset = Dataset {
        id: "prova",
        title: ("Prova", "Test"),
        description: ("Prova", "Test"),
        keywords: &[],
        frequency: Frequency::Daily,
        coverage: Coverage::Days,
        columns: &[
            Column {
                name: "giorno",
                kind: Kind::Date,
                it: "",
                en: "",
            },
            Column {
                name: "nome",
                kind: Kind::Text,
                it: "",
                en: "",
            },
            Column {
                name: "numero",
                kind: Kind::Integer,
                it: "",
                en: "",
            },
            Column {
                name: "quota",
                kind: Kind::Decimal,
                it: "",
                en: "",
            },
        ],
    };

    fn row(name: &str, n: u64, share: Option<f64>) -> Vec<Cell> {
        vec![
            Cell::Day(NaiveDate::from_ymd_opt(2027, 1, 9).unwrap_or_default()),
            Cell::Text(name.to_owned()),
            Cell::Count(Count::of_people(n)),
            Cell::Percent {
                value: share,
                from: Vec::new(),
            },
        ]
    }

    #[test]
    fn writes_rfc_4180_with_iso_dates_and_one_decimal() {
        let mut table = Table::default();
        table.push(row("Esame di Stato, \"maturità\"", 12, Some(87.5)));
        table.push(row("senza quota", 0, None));
        let text = String::from_utf8(write(&DATASET, &table).unwrap()).unwrap();
        assert_eq!(
            text,
            "giorno,nome,numero,quota,valori_soppressi\r\n\
             2027-01-09,\"Esame di Stato, \"\"maturità\"\"\",12,87.5,\r\n\
             2027-01-09,senza quota,0,,\r\n"
        );
    }

    #[test]
    fn withheld_cells_are_empty_and_named_in_the_last_column() {
        let mut table = Table::default();
        table.push(row("a", 3, Some(50.0)));
        table
            .withheld
            .insert(CellId { row: 0, column: 2 }, Withheld::Small);
        table
            .withheld
            .insert(CellId { row: 0, column: 3 }, Withheld::Derived);
        let text = String::from_utf8(write(&DATASET, &table).unwrap()).unwrap();
        assert!(
            text.ends_with("\r\n2027-01-09,a,,,numero;quota\r\n"),
            "{text}"
        );
    }
}
