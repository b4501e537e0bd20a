//! A relay worker running in the background of a test, and its status.

use sportello::relay::{self, Delivery, NewsStatus, RelayError, Sender, Worker, WorkerConfig};
use sqlx::PgPool;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A worker running in the background, and its off switch.
pub struct Running {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), RelayError>>,
}

pub fn start<S: for<'a> Sender<Delivery<'a>>>(
    pool: &PgPool,
    sender: S,
    config: WorkerConfig,
) -> Running {
    let worker = Worker::new(pool.clone(), sender, config);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        worker
            .run(async move {
                let _ = stopped.await;
            })
            .await
    });
    Running {
        stop: Some(stop),
        task,
    }
}

impl Running {
    /// Stops it as `serve` does and checks it finished cleanly.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.await {
            Ok(Ok(())) => {}
            other => panic!("the worker did not stop cleanly: {other:?}"),
        }
    }

    /// Ends the worker where it stands, as a killed process would: nothing recorded,
    /// leases left to run out.
    pub async fn kill(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

/// The deliveries of news item `key`.
pub async fn status(pool: &PgPool, key: &str) -> NewsStatus {
    match relay::news_status(pool, key).await {
        Ok(status) => status,
        Err(err) => panic!("status: {err}"),
    }
}
