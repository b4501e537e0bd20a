//! `sportello tickets`: the conversations citizens have with a person — list them,
//! read one, close one (the citizen is told and the bot answers them again).

use std::process::ExitCode;

use chrono_tz::Europe::Rome;
use sportello::store::StaffDesk;

use super::data::with_store;
use super::staff::load_or_report;
use crate::TicketsCommand;

pub fn tickets(command: TicketsCommand) -> anyhow::Result<ExitCode> {
    match command {
        TicketsCommand::List { all, limit, db } => with_store(&db, async |store| {
            let lines = store.list_tickets(all, limit).await?;
            if lines.is_empty() {
                println!("no open tickets");
            }
            for line in lines {
                let last = line.last_at.map_or_else(
                    || "—".to_owned(),
                    |at| at.with_timezone(&Rome).format("%d/%m %H:%M").to_string(),
                );
                println!(
                    "#{:<6} {:<10} {:<9} {:<9} opened {}  {} message(s), last {last}",
                    line.id,
                    line.queue,
                    line.status,
                    line.channel,
                    line.opened_at.with_timezone(&Rome).format("%d/%m/%Y %H:%M"),
                    line.messages,
                );
            }
            Ok(ExitCode::SUCCESS)
        }),
        TicketsCommand::Show { id, db } => with_store(&db, async |store| {
            let Some(ticket) = store.ticket(id).await? else {
                eprintln!("no ticket #{id}");
                return Ok(ExitCode::FAILURE);
            };
            println!(
                "#{} · {} · {} · language {} · opened {}",
                ticket.id,
                ticket.queue,
                ticket.status,
                ticket.lang,
                ticket
                    .opened_at
                    .with_timezone(&Rome)
                    .format("%d/%m/%Y %H:%M")
            );
            for message in ticket.messages {
                let who = match message.direction.as_str() {
                    "citizen" => "citizen",
                    "staff" => "staff  ",
                    _ => "note   ",
                };
                println!(
                    "{}  {who}  {}",
                    message.at.with_timezone(&Rome).format("%d/%m %H:%M"),
                    message.body
                );
            }
            Ok(ExitCode::SUCCESS)
        }),
        TicketsCommand::Close { id, db, dialogues } => {
            let d = load_or_report(dialogues.as_deref())?;
            with_store(&db, async |store| {
                let handoff = &d.settings.handoff;
                let closed = |lang: &str| {
                    html_escape::encode_text(handoff.closed.get(lang, &d.settings.default_lang))
                        .into_owned()
                };
                if store.close_ticket(id, &closed, handoff.reopen_days).await? {
                    println!("ticket #{id} closed; the citizen is told and talks to the bot again");
                    Ok(ExitCode::SUCCESS)
                } else {
                    eprintln!("ticket #{id} is not open");
                    Ok(ExitCode::FAILURE)
                }
            })
        }
    }
}
