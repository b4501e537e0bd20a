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
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
