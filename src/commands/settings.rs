//! Channel and relay settings from the command line, checked in one place for every
//! command that sends (`serve`, `relay`): Telegram's rate and paid broadcasts,
//! WhatsApp's companion values and rate, the outbox workers built from them.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sportello::channel::telegram::{Limits, PAID_BROADCAST_MAX, Pace};
use sportello::channel::whatsapp::{MAX_WHATSAPP_RATE, NewsTemplates, Template, WhatsAppConfig};
use sportello::dialogue::Live;
use sportello::relay::{
    Paced, PollSender, StaffSender, TelegramSender, WhatsAppSender, Worker, WorkerConfig,
    whatsapp_limits,
};
use sportello::store::pg::PgStore;

use crate::{RelaySettings, TelegramArgs, WhatsAppArgs};

/// The pace of everything sent on WhatsApp at `rate` messages per second.
pub(super) fn whatsapp_pace(rate: u32) -> Arc<Pace> {
    Arc::new(Pace::new(whatsapp_limits(rate)))
}

/// Telegram's free broadcast rate (messages per second).
const FREE_RATE: u32 = 30;
/// How long one send to Telegram may take before it counts as a timeout.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Telegram's sending limits from the command line, checked.
pub(super) fn telegram_limits(telegram: &TelegramArgs) -> anyhow::Result<Limits> {
    if telegram.telegram_rate > FREE_RATE && !telegram.telegram_paid_broadcast {
        anyhow::bail!(
            "a rate of {}/s needs Telegram's paid broadcasts (TELEGRAM_PAID_BROADCAST=true); without them the limit is {FREE_RATE}/s",
            telegram.telegram_rate
        );
    }
    if telegram.telegram_rate > PAID_BROADCAST_MAX {
        anyhow::bail!("Telegram allows at most {PAID_BROADCAST_MAX} messages per second");
    }
    Ok(Limits::with_rate(telegram.telegram_rate))
}

/// How long a reply waits for Telegram's shared limit before the citizen is told it
/// is coming: `seconds` (`TELEGRAM_ARRIVING_AFTER`), 0 for never.
pub(super) fn arriving_after(seconds: u64) -> Option<Duration> {
    (seconds > 0).then(|| Duration::from_secs(seconds))
}

/// The worker's settings from the command line.
pub(super) fn worker_config(relay: &RelaySettings) -> WorkerConfig {
    WorkerConfig {
        batch: relay.relay_batch.max(1),
        concurrency: relay.relay_concurrency.max(1),
        lease: Duration::from_secs(relay.relay_lease.max(3)),
        ..WorkerConfig::default()
    }
}

/// The outbox worker for Telegram, sending at `pace` (consultations as polls).
pub(super) fn telegram_worker(
    store: &PgStore,
    telegram: &TelegramArgs,
    relay: &RelaySettings,
    pace: Arc<Pace>,
) -> anyhow::Result<Worker<PollSender<Paced<TelegramSender>>>> {
    let sender = TelegramSender::new(
        &telegram.telegram_token,
        telegram.telegram_api_url.as_ref(),
        SEND_TIMEOUT,
        telegram.telegram_paid_broadcast,
    )?;
    Ok(Worker::new(
        store.pool().clone(),
        PollSender::new(Paced::new(sender, pace), store.clone()),
        worker_config(relay),
    ))
}

/// The outbox worker for staff: what handed-off citizens write, into their tickets'
/// topics in the staff group, one at a time (so in order), at Telegram's `pace`.
pub(super) fn staff_worker(
    store: &PgStore,
    telegram: &TelegramArgs,
    relay: &RelaySettings,
    (live, staff_group): (Live, Option<i64>),
    pace: Arc<Pace>,
) -> anyhow::Result<Worker<StaffSender<TelegramSender>>> {
    let api = TelegramSender::new(
        &telegram.telegram_token,
        telegram.telegram_api_url.as_ref(),
        SEND_TIMEOUT,
        false,
    )?;
    let sender = StaffSender::new(api, store.clone(), live, staff_group, pace);
    Ok(Worker::new(
        store.pool().clone(),
        sender,
        WorkerConfig {
            concurrency: 1,
            ..worker_config(relay)
        },
    ))
}

/// The outbox worker for WhatsApp, sending at WhatsApp's `pace` (never Telegram's).
pub(super) fn whatsapp_worker(
    store: &PgStore,
    config: &WhatsAppConfig,
    relay: &RelaySettings,
    pace: Arc<Pace>,
) -> anyhow::Result<Worker<Paced<WhatsAppSender>>> {
    let sender = WhatsAppSender::new(config, store.clone())?;
    Ok(Worker::new(
        store.pool().clone(),
        Paced::new(sender, pace),
        worker_config(relay),
    ))
}

/// The WhatsApp settings, when `WHATSAPP_TOKEN` is set; every missing companion value
/// is named. Without `webhook` (the standalone relay, which only sends) the app secret
/// and verify token are not needed.
pub(super) fn whatsapp_config(
    args: &WhatsAppArgs,
    max_in_flight: usize,
    webhook: bool,
) -> anyhow::Result<Option<WhatsAppConfig>> {
    let Some(token) = &args.whatsapp_token else {
        return Ok(None);
    };
    let required = [
        (
            "WHATSAPP_PHONE_NUMBER_ID",
            &args.whatsapp_phone_number_id,
            true,
        ),
        ("WHATSAPP_APP_SECRET", &args.whatsapp_app_secret, webhook),
        (
            "WHATSAPP_VERIFY_TOKEN",
            &args.whatsapp_verify_token,
            webhook,
        ),
    ];
    let missing: Vec<&str> = required
        .iter()
        .filter(|(_, value, needed)| *needed && value.as_deref().is_none_or(str::is_empty))
        .map(|(name, _, _)| *name)
        .collect();
    if !missing.is_empty() {
        anyhow::bail!(
            "WHATSAPP_TOKEN is set, so WhatsApp also needs {}",
            missing.join(", ")
        );
    }
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut config = WhatsAppConfig::new(
        token.clone(),
        value(&args.whatsapp_phone_number_id),
        value(&args.whatsapp_app_secret),
        value(&args.whatsapp_verify_token),
    )?;
    if let Some(url) = &args.whatsapp_api_url {
        config.api_url = url.clone();
    }
    if let Some(templates) = &args.whatsapp_news_templates {
        config.news_templates = NewsTemplates::from_str(templates)?;
    }
    if let Some(template) = args.whatsapp_reply_template.as_deref() {
        config.reply_template = Some(Template::reply(template)?);
    }
    if let Some(template) = args.whatsapp_reminder_template.as_deref() {
        config.reminder_template = Some(Template::reminder(template)?);
    }
    config.max_in_flight = max_in_flight;
    if !(1..=MAX_WHATSAPP_RATE).contains(&args.whatsapp_rate) {
        anyhow::bail!(
            "WHATSAPP_RATE must be between 1 and {MAX_WHATSAPP_RATE} messages per second"
        );
    }
    if webhook {
        config.validate()?;
    }
    Ok(Some(config))
}
