//! `iscritti`: active news subscribers per topic and channel on the day the figures
//! are taken, with totals per topic, per channel and in all.

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
        "Quante persone ricevono le notizie dello sportello digitale, per argomento e per canale (Telegram, WhatsApp), alla data di rilevazione, con i totali per argomento, per canale e complessivo. Chi segue due argomenti conta in entrambi ma una volta sola nel totale del suo canale. I valori che riguardano meno di {soglia} persone non sono pubblicati, e nemmeno quelli che permetterebbero di ricavarli dai totali (colonna valori_soppressi).",
        "How many people get the digital help desk's news, per topic and per channel (Telegram, WhatsApp), on the day the figures are taken, with totals per topic, per channel and overall. Someone following two topics counts in both but once in their channel's total. Values about fewer than {soglia} people are withheld, and so are those that would let them be worked out from the totals (column valori_soppressi).",
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
            it: "Il codice dell'argomento delle notizie; «totale» nelle righe che contano ogni persona una volta.",
            en: "The news topic's code; `totale` in the rows that count each person once.",
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
            it: "Persone iscritte. Il totale di un argomento è la somma dei suoi canali; il totale di un canale conta ogni persona una volta (non è la somma degli argomenti).",
            en: "People subscribed. A topic's total is the sum of its channels; a channel's total counts each person once (it is not the sum of the topics).",
        },
    ],
};

const SUBSCRIBERS: usize = 4;

/// The table: each topic's channels then its total, then every channel's total and
/// the grand total.
pub(super) fn table(figures: &[SubscriberFigures], labels: &Labels, today: NaiveDate) -> Table {
    let mut table = Table::default();
    // Topics in key order, the totals over topics (`None`) last; within each, the
    // channels in name order, the total over channels (`None`) last.
    let mut sorted: Vec<&SubscriberFigures> = figures.iter().collect();
    sorted.sort_by(|a, b| {
        let key = |f: &SubscriberFigures| {
            (
                f.topic.is_none(),
                f.topic.clone(),
                f.channel.is_none(),
                f.channel.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    let mut groups: Vec<(Vec<usize>, usize)> = Vec::new();
    let mut channel_rows: Vec<usize> = Vec::new();
    for f in sorted {
        let row = table.rows.len();
        let (topic, name) = match &f.topic {
            Some(key) => (key.clone(), labels.topics(std::slice::from_ref(key))),
            None => (TOTAL.to_owned(), "Totale".to_owned()),
        };
        table.push(vec![
            Cell::Day(today),
            Cell::Text(topic),
            Cell::Text(name),
            Cell::Text(f.channel.clone().unwrap_or_else(|| TOTAL.to_owned())),
            Cell::Count(Count::of_people(f.subscribers)),
        ]);
        match f.channel {
            Some(_) => channel_rows.push(row),
            // Each subscriber has one channel, so over channels the totals add up;
            // over topics they do not (one person, several topics), so no sum there.
            None => groups.push((std::mem::take(&mut channel_rows), row)),
        }
    }
    sum_columns(&mut table, &groups, &[SUBSCRIBERS]);
    table
}
