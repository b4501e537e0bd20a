//! The terminal channel behind `sportello chat`: one line in is one message, replies
//! are printed with their buttons numbered. With a terminal it shows a prompt; piped,
//! it prints replies plainly and stops at end of input, so it can be scripted.
//!
//! With [`Preview::Telegram`] or [`Preview::WhatsApp`] each reply is shown as that
//! channel will display it (see [`preview`]), and typed text is read as that
//! channel's adapter reads it.

pub mod preview;

use std::io::Write;

use chrono::{DateTime, Utc};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use crate::channel::{telegram, whatsapp};
use crate::conversation::{Conversation, TurnError};
use crate::engine::{Effect, Inbound, Input, Outbound};
use crate::say;
use crate::staff_language::StaffLanguage;
use crate::store::{ChatKey, CitizenStore, ContentSource, MenuEntry};
use crate::text::html_to_plain;

/// Which channel's display the console shows replies as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Preview {
    /// The terminal's own: text with numbered buttons (the default).
    #[default]
    Console,
    /// As Telegram will display them: messages split at its limit, inline keyboard.
    Telegram,
    /// As WhatsApp will display them: reply buttons, a list or a numbered text menu.
    WhatsApp,
}

/// How the console talks.
pub struct ConsoleOptions {
    /// Show a prompt and a greeting line (a person at a terminal).
    pub interactive: bool,
    /// The citizen's language for a new session.
    pub lang: String,
    /// The citizen's id on the `console` channel.
    pub chat: String,
    /// Whose display the replies are shown as.
    pub preview: Preview,
    /// The language of the console's own lines and of the preview's notes.
    pub staff: StaffLanguage,
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
        let bot = &conversation.dialogues().settings.bot;
        let greeting = match options.preview {
            Preview::Console => say!(
                "{bot} — test chat. Type /start to begin, Ctrl-D to leave.",
                "{bot} — chat di prova. Scrivi /start per iniziare, Ctrl-D per uscire."
            ),
            Preview::Telegram => say!(
                "{bot} — test chat, as Telegram shows it. Type /start to begin, Ctrl-D to leave.",
                "{bot} — chat di prova, come la mostra Telegram. Scrivi /start per iniziare, Ctrl-D per uscire."
            ),
            Preview::WhatsApp => say!(
                "{bot} — test chat, as WhatsApp shows it. Type /start to begin, Ctrl-D to leave.",
                "{bot} — chat di prova, come la mostra WhatsApp. Scrivi /start per iniziare, Ctrl-D per uscire."
            ),
        };
        writeln!(out, "{}", greeting.in_language(options.staff))?;
        write!(out, "> ")?;
        out.flush()?;
    }
    // The WhatsApp titles last shown, as the WhatsApp adapter remembers them.
    let mut whatsapp_menu: Vec<MenuEntry> = Vec::new();
    let mut lines = input.lines();
    while let Some(line) = lines.next_line().await? {
        if line.trim().is_empty() {
            if options.interactive {
                write!(out, "> ")?;
                out.flush()?;
            }
            continue;
        }
        let mut typed = Input::from_text(&line);
        if options.preview == Preview::WhatsApp {
            typed = whatsapp::typed_title(typed, &whatsapp_menu);
        }
        let inbound = Inbound {
            at: clock(),
            input: typed,
        };
        let turn = conversation
            .turn(&key, &inbound, Some(&options.lang))
            .await?;
        let shown = match options.preview {
            Preview::Console => render(&turn.replies),
            Preview::Telegram => preview::telegram(&telegram::render(&turn.replies), options.staff),
            Preview::WhatsApp => {
                let lang = if turn.session.lang.is_empty() {
                    &options.lang
                } else {
                    &turn.session.lang
                };
                let rendered = whatsapp::render(&turn.replies, lang);
                if let Some(menu) = &rendered.menu {
                    whatsapp_menu.clone_from(menu);
                }
                preview::whatsapp(&rendered, options.staff)
            }
        };
        write!(out, "{shown}")?;
        // Handed to a person: the bot is silent; say where the message went, since
        // nobody answers from a staff group in this offline chat.
        if turn
            .effects
            .iter()
            .any(|e| matches!(e, Effect::ToStaff { .. }))
        {
            let note = say!(
                "(passed to the office's staff; in this test chat nobody answers — /fine to go back to the bot)",
                "(inoltrato all'ufficio; in questa chat di prova nessuno risponde — /fine per tornare al bot)"
            );
            writeln!(out, "{}\n", note.in_language(options.staff))?;
        }
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
