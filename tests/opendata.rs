//! Open data against a real PostgreSQL: a known dataset with small cells (transcripts,
//! subscribers, deliveries, consultations inserted directly), published, then read
//! back as someone who publishes open data would: every CSV parses with its
//! documented header, small counts are withheld, no withheld value can be worked out
//! from the published totals (a checker of its own, by elimination over every sum the
//! files document), no chat id or message text appears anywhere, the DCAT-AP_IT
//! catalogue has every mandatory field, and the HTTP routes answer without a token.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use serde_json::Value;
use sportello::dialogue::{self, Dialogues, Live};
use sportello::opendata::{
    self, ALL, CATALOG_FILE, Config, INDEX_FILE, Labels, OpenDataState, Publication, Settings,
};
use sportello::store::pg::PgStore;
use sqlx::PgPool;
use tower::ServiceExt;

const BASE: &str = "https://sportello.example.it/opendata/";
const THRESHOLD: u64 = 5;
/// Words, ids and numbers that must never reach a file.
const PRIVATE: [&str; 6] = [
    "RSSMRA80A01H501U",
    "tg-1001",
    "3931234567",
    "v-01",
    "local",
    "@sportello_canale",
];

/// `expect` for the helpers too (clippy allows it only in test functions), with the
/// error in the message.
trait Must<T> {
    fn must(self, why: &str) -> T;
}

impl<T, E: std::fmt::Display> Must<T> for Result<T, E> {
    fn must(self, why: &str) -> T {
        self.unwrap_or_else(|e| panic!("{why}: {e}"))
    }
}

impl<T> Must<T> for Option<T> {
    fn must(self, why: &str) -> T {
        self.unwrap_or_else(|| panic!("{why}"))
    }
}

fn bundled() -> Arc<Dialogues> {
    let (dialogues, report) = dialogue::load(&dialogue::bundled_files());
    match dialogues {
        Some(d) => Arc::new(d),
        None => panic!("bundled dialogues do not load:\n{}", report.render_text()),
    }
}

fn config() -> Config {
    Config::try_from(Settings {
        publisher_name: Some("Ministero dell'Istruzione e del Merito".into()),
        publisher_id: Some("m_pi".into()),
        base_url: Some(BASE.into()),
        contact_email: Some("dati@example.it".into()),
        ..Settings::default()
    })
    .must("valid settings")
}

fn today() -> NaiveDate {
    "2027-01-20".parse().must("a date")
}

async fn exec(pool: &PgPool, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A citizen's message at `at` (UTC), said in `state`, with the first reply of its
/// turn (same time) in `reply`.
#[allow(clippy::too_many_arguments)]
async fn message(
    pool: &PgPool,
    (channel, chat): (&str, &str),
    at: &str,
    state: &str,
    reply: Option<&str>,
    understood: bool,
    faq: Option<&str>,
    body: &str,
) {
    sqlx::query(
        "INSERT INTO transcripts (channel, chat, direction, state, body, understood, faq, at) \
         VALUES ($1, $2, 'in', $3, $4, $5, $6, $7::timestamptz)",
    )
    .bind(channel)
    .bind(chat)
    .bind(state)
    .bind(body)
    .bind(understood)
    .bind(faq)
    .bind(at)
    .execute(pool)
    .await
    .must("message");
    if let Some(reply) = reply {
        sqlx::query(
            "INSERT INTO transcripts (channel, chat, direction, state, body, at) \
             VALUES ($1, $2, 'out', $3, 'Ecco le date…', $4::timestamptz)",
        )
        .bind(channel)
        .bind(chat)
        .bind(reply)
        .bind(at)
        .execute(pool)
        .await
        .must("reply");
    }
}

fn tg(n: u32) -> String {
    format!("tg-{n}")
}

/// The known dataset. Days are 2027-01-18 (D1) and 2027-01-19 (D2); "today" is
/// 2027-01-20.
///
/// D1: `maturita` 12 chats × 2 messages, 3 of them not understood (3 chats: small),
/// 10 FAQ answers; `ammissione` 2 chats (small), one FAQ answer; `notizie` 8 chats,
/// no reply recorded. D2: `maturita` 8 chats, 7 FAQ answers and 1 not understood
/// (small: the 7 would show it is at most 1). Plus a console chat, a message of today
/// and a private text that must not count or show.
async fn known_dataset(pool: &PgPool) {
    for n in 1001..=1012 {
        let chat = tg(n);
        let understood = n > 1003;
        message(
            pool,
            ("telegram", &chat),
            "2027-01-18T09:00:00Z",
            "main.menu",
            Some("maturita.menu"),
            understood,
            None,
            if n == 1001 {
                "Il mio codice fiscale è RSSMRA80A01H501U"
            } else {
                "esame"
            },
        )
        .await;
        let faq = (n <= 1010).then_some("maturita-date");
        message(
            pool,
            ("telegram", &chat),
            "2027-01-18T09:05:00Z",
            "maturita.menu",
            Some("maturita.menu"),
            true,
            faq,
            "quando è la prima prova?",
        )
        .await;
    }
    for (i, chat) in ["wa-3931234567", "wa-3939876543"].iter().enumerate() {
        message(
            pool,
            ("whatsapp", chat),
            "2027-01-18T10:00:00Z",
            "main.menu",
            Some("ammissione.menu"),
            true,
            (i == 0).then_some("medicina-bando"),
            "test di medicina",
        )
        .await;
    }
    for n in 2001..=2008 {
        message(
            pool,
            ("telegram", &tg(n)),
            "2027-01-18T11:00:00Z",
            "notizie.menu",
            None,
            true,
            None,
            "iscrivimi",
        )
        .await;
    }
    for n in 1001..=1008 {
        message(
            pool,
            ("telegram", &tg(n)),
            "2027-01-19T09:00:00Z",
            "main.menu",
            Some("maturita.date"),
            n < 1008,
            (n < 1008).then_some("maturita-date"),
            "date",
        )
        .await;
    }
    // Left out: staff in the terminal, and today (not a whole day yet).
    message(
        pool,
        ("console", "local"),
        "2027-01-18T09:00:00Z",
        "main.menu",
        Some("maturita.menu"),
        true,
        None,
        "prova",
    )
    .await;
    message(
        pool,
        ("telegram", &tg(1001)),
        "2027-01-20T09:00:00Z",
        "main.menu",
        Some("maturita.menu"),
        true,
        None,
        "oggi",
    )
    .await;

    // Subscribers: maturita 7 on Telegram and 2 on WhatsApp (small); universita 10
    // and 6; one blocked and one console subscriber that do not count.
    let mut subscribers = Vec::new();
    for n in 1001..=1007 {
        subscribers.push(("telegram", tg(n), "{maturita,universita}", "active"));
    }
    for n in 1008..=1010 {
        subscribers.push(("telegram", tg(n), "{universita}", "active"));
    }
    for chat in ["wa-3931234567", "wa-3939876543"] {
        subscribers.push((
            "whatsapp",
            chat.to_owned(),
            "{maturita,universita}",
            "active",
        ));
    }
    for n in 1..=4 {
        subscribers.push((
            "whatsapp",
            format!("wa-39300000{n}"),
            "{universita}",
            "active",
        ));
    }
    subscribers.push(("telegram", tg(1099), "{maturita}", "blocked"));
    subscribers.push(("console", "local".to_owned(), "{maturita}", "active"));
    for (channel, chat, topics, status) in &subscribers {
        sqlx::query(
            "INSERT INTO subscribers (channel, chat, topics, status) VALUES ($1, $2, $3::text[], $4)",
        )
        .bind(channel)
        .bind(chat)
        .bind(topics)
        .bind(status)
        .execute(pool)
        .await
        .must("subscriber");
    }

    // News: item 1 (maturita) sent to 7, failed for 1 (small), and a channel post
    // that does not count; item 2 (universita, maturita) sent to 10.
    exec(
        pool,
        "INSERT INTO news (id, key, title, body, topics, published_at) VALUES \
         (1, 'n1', 'Prima prova', 'Testo', '{maturita}', '2027-01-18T08:00:00Z'), \
         (2, 'n2', 'Bandi', 'Testo', '{universita,maturita}', '2027-01-18T08:00:00Z')",
    )
    .await;
    let delivery = |news: i64, channel: &str, recipient: &str, status: &str| {
        format!(
            "INSERT INTO outbox (news_id, channel, recipient, status, updated_at) \
             VALUES ({news}, '{channel}', '{recipient}', '{status}', '2027-01-18T12:00:00Z')"
        )
    };
    for n in 1001..=1007 {
        exec(pool, &delivery(1, "telegram", &tg(n), "sent")).await;
    }
    exec(pool, &delivery(1, "whatsapp", "wa-3931234567", "failed")).await;
    exec(pool, &delivery(1, "telegram", "@sportello_canale", "sent")).await;
    for n in 1001..=1010 {
        exec(pool, &delivery(2, "telegram", &tg(n), "sent")).await;
    }

    // Consultations: c1 closed with 9 Sì, 3 No (small), 0 Non so; c3 closed with 3
    // votes in all; c2 still open.
    exec(
        pool,
        "INSERT INTO consultations (id, key, question, options, topics, opens_at, closes_at, status, closed_at) VALUES \
         (1, 'c1', 'Ti è stato utile il calendario?', '{Sì,No,Non so}', '{maturita}', '2027-01-10T08:00:00Z', '2027-01-18T17:00:00Z', 'closed', '2027-01-18T17:00:00Z'), \
         (2, 'c2', 'Aperta', '{A,B}', '{}', '2027-01-10T08:00:00Z', '2027-02-18T17:00:00Z', 'open', NULL), \
         (3, 'c3', 'Piccola', '{A,B}', '{}', '2027-01-10T08:00:00Z', '2027-01-19T17:00:00Z', 'closed', '2027-01-19T17:00:00Z')",
    )
    .await;
    let mut voter = 0;
    for (consultation, option, votes) in [(1, 0, 9), (1, 1, 3), (2, 0, 7), (3, 0, 2), (3, 1, 1)] {
        for _ in 0..votes {
            voter += 1;
            exec(
                pool,
                &format!(
                    "INSERT INTO consultation_votes (consultation_id, voter, option) \
                     VALUES ({consultation}, 'v-{voter:02}', {option})"
                ),
            )
            .await;
        }
    }
}

async fn published(pool: &PgPool) -> Publication {
    let store = PgStore::from_pool(pool.clone());
    let labels = Labels::from_dialogues(&bundled());
    opendata::publish_from(&store, &labels, &config(), today())
        .await
        .must("published")
}

/// A CSV file as its header and rows of named fields.
struct Csv {
    header: Vec<String>,
    rows: Vec<HashMap<String, String>>,
}

fn read_csv(publication: &Publication, name: &str) -> Csv {
    let file = publication
        .file(name)
        .unwrap_or_else(|| panic!("no {name}"));
    let text = std::str::from_utf8(&file.bytes).must("UTF-8");
    assert!(!text.starts_with('\u{feff}'), "no BOM");
    assert!(text.ends_with("\r\n"), "CRLF line ends");
    let mut reader = csv::Reader::from_reader(file.bytes.as_slice());
    let header: Vec<String> = reader
        .headers()
        .must("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            let record = r.must("record");
            assert_eq!(record.len(), header.len(), "{name}: ragged row");
            header
                .iter()
                .cloned()
                .zip(record.iter().map(str::to_owned))
                .collect()
        })
        .collect();
    Csv { header, rows }
}

fn find<'a>(csv: &'a Csv, keys: &[(&str, &str)]) -> &'a HashMap<String, String> {
    csv.rows
        .iter()
        .find(|r| keys.iter().all(|(k, v)| r[*k] == *v))
        .unwrap_or_else(|| panic!("no row {keys:?}"))
}

/// One published equation `total = Σ parts`, over (row, column) cells of one file.
struct Relation {
    total: (usize, String),
    parts: Vec<(usize, String)>,
}

/// The sums each file documents, read from the files alone.
fn relations(name: &str, csv: &Csv) -> Vec<Relation> {
    // Groups rows by `key`; in each group the row whose `marker` is `totale` adds up
    // the others, in each of `columns`.
    let by = |key: &str, marker: &str, columns: &[&str]| {
        let mut groups: BTreeMap<String, (Option<usize>, Vec<usize>)> = BTreeMap::new();
        for (i, row) in csv.rows.iter().enumerate() {
            let group = groups.entry(row[key].clone()).or_default();
            if row[marker] == "totale" {
                group.0 = Some(i);
            } else {
                group.1.push(i);
            }
        }
        let mut out = Vec::new();
        for (total, parts) in groups.into_values() {
            let total = total.must("every group has a total row");
            for column in columns {
                out.push(Relation {
                    total: (total, (*column).to_owned()),
                    parts: parts.iter().map(|p| (*p, (*column).to_owned())).collect(),
                });
            }
        }
        out
    };
    match name {
        "conversazioni.csv" => by(
            "giorno",
            "argomento",
            &["messaggi", "non_capiti", "risposte_faq"],
        ),
        "notizie.csv" => by(
            "giorno",
            "argomenti",
            &["consegnate", "non_riuscite", "bloccate"],
        ),
        // Per topic over channels, and the channels' totals into the grand total.
        "iscritti.csv" => by("argomento", "canale", &["iscritti"]),
        "consultazioni.csv" => by("consultazione", "opzione", &["voti"]),
        other => panic!("{other}"),
    }
}

/// The withheld cells the relations determine, by Gaussian elimination over the
/// reals (independent of the library's own solver).
fn recoverable(csv: &Csv, relations: &[Relation]) -> Vec<(usize, String)> {
    let value = |cell: &(usize, String)| -> Option<f64> {
        let text = &csv.rows[cell.0][&cell.1];
        (!text.is_empty()).then(|| text.parse().must("a number"))
    };
    let mut unknowns: Vec<(usize, String)> = Vec::new();
    let mut rows: Vec<Vec<(usize, f64)>> = Vec::new();
    for relation in relations {
        let mut row = Vec::new();
        let mut constant = 0.0;
        for (cell, sign) in
            std::iter::once((&relation.total, 1.0)).chain(relation.parts.iter().map(|p| (p, -1.0)))
        {
            match value(cell) {
                Some(v) => constant += sign * v,
                None => {
                    let index = unknowns.iter().position(|u| u == cell).unwrap_or_else(|| {
                        unknowns.push(cell.clone());
                        unknowns.len() - 1
                    });
                    row.push((index, sign));
                }
            }
        }
        if row.is_empty() {
            assert!(
                constant.abs() < 1e-9,
                "a published total is not the sum of its parts: {:?}",
                relation.total
            );
        } else {
            rows.push(row);
        }
    }
    let n = unknowns.len();
    let mut matrix: Vec<Vec<f64>> = rows
        .iter()
        .map(|row| {
            let mut dense = vec![0.0; n];
            for (i, c) in row {
                dense[*i] += c;
            }
            dense
        })
        .collect();
    let mut rank = 0;
    for column in 0..n {
        let Some(pivot) = (rank..matrix.len()).max_by(|a, b| {
            matrix[*a][column]
                .abs()
                .total_cmp(&matrix[*b][column].abs())
        }) else {
            break;
        };
        if matrix[pivot][column].abs() < 1e-9 {
            continue;
        }
        matrix.swap(rank, pivot);
        let p = matrix[rank][column];
        for value in &mut matrix[rank] {
            *value /= p;
        }
        let pivot_row = matrix[rank].clone();
        for (r, row) in matrix.iter_mut().enumerate() {
            let factor = row[column];
            if r != rank && factor.abs() > 1e-12 {
                for (value, pivot_value) in row.iter_mut().zip(&pivot_row) {
                    *value -= factor * pivot_value;
                }
            }
        }
        rank += 1;
    }
    matrix[..rank]
        .iter()
        .filter_map(|row| {
            let nonzero: Vec<usize> = (0..n).filter(|c| row[*c].abs() > 1e-9).collect();
            (nonzero.len() == 1).then(|| unknowns[nonzero[0]].clone())
        })
        .collect()
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_known_dataset_with_small_cells_is_published_with_them_withheld(pool: PgPool) {
    known_dataset(&pool).await;
    let publication = published(&pool).await;

    let mut names: Vec<&str> = publication.files.iter().map(|f| f.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            CATALOG_FILE,
            "consultazioni.csv",
            "conversazioni.csv",
            INDEX_FILE,
            "iscritti.csv",
            "notizie.csv"
        ]
    );

    // Every file has its documented header; no private word, id or text anywhere.
    for dataset in ALL {
        let csv = read_csv(&publication, &dataset.file_name());
        let documented: Vec<&str> = dataset.header().map(|c| c.name).collect();
        assert_eq!(csv.header, documented, "{}", dataset.id);
    }
    for file in &publication.files {
        let text = String::from_utf8_lossy(&file.bytes);
        for private in PRIVATE {
            assert!(!text.contains(private), "{} shows {private}", file.name);
        }
    }

    let conversations = read_csv(&publication, "conversazioni.csv");
    let days: Vec<&str> = conversations
        .rows
        .iter()
        .map(|r| r["giorno"].as_str())
        .collect();
    assert!(
        days.iter()
            .all(|d| *d == "2027-01-18" || *d == "2027-01-19"),
        "{days:?}"
    );
    let maturita = find(
        &conversations,
        &[("giorno", "2027-01-18"), ("argomento", "maturita")],
    );
    assert_eq!(maturita["argomento_nome"], "Esame di Stato");
    assert_eq!(maturita["conversazioni"], "12");
    assert_eq!(maturita["messaggi"], "24");
    // 3 misunderstandings by 3 chats: withheld, and the rate computed from them.
    assert_eq!(maturita["non_capiti"], "");
    assert_eq!(maturita["percentuale_capiti"], "");
    assert_eq!(
        maturita["valori_soppressi"],
        "non_capiti;percentuale_capiti;risposte_faq"
    );
    let admission = find(
        &conversations,
        &[("giorno", "2027-01-18"), ("argomento", "ammissione")],
    );
    assert_eq!(admission["conversazioni"], "");
    assert_eq!(admission["messaggi"], "");
    assert_eq!(
        admission["non_capiti"], "0",
        "zero describes nobody: published"
    );
    let news_flow = find(
        &conversations,
        &[("giorno", "2027-01-18"), ("argomento", "notizie")],
    );
    assert_eq!(
        news_flow["messaggi"], "",
        "the partner that keeps the admission messages from the day's total"
    );
    assert_eq!(
        news_flow["conversazioni"], "",
        "8 people would show it is at least 8, so admission at most 2"
    );
    for row in &conversations.rows {
        assert!(
            !row["messaggi"].is_empty() || row["conversazioni"].is_empty(),
            "a withheld count of messages with its people published: {row:?}"
        );
    }
    let total = find(
        &conversations,
        &[("giorno", "2027-01-18"), ("argomento", "totale")],
    );
    assert_eq!(total["conversazioni"], "22");
    assert_eq!(total["messaggi"], "34");
    assert_eq!(total["risposte_faq"], "11");
    let second = find(
        &conversations,
        &[("giorno", "2027-01-19"), ("argomento", "maturita")],
    );
    assert_eq!(second["messaggi"], "8");
    assert_eq!(second["non_capiti"], "");
    assert_eq!(
        second["risposte_faq"], "",
        "8 messages and 7 FAQ answers would leave at most 1 misunderstood"
    );
    let second_total = find(
        &conversations,
        &[("giorno", "2027-01-19"), ("argomento", "totale")],
    );
    assert_eq!(second_total["messaggi"], "8");
    assert_eq!(
        second_total["risposte_faq"], "",
        "the FAQ answers' only partner"
    );

    let subscribers = read_csv(&publication, "iscritti.csv");
    let row = |topic: &str, channel: &str| {
        find(&subscribers, &[("argomento", topic), ("canale", channel)])["iscritti"].clone()
    };
    assert_eq!(row("maturita", "whatsapp"), "");
    assert_eq!(row("maturita", "telegram"), "");
    assert_eq!(row("maturita", "totale"), "9");
    assert_eq!(row("universita", "telegram"), "10");
    assert_eq!(row("universita", "totale"), "16");
    assert!(
        subscribers.rows.iter().all(|r| r["argomento"] != "totale"),
        "no total over topics: people follow several"
    );
    assert_eq!(
        find(
            &subscribers,
            &[("argomento", "universita"), ("canale", "totale")]
        )["argomento_nome"],
        "Università e test di ammissione"
    );

    let news = read_csv(&publication, "notizie.csv");
    let item = find(&news, &[("argomenti", "maturita")]);
    assert_eq!(item["consegnate"], "7", "the channel post does not count");
    assert_eq!(item["non_riuscite"], "");
    assert_eq!(
        find(&news, &[("argomenti", "maturita;universita")])["consegnate"],
        "10"
    );
    assert_eq!(find(&news, &[("argomenti", "totale")])["consegnate"], "17");

    let consultations = read_csv(&publication, "consultazioni.csv");
    assert!(
        consultations
            .rows
            .iter()
            .all(|r| r["consultazione"] != "c2"),
        "still open"
    );
    let option = |key: &str, label: &str| {
        find(
            &consultations,
            &[("consultazione", key), ("opzione", label)],
        )
    };
    assert_eq!(option("c1", "No")["voti"], "");
    assert_eq!(option("c1", "Sì")["voti"], "", "its partner");
    assert_eq!(option("c1", "Sì")["percentuale"], "");
    assert_eq!(option("c1", "Non so")["voti"], "0");
    assert_eq!(option("c1", "Non so")["percentuale"], "0.0");
    assert_eq!(option("c1", "Non so")["numero_opzione"], "3");
    assert_eq!(option("c1", "totale")["voti"], "12");
    assert_eq!(option("c1", "totale")["chiusa_il"], "2027-01-18");
    assert_eq!(option("c3", "totale")["voti"], "", "3 votes in all");

    // As a reader with only the files: no withheld value follows from any published
    // total; every published count is zero or at least the threshold; withheld parts
    // under a published total add up to at least the threshold, and none of them can
    // be shown to be under it by what the others must at least be (messages are at
    // least the people who wrote them).
    for dataset in ALL {
        let name = dataset.file_name();
        let csv = read_csv(&publication, &name);
        let relations = relations(&name, &csv);
        assert!(!relations.is_empty(), "{name}");
        let exposed = recoverable(&csv, &relations);
        assert!(exposed.is_empty(), "{name}: {exposed:?} can be worked out");
        for relation in &relations {
            let total = &csv.rows[relation.total.0][&relation.total.1];
            let Ok(total) = total.parse::<u64>() else {
                continue;
            };
            let published: u64 = relation
                .parts
                .iter()
                .filter_map(|(r, c)| csv.rows[*r][c].parse::<u64>().ok())
                .sum();
            let hidden = relation
                .parts
                .iter()
                .any(|(r, c)| csv.rows[*r][c].is_empty());
            assert!(
                !hidden || total - published >= THRESHOLD,
                "{name}: withheld parts of {:?} add up to {}",
                relation.total,
                total - published
            );
            let at_least = |(r, c): &(usize, String)| -> u64 {
                let people = (c == "messaggi")
                    .then(|| csv.rows[*r]["conversazioni"].parse::<u64>().ok())
                    .flatten();
                people.unwrap_or(0)
            };
            let withheld: Vec<&(usize, String)> = relation
                .parts
                .iter()
                .filter(|(r, c)| csv.rows[*r][c].is_empty())
                .collect();
            for part in &withheld {
                let others: u64 = withheld
                    .iter()
                    .filter(|o| *o != part)
                    .map(|o| at_least(o))
                    .sum();
                let at_most = (total - published).saturating_sub(others);
                assert!(
                    at_most >= THRESHOLD,
                    "{name}: {part:?} is at most {at_most} given the others"
                );
            }
        }
        if name == "conversazioni.csv" {
            // Misunderstood messages and FAQ answers are at most the messages.
            for row in &csv.rows {
                let Ok(messages) = row["messaggi"].parse::<u64>() else {
                    continue;
                };
                for (hidden, other) in [
                    ("non_capiti", "risposte_faq"),
                    ("risposte_faq", "non_capiti"),
                ] {
                    if row[hidden].is_empty() {
                        let other = row[other].parse::<u64>().unwrap_or(0);
                        assert!(
                            messages - other >= THRESHOLD,
                            "{name}: {hidden} is at most {} in {row:?}",
                            messages - other
                        );
                    }
                }
            }
        }
        for column in dataset
            .columns
            .iter()
            .filter(|c| c.kind == opendata::Kind::Integer)
        {
            for row in &csv.rows {
                if let Ok(n) = row[column.name].parse::<u64>()
                    && column.name != "numero_opzione"
                {
                    assert!(n == 0 || n >= THRESHOLD, "{name}: {} = {n}", column.name);
                }
            }
        }
    }
    for (dataset, table) in &publication.tables {
        assert!(
            opendata::recoverable(table).is_empty(),
            "{}: the library's own check",
            dataset.id
        );
    }
}

/// The node with `@id` `id` in the catalogue's graph.
fn node<'a>(graph: &'a [Value], id: &Value) -> &'a Value {
    let id = id["@id"]
        .as_str()
        .unwrap_or_else(|| panic!("not a reference: {id}"));
    graph
        .iter()
        .find(|n| n["@id"] == id)
        .unwrap_or_else(|| panic!("no node {id}"))
}

fn has_type(node: &Value, kind: &str) -> bool {
    node["@type"]
        .as_array()
        .is_some_and(|types| types.iter().any(|t| t == kind))
}

/// An Italian literal among `value`'s.
fn italian(value: &Value) -> Option<&str> {
    let all = value
        .as_array()
        .cloned()
        .unwrap_or_else(|| vec![value.clone()]);
    all.iter()
        .find(|v| v["@language"] == "it")
        .and_then(|v| v["@value"].as_str())
        .filter(|s| !s.trim().is_empty())
        .map(|_| "it")
}

fn is_date(value: &Value) -> bool {
    value["@type"] == "xsd:date"
        && value["@value"]
            .as_str()
            .is_some_and(|d| d.parse::<NaiveDate>().is_ok())
}

fn check_agent(graph: &[Value], reference: &Value, ipa: &str) {
    let agent = node(graph, reference);
    assert!(
        has_type(agent, "dcatapit:Agent") && has_type(agent, "foaf:Agent"),
        "{agent}"
    );
    assert_eq!(agent["dct:identifier"], ipa);
    assert!(italian(&agent["foaf:name"]).is_some(), "{agent}");
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn the_catalogue_has_every_mandatory_dcat_ap_it_field(pool: PgPool) {
    known_dataset(&pool).await;
    let publication = published(&pool).await;
    let catalog: Value =
        serde_json::from_slice(&publication.file(CATALOG_FILE).must("catalogue").bytes)
            .must("the catalogue is JSON");
    assert_eq!(
        catalog["@context"]["dcatapit"],
        "http://dati.gov.it/onto/dcatapit#"
    );
    assert_eq!(catalog["@context"]["dct"], "http://purl.org/dc/terms/");
    assert_eq!(catalog["@context"]["dcat"], "http://www.w3.org/ns/dcat#");
    let graph = catalog["@graph"].as_array().must("@graph").clone();

    let catalogs: Vec<&Value> = graph
        .iter()
        .filter(|n| has_type(n, "dcatapit:Catalog"))
        .collect();
    assert_eq!(catalogs.len(), 1);
    let cat = catalogs[0];
    assert!(has_type(cat, "dcat:Catalog"));
    assert!(italian(&cat["dct:title"]).is_some());
    assert!(italian(&cat["dct:description"]).is_some());
    assert!(is_date(&cat["dct:modified"]), "{}", cat["dct:modified"]);
    assert_eq!(cat["dct:modified"]["@value"], "2027-01-20");
    check_agent(&graph, &cat["dct:publisher"], "m_pi");
    let listed = cat["dcat:dataset"].as_array().must("dcat:dataset");
    assert_eq!(listed.len(), ALL.len());

    for reference in listed {
        let dataset = node(&graph, reference);
        assert!(has_type(dataset, "dcatapit:Dataset") && has_type(dataset, "dcat:Dataset"));
        let identifier = dataset["dct:identifier"].as_str().must("dct:identifier");
        let (ipa, id) = identifier.split_once(':').must("IPA:id");
        assert_eq!(ipa, "m_pi");
        assert!(id.starts_with("sportello-"), "{identifier}");
        assert!(italian(&dataset["dct:title"]).is_some(), "{identifier}");
        assert!(
            italian(&dataset["dct:description"]).is_some(),
            "{identifier}"
        );
        assert!(
            !dataset["dct:description"].to_string().contains("{soglia}"),
            "the threshold is written in"
        );
        assert!(is_date(&dataset["dct:modified"]), "{identifier}");
        let theme = dataset["dcat:theme"]["@id"].as_str().must("dcat:theme");
        assert!(theme.starts_with("http://publications.europa.eu/resource/authority/data-theme/"));
        let frequency = dataset["dct:accrualPeriodicity"]["@id"]
            .as_str()
            .must("frequency");
        assert!(
            frequency == "http://publications.europa.eu/resource/authority/frequency/DAILY"
                || frequency == "http://publications.europa.eu/resource/authority/frequency/IRREG",
            "{frequency}"
        );
        check_agent(&graph, &dataset["dct:rightsHolder"], "m_pi");
        check_agent(&graph, &dataset["dct:publisher"], "m_pi");
        assert_eq!(
            dataset["dct:language"]["@id"],
            "http://publications.europa.eu/resource/authority/language/ITA"
        );
        let temporal = &dataset["dct:temporal"];
        assert!(is_date(&temporal["schema:startDate"]) && is_date(&temporal["schema:endDate"]));
        let contact = node(&graph, &dataset["dcat:contactPoint"]);
        assert!(has_type(contact, "dcatapit:Organization"));
        assert_eq!(contact["vcard:hasEmail"]["@id"], "mailto:dati@example.it");

        let distribution = node(&graph, &dataset["dcat:distribution"]);
        assert!(has_type(distribution, "dcatapit:Distribution"));
        assert_eq!(
            distribution["dct:format"]["@id"],
            "http://publications.europa.eu/resource/authority/file-type/CSV"
        );
        let access = distribution["dcat:accessURL"]["@id"]
            .as_str()
            .must("accessURL");
        let file = access.strip_prefix(BASE).must("on the base URL");
        let published = publication
            .file(file)
            .unwrap_or_else(|| panic!("{file} is not published"));
        assert_eq!(
            distribution["dcat:byteSize"]["@value"],
            published.bytes.len().to_string()
        );
        let licence = node(&graph, &distribution["dct:license"]);
        assert_eq!(
            licence["@id"],
            "https://creativecommons.org/licenses/by/4.0/"
        );
        assert!(has_type(licence, "dcatapit:LicenseDocument"));
        assert!(italian(&licence["foaf:name"]).is_some());
    }
    let periods: Vec<(&str, &str)> = listed
        .iter()
        .map(|r| {
            let d = node(&graph, r);
            (
                d["dct:identifier"].as_str().unwrap_or_default(),
                d["dct:temporal"]["schema:startDate"]["@value"]
                    .as_str()
                    .unwrap_or_default(),
            )
        })
        .collect();
    assert!(
        periods.contains(&("m_pi:sportello-conversazioni", "2026-01-20")),
        "365 days up to yesterday: {periods:?}"
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn an_faq_answer_in_a_real_conversation_is_counted(pool: PgPool) {
    use sportello::content::ContentFile;
    use sportello::conversation::Conversation;
    use sportello::engine::{Inbound, Input};
    use sportello::store::ChatKey;

    let store = PgStore::from_pool(pool.clone());
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/content/demo.yaml");
    let text = std::fs::read_to_string(path).must("demo content");
    let content = ContentFile::parse("demo.yaml", &text, &Default::default())
        .unwrap_or_else(|e| panic!("demo content: {e:?}"));
    store.import(&content).await.must("import");
    let conversation = Conversation::new(bundled(), store.clone(), store.clone());
    for n in 0..5 {
        let inbound = Inbound {
            at: chrono::Utc::now(),
            input: Input::from_text("quando esce il bando di medicina?"),
        };
        let key = ChatKey::new("telegram", format!("faq-{n}"));
        let turn = conversation
            .turn(&key, &inbound, Some("it"))
            .await
            .must("turn");
        assert!(
            matches!(turn.outcome, sportello::engine::Outcome::Faq(_)),
            "{:?}",
            turn.outcome
        );
    }
    let recorded: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM transcripts WHERE direction = 'in' AND faq IS NOT NULL",
    )
    .fetch_one(&pool)
    .await
    .must("count");
    assert_eq!(recorded, 5);

    // Today is published tomorrow.
    let tomorrow = opendata::today().succ_opt().must("tomorrow");
    let labels = Labels::from_dialogues(&bundled());
    let publication = opendata::publish_from(&store, &labels, &config(), tomorrow)
        .await
        .must("published");
    let conversations = read_csv(&publication, "conversazioni.csv");
    let total = find(&conversations, &[("argomento", "totale")]);
    assert_eq!(total["risposte_faq"], "5");
    assert_eq!(total["messaggi"], "5");
}

async fn get(app: &axum::Router, path: &str) -> (StatusCode, String, Vec<u8>) {
    let response = app
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).must("request"))
        .await
        .must("response");
    let status = response.status();
    let kind = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .must("body")
        .to_vec();
    (status, kind, body)
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn the_routes_answer_without_a_token_and_cache_what_they_built(pool: PgPool) {
    for n in 0..6 {
        exec(
            &pool,
            &format!("INSERT INTO subscribers (channel, chat, topics) VALUES ('telegram', 'c{n}', '{{maturita}}')"),
        )
        .await;
    }
    let state = OpenDataState::new(
        PgStore::from_pool(pool.clone()),
        Live::from(bundled()),
        config(),
    );
    let app = opendata::router(state);

    for (path, kind) in [
        ("/opendata/", "text/html; charset=utf-8"),
        ("/opendata/catalogo.jsonld", "application/ld+json"),
        ("/opendata/conversazioni.csv", "text/csv; charset=utf-8"),
        ("/opendata/iscritti.csv", "text/csv; charset=utf-8"),
        ("/opendata/notizie.csv", "text/csv; charset=utf-8"),
        ("/opendata/consultazioni.csv", "text/csv; charset=utf-8"),
    ] {
        let (status, content_type, body) = get(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(content_type, kind, "{path}");
        assert!(!body.is_empty(), "{path}");
    }
    let (_, _, index) = get(&app, "/opendata/").await;
    let index = String::from_utf8(index).must("UTF-8");
    for dataset in ALL {
        assert!(
            index.contains(&format!("id=\"{}\"", dataset.id)),
            "the landing page of {}",
            dataset.id
        );
        assert!(index.contains(&format!("href=\"{}\"", dataset.file_name())));
    }
    let redirect = app
        .clone()
        .oneshot(
            Request::get("/opendata")
                .body(Body::empty())
                .must("request"),
        )
        .await
        .must("response");
    assert_eq!(redirect.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(redirect.headers()[header::LOCATION], "/opendata/");
    let (status, _, _) = get(&app, "/opendata/sessions.csv").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = get(&app, "/opendata/../admin").await;
    assert_ne!(status, StatusCode::OK);

    // Within five minutes the same files come back, whatever the database says now.
    let (_, _, before) = get(&app, "/opendata/iscritti.csv").await;
    assert!(String::from_utf8_lossy(&before).contains(",maturita,Esame di Stato,telegram,6,"));
    exec(
        &pool,
        "INSERT INTO subscribers (channel, chat, topics) VALUES ('telegram', 'c-new', '{maturita}')",
    )
    .await;
    let (_, _, after) = get(&app, "/opendata/iscritti.csv").await;
    assert_eq!(before, after);
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn opendata_export_writes_the_files_into_the_directory(pool: PgPool) {
    exec(
        &pool,
        "INSERT INTO transcripts (channel, chat, direction, state, body, at) \
         SELECT 'telegram', 'chat-' || n, 'in', 'maturita.menu', 'ciao', now() - interval '2 days' \
         FROM generate_series(1, 7) AS n",
    )
    .await;
    let url = common::url_of(&pool);
    let dir = tempfile::tempdir().must("tempdir");
    let out = dir.path().join("pubblicati");
    let output = common::sportello(
        &[
            "opendata",
            "export",
            out.to_str().must("path"),
            "--database-url",
            &url,
            "--opendata-publisher-name",
            "Comune di Prova",
            "--opendata-publisher-id",
            "c_x000",
            "--opendata-base-url",
            "https://dati.example.it/sportello",
        ],
        "",
    );
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{said}");
    assert!(said.contains("wrote 6 files"), "{said}");
    let conversations = std::fs::read_to_string(out.join("conversazioni.csv")).must("CSV");
    assert!(
        conversations.contains(",maturita,Esame di Stato,7,7,0,100.0,0,\r\n"),
        "{conversations}"
    );
    assert!(!conversations.contains("chat-"));
    let catalog: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join(CATALOG_FILE)).must("catalogue"))
            .must("JSON");
    assert!(
        catalog
            .to_string()
            .contains("https://dati.example.it/sportello/conversazioni.csv"),
        "access URLs on the base URL"
    );
    assert!(out.join(INDEX_FILE).is_file());
}

#[test]
fn opendata_export_names_the_settings_it_lacks() {
    let dir = tempfile::tempdir().must("tempdir");
    let output = common::sportello(
        &[
            "opendata",
            "export",
            dir.path().to_str().must("path"),
            "--database-url",
            "postgres://127.0.0.1:1/none",
            "--opendata-publisher-name",
            "Comune di Prova",
        ],
        "",
    );
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("SPORTELLO_OPENDATA_PUBLISHER_ID, SPORTELLO_OPENDATA_BASE_URL"),
        "{said}"
    );
}

#[test]
fn the_docs_name_every_column_and_setting() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |path: &str| std::fs::read_to_string(root.join(path)).must(path);
    let docs = read("docs/opendata.md");
    for dataset in ALL {
        assert!(
            docs.contains(&format!("`{}`", dataset.file_name())),
            "{}",
            dataset.id
        );
        for column in dataset.header() {
            assert!(
                docs.contains(&format!("| `{}` |", column.name)),
                "docs/opendata.md does not describe {}.{}",
                dataset.id,
                column.name
            );
        }
    }
    let main = read("src/main.rs");
    let settings: Vec<&str> = main
        .split("env = \"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|name| name.starts_with("SPORTELLO_OPENDATA_"))
        .collect();
    assert_eq!(settings.len(), 10, "{settings:?}");
    for setting in settings {
        assert!(docs.contains(&format!("| `{setting}` |")), "{setting}");
    }
    assert!(read("README.md").contains("docs/opendata.md"));
}

/// GETs `url` until the listener answers: its status and `Content-Type`.
async fn get_when_up(client: &reqwest::Client, url: &str) -> (u16, String) {
    for _ in 0..150 {
        if let Ok(response) = client.get(url).send().await {
            let kind = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            return (response.status().as_u16(), kind);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{url} never answered")
}

#[sqlx::test(migrations = false)]
async fn serve_publishes_the_open_data_only_when_configured(pool: PgPool) {
    use common::fake_telegram::FakeTelegram;
    use common::serve::{free_addr, serve_command, spawn, stop};

    let fake = FakeTelegram::start().await;
    let client = reqwest::Client::new();

    let listen = free_addr();
    let child = spawn(
        serve_command(&pool, &fake.url, &listen.to_string())
            .env("SPORTELLO_OPENDATA_PUBLISHER_NAME", "Comune di Prova")
            .env("SPORTELLO_OPENDATA_PUBLISHER_ID", "c_x000")
            .env(
                "SPORTELLO_OPENDATA_BASE_URL",
                "https://dati.example.it/opendata/",
            ),
    );
    let (status, kind) = get_when_up(
        &client,
        &format!("http://{listen}/opendata/catalogo.jsonld"),
    )
    .await;
    assert_eq!((status, kind.as_str()), (200, "application/ld+json"));
    let (status, kind) =
        get_when_up(&client, &format!("http://{listen}/opendata/iscritti.csv")).await;
    assert_eq!((status, kind.as_str()), (200, "text/csv; charset=utf-8"));
    stop(child).await;

    let listen = free_addr();
    let child = spawn(&mut serve_command(&pool, &fake.url, &listen.to_string()));
    let (status, _) = get_when_up(&client, &format!("http://{listen}/opendata/")).await;
    assert_eq!(status, 404, "not published without a publisher");
    let output = stop(child).await;
    assert!(output.contains("open data not published"), "{output}");

    let incomplete = serve_command(&pool, &fake.url, &free_addr().to_string())
        .env("SPORTELLO_OPENDATA_PUBLISHER_ID", "c_x000")
        .output()
        .must("serve");
    assert!(!incomplete.status.success());
    let said = String::from_utf8_lossy(&incomplete.stderr);
    assert!(
        said.contains("SPORTELLO_OPENDATA_PUBLISHER_NAME, SPORTELLO_OPENDATA_BASE_URL"),
        "{said}"
    );
}
