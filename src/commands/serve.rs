//! `sportello serve`: the bot on Telegram, with PostgreSQL behind it, until SIGTERM or
//! Ctrl-C.

use std::process::ExitCode;

use sportello::channel::telegram::{self, Limits, TelegramConfig};
use sportello::conversation::Conversation;
use sportello::store::pg::PgStore;

use super::runtime;
use super::staff::load_or_report;
use crate::ServeArgs;

pub fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let dialogues = load_or_report(args.dialogues.as_deref())?;
    tracing::info!(version = %dialogues.version, states = dialogues.states.len(), "dialogues loaded");
    let config = TelegramConfig {
        token: args.telegram_token,
        api_url: args.telegram_api_url,
        webhook_url: args.telegram_webhook_url,
        webhook_secret: args.telegram_webhook_secret,
        listen: args.listen,
        max_in_flight: args.max_in_flight,
        limits: Limits {
            per_second: args.telegram_rate.max(1),
            ..Limits::default()
        },
    };
    runtime()?.block_on(async {
        let store = PgStore::connect(&args.db.database_url).await?;
        let retention = store.spawn_retention(args.transcripts.retention_days);
        let conversation = Conversation::new(dialogues, store.clone(), store)
            .with_transcripts(args.transcripts.transcripts);
        let result = telegram::run(config, conversation, shutdown_signal()).await;
        retention.abort();
        anyhow::Ok(result?)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
