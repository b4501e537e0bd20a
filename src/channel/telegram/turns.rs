//! One chat's events, as the ordered dispatch hands them over: a turn asked of the
//! [`Conversation`], its replies rendered and sent through the sender stack; a block
//! or unblock recorded; an answer to a consultation's poll counted; a flood answered
//! once with "one moment".
//!
//! A reply that waits for the shared limit (a spike) is shown: "typing…" while it
//! waits, and past the threshold the dialogues' `fallback.arriving` notice, once
//! ([`Patience`]).

use std::time::Duration;

use chrono::Utc;
use tokio::time::Instant;

use super::inbound::Event;
use super::inbox::Taken;
use super::polls_in::PollUpdate;
use super::render::{TelegramMessage, render};
use super::{BotApi, ReplySender};
use crate::channel::ordered::Handler;
use crate::consultation::ballot::{Ballot, Choice, Counted, Target, Voter, choice_from_counts};
use crate::conversation::Conversation;
use crate::engine::Inbound;
use crate::sender::{Patience, SendError, Sender, Show, Wait, pace_key};
use crate::store::{Ballots, ChatKey, CitizenStore, ContentSource, StaffDesk};
use crate::text::log_id;

/// What the Telegram channel does with one chat's events.
pub(super) struct Turns<C, S> {
    conversation: Conversation<C, S>,
    sender: ReplySender,
    api: BotApi,
    /// Who may answer in the staff groups.
    members: super::staff::Members,
    /// Shows the citizens whose replies wait for the shared limit that they are coming.
    patience: Patience,
}

impl<C, S> Turns<C, S> {
    /// Replies go through `sender`; a reply that waits longer than `arriving_after`
    /// for the shared limit is announced once (`None`: never).
    pub(super) fn new(
        conversation: Conversation<C, S>,
        sender: ReplySender,
        api: BotApi,
        arriving_after: Option<Duration>,
    ) -> Self {
        let rate = sender.inner().pace().quotas().per_second;
        Turns {
            conversation,
            sender,
            api,
            members: super::staff::Members::default(),
            patience: Patience::new(rate, arriving_after),
        }
    }
}

fn key(chat: i64) -> ChatKey {
    ChatKey::new("telegram", chat.to_string())
}

impl<C: ContentSource + 'static, S: CitizenStore + 'static> Turns<C, S> {
    /// Sends a turn's messages in order, each shown to the citizen (in `lang`) while
    /// it waits for the shared limit; one that fails is logged and the rest still go,
    /// except to a citizen who is gone (marked blocked).
    /// `received`: when the message answered reached the bot, if it is a reply.
    async fn send_all(
        &self,
        key: &ChatKey,
        lang: &str,
        messages: Vec<TelegramMessage>,
        received: Option<Instant>,
    ) {
        let show = Waiting {
            turns: self,
            chat: &key.chat,
            lang,
        };
        for message in messages {
            let wait = received.map_or_else(Wait::new, Wait::since);
            let send = async {
                let sent = self.sender.send_watched(&key.chat, &message, &wait).await;
                wait.over().await;
                sent
            };
            let attend = self.patience.attend(&wait, pace_key(&key.chat), &show);
            let (sent, ()) = tokio::join!(send, attend);
            match sent {
                Ok(_) => {}
                Err(SendError::Gone(reason)) => {
                    tracing::info!(chat = %log_id(&key.chat), "citizen unreachable ({reason}); marking blocked");
                    self.conversation.set_blocked(key, true).await;
                    return;
                }
                Err(err) => {
                    tracing::warn!(chat = %log_id(&key.chat), "reply not delivered: {err}");
                }
            }
        }
    }
}

impl<C: ContentSource + 'static, S: CitizenStore + Ballots + 'static> Turns<C, S> {
    /// An answer to a consultation's poll. An anonymous poll's counts are the answer of
    /// the poll itself (each citizen has their own); a named poll's answer is the
    /// user's. Telegram shows the answer in the poll, so nothing is said, except to a
    /// named voter whose answer came after the consultation closed.
    async fn poll(&self, poll: PollUpdate) {
        let (ballot, voter) = match poll {
            PollUpdate::Counts { closed: true, .. } => return,
            PollUpdate::Counts {
                poll_id,
                counts,
                total,
                ..
            } => {
                let Some(choice) = choice_from_counts(&counts, total) else {
                    tracing::debug!("a poll answered by more than its citizen: left as it was");
                    return;
                };
                let ballot = Ballot {
                    target: Target::Poll(poll_id.clone()),
                    voter: Voter::Ballot(poll_id),
                    choice,
                };
                (ballot, None)
            }
            PollUpdate::Answer {
                poll_id,
                user,
                lang,
                options,
            } => {
                let choice = match options.as_slice() {
                    [] => Choice::Retract,
                    [option] => Choice::Option(usize::from(*option)),
                    // One answer per poll: several cannot come from our polls.
                    _ => return,
                };
                let citizen = key(user);
                let ballot = Ballot {
                    target: Target::Poll(poll_id),
                    voter: Voter::Citizen(citizen.clone()),
                    choice,
                };
                (ballot, Some((citizen, lang)))
            }
        };
        let counted = self.conversation.vote("telegram", &ballot).await;
        if let (Some((citizen, lang)), Some(closed @ Counted::Closed { .. })) = (voter, &counted) {
            let reply = self
                .conversation
                .vote_reply(&citizen, lang.as_deref(), Some(closed))
                .await;
            let lang = self.conversation.language(&citizen, lang.as_deref()).await;
            self.send_all(&citizen, &lang, render(&[reply]), None).await;
        }
    }
}

impl<C: ContentSource + 'static, S: CitizenStore + StaffDesk + Ballots + 'static>
    Handler<i64, Taken> for Turns<C, S>
{
    async fn handle(&self, chat: &i64, taken: Taken) {
        let key = key(*chat);
        match taken.event {
            Event::Ignore => {}
            Event::Staff {
                group,
                thread,
                user,
                name,
                text,
            } => {
                super::staff::handle(
                    &self.conversation,
                    &self.api,
                    &self.members,
                    (group, thread, user),
                    (&name, &text),
                )
                .await;
            }
            Event::Blocked { blocked, .. } => self.conversation.set_blocked(&key, blocked).await,
            Event::Poll(poll) => self.poll(poll).await,
            Event::Turn {
                input,
                lang,
                callback,
                ..
            } => {
                if let Some(id) = callback {
                    // Stops the client's spinner; the turn's reply follows.
                    if let Err(err) = self.api.answer_callback_query(&id).await {
                        tracing::debug!("answerCallbackQuery: {err}");
                    }
                }
                let inbound = Inbound {
                    at: Utc::now(),
                    input,
                };
                let reply = self
                    .conversation
                    .reply_to_update(&key, &inbound, lang.as_deref(), taken.update)
                    .await;
                self.send_all(
                    &key,
                    &reply.lang,
                    render(&reply.replies),
                    Some(taken.received),
                )
                .await;
            }
        }
    }

    async fn overflow(&self, chat: &i64) {
        let key = key(*chat);
        tracing::info!(chat = %log_id(&key.chat), "chat sends faster than it is answered; excess dropped");
        let lang = self.conversation.language(&key, None).await;
        let busy = self.conversation.busy_reply(&lang);
        self.send_all(&key, &lang, render(&[busy]), None).await;
    }
}

/// How a Telegram chat is shown its reply's wait: the chat action `typing`, and the
/// dialogues' notice sent once, ahead of the reply, in the citizen's language.
struct Waiting<'a, C, S> {
    turns: &'a Turns<C, S>,
    chat: &'a str,
    lang: &'a str,
}

impl<C: ContentSource + 'static, S: CitizenStore + 'static> Show for Waiting<'_, C, S> {
    async fn typing(&self) {
        if let Err(err) = self.turns.api.send_chat_action(self.chat, "typing").await {
            tracing::debug!("sendChatAction: {err}");
        }
    }

    async fn notice(&self) {
        let d = self.turns.conversation.dialogues();
        let text = d
            .settings
            .fallback
            .arriving
            .get(self.lang, &d.settings.default_lang);
        if text.trim().is_empty() {
            return;
        }
        let notice = TelegramMessage::notice(text);
        // One attempt: it is worth something only before the reply.
        match self.turns.sender.inner().send(self.chat, &notice).await {
            Ok(_) => tracing::debug!(chat = %log_id(self.chat), "arriving notice sent"),
            Err(err) => tracing::debug!("arriving notice not sent: {err}"),
        }
    }
}
