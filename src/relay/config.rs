//! How an outbox worker works: batch, concurrency, lease, polling, backoff, drain.

use std::time::Duration;

/// How a worker works. `Default` gives the documented defaults.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The worker's name in `leased_by` (default `<host>-<pid>-<n>`).
    pub name: Option<String>,
    /// Rows claimed at once (default 200).
    pub batch: usize,
    /// Sends in flight at once (default 64).
    pub concurrency: usize,
    /// How long a claim holds a row; renewed every third of it (default 60 s).
    pub lease: Duration,
    /// How often an idle worker looks for due rows without a notification (default 1 s).
    pub poll: Duration,
    /// First retry delay after a 5xx or timeout; doubles per attempt (default 2 s).
    pub backoff: Duration,
    /// The longest retry delay (default 10 min).
    pub backoff_cap: Duration,
    /// Outcomes held before they are recorded (default 32); they are also recorded
    /// every 200 ms.
    pub record_every: usize,
    /// On shutdown, how long sends in flight may take before their rows are released
    /// (default 10 s).
    pub drain: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            name: None,
            batch: 200,
            concurrency: 64,
            lease: Duration::from_secs(60),
            poll: Duration::from_secs(1),
            backoff: Duration::from_secs(2),
            backoff_cap: Duration::from_secs(600),
            record_every: 32,
            drain: Duration::from_secs(10),
        }
    }
}
