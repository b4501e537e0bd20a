//! The peer of `benches/cost.rs`: a teloxide 0.17 dialogue bot whose state lives in
//! teloxide's `PostgresStorage` (JSON), long polling the Bot API at `PEER_API_URL`.
//! It walks the short conversation the bench's citizens write (`/start`, `1`, a
//! question, `2`, `/menu`) with replies about as long as Sportello's, buttons
//! included, so the two bots do comparable work per turn: read the state, answer,
//! write the state.
//!
//! Env: `PEER_API_URL` (the fake Bot API), `DATABASE_URL`, `PEER_THROTTLE`: unset or
//! `on` wraps the bot in teloxide's `Throttle` at Telegram's paid ceiling (1,000/s,
//! one a second per chat), as Sportello is throttled; `off` sends unthrottled.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use teloxide::adaptors::throttle::Limits;
use teloxide::dispatching::dialogue::{Dialogue, PostgresStorage, serializer::Json};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, ParseMode};

type Storage = PostgresStorage<Json>;
type Chat = Dialogue<State, Storage>;
type Error = Box<dyn std::error::Error + Send + Sync>;

/// Where a citizen is in the conversation.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
enum State {
    #[default]
    Start,
    Menu,
    Exam,
    Answered,
}

// Sportello's bundled replies to the same messages, so both send as many bytes.
const MENU: &str = "Ciao! Sono lo sportello digitale del Ministero dell'Istruzione (<i>versione dimostrativa</i>).\nTi dico le date dell'Esame di Stato e dei test di ammissione, ti mando le notizie e rispondo alle domande frequenti.\nScegli un argomento oppure scrivi la tua domanda.";
const MENU_BUTTONS: [&str; 4] = [
    "🎓 Esame di Stato",
    "🏛 Test di ammissione",
    "📰 Notizie",
    "❓ Aiuto e contatti",
];
const EXAM: &str = "🎓 <b>Esame di Stato 2027</b> (date dimostrative). Cosa vuoi sapere?";
const EXAM_BUTTONS: [&str; 4] = [
    "📅 Calendario prove",
    "🎒 Cosa portare",
    "📊 Risultati",
    "⬅️ Menu principale",
];
const FIRST_TEST: &str = "📝 La <b>Prima prova scritta (italiano)</b> è mercoledì 16 giugno 2027, ore 8:30, presso la propria scuola.\nDurata massima sei ore. Tipologie A, B e C: analisi del testo, testo argomentativo, tema di attualità.";
const FIRST_TEST_BUTTONS: [&str; 2] = ["🔔 Ricordamelo", "⬅️ Esame di Stato"];
const UNKNOWN: &str = "Non ho capito. Scegli un argomento dal menu oppure scrivi /menu.";

/// The next state and the reply (text, buttons) to `text` in `state`.
fn step(state: State, text: &str) -> (State, &'static str, &'static [&'static str]) {
    match (state, text) {
        (_, "/start" | "/menu") => (State::Menu, MENU, &MENU_BUTTONS),
        (State::Menu, "1") => (State::Exam, EXAM, &EXAM_BUTTONS),
        (State::Exam, _) => (State::Answered, FIRST_TEST, &FIRST_TEST_BUTTONS),
        // The second button: back to the exam's menu.
        (State::Answered, "2") => (State::Exam, EXAM, &EXAM_BUTTONS),
        (state, _) => (state, UNKNOWN, &MENU_BUTTONS),
    }
}

fn keyboard(labels: &[&str]) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(labels.chunks(2).enumerate().map(|(row, pair)| {
        pair.iter()
            .enumerate()
            .map(|(i, label)| {
                InlineKeyboardButton::callback(*label, format!("b{}", row * 2 + i + 1))
            })
            .collect::<Vec<_>>()
    }))
}

/// One turn: the state was read by `enter_dialogue`; write the next one, reply.
async fn turn<B>(bot: B, chat: Chat, state: State, message: Message) -> Result<(), Error>
where
    B: Requester,
    B::Err: std::error::Error + Send + Sync + 'static,
{
    let (next, reply, buttons) = step(state, message.text().unwrap_or_default());
    chat.update(next).await?;
    bot.send_message(message.chat.id, reply)
        .parse_mode(ParseMode::Html)
        .reply_markup(keyboard(buttons))
        .await?;
    Ok(())
}

async fn serve<B>(bot: B, storage: Arc<Storage>)
where
    B: Requester + Clone + Send + Sync + 'static,
    B::Err: std::error::Error + Send + Sync + 'static,
    B::GetUpdates: Send,
    B::SendMessage: Send,
{
    let handler = Update::filter_message()
        .enter_dialogue::<Message, Storage, State>()
        .endpoint(turn::<B>);
    Dispatcher::builder(bot, handler)
        .dependencies(dptree::deps![storage])
        .build()
        .dispatch()
        .await;
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let api = std::env::var("PEER_API_URL")?.parse()?;
    let database = std::env::var("DATABASE_URL")?;
    // As many connections as Sportello's pool.
    let storage = PostgresStorage::open(&database, 16, Json).await?;
    let bot = Bot::new("1:PEER").set_api_url(api);
    if std::env::var("PEER_THROTTLE").as_deref() == Ok("off") {
        serve(bot, storage).await;
    } else {
        let paid = Limits {
            messages_per_sec_overall: 1_000,
            messages_per_sec_chat: 1,
            // Telegram allows one a second to a private chat; teloxide's default of 20
            // a minute would hold back a citizen who writes every 2 s.
            messages_per_min_chat: 60,
            ..Limits::default()
        };
        serve(bot.throttle(paid), storage).await;
    }
    Ok(())
}
