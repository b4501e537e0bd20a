//! `iscritti`: active news subscribers per topic and channel on the day the figures
//! are taken, with a total per topic. There is no total over topics: a person follows
//! several, so a count of distinct people would bound the small cells it covers, and
//! a sum of subscriptions would only repeat what the rows add up to.

use chrono::NaiveDate;

use super::{Column, Coverage, Dataset, Frequency, Kind, Labels, TOTAL, sum_columns};
use crate::opendata::table::{Cell, Count, Table};
use crate::store::pg::SubscriberFigures;

/// The dataset.
pub(super) const DATASET: Dataset = Dataset {
    id: "iscritti",
    title: (
        "Iscritti alle notizie dello sportello digitale, per argomento e canale",
        "News subscribers of the digital help desk, per topic and channel",
    ),
    description: (
        "Quante persone ricevono le notizie dello sportello digitale, per argomento e per canale (Telegram, WhatsApp), alla data di rilevazione, con il totale di ogni argomento. Chi segue due argomenti conta in entrambi: le righe di argomenti diversi non vanno sommate per contare le persone. I valori che riguardano meno di {soglia} persone non sono pubblicati, e nemmeno quelli che permetterebbero di ricavarli dai totali (colonna valori_soppressi).",
        "How many people get the digital help desk's news, per topic and per channel (Telegram, WhatsApp), on the day the figures are taken, with each topic's total. Someone following two topics counts in both: rows of different topics do not add up to people. Values about fewer than {soglia} people are withheld, and so are those that would let them be worked out from the totals (column valori_soppressi).",
    ),
    keywords: &[
        "sportello digitale",
        "notizie",
        "iscritti",
        "Telegram",
        "WhatsApp",
    ],
    coverage: Coverage::Today,
    frequency: Frequency::Daily,
    columns: &[
        Column {
            name: "data_rilevazione",
            kind: Kind::Date,
            it: "Il giorno in cui i dati sono stati rilevati.",
            en: "The day the figures were taken.",
        },
        Column {
            name: "argomento",
            kind: Kind::Text,
            it: "Il codice dell'argomento delle notizie.",
            en: "The news topic's code.",
        },
        Column {
            name: "argomento_nome",
            kind: Kind::Text,
            it: "Il nome dell'argomento; vuoto se non esiste più.",
            en: "The topic's name; empty when it no longer exists.",
        },
        Column {
            name: "canale",
            kind: Kind::Text,
            it: "Il canale: «telegram» o «whatsapp»; «totale» nella riga che somma i canali.",
            en: "The channel: `telegram` or `whatsapp`; `totale` in the row that adds up the channels.",
        },
        Column {
            name: "iscritti",
            kind: Kind::Integer,
            it: "Persone iscritte all'argomento. Il totale dell'argomento è la somma dei suoi canali (ognuno ha un solo canale).",
            en: "People subscribed to the topic. The topic's total is the sum of its channels (each person has one channel).",
        },
    ],
};

const SUBSCRIBERS: usize = 4;

/// The table: each topic's channels in name order, then its total.
pub(super) fn table(figures: &[SubscriberFigures], labels: &Labels, today: NaiveDate) -> Table {
    let mut table = Table::default();
    let mut sorted: Vec<&SubscriberFigures> = figures.iter().collect();
    sorted.sort_by_key(|f| (f.topic.clone(), f.channel.is_none(), f.channel.clone()));
    let mut groups: Vec<(Vec<usize>, usize)> = Vec::new();
    let mut channel_rows: Vec<usize> = Vec::new();
    for f in sorted {
        let row = table.push(vec![
            Cell::Day(today),
            Cell::Text(f.topic.clone()),
            Cell::Text(labels.topics(std::slice::from_ref(&f.topic))),
            Cell::Text(f.channel.clone().unwrap_or_else(|| TOTAL.to_owned())),
            Cell::Count(Count::of_people(f.subscribers)),
        ]);
        match f.channel {
            Some(_) => channel_rows.push(row),
            None => groups.push((std::mem::take(&mut channel_rows), row)),
        }
    }
    sum_columns(&mut table, &groups, &[SUBSCRIBERS]);
    table
}
