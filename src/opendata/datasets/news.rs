//! `notizie`: news deliveries to subscribers per Italian day and the items' topics,
//! with a total row per day.

use super::{Column, Coverage, Dataset, Frequency, Kind, Labels, TOTAL, sum_columns};
use crate::opendata::table::{Cell, Count, Table};
use crate::store::pg::DeliveryFigures;

/// The dataset.
pub(super) const DATASET: Dataset = Dataset {
    id: "notizie",
    title: (
        "Notizie consegnate dallo sportello digitale, per giorno e argomento",
        "News delivered by the digital help desk, per day and topic",
    ),
    description: (
        "Per ogni giorno (ora italiana) e per gli argomenti delle notizie: quante consegne agli iscritti sono riuscite, quante sono fallite e quante non sono partite perché la persona aveva bloccato lo sportello, con una riga «totale» per giorno. Non comprende i messaggi pubblicati nei canali Telegram. I valori che riguardano meno di {soglia} persone non sono pubblicati, e nemmeno quelli che permetterebbero di ricavarli dai totali (colonna valori_soppressi).",
        "Per day (Italian time) and the news items' topics: how many deliveries to subscribers succeeded, how many failed and how many were not sent because the person had blocked the help desk, with a «totale» row per day. Posts to Telegram channels are not included. Values about fewer than {soglia} people are withheld, and so are those that would let them be worked out from the totals (column valori_soppressi).",
    ),
    keywords: &[
        "sportello digitale",
        "notizie",
        "comunicazione istituzionale",
    ],
    coverage: Coverage::Days,
    frequency: Frequency::Daily,
    columns: &[
        Column {
            name: "giorno",
            kind: Kind::Date,
            it: "Il giorno in cui la consegna si è conclusa, in ora italiana.",
            en: "The day the delivery ended, Italian time.",
        },
        Column {
            name: "argomenti",
            kind: Kind::Text,
            it: "I codici degli argomenti della notizia, in ordine alfabetico e separati da «;» (una notizia su due argomenti conta una volta, nella sua combinazione); «totale» nella riga che somma il giorno.",
            en: "The codes of the news item's topics, sorted and separated by `;` (an item about two topics counts once, under its combination); `totale` in the row that adds up the day.",
        },
        Column {
            name: "argomenti_nomi",
            kind: Kind::Text,
            it: "I nomi degli argomenti, separati da «; ».",
            en: "The topics' names, separated by `; `.",
        },
        Column {
            name: "consegnate",
            kind: Kind::Integer,
            it: "Consegne riuscite. Il totale del giorno è la somma delle righe.",
            en: "Deliveries that succeeded. The day's total is the sum of the rows.",
        },
        Column {
            name: "non_riuscite",
            kind: Kind::Integer,
            it: "Consegne fallite dopo tutti i tentativi. Il totale del giorno è la somma delle righe.",
            en: "Deliveries that failed after every retry. The day's total is the sum of the rows.",
        },
        Column {
            name: "bloccate",
            kind: Kind::Integer,
            it: "Consegne non partite perché la persona aveva bloccato lo sportello. Il totale del giorno è la somma delle righe.",
            en: "Deliveries not sent because the person had blocked the help desk. The day's total is the sum of the rows.",
        },
    ],
};

const SENT: usize = 3;
const FAILED: usize = 4;
const BLOCKED: usize = 5;

/// The table: `figures` come ordered by day, each day's topic sets then its total.
pub(super) fn table(figures: &[DeliveryFigures], labels: &Labels) -> Table {
    let mut table = Table::default();
    let mut groups: Vec<(Vec<usize>, usize)> = Vec::new();
    let mut topic_rows: Vec<usize> = Vec::new();
    let count = |(value, people): (u64, u64)| Cell::Count(Count { value, people });
    for f in figures {
        let row = table.rows.len();
        let (topics, names) = match &f.topics {
            Some(keys) => (keys.join(";"), labels.topics(keys)),
            None => (TOTAL.to_owned(), "Totale".to_owned()),
        };
        table.push(vec![
            Cell::Day(f.day),
            Cell::Text(topics),
            Cell::Text(names),
            count(f.sent),
            count(f.failed),
            count(f.blocked),
        ]);
        match f.topics {
            Some(_) => topic_rows.push(row),
            None => groups.push((std::mem::take(&mut topic_rows), row)),
        }
    }
    sum_columns(&mut table, &groups, &[SENT, FAILED, BLOCKED]);
    table
}
