//! Command bodies for the `sportello` binary: staff tools (`staff`) and database
//! commands (`data`). Each returns an exit code or an error for `main` to print.

mod console;
mod data;
mod health;
mod opendata;
mod relay;
mod serve;
mod settings;
mod staff;
mod tickets;
mod understanding;

use std::process::ExitCode;

use anyhow::Context;
use sportello::staff_language::StaffLanguage;

use crate::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::Check { staff, .. } | Command::Test { staff, .. } | Command::Graph { staff, .. } =
        &cli.command
        && let Some(language) = staff.language
    {
        StaffLanguage::choose(language);
    }
    match cli.command {
        Command::Check { dir, format, .. } => staff::check(dir.as_deref(), format),
        Command::Chat(args) => staff::chat(args),
        Command::Serve(args) => serve::serve(*args),
        Command::Test {
            dir,
            dialogues,
            content,
            ..
        } => staff::test(dir, dialogues, content.as_deref()),
        Command::Graph {
            dir, format, flow, ..
        } => staff::graph(dir.as_deref(), format, flow),
        Command::Eval {
            file,
            dialogues,
            content,
            lang,
            min_accuracy,
            max_confident_wrong,
        } => understanding::eval(
            &file,
            understanding::Options {
                dialogues,
                content,
                lang,
                min_accuracy,
                max_confident_wrong,
            },
        ),
        Command::Explain {
            message,
            dialogues,
            content,
        } => understanding::explain(&message, dialogues.as_deref(), content.as_deref()),
        Command::Migrate(db) => data::migrate(&db),
        Command::Content(command) => data::content(command),
        Command::News(command) => data::news(command),
        Command::Citizen(command) => data::citizen(command),
        Command::Tickets(command) => tickets::tickets(command),
        Command::Staff(command) => console::staff(command),
        Command::Relay(args) => relay::relay(*args),
        Command::Opendata(command) => opendata::opendata(command),
        Command::Unanswered {
            db,
            limit,
            dialogues,
        } => data::unanswered(&db, limit, dialogues.as_deref()),
        Command::Healthcheck { listen } => health::check(listen),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if std::env::var_os("TOKIO_WORKER_THREADS").is_none() {
        builder.worker_threads(default_workers());
    }
    builder
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Half the cores, at least one. A turn takes well under a millisecond of the bot's
/// CPU, so one worker answers some two thousand a second, twice Telegram's paid
/// ceiling; workers the load does not need spend their time waking one another (a
/// fifth of the bot's CPU at 1,000 turns/s on 2 cores), and the cores left serve
/// PostgreSQL, often on the same machine. `TOKIO_WORKER_THREADS` overrides it.
fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| (cores.get() / 2).max(1))
}

#[cfg(test)]
mod tests {
    use super::default_workers;

    #[test]
    fn the_runtime_takes_half_the_cores_and_at_least_one_worker() {
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        assert_eq!(default_workers(), (cores / 2).max(1));
    }
}
