//! One citizen's events, as the ordered dispatch hands them over: a message taken
//! once (by `wamid`), the contact's window moved, then a conversation turn (or a polite
//! "text only" reply), the replies rendered and sent through the sender stack, the
//! menu remembered. A consultation's list row (or its number or title typed after a
//! named consultation's list) is an answer, counted and confirmed, never a turn.
//! Statuses update delivery records.

use chrono::{DateTime, Utc};

use super::ReplySender;
use super::inbound::{Event, MessageKind};
use super::render::{MenuEntry, WaMessage, render};
use crate::channel::ordered::Handler;
use crate::consultation::ballot::{parse_row_id, typed_number};
use crate::conversation::Conversation;
use crate::engine::{Inbound, Input};
use crate::sender::Sender;
use crate::store::pg::PgStore;
use crate::store::{Ballots, ChatKey, CitizenStore, ContentSource, WhatsAppRecords};
use crate::text::{log_id, normalize};

/// The reply to a photo, a voice note, a location…: no turn is run.
const UNSUPPORTED_IT: &str = "Per ora leggo solo messaggi scritti e pulsanti 🙂 Scrivi la tua domanda, oppure scrivi «menu» per vedere gli argomenti.";
const UNSUPPORTED_EN: &str = "For now I can only read text messages and buttons 🙂 Type your question, or type “menu” to see the topics.";

/// What the WhatsApp channel does with one citizen's events.
pub(super) struct Turns<C, S> {
    pub(super) conversation: Conversation<C, S>,
    pub(super) sender: ReplySender,
    pub(super) records: PgStore,
}

impl<C: ContentSource + 'static, S: CitizenStore + Ballots + 'static> Handler<String, Event>
    for Turns<C, S>
{
    async fn handle(&self, wa_id: &String, event: Event) {
        match event {
            Event::Status {
                wamid,
                status,
                error,
                ..
            } => {
                if let Err(err) = self
                    .records
                    .record_status(&wamid, wa_id, &status, error.as_ref())
                    .await
                {
                    tracing::warn!("WhatsApp status not recorded: {err}");
                }
                if let Some((code, _)) = error {
                    tracing::info!(chat = %log_id(wa_id), code, "WhatsApp message failed");
                }
            }
            Event::Message {
                wamid,
                sent_at,
                lang,
                kind,
                ..
            } => self.message(&wamid, wa_id, sent_at, lang, kind).await,
        }
    }

    async fn overflow(&self, wa_id: &String) {
        tracing::info!(chat = %log_id(wa_id), "citizen writes faster than they are answered; excess dropped");
        let key = ChatKey::new("whatsapp", wa_id.as_str());
        let lang = self.conversation.language(&key, None).await;
        let busy = self.conversation.busy_reply(&lang);
        self.send_all(wa_id, &render(&[busy], &lang).messages).await;
    }
}

impl<C: ContentSource + 'static, S: CitizenStore + Ballots + 'static> Turns<C, S> {
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
                let lang = self.conversation.language(&key, lang.as_deref()).await;
                let text = if lang == "it" {
                    UNSUPPORTED_IT
                } else {
                    UNSUPPORTED_EN
                };
                self.send_all(wa_id, &[WaMessage::Text(text.to_owned())])
                    .await;
            }
            MessageKind::Input(input) => {
                let input = match typed_title(input, &menu) {
                    Input::Text(text) => {
                        typed_number(&text, &menu).map_or(Input::Text(text), Input::Button)
                    }
                    other => other,
                };
                // A consultation's list row is an answer, never a button of the dialogues.
                if let Input::Button(id) = &input
                    && let Some(row) = parse_row_id(id)
                {
                    let counted = self
                        .conversation
                        .vote("whatsapp", &row.ballot(key.clone()))
                        .await;
                    let reply = self
                        .conversation
                        .vote_reply(&key, lang.as_deref(), counted.as_ref())
                        .await;
                    self.send_all(wa_id, &render(&[reply], "").messages).await;
                    return;
                }
                let inbound = Inbound { at: now, input };
                let reply = self
                    .conversation
                    .reply(&key, &inbound, lang.as_deref())
                    .await;
                let rendered = render(&reply.replies, &reply.lang);
                self.send_all(wa_id, &rendered.messages).await;
                if let Some(menu) = rendered.menu
                    && let Err(err) = self.records.save_menu(wa_id, &menu).await
                {
                    tracing::warn!("cannot remember the WhatsApp menu: {err}");
                }
            }
        }
    }

    /// Sends a turn's messages in order, recording each; one that fails is logged and
    /// the rest still go.
    async fn send_all(&self, wa_id: &str, messages: &[WaMessage]) {
        for message in messages {
            let kind = match message {
                WaMessage::Text(_) => "text",
                WaMessage::Buttons { .. } | WaMessage::List { .. } => "interactive",
            };
            match self.sender.send(wa_id, message).await {
                Ok(wamid) => {
                    if let Err(err) = self.records.record_sent(&wamid, wa_id, kind).await {
                        tracing::warn!("WhatsApp delivery not recorded: {err}");
                    }
                }
                Err(err) => {
                    tracing::warn!(chat = %log_id(wa_id), "WhatsApp reply not delivered: {err}");
                }
            }
        }
    }
}

/// A typed text that is one of the titles last shown (maybe shortened, so the engine
/// would not know it) becomes that button's press.
pub(crate) fn typed_title(input: Input, menu: &[MenuEntry]) -> Input {
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
