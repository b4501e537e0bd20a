//! `/console`: the service at a glance — conversations per day, the understood rate,
//! answers per topic, subscribers per topic and channel, deliveries and tickets —
//! each a table with a chart, and each table as CSV (`/console/stats/{name}.csv`).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use minijinja::{Value, context};

use super::charts;
use super::web::{ConsoleError, ConsoleState, Staff, pick};

/// Days the daily tables cover.
const DAYS: i32 = 14;

pub(super) fn routes() -> Router<ConsoleState> {
    Router::new().route("/console/stats/{name}", get(csv))
}

/// One table of figures, shown as HTML and downloadable as CSV.
#[derive(Debug)]
struct Table {
    /// Its name in the CSV address.
    name: &'static str,
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    /// The column its chart draws.
    chart_column: usize,
}

impl Table {
    fn new(
        name: &'static str,
        title: &str,
        headers: &[&str],
        rows: Vec<Vec<String>>,
        chart_column: usize,
    ) -> Table {
        Table {
            name,
            title: title.to_owned(),
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows,
            chart_column,
        }
    }

    /// The chart of the chart column, as SVG (drawn only for the page, not the CSV).
    fn chart(&self) -> String {
        let bars: Vec<charts::Bar> = self
            .rows
            .iter()
            .map(|r| {
                let label = r.first().cloned().unwrap_or_default();
                let shown = r.get(self.chart_column).cloned().unwrap_or_default();
                let value = shown.trim_end_matches('%').parse().unwrap_or(0.0);
                (label, value, shown)
            })
            .collect();
        charts::bars(&self.title, &bars)
    }

    fn csv(&self) -> Result<String, ConsoleError> {
        let mut out = csv::Writer::from_writer(Vec::new());
        let failed = |e: csv::Error| ConsoleError::Internal(format!("csv: {e}"));
        out.write_record(&self.headers).map_err(failed)?;
        for row in &self.rows {
            out.write_record(row).map_err(failed)?;
        }
        let bytes = out
            .into_inner()
            .map_err(|e| ConsoleError::Internal(format!("csv: {e}")))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

fn day(d: NaiveDate) -> String {
    d.format("%d/%m").to_string()
}

/// Every table, in the page language.
async fn tables(state: &ConsoleState, lang: &str) -> Result<Vec<Table>, ConsoleError> {
    let pool = state.pool();
    let t = |it: &'static str, en: &'static str| pick(lang, it, en);

    let days: Vec<(NaiveDate, i64, i64, i64)> = sqlx::query_as(
        "SELECT (at AT TIME ZONE 'Europe/Rome')::date AS day, \
                count(DISTINCT (channel, chat)), count(*), count(*) FILTER (WHERE understood) \
         FROM transcripts WHERE direction = 'in' AND at > now() - make_interval(days => $1) \
         GROUP BY 1 ORDER BY 1",
    )
    .bind(DAYS)
    .fetch_all(pool)
    .await?;
    let rate = |messages: i64, understood: i64| {
        let share = if messages > 0 {
            understood as f64 * 100.0 / messages as f64
        } else {
            0.0
        };
        format!("{share:.0}%")
    };
    let conversations = days
        .iter()
        .map(|(d, chats, messages, understood)| {
            vec![
                day(*d),
                chats.to_string(),
                messages.to_string(),
                rate(*messages, *understood),
            ]
        })
        .collect();
    let understood_rows: Vec<Vec<String>> = days
        .iter()
        .map(|(d, _, messages, understood)| vec![day(*d), rate(*messages, *understood)])
        .collect();

    let topics: Vec<(String, i64)> = sqlx::query_as(
        "SELECT split_part(state, '.', 1), count(*) FROM transcripts \
         WHERE direction = 'out' AND at > now() - make_interval(days => $1) \
         GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20",
    )
    .bind(DAYS)
    .fetch_all(pool)
    .await?;
    let d = state.live().get();
    // Flows by the title citizens see, where they have one.
    let topic_rows = topics
        .into_iter()
        .map(|(flow, n)| {
            let title = d
                .flows
                .iter()
                .find(|f| f.name == flow)
                .and_then(|f| f.title.as_ref())
                .map(|t| t.get(lang, &d.settings.default_lang).to_owned())
                .filter(|t| !t.is_empty());
            vec![title.unwrap_or(flow), n.to_string()]
        })
        .collect();

    let mut subscriber_rows: Vec<Vec<String>> = Vec::new();
    for group in state.store().subscriber_groups().await? {
        if group.status != "active" {
            continue;
        }
        let topic = match &group.topic {
            Some(key) => d
                .settings
                .topics
                .iter()
                .find(|t| &t.key == key)
                .map_or_else(
                    || key.clone(),
                    |t| t.name.get(lang, &d.settings.default_lang).to_owned(),
                ),
            None => t("tutti", "all").to_owned(),
        };
        subscriber_rows.push(vec![topic, group.channel, group.count.to_string()]);
    }

    let deliveries: Vec<(NaiveDate, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT (updated_at AT TIME ZONE 'Europe/Rome')::date, \
                count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status = 'failed'), \
                count(*) FILTER (WHERE status = 'blocked'), \
                count(*) FILTER (WHERE status IN ('queued', 'sending')) \
         FROM outbox WHERE updated_at > now() - make_interval(days => $1) GROUP BY 1 ORDER BY 1",
    )
    .bind(DAYS)
    .fetch_all(pool)
    .await?;
    let delivery_rows = deliveries
        .into_iter()
        .map(|(d, sent, failed, blocked, queued)| {
            vec![
                day(d),
                sent.to_string(),
                failed.to_string(),
                blocked.to_string(),
                queued.to_string(),
            ]
        })
        .collect();

    let tickets: Vec<(String, i64, i64, Option<f64>)> = sqlx::query_as(
        "SELECT queue, count(*) FILTER (WHERE status <> 'closed'), count(*), \
                (avg(extract(epoch FROM first_reply_at - opened_at)) / 60)::float8 \
         FROM tickets WHERE opened_at > now() - make_interval(days => $1) \
         GROUP BY queue ORDER BY queue",
    )
    .bind(DAYS)
    .fetch_all(pool)
    .await?;
    let ticket_rows = tickets
        .into_iter()
        .map(|(queue, open, all, minutes)| {
            vec![
                queue,
                open.to_string(),
                all.to_string(),
                minutes.map_or_else(|| "—".to_owned(), |m| format!("{m:.0}")),
            ]
        })
        .collect();

    Ok(vec![
        Table::new(
            "conversations",
            t("Conversazioni al giorno", "Conversations per day"),
            &[
                t("Giorno", "Day"),
                t("Conversazioni", "Conversations"),
                t("Messaggi", "Messages"),
                t("Capiti", "Understood"),
            ],
            conversations,
            1,
        ),
        Table::new(
            "understood",
            t(
                "Messaggi capiti, per giorno",
                "Messages understood, per day",
            ),
            &[t("Giorno", "Day"), t("Capiti", "Understood")],
            understood_rows,
            1,
        ),
        Table::new(
            "topics",
            t("Risposte per argomento", "Answers per topic"),
            &[t("Argomento", "Topic"), t("Risposte", "Answers")],
            topic_rows,
            1,
        ),
        Table::new(
            "subscribers",
            t(
                "Iscritti alle notizie, per argomento e canale",
                "News subscribers, per topic and channel",
            ),
            &[
                t("Argomento", "Topic"),
                t("Canale", "Channel"),
                t("Iscritti", "Subscribers"),
            ],
            subscriber_rows,
            2,
        ),
        Table::new(
            "deliveries",
            t("Notizie consegnate al giorno", "News deliveries per day"),
            &[
                t("Giorno", "Day"),
                t("Inviate", "Sent"),
                t("Fallite", "Failed"),
                t("Bloccate", "Blocked"),
                t("In coda", "Queued"),
            ],
            delivery_rows,
            1,
        ),
        Table::new(
            "tickets",
            t(
                "Richieste di parlare con una persona",
                "Requests to talk to a person",
            ),
            &[
                t("Coda", "Queue"),
                t("Aperte", "Open"),
                t("Tutte", "All"),
                t("Minuti alla prima risposta", "Minutes to first reply"),
            ],
            ticket_rows,
            2,
        ),
    ])
}

/// `GET /console`.
pub(super) async fn page(
    State(state): State<ConsoleState>,
    staff: Staff,
) -> Result<Response, ConsoleError> {
    let tables = tables(&state, staff.lang()).await?;
    let tables: Vec<Value> = tables
        .into_iter()
        .map(|table| {
            context! {
                chart => Value::from_safe_string(table.chart()),
                name => table.name,
                title => table.title,
                headers => table.headers,
                rows => table.rows,
            }
        })
        .collect();
    let depth = state.store().outbox_depth().await?;
    let version = state.live().get().version.clone();
    staff.page(
        &state,
        "glance.html",
        context! { tables, depth, version, days => DAYS },
    )
}

/// `GET /console/stats/{name}.csv`.
async fn csv(
    State(state): State<ConsoleState>,
    staff: Staff,
    Path(name): Path<String>,
) -> Result<Response, ConsoleError> {
    let name = name.strip_suffix(".csv").ok_or(ConsoleError::NotFound)?;
    let tables = tables(&state, staff.lang()).await?;
    let table = tables
        .into_iter()
        .find(|t| t.name == name)
        .ok_or(ConsoleError::NotFound)?;
    let body = table.csv()?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"sportello-{name}.csv\""),
            ),
        ],
        body,
    )
        .into_response())
}
