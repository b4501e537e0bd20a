//! A relay worker running in the background of a test, and its status.

use sportello::relay::{self, Delivery, NewsStatus, RelayError, Sender, Worker, WorkerConfig};
use sqlx::PgPool;

/// A worker running in the background, and its off switch.
pub type Running = super::running::Running<RelayError>;

pub fn start<S: for<'a> Sender<Delivery<'a>>>(
    pool: &PgPool,
    sender: S,
    config: WorkerConfig,
) -> Running {
    let worker = Worker::new(pool.clone(), sender, config);
    Running::spawn(|stopped| async move {
        worker
            .run(async move {
                let _ = stopped.await;
            })
            .await
    })
}

/// The deliveries of news item `key`.
pub async fn status(pool: &PgPool, key: &str) -> NewsStatus {
    match relay::news_status(pool, key).await {
        Ok(status) => status,
        Err(err) => panic!("status: {err}"),
    }
}
