//! The staff relay's [`Forum`], on the bot's Bot API client (`forum`'s calls).

use super::api::BotApi;
use super::forum;
use crate::sender::SendError;
use crate::sender::{Forum, TopicProblem};

impl Forum for BotApi {
    async fn create_topic(&self, group: i64, name: &str) -> Result<i64, SendError> {
        forum::create_topic(self, group, name).await
    }

    async fn send_to_topic(
        &self,
        group: i64,
        thread: i64,
        text: &str,
        markup: bool,
    ) -> Result<String, SendError> {
        forum::send_to_topic(self, group, thread, text, markup).await
    }

    async fn copy_to_topic(
        &self,
        group: i64,
        thread: i64,
        from_chat: i64,
        message_id: i64,
    ) -> Result<String, SendError> {
        forum::copy_to_topic(self, group, thread, from_chat, message_id).await
    }

    async fn reopen_topic(&self, group: i64, thread: i64) -> Result<(), SendError> {
        forum::reopen_topic(self, group, thread).await
    }

    fn topic_problem(err: &SendError) -> Option<TopicProblem> {
        forum::topic_problem(err)
    }
}
