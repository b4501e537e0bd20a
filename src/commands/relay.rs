//! The relay's commands: `news publish`, `news status` and the standalone worker
//! `relay` (which also opens and closes consultations). The work itself is in
//! `sportello::relay`.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use sportello::channel::telegram::Pace;
use sportello::content::parse_when;
use sportello::relay::{self, ConsultationOptions, NewsStatus, PublishOptions};
use sportello::shutdown;
use sportello::store::pg::PgStore;

use super::runtime;
use super::settings::{
    telegram_limits, telegram_worker, whatsapp_config, whatsapp_pace, whatsapp_worker,
};
use super::staff::load_or_report;
use crate::{ChannelArgs, Database, RelayArgs};
/// How often `--wait` looks at the progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

pub fn publish(
    id: &str,
    at: Option<&str>,
    wait: bool,
    dialogues: Option<&Path>,
    channels: &ChannelArgs,
    db: &Database,
) -> anyhow::Result<ExitCode> {
    let dialogues = load_or_report(dialogues)?;
    let at = at.map(parse_when).transpose().map_err(anyhow::Error::msg)?;
    let options = PublishOptions {
        at,
        broadcast_to: channels
            .telegram_channels
            .iter()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect(),
        ..PublishOptions::default()
    };
    runtime()?.block_on(async {
        let store = PgStore::connect(&db.database_url).await?;
        let published = relay::publish(store.pool(), &dialogues, id, &options).await?;
        let per_channel: Vec<String> = published
            .per_channel
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(channel, n)| format!("{channel} {n}"))
            .collect();
        println!(
            "published {}: {} subscriber deliveries{} and {} channel deliveries queued{}",
            published.key,
            published.subscribers,
            if per_channel.len() > 1 {
                format!(" ({})", per_channel.join(", "))
            } else {
                String::new()
            },
            published.channels,
            match at {
                Some(at) => format!(
                    " from {}",
                    at.with_timezone(&chrono_tz::Europe::Rome)
                        .format("%d/%m/%Y %H:%M")
                ),
                None => String::new(),
            }
        );
        if wait {
            progress(&store, &published.key).await?;
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// A progress bar until nothing of `key` is queued.
async fn progress(store: &PgStore, key: &str) -> anyhow::Result<()> {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} delivered  {msg}",
    )?);
    loop {
        let status = relay::news_status(store.pool(), key).await?;
        bar.set_length(status.total());
        bar.set_position(status.done());
        bar.set_message(summary(&status));
        if status.queued == 0 {
            bar.finish();
            return Ok(());
        }
        tokio::time::sleep(PROGRESS_EVERY).await;
    }
}

fn summary(status: &NewsStatus) -> String {
    let eta = match status.eta() {
        Some(eta) => format!("ETA {}s", eta.as_secs()),
        None => "ETA unknown (is a relay running?)".to_owned(),
    };
    format!(
        "{} queued, {} sent, {} failed, {} blocked, {:.1}/s, {eta}",
        status.queued, status.sent, status.failed, status.blocked, status.rate
    )
}

pub fn status(id: &str, db: &Database) -> anyhow::Result<ExitCode> {
    let status = runtime()?.block_on(async {
        let store = PgStore::connect(&db.database_url).await?;
        anyhow::Ok(relay::news_status(store.pool(), id).await?)
    })?;
    println!("{}: {}", status.key, summary(&status));
    Ok(ExitCode::SUCCESS)
}

pub fn relay(args: RelayArgs) -> anyhow::Result<ExitCode> {
    let limits = telegram_limits(&args.telegram)?;
    let whatsapp = whatsapp_config(&args.whatsapp, 1, false)?;
    runtime()?.block_on(async {
        let store = PgStore::connect(&args.db.database_url).await?;
        let pace = Arc::new(Pace::new(limits));
        let telegram = telegram_worker(&store, &args.telegram, &args.relay, pace)?;
        let whatsapp = whatsapp
            .map(|config| {
                whatsapp_worker(
                    &store,
                    &config,
                    &args.relay,
                    whatsapp_pace(args.whatsapp.whatsapp_rate),
                )
            })
            .transpose()?;
        // Consultations open and close here too: safe beside `serve` and other relays.
        let consultations = relay::spawn_consultations(
            store.clone(),
            ConsultationOptions {
                broadcast_to: args.channels.telegram_channels.clone(),
                ..ConsultationOptions::default()
            },
        );
        let (trigger, stop) = shutdown::channel();
        tokio::spawn(async move {
            shutdown::signal().await;
            trigger.fire();
        });
        // A worker that fails ends the other too (its leases run out for another relay).
        let worked = tokio::try_join!(telegram.run(stop.clone().wait()), async {
            match &whatsapp {
                Some(worker) => worker.run(stop.clone().wait()).await,
                None => Ok(()),
            }
        });
        consultations.abort();
        worked?;
        Ok(ExitCode::SUCCESS)
    })
}
