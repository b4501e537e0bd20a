//! One stop signal for everything a process runs: the channels, the relay worker and
//! the HTTP listener each hold a [`Shutdown`] and stop taking new work once it fires,
//! then finish what they hold.

use tokio::sync::watch;

/// Fires the stop signal (also when dropped).
#[derive(Debug)]
pub struct Trigger {
    fired: watch::Sender<bool>,
}

/// Waits for the stop signal. Cheap to clone; every clone sees the same signal.
#[derive(Debug, Clone)]
pub struct Shutdown {
    fired: watch::Receiver<bool>,
}

/// A new signal, not yet fired.
pub fn channel() -> (Trigger, Shutdown) {
    let (fired, watching) = watch::channel(false);
    (Trigger { fired }, Shutdown { fired: watching })
}

impl Trigger {
    /// Tells everything watching to stop.
    pub fn fire(&self) {
        self.fired.send_replace(true);
    }
}

impl Shutdown {
    /// Resolves once the signal has fired (at once if it already has).
    pub async fn wait(mut self) {
        // An error means the trigger is gone, which counts as firing.
        let _ = self.fired.wait_for(|fired| *fired).await;
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_clone_sees_the_signal_also_after_it_fired() {
        let (trigger, shutdown) = channel();
        let early = tokio::spawn(shutdown.clone().wait());
        trigger.fire();
        assert!(early.await.is_ok());
        // Waiting after the fact returns at once.
        shutdown.clone().wait().await;
        drop(trigger);
        shutdown.wait().await;
    }
}
