//! A Telegram supergroup with forum topics, as the staff relay sends into it: the
//! trait beside the sender stack, so the relay and the Telegram channel meet here.

use std::future::Future;

use super::SendError;

/// What a failed send into a topic says about the topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicProblem {
    /// Deleted (or never there): open a new one.
    Gone,
    /// Closed by hand: reopen it.
    Closed,
}

/// A Telegram supergroup with forum topics, as the staff relay uses it.
pub trait Forum: Send + Sync + 'static {
    /// Opens a topic called `name` in `group`; its thread id.
    fn create_topic(
        &self,
        group: i64,
        name: &str,
    ) -> impl Future<Output = Result<i64, SendError>> + Send;

    /// Sends `text` (Telegram HTML when `markup`) into `thread`; the message id.
    fn send_to_topic(
        &self,
        group: i64,
        thread: i64,
        text: &str,
        markup: bool,
    ) -> impl Future<Output = Result<String, SendError>> + Send;

    /// Copies message `message_id` of the chat `from_chat` (a citizen's photo, say)
    /// into `thread`, as it is and without naming its sender; the copy's message id.
    fn copy_to_topic(
        &self,
        group: i64,
        thread: i64,
        from_chat: i64,
        message_id: i64,
    ) -> impl Future<Output = Result<String, SendError>> + Send;

    /// Reopens a topic staff closed.
    fn reopen_topic(
        &self,
        group: i64,
        thread: i64,
    ) -> impl Future<Output = Result<(), SendError>> + Send;

    /// What `err` says about the topic, if anything.
    fn topic_problem(err: &SendError) -> Option<TopicProblem>;
}
