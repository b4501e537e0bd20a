//! `sportello healthcheck`: asks a running `serve` for `/readyz`, so a container's
//! health check needs no curl in the image.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use super::runtime;

/// How long the check waits for an answer.
const TIMEOUT: Duration = Duration::from_secs(5);

pub fn check(mut listen: SocketAddr) -> anyhow::Result<ExitCode> {
    // A server listening on every address answers on loopback.
    if listen.ip().is_unspecified() {
        listen.set_ip(Ipv4Addr::LOCALHOST.into());
    }
    let url = format!("http://{listen}/readyz");
    let answer = runtime()?.block_on(async {
        let client = reqwest::Client::builder().timeout(TIMEOUT).build()?;
        let response = client.get(&url).send().await?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        anyhow::Ok((status, body))
    });
    let (status, body) = answer.with_context(|| format!("{url} did not answer"))?;
    println!("{status} {body}");
    Ok(if status.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
