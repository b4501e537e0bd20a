//! `consultazioni`: the results of closed consultations, one row per option and a
//! total row per consultation.

use super::{Column, Coverage, Dataset, Frequency, Kind, TOTAL};
use crate::opendata::table::{Cell, CellId, Count, Sum, Table, percent};
use crate::store::pg::ConsultationFigures;

/// The dataset.
pub(super) const DATASET: Dataset = Dataset {
    id: "consultazioni",
    title: (
        "Risultati delle consultazioni dello sportello digitale",
        "Results of the digital help desk's consultations",
    ),
    description: (
        "Per ogni consultazione chiusa: la domanda posta agli iscritti, le opzioni, i voti e la percentuale di ciascuna, con una riga «totale» per consultazione. Ogni persona vota una volta; i voti non sono collegati a chi li ha dati. I valori che riguardano meno di {soglia} persone non sono pubblicati, e nemmeno quelli che permetterebbero di ricavarli dal totale (colonna valori_soppressi).",
        "For each closed consultation: the question put to subscribers, the options, the votes and the share of each, with a «totale» row per consultation. Each person votes once; votes are not linked to who cast them. Values about fewer than {soglia} people are withheld, and so are those that would let them be worked out from the total (column valori_soppressi).",
    ),
    keywords: &["sportello digitale", "consultazioni", "partecipazione"],
    coverage: Coverage::Closings,
    frequency: Frequency::Irregular,
    columns: &[
        Column {
            name: "consultazione",
            kind: Kind::Text,
            it: "Il codice della consultazione.",
            en: "The consultation's code.",
        },
        Column {
            name: "domanda",
            kind: Kind::Text,
            it: "La domanda posta.",
            en: "The question asked.",
        },
        Column {
            name: "argomenti",
            kind: Kind::Text,
            it: "I codici degli argomenti i cui iscritti sono stati interpellati, separati da «;»; vuoto: tutti gli iscritti.",
            en: "The codes of the topics whose subscribers were asked, separated by `;`; empty: every subscriber.",
        },
        Column {
            name: "aperta_il",
            kind: Kind::Date,
            it: "Il giorno di apertura, in ora italiana.",
            en: "The day it opened, Italian time.",
        },
        Column {
            name: "chiusa_il",
            kind: Kind::Date,
            it: "Il giorno di chiusura, in ora italiana.",
            en: "The day it closed, Italian time.",
        },
        Column {
            name: "numero_opzione",
            kind: Kind::Integer,
            it: "Il numero dell'opzione, da 1, nell'ordine in cui è stata proposta; vuoto nella riga del totale.",
            en: "The option's number, from 1, in the order it was offered; empty in the total row.",
        },
        Column {
            name: "opzione",
            kind: Kind::Text,
            it: "Il testo dell'opzione; «totale» nella riga che somma i voti.",
            en: "The option's text; `totale` in the row that adds up the votes.",
        },
        Column {
            name: "voti",
            kind: Kind::Integer,
            it: "I voti ricevuti; nella riga del totale, la loro somma.",
            en: "The votes it received; in the total row, their sum.",
        },
        Column {
            name: "percentuale",
            kind: Kind::Decimal,
            it: "La quota dei voti della consultazione, da 0 a 100.",
            en: "Its share of the consultation's votes, 0 to 100.",
        },
    ],
};

const VOTES: usize = 7;

/// The table: each consultation's options in order, then its total.
pub(super) fn table(figures: &[ConsultationFigures]) -> Table {
    let mut table = Table::default();
    for c in figures {
        let total: u64 = c.options.iter().map(|(_, votes)| votes).sum();
        let first = table.rows.len();
        let total_row = first + c.options.len();
        let total_cell = CellId {
            row: total_row,
            column: VOTES,
        };
        let mut row_of = |number: Option<u64>, label: &str, votes: u64| {
            let row = table.rows.len();
            table.push(vec![
                Cell::Text(c.key.clone()),
                Cell::Text(c.question.clone()),
                Cell::Text(c.topics.join(";")),
                Cell::Day(c.opened),
                Cell::Day(c.closed),
                Cell::Ordinal(number),
                Cell::Text(label.to_owned()),
                Cell::Count(Count::of_people(votes)),
                Cell::Percent {
                    value: percent(votes, total),
                    from: vec![CellId { row, column: VOTES }, total_cell],
                },
            ]);
        };
        for ((label, votes), number) in c.options.iter().zip(1..) {
            row_of(Some(number), label, *votes);
        }
        row_of(None, TOTAL, total);
        table.sums.push(Sum {
            total: total_cell,
            parts: (first..total_row)
                .map(|row| CellId { row, column: VOTES })
                .collect(),
        });
    }
    table
}
