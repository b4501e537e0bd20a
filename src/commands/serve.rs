//! `sportello serve`: the bot on Telegram (and WhatsApp when configured) with
//! PostgreSQL behind it, the outbox workers sending news (one per channel), the
//! consultations' scheduler, and one HTTP listener for the webhooks, until SIGTERM or
//! Ctrl-C.
//!
//! Stopping: the signal stops every channel from taking updates; each finishes the
//! turns it holds, each relay worker records the sends in flight, then the HTTP
//! listener closes and the process exits 0.

use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;

use anyhow::Context;
use sportello::admin::{self, AdminState, AdminTokens};
use sportello::channel::telegram::{Pace, TelegramChannel, TelegramConfig};
use sportello::channel::whatsapp::WhatsApp;
use sportello::console::{self, ConsoleState};
use sportello::conversation::Conversation;
use sportello::dialogue::Live;
use sportello::dialogue::watch;
use sportello::opendata::{self, OpenDataState};
use sportello::ops::{self, OpsState};
use sportello::relay::{
    ConsultationOptions, spawn_consultations, spawn_reminders, spawn_waiting_check,
};
use sportello::shutdown;
use sportello::store::pg::PgStore;

use super::opendata::serve_config;
use super::runtime;
use super::settings::{
    arriving_after, staff_worker, telegram_limits, telegram_worker, whatsapp_config, whatsapp_pace,
    whatsapp_worker,
};
use super::staff::{dialogue_dir, load_or_report};
use crate::{SecureCookies, ServeArgs};

pub fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let dialogues = load_or_report(args.dialogues.as_deref())?;
    tracing::info!(version = %dialogues.version, states = dialogues.states.len(), "dialogues loaded");
    let limits = telegram_limits(&args.telegram)?;
    let whatsapp_config = whatsapp_config(&args.whatsapp, args.max_in_flight, true)?;
    let telegram_config = TelegramConfig {
        token: args.telegram.telegram_token.clone(),
        api_url: args.telegram.telegram_api_url.clone(),
        webhook_url: args.telegram_webhook_url.clone(),
        webhook_secret: args.telegram_webhook_secret.clone(),
        listen: args.listen,
        max_in_flight: args.max_in_flight,
        limits,
        staff_group: args.staff_group,
        arriving_after: arriving_after(args.telegram_arriving_after),
    };
    let admin_tokens = match &args.admin_tokens {
        Some(tokens) => AdminTokens::from_str(tokens).context("SPORTELLO_ADMIN_TOKENS")?,
        None => AdminTokens::none(),
    };
    let open_data = serve_config(&args.opendata)?;
    let metrics = ops::install_metrics()?;
    runtime()?.block_on(async {
        let upkeep = ops::spawn_metrics_upkeep(metrics.clone());
        let store = PgStore::connect(&args.db.database_url).await?;
        // Every time-limited record (transcripts, WhatsApp ids, deliveries, contacts).
        let retention = store.spawn_retention(args.transcripts.retention_days);
        let live = Live::new(dialogues, dialogue_dir(args.dialogues.as_deref()));
        let conversation = Conversation::new(live.clone(), store.clone(), store.clone())
            .with_transcripts(args.transcripts.transcripts);
        let (trigger, stop) = shutdown::channel();
        tokio::spawn(async move {
            shutdown::signal().await;
            tracing::info!("stopping: no new updates; finishing the work in flight");
            trigger.fire();
        });
        // Staff edits go live without a restart: on save, on SIGHUP, or by the admin API.
        let watcher = watch::spawn(live.clone(), args.watch, stop.clone());
        let hangup = reload_on_hangup(live.clone(), stop.clone());
        // A reload through another replica's admin API reaches this one too.
        let replicas = sportello::replicas::follow_reloads(store.clone(), live.clone(), stop.clone());

        // Replies and news share one pace, so Telegram's limits hold for the bot.
        let pace = Arc::new(Pace::new(limits));
        let relay = telegram_worker(&store, &args.telegram, &args.relay, Arc::clone(&pace))?;
        let relay = tokio::spawn({
            let stop = stop.clone();
            async move { relay.run(stop.wait()).await }
        });
        // What handed-off citizens write, into the staff group's topics.
        let staff = staff_worker(
            &store,
            &args.telegram,
            &args.relay,
            (live.clone(), args.staff_group),
            Arc::clone(&pace),
        )?;
        for queue in &live.get().settings.handoff.queues {
            if queue.group.or(args.staff_group).is_none() {
                tracing::warn!(queue = %queue.key, "handoff queue without a staff group: set `group:` in sportello.yaml or SPORTELLO_STAFF_GROUP; its messages fail in the outbox");
            }
        }
        let waiting = spawn_waiting_check(store.clone(), live.clone());
        let reminders = spawn_reminders(store.clone(), live.clone(), stop.clone());
        // Consultations open and close on time, their messages into the outbox.
        let consultations = spawn_consultations(
            store.clone(),
            ConsultationOptions {
                broadcast_to: args.channels.telegram_channels.clone(),
                ..ConsultationOptions::default()
            },
        );
        let staff = tokio::spawn({
            let stop = stop.clone();
            async move { staff.run(stop.wait()).await }
        });
        // WhatsApp replies and news share a pace of their own: neither channel waits
        // for the other.
        let whatsapp_pace = whatsapp_pace(args.whatsapp.whatsapp_rate);
        let whatsapp_relay = match &whatsapp_config {
            Some(config) => {
                let worker =
                    whatsapp_worker(&store, config, &args.relay, Arc::clone(&whatsapp_pace))?;
                tracing::info!(rate = args.whatsapp.whatsapp_rate, "WhatsApp: relay worker");
                let stop = stop.clone();
                Some(tokio::spawn(async move { worker.run(stop.wait()).await }))
            }
            None => None,
        };

        let mut routes = ops::router(OpsState {
            store: store.clone(),
            dialogues: live.clone(),
            metrics: Some(metrics),
        })
        .merge(admin::router(AdminState::new(
            store.clone(),
            live.clone(),
            args.channels.telegram_channels.clone(),
            admin_tokens,
        )));
        let console = ConsoleState::new(
            store.clone(),
            live.clone(),
            args.channels.telegram_channels.clone(),
            match args.console_secure_cookies {
                SecureCookies::Auto => !args.listen.ip().is_loopback(),
                SecureCookies::True => true,
                SecureCookies::False => false,
            },
        )
        .await?;
        routes = routes.merge(console::router(console));
        match open_data {
            Some(config) => {
                tracing::info!(base_url = %config.base_url, "open data at /opendata/");
                routes = routes.merge(opendata::router(OpenDataState::new(
                    store.clone(),
                    live.clone(),
                    config,
                )));
            }
            None => tracing::info!(
                "open data not published: set SPORTELLO_OPENDATA_PUBLISHER_NAME, SPORTELLO_OPENDATA_PUBLISHER_ID and SPORTELLO_OPENDATA_BASE_URL"
            ),
        }
        let whatsapp = match &whatsapp_config {
            Some(config) => {
                let whatsapp = WhatsApp::with_pace(
                    config,
                    conversation.clone(),
                    store.clone(),
                    Arc::clone(&whatsapp_pace),
                )?;
                routes = routes.merge(whatsapp.router());
                tracing::info!("WhatsApp: webhook at /whatsapp/webhook");
                Some(whatsapp)
            }
            None => None,
        };

        let telegram =
            TelegramChannel::start(&telegram_config, conversation, store.clone(), pace).await?;
        match &telegram_config.webhook_url {
            None => {
                let http = serve_http(&args, routes, stop.clone()).await?;
                telegram.poll(stop.clone().wait()).await;
                if let Ok(Err(err)) = http.await {
                    tracing::warn!("HTTP listener: {err}");
                }
            }
            Some(url) => {
                let webhook = telegram
                    .webhook(url.clone(), telegram_config.webhook_secret.clone())
                    .await?;
                tracing::info!("Telegram: webhook");
                let http = serve_http(&args, routes.merge(webhook), stop.clone()).await?;
                // The listener stops taking updates first; then the turns in flight finish.
                if let Ok(Err(err)) = http.await {
                    tracing::warn!("HTTP listener: {err}");
                }
                telegram.stop().await;
            }
        }
        if let Some(whatsapp) = whatsapp {
            whatsapp.stop().await;
        }
        for relay in [relay, staff].into_iter().chain(whatsapp_relay) {
            match relay.await {
                Ok(Err(err)) => tracing::warn!("relay: {err}"),
                Err(err) => tracing::warn!("relay task: {err}"),
                Ok(Ok(())) => {}
            }
        }
        retention.abort();
        waiting.abort();
        reminders.abort();
        consultations.abort();
        upkeep.abort();
        hangup.abort();
        replicas.abort();
        if let Some(watcher) = watcher {
            let _ = watcher.await;
        }
        tracing::info!("stopped");
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Reloads the dialogues on every SIGHUP until `stop`. The signal is taken over before
/// this returns, so from then on a SIGHUP never ends the process.
fn reload_on_hangup(live: Live, stop: shutdown::Shutdown) -> tokio::task::JoinHandle<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let hangups = signal(SignalKind::hangup());
        tokio::spawn(async move {
            let mut hangups = match hangups {
                Ok(hangups) => hangups,
                Err(err) => {
                    tracing::warn!("SIGHUP cannot reload the dialogues: {err}");
                    return;
                }
            };
            let stopped = stop.wait();
            tokio::pin!(stopped);
            loop {
                tokio::select! {
                    () = &mut stopped => return,
                    Some(()) = hangups.recv() => {
                        tracing::info!("SIGHUP: reloading the dialogues");
                        let live = live.clone();
                        let _ = tokio::task::spawn_blocking(move || live.reload_and_log()).await;
                    }
                }
            }
        })
    }
    #[cfg(not(unix))]
    {
        let _ = (live, stop);
        tokio::spawn(async {})
    }
}

/// Serves `routes` on the listener until `stop`.
async fn serve_http(
    args: &ServeArgs,
    routes: axum::Router,
    stop: shutdown::Shutdown,
) -> anyhow::Result<tokio::task::JoinHandle<std::io::Result<()>>> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let bound = listener.local_addr().unwrap_or(args.listen);
    tracing::info!(listen = %bound, "HTTP listener: /healthz, /readyz, /metrics, webhooks, the staff console at /console and open data at /opendata/ when configured");
    Ok(tokio::spawn(async move {
        // The peer address limits console sign-in attempts per address.
        let service = routes.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, service)
            .with_graceful_shutdown(stop.wait())
            .await
    }))
}
