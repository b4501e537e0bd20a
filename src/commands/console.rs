//! `sportello staff`: the accounts of the staff console.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::{Context, bail};
use sportello::console::accounts::{self, Role};

use super::data::with_store;
use crate::StaffCommand;

pub fn staff(command: StaffCommand) -> anyhow::Result<ExitCode> {
    match command {
        StaffCommand::Add {
            username,
            name,
            role,
            db,
        } => {
            let Some(role) = Role::parse(&role) else {
                bail!("`{role}` is not a role: write editor or admin");
            };
            let password = password()?;
            with_store(&db, async |store| {
                let user = accounts::add(store.pool(), &username, &name, role, &password).await?;
                println!(
                    "added {} ({}): they sign in at /console",
                    user.username,
                    user.role.as_str()
                );
                Ok(ExitCode::SUCCESS)
            })
        }
        StaffCommand::List { db } => with_store(&db, async |store| {
            let users = accounts::list(store.pool()).await?;
            if users.is_empty() {
                println!(
                    "no staff accounts: add the first with `sportello staff add NAME --role admin`"
                );
            }
            for user in users {
                println!(
                    "{:<24} {:<7} {}",
                    user.username,
                    user.role.as_str(),
                    user.display_name
                );
            }
            Ok(ExitCode::SUCCESS)
        }),
        StaffCommand::Remove { username, db } => with_store(&db, async |store| {
            accounts::remove(store.pool(), &username).await?;
            println!("removed {username}");
            Ok(ExitCode::SUCCESS)
        }),
        StaffCommand::ResetPassword { username, db } => {
            let password = password()?;
            with_store(&db, async |store| {
                accounts::reset_password(store.pool(), &username, &password).await?;
                println!("new password set for {username}");
                Ok(ExitCode::SUCCESS)
            })
        }
    }
}

/// The password: asked twice without echo at a terminal, else the first line of
/// standard input (scripts).
fn password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").context("reading the password")?;
        let again = rpassword::prompt_password("Again: ").context("reading the password")?;
        if first != again {
            bail!("the two passwords differ");
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
