//! A task running in the background of a test (the bot, a relay worker), and its off
//! switch.

use std::fmt::Debug;
use std::future::Future;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub struct Running<E> {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), E>>,
}

impl<E: Debug + Send + 'static> Running<E> {
    /// Spawns `run`, handing it the signal `stop` sends.
    pub fn spawn<F, Fut>(run: F) -> Running<E>
    where
        F: FnOnce(oneshot::Receiver<()>) -> Fut,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
    {
        let (stop, stopped) = oneshot::channel::<()>();
        Running {
            stop: Some(stop),
            task: tokio::spawn(run(stopped)),
        }
    }

    /// Stops it as `serve` does, waits for what it has in flight, and checks it
    /// finished cleanly.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.await {
            Ok(Ok(())) => {}
            other => panic!("did not stop cleanly: {other:?}"),
        }
    }

    /// Ends it where it stands, as a killed process would: nothing recorded, leases
    /// left to run out.
    pub async fn kill(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}
