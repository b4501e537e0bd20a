//! Telegram polls, as the relay sends a consultation's question: the trait beside the
//! sender stack, so the relay and the Telegram channel meet here. [`Paced`] makes
//! every poll call wait for the channel's pace like any message.

use std::future::Future;

use super::{Class, Paced, SendError, pace_key};

/// A poll to send: one answer, never a quiz.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Poll<'a> {
    /// The question (at most 300 characters).
    pub question: &'a str,
    /// The options (2–10, each at most 100 characters).
    pub options: &'a [String],
    /// Anonymous: Telegram tells the bot only the counts, never who voted.
    pub anonymous: bool,
}

/// A poll Telegram took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentPoll {
    /// The message that shows it, in its chat.
    pub message_id: String,
    /// The poll's own id, which `poll` and `poll_answer` updates name.
    pub poll_id: String,
}

/// Sends and stops polls.
pub trait Polls: Send + Sync + 'static {
    /// Sends `poll` to `recipient` (a chat id or `@channel`).
    fn send_poll(
        &self,
        recipient: &str,
        poll: &Poll<'_>,
    ) -> impl Future<Output = Result<SentPoll, SendError>> + Send;

    /// Stops the poll shown by message `message_id` of `recipient`: nobody can answer
    /// it any more.
    fn stop_poll(
        &self,
        recipient: &str,
        message_id: i64,
    ) -> impl Future<Output = Result<(), SendError>> + Send;
}

impl<P: Polls> Polls for Paced<P> {
    async fn send_poll(&self, recipient: &str, poll: &Poll<'_>) -> Result<SentPoll, SendError> {
        // Consultations are proactive: replies to citizens go first.
        self.pace()
            .ready_as(pace_key(recipient), Class::Background)
            .await;
        let result = self.inner().send_poll(recipient, poll).await;
        if let Err(SendError::RetryAfter(after)) = &result {
            self.pace().freeze(*after);
        }
        result
    }

    async fn stop_poll(&self, recipient: &str, message_id: i64) -> Result<(), SendError> {
        // Consultations are proactive: replies to citizens go first.
        self.pace()
            .ready_as(pace_key(recipient), Class::Background)
            .await;
        let result = self.inner().stop_poll(recipient, message_id).await;
        if let Err(SendError::RetryAfter(after)) = &result {
            self.pace().freeze(*after);
        }
        result
    }
}
