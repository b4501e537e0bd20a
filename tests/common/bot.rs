//! The Telegram bot running in the background of a test, and its off switch.

use sportello::channel::telegram::{self, TelegramConfig, TelegramError};
use sportello::conversation::Conversation;
use sportello::store::{Ballots, CitizenStore, ContentSource, StaffDesk, UpdateLog};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub struct Running {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), TelegramError>>,
}

/// Starts `telegram::run` as `serve` does, stopped by `Running::stop`.
pub fn start<C, S>(config: TelegramConfig, conversation: Conversation<C, S>) -> Running
where
    C: ContentSource + 'static,
    S: CitizenStore + StaffDesk + Ballots + UpdateLog + Clone + 'static,
{
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(telegram::run(config, conversation, async move {
        let _ = stopped.await;
    }));
    Running {
        stop: Some(stop),
        task,
    }
}

impl Running {
    /// Stops taking updates, waits for the turns in flight, and checks a clean exit.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.await {
            Ok(Ok(())) => {}
            other => panic!("the bot did not stop cleanly: {other:?}"),
        }
    }
}
