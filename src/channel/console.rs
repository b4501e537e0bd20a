//! The terminal channel behind `sportello chat`: one line in is one message, replies
//! are printed with their buttons numbered. With a terminal it shows a prompt; piped,
//! it prints replies plainly and stops at end of input, so it can be scripted.

use std::io::Write;

use chrono::{DateTime, Utc};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use crate::conversation::{Conversation, TurnError};
use crate::engine::{Inbound, Input, Outbound};
use crate::store::{ChatKey, CitizenStore, ContentSource};
use crate::text::html_to_plain;

/// How the console talks.
pub struct ConsoleOptions {
    /// Show a prompt and a greeting line (a person at a terminal).
    pub interactive: bool,
    /// The citizen's language for a new session.
    pub lang: String,
    /// The citizen's id on the `console` channel.
    pub chat: String,
}

/// Reads messages from `input` until its end and writes the bot's replies to `out`.
/// `clock` gives each message its time (tests pin it).
pub async fn run<C, S, R, W>(
    conversation: &Conversation<C, S>,
    options: &ConsoleOptions,
    input: R,
    mut out: W,
    clock: impl Fn() -> DateTime<Utc>,
) -> Result<(), ConsoleError>
where
    C: ContentSource,
    S: CitizenStore,
    R: AsyncBufRead + Unpin,
    W: Write,
{
    let key = ChatKey::new("console", options.chat.clone());
    if options.interactive {
        writeln!(
            out,
            "{} — chat di prova. Scrivi /start per iniziare, Ctrl-D per uscire.",
            conversation.dialogues().settings.bot
        )?;
        write!(out, "> ")?;
        out.flush()?;
    }
    let mut lines = input.lines();
    while let Some(line) = lines.next_line().await? {
        if line.trim().is_empty() {
            if options.interactive {
                write!(out, "> ")?;
                out.flush()?;
            }
            continue;
        }
        let inbound = Inbound {
            at: clock(),
            input: Input::from_text(&line),
        };
        let turn = conversation
            .turn(&key, &inbound, Some(&options.lang))
            .await?;
        write!(out, "{}", render(&turn.replies))?;
        if options.interactive {
            write!(out, "> ")?;
        }
        out.flush()?;
    }
    Ok(())
}

/// Replies as terminal text: each message, its buttons numbered, a blank line after.
pub fn render(replies: &[Outbound]) -> String {
    let mut text = String::new();
    for reply in replies {
        let body = html_to_plain(&reply.text);
        if !body.trim().is_empty() {
            text.push_str(body.trim_end());
            text.push('\n');
        }
        for (index, button) in reply.buttons.iter().enumerate() {
            text.push_str(&format!("  [{}] {}\n", index + 1, button.label));
        }
        text.push('\n');
    }
    text
}

/// The console could not go on.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// Reading or writing the terminal failed.
    #[error("terminal: {0}")]
    Io(#[from] std::io::Error),
    /// A turn failed (the offline stores never should).
    #[error(transparent)]
    Turn(#[from] TurnError),
}
