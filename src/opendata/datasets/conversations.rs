//! `conversazioni`: citizen messages per Italian day and topic (the dialogue flow
//! they were about), with a total row per day.

use super::{Column, Coverage, Dataset, Frequency, Kind, Labels, TOTAL, sum_columns};
use crate::opendata::table::{Cell, CellId, Count, Sum, Table, percent};
use crate::store::pg::ConversationFigures;

/// The dataset.
pub(super) const DATASET: Dataset = Dataset {
    id: "conversazioni",
    title: (
        "Conversazioni con lo sportello digitale, per giorno e argomento",
        "Conversations with the digital help desk, per day and topic",
    ),
    description: (
        "Per ogni giorno (ora italiana) e argomento: quante persone hanno scritto allo sportello digitale (l'assistente automatico su Telegram e WhatsApp), quanti messaggi hanno inviato, quanti l'assistente non ha capito, la percentuale di messaggi capiti e quanti hanno avuto risposta da una domanda frequente (FAQ), con una riga «totale» per giorno. L'argomento è il percorso di dialogo di cui il messaggio parlava. I valori che riguardano meno di {soglia} persone non sono pubblicati, e nemmeno quelli che permetterebbero di ricavarli dai totali (colonna valori_soppressi). Nessun messaggio, nome o numero di telefono è pubblicato.",
        "Per day (Italian time) and topic: how many people wrote to the digital help desk (the automated assistant on Telegram and WhatsApp), how many messages they sent, how many the assistant did not understand, the share of messages understood and how many were answered by a frequently asked question (FAQ), with a «totale» row per day. The topic is the dialogue flow the message was about. Values about fewer than {soglia} people are withheld, and so are those that would let them be worked out from the totals (column valori_soppressi). No message, name or phone number is published.",
    ),
    keywords: &[
        "sportello digitale",
        "chatbot",
        "assistenza ai cittadini",
        "servizi digitali",
    ],
    coverage: Coverage::Days,
    frequency: Frequency::Daily,
    columns: &[
        Column {
            name: "giorno",
            kind: Kind::Date,
            it: "Il giorno, in ora italiana.",
            en: "The day, Italian time.",
        },
        Column {
            name: "argomento",
            kind: Kind::Text,
            it: "Il codice del percorso di dialogo (per esempio «maturita»); «totale» nella riga che somma il giorno.",
            en: "The dialogue flow's code (e.g. `maturita`); `totale` in the row that adds up the day.",
        },
        Column {
            name: "argomento_nome",
            kind: Kind::Text,
            it: "Il titolo del percorso; vuoto se non ne ha più uno.",
            en: "The flow's title; empty when it no longer has one.",
        },
        Column {
            name: "conversazioni",
            kind: Kind::Integer,
            it: "Persone che hanno scritto quel giorno su quell'argomento. Chi ha scritto su due argomenti conta in entrambi e una volta sola nel totale del giorno, che quindi non è la somma delle righe.",
            en: "People who wrote that day about that topic. Someone who wrote about two topics counts in both and once in the day's total, which is therefore not the sum of the rows.",
        },
        Column {
            name: "messaggi",
            kind: Kind::Integer,
            it: "Messaggi delle persone: testo scritto, pulsanti premuti, comandi. Il totale del giorno è la somma delle righe.",
            en: "Messages from people: typed text, buttons pressed, commands. The day's total is the sum of the rows.",
        },
        Column {
            name: "non_capiti",
            kind: Kind::Integer,
            it: "Messaggi che l'assistente non ha capito (ha risposto «non ho capito»). Il totale del giorno è la somma delle righe.",
            en: "Messages the assistant did not understand (it answered «non ho capito»). The day's total is the sum of the rows.",
        },
        Column {
            name: "percentuale_capiti",
            kind: Kind::Decimal,
            it: "Quota dei messaggi capiti, da 0 a 100: (messaggi − non_capiti) / messaggi × 100.",
            en: "Share of messages understood, 0 to 100: (messaggi − non_capiti) / messaggi × 100.",
        },
        Column {
            name: "risposte_faq",
            kind: Kind::Integer,
            it: "Messaggi a cui ha risposto una domanda frequente (FAQ). Il totale del giorno è la somma delle righe.",
            en: "Messages answered by a frequently asked question (FAQ). The day's total is the sum of the rows.",
        },
    ],
};

const CONVERSATIONS: usize = 3;
const MESSAGES: usize = 4;
const FALLBACKS: usize = 5;
const FAQ_ANSWERS: usize = 7;

/// The table: `figures` come ordered by day, each day's topics then its total.
pub(super) fn table(figures: &[ConversationFigures], labels: &Labels) -> Table {
    let mut table = Table::default();
    let mut groups: Vec<(Vec<usize>, usize)> = Vec::new();
    let mut topic_rows: Vec<usize> = Vec::new();
    for f in figures {
        let row = table.rows.len();
        let at = |column| CellId { row, column };
        let (topic, name) = match &f.topic {
            Some(topic) => (topic.clone(), labels.flow(topic)),
            None => (TOTAL.to_owned(), "Totale".to_owned()),
        };
        table.push(vec![
            Cell::Day(f.day),
            Cell::Text(topic),
            Cell::Text(name),
            Cell::Count(Count::of_people(f.chats)),
            Cell::Count(Count {
                value: f.messages,
                people: f.chats,
            }),
            Cell::Count(Count {
                value: f.fallbacks,
                people: f.fallback_chats,
            }),
            Cell::Percent {
                value: percent(f.messages.saturating_sub(f.fallbacks), f.messages),
                from: vec![at(MESSAGES), at(FALLBACKS)],
            },
            Cell::Count(Count {
                value: f.faq_answers,
                people: f.faq_chats,
            }),
        ]);
        table.people_of.push((at(MESSAGES), at(CONVERSATIONS)));
        // An FAQ answer is understood: the two never count one message twice.
        table.bounds.push(Sum {
            total: at(MESSAGES),
            parts: vec![at(FALLBACKS), at(FAQ_ANSWERS)],
        });
        match f.topic {
            Some(_) => topic_rows.push(row),
            None => groups.push((std::mem::take(&mut topic_rows), row)),
        }
    }
    sum_columns(&mut table, &groups, &[MESSAGES, FALLBACKS, FAQ_ANSWERS]);
    table
}
