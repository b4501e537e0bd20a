//! Commands on the database: migrate, content, news, citizens' rights, review.

use std::path::Path;
use std::process::ExitCode;

use chrono_tz::Europe::Rome;

use sportello::content::{ContentFile, parse_when};
use sportello::evaluation::explain::best_candidate;
use sportello::store::pg::{NewNews, PgStore};
use sportello::store::{ChatKey, CitizenStore, ContentSource};
use sportello::understand::FaqIndex;

use super::runtime;
use super::staff::{content_errors, load_or_report, vocabulary};
use crate::{CitizenCommand, ContentCommand, Database, NewsCommand};

/// Connects (applying pending migrations) and runs `body` on the store.
pub(super) fn with_store<T>(
    db: &Database,
    body: impl AsyncFnOnce(PgStore) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    runtime()?.block_on(async {
        let store = PgStore::connect(&db.database_url).await?;
        body(store).await
    })
}

pub fn migrate(db: &Database) -> anyhow::Result<ExitCode> {
    with_store(db, async |_| Ok(()))?;
    println!("database schema is up to date");
    Ok(ExitCode::SUCCESS)
}

pub fn content(command: ContentCommand) -> anyhow::Result<ExitCode> {
    match command {
        ContentCommand::Import {
            file,
            dialogues,
            replace_events,
            db,
        } => {
            let vocabulary = vocabulary(dialogues.as_deref())?;
            let content =
                ContentFile::read(&file, &vocabulary).map_err(|errors| content_errors(&errors))?;
            let summary = with_store(&db, async |store| {
                Ok(store.import_calendar(&content, replace_events).await?)
            })?;
            println!(
                "imported {}: {} added, {} changed, {} unchanged ({} events, {} news, {} FAQs, {} consultations)",
                file.display(),
                summary.added,
                summary.changed,
                summary.unchanged,
                content.events.len(),
                content.news.len(),
                content.faqs.len(),
                content.consultations.len()
            );
            if replace_events {
                println!(
                    "{} events no longer in the calendar deleted",
                    summary.removed
                );
            }
            for key in &summary.kept {
                println!(
                    "consultation {key} was already sent: left as it is (its answers are to the question as sent)"
                );
            }
        }
        ContentCommand::Export { db } => {
            let content = with_store(&db, async |store| Ok(store.export().await?))?;
            print!("{}", content.to_yaml().map_err(anyhow::Error::msg)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn news(command: NewsCommand) -> anyhow::Result<ExitCode> {
    match command {
        NewsCommand::Add {
            title,
            body,
            topics,
            link,
            expires,
            author,
            dialogues,
            publish,
            channels,
            db,
        } => {
            let vocabulary = vocabulary(dialogues.as_deref())?;
            if let Some(unknown) = topics.iter().find(|t| !vocabulary.topics.contains(*t)) {
                let known: Vec<&str> = vocabulary.topics.iter().map(String::as_str).collect();
                anyhow::bail!(
                    "unknown topic `{unknown}`; the dialogues declare: {}",
                    known.join(", ")
                );
            }
            if title.trim().is_empty() || body.trim().is_empty() {
                anyhow::bail!("a news item needs a title and a body");
            }
            let expires_at = expires
                .as_deref()
                .map(parse_when)
                .transpose()
                .map_err(anyhow::Error::msg)?;
            let news = NewNews {
                title,
                body,
                topics,
                link,
                expires_at,
                author,
            };
            let item = with_store(&db, async |store| Ok(store.add_news(&news).await?))?;
            println!(
                "added {} ({})",
                item.key,
                item.published_at
                    .with_timezone(&Rome)
                    .format("%d/%m/%Y %H:%M")
            );
            if publish {
                return super::relay::publish(
                    &item.key,
                    None,
                    false,
                    dialogues.as_deref(),
                    &channels,
                    &db,
                );
            }
        }
        NewsCommand::Publish {
            id,
            at,
            wait,
            dialogues,
            channels,
            db,
        } => {
            return super::relay::publish(
                &id,
                at.as_deref(),
                wait,
                dialogues.as_deref(),
                &channels,
                &db,
            );
        }
        NewsCommand::Status { id, db } => return super::relay::status(&id, &db),
        NewsCommand::List { limit, db } => {
            let items = with_store(&db, async |store| Ok(store.list_news(limit).await?))?;
            if items.is_empty() {
                println!("no news");
            }
            for item in items {
                println!(
                    "{}  {}  [{}]  {}",
                    item.published_at
                        .with_timezone(&Rome)
                        .format("%d/%m/%Y %H:%M"),
                    item.key,
                    item.topics.join(", "),
                    item.title
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn citizen(command: CitizenCommand) -> anyhow::Result<ExitCode> {
    match command {
        CitizenCommand::Erase { who, db } => {
            let key = ChatKey::new(who.channel, who.chat);
            let receipt = with_store(&db, async |store| Ok(store.erase(&key).await?))?;
            let when = receipt
                .at
                .with_timezone(&Rome)
                .format("%d/%m/%Y %H:%M:%S %Z");
            if receipt.found() {
                println!(
                    "erased {}/{} at {when}: {} session(s), {} subscription(s), {} transcript line(s), {} deliveries, {} consultation answer(s)",
                    key.channel,
                    key.chat,
                    receipt.sessions,
                    receipt.subscriptions,
                    receipt.transcripts,
                    receipt.deliveries,
                    receipt.votes
                );
            } else {
                println!(
                    "nothing is stored about {}/{} (checked at {when})",
                    key.channel, key.chat
                );
            }
        }
        CitizenCommand::Export { who, db } => {
            let key = ChatKey::new(who.channel, who.chat);
            let export = with_store(&db, async |store| Ok(store.export_citizen(&key).await?))?;
            println!("{}", serde_json::to_string_pretty(&export)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn unanswered(db: &Database, limit: i64, dialogues: Option<&Path>) -> anyhow::Result<ExitCode> {
    let d = load_or_report(dialogues)?;
    let (rows, faqs) = with_store(db, async |store| {
        let faqs = store.faqs().await?;
        Ok((store.not_understood(limit).await?, faqs))
    })?;
    let faqs = FaqIndex::build(&d.understanding.analyzer, faqs.faqs.to_vec());
    if rows.is_empty() {
        println!("every citizen message was understood");
    }
    for (at, state, body) in rows {
        let best = best_candidate(&d, &faqs, &state, &body).map_or_else(
            || "—".to_owned(),
            |(name, score)| format!("{name} ({score:.2})"),
        );
        println!(
            "{}  {state:<24}  {body}\n                  closest: {best}",
            at.with_timezone(&Rome).format("%d/%m/%Y %H:%M")
        );
    }
    Ok(ExitCode::SUCCESS)
}
