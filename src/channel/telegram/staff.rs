//! What staff write in a ticket's forum topic: an answer goes to the citizen signed
//! with the office's name; `/nota …` is kept for staff only; `/chiudi` (or `/bot`)
//! closes the ticket and the bot answers the citizen again. Only members of the
//! group count: a message from anyone else is ignored.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::api::BotApi;
use crate::conversation::Conversation;
use crate::dialogue::Handoff;
use crate::store::{CitizenStore, ContentSource, StaffDesk};
use crate::text::log_id;

/// How long a membership answer is trusted before `getChatMember` is asked again.
const MEMBERSHIP_TTL: Duration = Duration::from_secs(300);

/// What a staff message asks.
#[derive(Debug, PartialEq, Eq)]
enum StaffCommand<'a> {
    /// An answer for the citizen.
    Answer(&'a str),
    /// A note for staff only.
    Note(&'a str),
    /// Close the ticket (and give the citizen back to the bot).
    Close,
}

/// Reads `text`: `/chiudi`, `/close`, `/bot`, `/nota …`, `/note …` (with or without
/// `@bot`), else an answer.
fn command(text: &str) -> StaffCommand<'_> {
    let trimmed = text.trim();
    let Some(rest) = trimmed.strip_prefix('/') else {
        return StaffCommand::Answer(trimmed);
    };
    let (head, arg) = rest
        .split_once(char::is_whitespace)
        .map_or((rest, ""), |(h, a)| (h, a.trim()));
    let name = head.split('@').next().unwrap_or(head).to_lowercase();
    match name.as_str() {
        "chiudi" | "close" | "bot" => StaffCommand::Close,
        "nota" | "note" => StaffCommand::Note(arg),
        _ => StaffCommand::Answer(trimmed),
    }
}

/// Who may answer in the staff groups, remembered for a while.
#[derive(Debug, Default)]
pub(super) struct Members {
    known: Mutex<HashMap<(i64, i64), (bool, Instant)>>,
}

impl Members {
    /// Whether `user` is a member of `group`; a failed check counts as not.
    async fn check(&self, api: &BotApi, group: i64, user: i64) -> bool {
        let remembered = self
            .known
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(group, user))
            .filter(|(_, at)| at.elapsed() < MEMBERSHIP_TTL)
            .map(|(member, _)| *member);
        if let Some(member) = remembered {
            return member;
        }
        match super::forum::is_staff_member(api, group, user).await {
            Ok(member) => {
                self.known
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert((group, user), (member, Instant::now()));
                member
            }
            Err(err) => {
                tracing::warn!("getChatMember: {err}; the message is not relayed");
                false
            }
        }
    }
}

/// Handles one staff message in `thread` of `group` from `user`.
pub(super) async fn handle<C: ContentSource, S: CitizenStore + StaffDesk>(
    conversation: &Conversation<C, S>,
    api: &BotApi,
    members: &Members,
    (group, thread, user): (i64, i64, i64),
    (name, text): (&str, &str),
) {
    let desk = conversation.citizens();
    let ticket = match desk.ticket_in_topic(group, thread).await {
        Ok(Some(ticket)) => ticket,
        Ok(None) => {
            tracing::debug!("staff group: a message outside any ticket's topic");
            return;
        }
        Err(err) => {
            tracing::warn!("staff group: cannot find the ticket: {err}");
            return;
        }
    };
    if !members.check(api, group, user).await {
        tracing::info!(
            ticket,
            user = %log_id(&user.to_string()),
            "staff group: a message from someone not in the group; ignored"
        );
        return;
    }
    let d = conversation.dialogues();
    let handoff = &d.settings.handoff;
    let default_lang = &d.settings.default_lang;
    let done = match command(text) {
        StaffCommand::Answer("") | StaffCommand::Note("") => Ok(()),
        StaffCommand::Answer(answer) => {
            let signed = |lang: &str| signed(handoff, (lang, default_lang), name, answer);
            match desk.answer_ticket(ticket, answer, &signed).await {
                Ok(true) => {
                    metrics::counter!("sportello_ticket_answers_total").increment(1);
                    Ok(())
                }
                Ok(false) => {
                    tracing::info!(
                        ticket,
                        "staff group: an answer in a closed ticket; not sent"
                    );
                    Ok(())
                }
                Err(err) => Err(err),
            }
        }
        StaffCommand::Note(note) => desk.note_ticket(ticket, note).await,
        StaffCommand::Close => {
            let closed = |lang: &str| {
                html_escape::encode_text(handoff.closed.get(lang, default_lang)).into_owned()
            };
            match desk
                .close_ticket(ticket, &closed, handoff.reopen_days)
                .await
            {
                Ok(closed) => {
                    if closed && let Err(err) = super::forum::close_topic(api, group, thread).await
                    {
                        tracing::debug!(ticket, "closeForumTopic: {err}");
                    }
                    Ok(())
                }
                Err(err) => Err(err),
            }
        }
    };
    if let Err(err) = done {
        tracing::warn!(ticket, "staff group: not recorded: {err}");
    }
}

/// A staff answer as the citizen reads it: the office's name (with the staff
/// member's first name when `sign_with_name`), then the answer; HTML.
fn signed(
    handoff: &Handoff,
    (lang, default_lang): (&str, &str),
    name: &str,
    answer: &str,
) -> String {
    let office = handoff.signature.get(lang, default_lang);
    let name = name.trim();
    let signature = if handoff.sign_with_name && !name.is_empty() {
        format!("{office} · {name}")
    } else {
        office.to_owned()
    };
    format!(
        "<b>{}</b>\n{}",
        html_escape::encode_text(&signature),
        html_escape::encode_text(answer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_signed_by_the_office_and_by_name_only_when_configured() {
        let (d, _) = crate::dialogue::load(&crate::dialogue::bundled_files());
        let Some(d) = d else {
            panic!("bundled dialogues do not load")
        };
        let mut handoff = d.settings.handoff.clone();
        let langs = ("it", "it");
        assert_eq!(
            signed(&handoff, langs, "Anna", "Le <rispondo> domani"),
            "<b>Ufficio relazioni con il pubblico</b>\nLe &lt;rispondo&gt; domani"
        );
        handoff.sign_with_name = true;
        assert_eq!(
            signed(&handoff, langs, "Anna", "Ok"),
            "<b>Ufficio relazioni con il pubblico · Anna</b>\nOk"
        );
        assert_eq!(
            signed(&handoff, ("en", "it"), " ", "Ok"),
            "<b>Public relations office</b>\nOk"
        );
    }

    #[test]
    fn staff_commands_are_read_in_both_languages() {
        assert_eq!(command("/chiudi"), StaffCommand::Close);
        assert_eq!(command("/close@SportelloBot"), StaffCommand::Close);
        assert_eq!(command("/bot"), StaffCommand::Close);
        assert_eq!(
            command("/nota  richiamare lunedì"),
            StaffCommand::Note("richiamare lunedì")
        );
        assert_eq!(
            command(" Buongiorno, la domanda è valida "),
            StaffCommand::Answer("Buongiorno, la domanda è valida")
        );
        assert_eq!(
            command("/12 è il numero"),
            StaffCommand::Answer("/12 è il numero")
        );
    }
}
