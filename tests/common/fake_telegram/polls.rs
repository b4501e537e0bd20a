//! Polls in the fake Bot API: `sendPoll` checked as Telegram checks it (question
//! 1–300 characters, 2–10 options as `InputPollOption` objects of 1–100 characters,
//! `is_anonymous` a boolean, one answer, a regular poll), `stopPoll` (which sends the
//! closed poll's `poll` update, as Telegram does), and citizens answering: an
//! anonymous poll's answer arrives as a `poll` update with the counts, a named one's
//! as a `poll_answer` with the user and, as Telegram does, a `poll` update as well.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{FakeTelegram, Shared, chat_text, citizen, error, ok, push_update};

/// A poll the bot sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakePoll {
    /// `chat_id` as sent.
    pub to: String,
    pub message_id: i64,
    pub poll_id: String,
    pub question: String,
    pub options: Vec<String>,
    pub anonymous: bool,
    pub closed: bool,
    /// Voters per option.
    pub counts: Vec<u32>,
}

#[derive(Default)]
pub(super) struct Polls {
    sent: Vec<FakePoll>,
    next_id: u64,
}

fn utf16(text: &str) -> usize {
    text.encode_utf16().count()
}

/// What Telegram refuses in a `sendPoll`.
fn check(body: &Value) -> Result<(String, Vec<String>, bool), String> {
    let question = body.get("question").and_then(Value::as_str).unwrap_or("");
    if !(1..=300).contains(&utf16(question)) {
        return Err(format!(
            "poll question must be 1-300 characters: {question:?}"
        ));
    }
    let options = body
        .get("options")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if !(2..=10).contains(&options.len()) {
        return Err(format!(
            "poll must have 2-10 options, not {}",
            options.len()
        ));
    }
    let mut texts = Vec::with_capacity(options.len());
    for option in &options {
        let Some(text) = option.get("text").and_then(Value::as_str) else {
            return Err(format!("options must be InputPollOption objects: {option}"));
        };
        if !(1..=100).contains(&utf16(text)) {
            return Err(format!("poll option must be 1-100 characters: {text:?}"));
        }
        texts.push(text.to_owned());
    }
    let anonymous = match body.get("is_anonymous") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(format!("is_anonymous must be a boolean: {other}")),
    };
    if body
        .get("allows_multiple_answers")
        .is_some_and(|m| m != &json!(false))
    {
        return Err("this bot's polls take one answer".into());
    }
    if body.get("type").is_some_and(|t| t != "regular") {
        return Err("this bot's polls are regular polls".into());
    }
    Ok((question.to_owned(), texts, anonymous))
}

fn poll_json(poll: &FakePoll) -> Value {
    json!({
        "id": poll.poll_id,
        "question": poll.question,
        "options": poll.options.iter().zip(&poll.counts)
            .map(|(text, n)| json!({ "text": text, "voter_count": n }))
            .collect::<Vec<_>>(),
        "total_voter_count": poll.counts.iter().sum::<u32>(),
        "is_closed": poll.closed,
        "is_anonymous": poll.anonymous,
        "type": "regular",
        "allows_multiple_answers": false
    })
}

/// `sendPoll`.
pub(super) fn send_poll(shared: &Shared, body: &Value) -> Response {
    let (question, options, anonymous) = match check(body) {
        Ok(checked) => checked,
        Err(violation) => {
            shared.lock().violations.push(violation.clone());
            return error(
                StatusCode::BAD_REQUEST,
                &format!("Bad Request: {violation}"),
                None,
            );
        }
    };
    let to = chat_text(body.get("chat_id"));
    let mut inner = shared.lock();
    inner.next_message_id += 1;
    inner.polls.next_id += 1;
    let poll = FakePoll {
        to: to.clone(),
        message_id: inner.next_message_id,
        poll_id: format!("{}", 5_263_000_000_000_000_000_u64 + inner.polls.next_id),
        counts: vec![0; options.len()],
        question,
        options,
        anonymous,
        closed: false,
    };
    let message = json!({
        "message_id": poll.message_id, "date": 1_800_000_000,
        "chat": { "id": body.get("chat_id").cloned().unwrap_or(Value::Null), "type": "private" },
        "poll": poll_json(&poll)
    });
    inner.polls.sent.push(poll);
    ok(message)
}

/// `stopPoll`: the poll closes and its final state goes out as a `poll` update.
pub(super) fn stop_poll(shared: &Shared, body: &Value) -> Response {
    let to = chat_text(body.get("chat_id"));
    let message_id = body.get("message_id").and_then(Value::as_i64).unwrap_or(0);
    let stopped = {
        let mut inner = shared.lock();
        let Some(poll) = inner
            .polls
            .sent
            .iter_mut()
            .find(|p| p.to == to && p.message_id == message_id)
        else {
            return error(
                StatusCode::BAD_REQUEST,
                "Bad Request: message with poll to stop not found",
                None,
            );
        };
        if poll.closed {
            return error(
                StatusCode::BAD_REQUEST,
                "Bad Request: poll has already been closed",
                None,
            );
        }
        poll.closed = true;
        poll_json(poll)
    };
    push_update(shared, json!({ "poll": stopped }));
    ok(stopped)
}

impl FakeTelegram {
    /// Every poll sent, in order.
    pub fn polls(&self) -> Vec<FakePoll> {
        self.shared.lock().polls.sent.clone()
    }

    /// The polls sent to `to` (a chat id as text or an `@name`).
    pub fn polls_to(&self, to: &str) -> Vec<FakePoll> {
        self.polls().into_iter().filter(|p| p.to == to).collect()
    }

    /// Waits until `count` polls were sent; fails after a generous deadline.
    pub async fn wait_for_polls(&self, count: usize) -> Vec<FakePoll> {
        self.wait_for_calls("sendPoll", count).await;
        let polls = self.polls();
        assert!(polls.len() >= count, "{polls:#?}\n{:?}", self.violations());
        polls
    }

    fn poll(&self, poll_id: &str) -> FakePoll {
        match self.polls().into_iter().find(|p| p.poll_id == poll_id) {
            Some(poll) => poll,
            None => panic!("no poll {poll_id}"),
        }
    }

    /// Sets the poll's counts (closed polls keep theirs) and sends its `poll` update.
    pub fn set_counts(&self, poll_id: &str, counts: &[u32]) -> u32 {
        let state = {
            let mut inner = self.shared.lock();
            let Some(poll) = inner.polls.sent.iter_mut().find(|p| p.poll_id == poll_id) else {
                panic!("no poll {poll_id}")
            };
            if !poll.closed {
                poll.counts = counts.to_vec();
            }
            poll_json(poll)
        };
        self.push_update(json!({ "poll": state }))
    }

    /// The citizen of a private chat answers its anonymous poll (`None`: takes the
    /// answer back): a `poll` update with the counts.
    pub fn vote(&self, poll_id: &str, option: Option<usize>) -> u32 {
        let poll = self.poll(poll_id);
        let counts: Vec<u32> = (0..poll.options.len())
            .map(|i| u32::from(Some(i) == option))
            .collect();
        self.set_counts(poll_id, &counts)
    }

    /// `user` answers a named poll (`[]`: takes the answer back): a `poll_answer`,
    /// then the `poll` update with the counts, as Telegram sends both.
    pub fn answer_poll(&self, poll_id: &str, user: i64, options: &[usize]) -> u32 {
        let id = self.push_update(json!({
            "poll_answer": { "poll_id": poll_id, "user": citizen(user), "option_ids": options }
        }));
        let poll = self.poll(poll_id);
        let counts: Vec<u32> = (0..poll.options.len())
            .map(|i| u32::from(options.contains(&i)))
            .collect();
        self.set_counts(poll_id, &counts);
        id
    }
}
