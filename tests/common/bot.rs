//! The Telegram bot running in the background of a test.

use sportello::channel::telegram::{self, TelegramConfig, TelegramError};
use sportello::conversation::Conversation;
use sportello::store::{Ballots, CitizenStore, ContentSource, StaffDesk, UpdateLog};

pub type Running = super::running::Running<TelegramError>;

/// Starts `telegram::run` as `serve` does, stopped by `Running::stop`.
pub fn start<C, S>(config: TelegramConfig, conversation: Conversation<C, S>) -> Running
where
    C: ContentSource + 'static,
    S: CitizenStore + StaffDesk + Ballots + UpdateLog + Clone + 'static,
{
    Running::spawn(|stopped| {
        telegram::run(config, conversation, async move {
            let _ = stopped.await;
        })
    })
}
