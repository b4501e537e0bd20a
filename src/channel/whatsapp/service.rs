//! One webhook event handled for one citizen: taken once (by `wamid`), the contact's
//! window moved, then a conversation turn (or a polite "text only" reply), the
//! replies rendered and sent, the menu remembered. Statuses update delivery records.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Semaphore;
use tracing::Instrument;

use super::api::{GraphClient, SendError};
use super::dispatch::Queues;
use super::inbound::{Event, MessageKind};
use super::render::{MenuEntry, WaMessage, render};
use crate::channel::log_id;
use crate::conversation::Conversation;
use crate::engine::{Inbound, Input, Outbound};
use crate::store::pg::PgStore;
use crate::store::{ChatKey, CitizenStore, ContentSource, WhatsAppRecords};
use crate::text::normalize;

/// Attempts for one reply when Meta asks to slow down or fails for a while.
const SEND_ATTEMPTS: u32 = 4;
/// The longest pause between two attempts of one reply.
const MAX_PAUSE: Duration = Duration::from_secs(30);

/// The reply to a photo, a voice note, a location…: no turn is run.
const UNSUPPORTED_IT: &str = "Per ora leggo solo messaggi scritti e pulsanti 🙂 Scrivi la tua domanda, oppure scrivi «menu» per vedere gli argomenti.";
const UNSUPPORTED_EN: &str = "For now I can only read text messages and buttons 🙂 Type your question, or type “menu” to see the topics.";

pub(super) struct Service<C, S> {
    pub(super) conversation: Conversation<C, S>,
    pub(super) client: GraphClient,
    pub(super) records: PgStore,
    pub(super) phone_number_id: String,
    pub(super) app_secret: String,
    pub(super) verify_token: String,
    pub(super) in_flight: Semaphore,
    pub(super) queues: Queues,
}

impl<C: ContentSource + 'static, S: CitizenStore + 'static> Service<C, S> {
    /// Handles one event; failures are logged, never returned (Meta already has its 200).
    pub(super) async fn handle(self: &Arc<Self>, event: Event) {
        match event {
            Event::Status {
                wamid,
                wa_id,
                status,
                error,
            } => {
                if let Err(err) = self
                    .records
                    .record_status(&wamid, &wa_id, &status, error.as_ref())
                    .await
                {
                    tracing::warn!("WhatsApp status not recorded: {err}");
                }
                if let Some((code, _)) = error {
                    tracing::info!(chat = %log_id(&wa_id), code, "WhatsApp message failed");
                }
            }
            Event::Message {
                wamid,
                wa_id,
                sent_at,
                lang,
                kind,
            } => {
                metrics::counter!("sportello_updates_total", "channel" => "whatsapp").increment(1);
                let span =
                    tracing::info_span!("turn", channel = "whatsapp", chat = %log_id(&wa_id));
                self.message(&wamid, &wa_id, sent_at, lang, kind)
                    .instrument(span)
                    .await;
            }
        }
    }

    async fn message(
        &self,
        wamid: &str,
        wa_id: &str,
        sent_at: Option<DateTime<Utc>>,
        lang: Option<String>,
        kind: MessageKind,
    ) {
        match self.records.first_time(wamid).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!("duplicate WhatsApp message dropped");
                return;
            }
            Err(err) => {
                tracing::warn!("cannot check WhatsApp message id, message dropped: {err}");
                return;
            }
        }
        let now = Utc::now();
        let at = sent_at.map_or(now, |t| t.min(now));
        let menu = self
            .records
            .touch_contact(wa_id, at)
            .await
            .unwrap_or_else(|err| {
                tracing::warn!("cannot record WhatsApp contact: {err}");
                Vec::new()
            });
        let key = ChatKey::new("whatsapp", wa_id);
        match kind {
            MessageKind::Ignore => {}
            MessageKind::Unsupported(what) => {
                tracing::info!(kind = %what, "unsupported WhatsApp message; replying text only");
                let lang = self.language(&key, lang.as_deref()).await;
                let text = if lang == "it" {
                    UNSUPPORTED_IT
                } else {
                    UNSUPPORTED_EN
                };
                self.send(wa_id, &WaMessage::Text(text.to_owned())).await;
            }
            MessageKind::Input(input) => {
                let Ok(_permit) = self.in_flight.acquire().await else {
                    return;
                };
                let input = typed_title(input, &menu);
                self.turn(&key, wa_id, input, lang, now).await;
            }
        }
    }

    async fn turn(
        &self,
        key: &ChatKey,
        wa_id: &str,
        input: Input,
        lang: Option<String>,
        now: DateTime<Utc>,
    ) {
        let inbound = Inbound { at: now, input };
        let (replies, lang) = match self.conversation.turn(key, &inbound, lang.as_deref()).await {
            Ok(turn) => {
                let lang = turn.session.lang.clone();
                (turn.replies, lang)
            }
            Err(err) => {
                tracing::warn!("turn failed: {err}");
                let lang = self.language(key, lang.as_deref()).await;
                (vec![self.error_reply(&lang)], lang)
            }
        };
        let lang = if lang.is_empty() {
            self.conversation.dialogues().settings.default_lang.clone()
        } else {
            lang
        };
        let rendered = render(&replies, &lang);
        for message in &rendered.messages {
            if !self.send(wa_id, message).await {
                break;
            }
        }
        if let Some(menu) = rendered.menu
            && let Err(err) = self.records.save_menu(wa_id, &menu).await
        {
            tracing::warn!("cannot remember the WhatsApp menu: {err}");
        }
    }

    /// The citizen's language: their session's, else the contact's, else the default.
    async fn language(&self, key: &ChatKey, contact: Option<&str>) -> String {
        let d = self.conversation.dialogues();
        let stored = match self.conversation.citizens().load(key).await {
            Ok(Some(stored)) if !stored.session.lang.is_empty() => Some(stored.session.lang),
            _ => None,
        };
        stored
            .or_else(|| {
                contact
                    .filter(|l| d.settings.languages.iter().any(|x| x == l))
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| d.settings.default_lang.clone())
    }

    fn error_reply(&self, lang: &str) -> Outbound {
        let d = self.conversation.dialogues();
        let text = d
            .settings
            .fallback
            .error
            .get(lang, &d.settings.default_lang);
        Outbound {
            text: html_escape::encode_text(text).into_owned(),
            buttons: Vec::new(),
        }
    }

    /// Sends one reply, retrying rate limits and temporary failures; false when it
    /// could not be delivered (the rest of the turn is then not sent either).
    async fn send(&self, wa_id: &str, message: &WaMessage) -> bool {
        let kind = match message {
            WaMessage::Text(_) => "text",
            WaMessage::Buttons { .. } | WaMessage::List { .. } => "interactive",
        };
        for attempt in 1..=SEND_ATTEMPTS {
            match self.client.send(wa_id, message).await {
                Ok(wamid) => {
                    if let Err(err) = self.records.record_sent(&wamid, wa_id, kind).await {
                        tracing::warn!("WhatsApp delivery not recorded: {err}");
                    }
                    return true;
                }
                Err(err) => match err.retry_after() {
                    Some(pause) if attempt < SEND_ATTEMPTS => {
                        tracing::debug!(attempt, "WhatsApp reply not sent yet: {err}");
                        tokio::time::sleep(pause.min(MAX_PAUSE)).await;
                    }
                    _ => {
                        let outside = matches!(err, SendError::OutsideWindow { .. });
                        tracing::warn!(outside, "WhatsApp reply not delivered: {err}");
                        return false;
                    }
                },
            }
        }
        false
    }
}

/// A typed text that is one of the titles last shown (maybe shortened, so the engine
/// would not know it) becomes that button's press.
fn typed_title(input: Input, menu: &[MenuEntry]) -> Input {
    let Input::Text(text) = &input else {
        return input;
    };
    let typed = normalize(text);
    if typed.is_empty() {
        return input;
    }
    menu.iter()
        .find(|e| normalize(&e.title) == typed || normalize(&e.label) == typed)
        .map_or(input, |e| Input::Button(e.payload.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortened_and_full_titles_find_their_button() {
        let menu = vec![MenuEntry {
            title: "📅 Calendario delle p…".into(),
            label: "📅 Calendario delle prove scritte".into(),
            payload: "maturita.menu#0".into(),
        }];
        let press = Input::Button("maturita.menu#0".into());
        assert_eq!(
            typed_title(Input::Text("Calendario delle p…".into()), &menu),
            press
        );
        assert_eq!(
            typed_title(Input::Text("calendario delle p".into()), &menu),
            press
        );
        assert_eq!(
            typed_title(Input::Text("Calendario delle prove scritte".into()), &menu),
            press
        );
        assert_eq!(
            typed_title(Input::Text("1".into()), &menu),
            Input::Text("1".into()),
            "numbers stay for the engine"
        );
    }
}
