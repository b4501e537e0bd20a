//! The Cloud API sender: news to WhatsApp subscribers through
//! [`NewsSender::deliver`]: free text inside the 24-hour window, else (or when Meta
//! answers 131047) the approved template of the news' topic, with the body parameters
//! `[title, link]` (`—` when the item has no link).
//!
//! A message about a ticket (a staff answer, the office closing it) goes outside the
//! window as `WHATSAPP_REPLY_TEMPLATE` with `[ticket number, the message as one line]`;
//! with no such template it fails, saying so.
//!
//! A consultation's question goes as an interactive list inside the window (see
//! [`consultation_question`]); outside it, or on 131047, as the topic's template with
//! `[question, —]`, and with no template it fails naming the topic, as news does. Its
//! results go as news do, the template's title being the results' first line.
//!
//! The template's topic is the first of the news' topics, those the subscriber
//! follows first, that has a template in `WHATSAPP_NEWS_TEMPLATES`; with none, the
//! delivery fails naming the topic.
//!
//! Answers, as the worker acts on them:
//! - 130429, 80007, 4, HTTP 429 (throughput) → [`SendError::RetryAfter`]: the
//!   WhatsApp pace pauses (5 s), then the same message again;
//! - 131056 (pair rate limit: too many messages to this citizen) →
//!   [`SendError::Deferred`]: the row goes back to the queue for 10 s, nobody waits;
//! - outside the window with no template for the topic → [`SendError::Permanent`];
//! - other 4xx → [`SendError::Permanent`] with Meta's code and reason, except an
//!   invalid or expired access token (190), an operator's mistake retried with backoff;
//! - 5xx, timeouts, network, database → [`SendError::Transient`] (backoff).
//!
//! It does not pace or retry: wrap it in [`Paced`](crate::sender::Paced) with a pace of
//! its own ([`whatsapp_limits`]), never Telegram's, so neither channel waits for the
//! other.

use super::RelayError;
pub use crate::channel::whatsapp::DEFAULT_WHATSAPP_RATE;
use crate::channel::whatsapp::WhatsAppLimits;
use crate::channel::whatsapp::{
    ConsultationQuestion, NewsMessage, NewsSender, NewsTemplates, Outside, Via, WhatsAppConfig,
    consultation_question,
};
use crate::sender::{ConsultationPart, Delivery, SendError, Sender};
use crate::store::WhatsAppRecords;
use crate::store::pg::PgStore;
use crate::text::html_to_plain;

/// The link parameter of an item without a link (Meta refuses empty parameters).
const NO_LINK: &str = "—";

/// The pace of WhatsApp news: `per_second` overall (clamped to 1..=1,000), one
/// message per second to one citizen.
pub fn whatsapp_limits(per_second: u32) -> WhatsAppLimits {
    WhatsAppLimits::with_rate(per_second)
}

/// Sends news through the WhatsApp Cloud API. Cheap to clone.
#[derive(Debug, Clone)]
pub struct WhatsAppSender {
    news: NewsSender,
    templates: NewsTemplates,
    /// Where a named consultation's list is remembered as the citizen's last menu.
    store: PgStore,
}

impl WhatsAppSender {
    /// A sender for `config`, reading the 24-hour window from and recording deliveries
    /// (`whatsapp_deliveries`) in `store`.
    pub fn new(config: &WhatsAppConfig, store: PgStore) -> Result<WhatsAppSender, RelayError> {
        let news = NewsSender::new(config, store.clone())
            .map_err(|e| RelayError::Config(e.to_string()))?;
        Ok(WhatsAppSender {
            news,
            templates: config.news_templates.clone(),
            store,
        })
    }

    /// The topic whose template goes outside the window: the first of `topics` with a
    /// template, else the first (which then fails with its name).
    fn topic<'a>(&self, topics: &'a [String]) -> &'a str {
        topics
            .iter()
            .find(|t| self.templates.get(t).is_some())
            .or(topics.first())
            .map_or("", String::as_str)
    }
}

/// The template's body parameters: the title (or the text's first line) and the link.
fn params(delivery: &Delivery<'_>) -> Vec<String> {
    let title = match delivery.title {
        Some(title) if !title.trim().is_empty() => title.to_owned(),
        _ => html_to_plain(delivery.text)
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or(NO_LINK)
            .to_owned(),
    };
    let link = delivery
        .link
        .filter(|l| !l.trim().is_empty())
        .unwrap_or(NO_LINK);
    vec![title, link.to_owned()]
}

/// Meta refuses template parameters with line breaks, tabs or more than four spaces
/// in a row, and bodies over 1,024 characters: the answer as one line, shortened.
const REPLY_PARAM_CHARS: usize = 900;

/// The answers' template's body parameters: the ticket's number and the message.
fn reply_params(ticket: i64, delivery: &Delivery<'_>) -> Vec<String> {
    vec![ticket.to_string(), one_line(delivery.text)]
}

/// A message as one template parameter: plain, on one line, shortened.
fn one_line(html: &str) -> String {
    let plain = html_to_plain(html);
    let one_line = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::text::shorten(&one_line, REPLY_PARAM_CHARS)
}

impl<'a> Sender<Delivery<'a>> for WhatsAppSender {
    fn channel(&self) -> &str {
        "whatsapp"
    }

    async fn send(&self, recipient: &str, delivery: &Delivery<'a>) -> Result<String, SendError> {
        if let Some(ConsultationPart::Question {
            id,
            question,
            options,
            anonymous,
        }) = delivery.consultation
        {
            let ballot = anonymous.then(new_ballot_id);
            let question = Question {
                consultation: id,
                question,
                options,
                ballot: ballot.as_deref(),
            };
            return self.send_question(recipient, delivery, &question).await;
        }
        let params = match delivery.ticket {
            Some(ticket) => reply_params(ticket, delivery),
            None if delivery.reminder => vec![one_line(delivery.text)],
            None => params(delivery),
        };
        let outside = match delivery.ticket {
            Some(_) => Outside::Reply,
            None if delivery.reminder => Outside::Reminder,
            None => Outside::News {
                topic: self.topic(delivery.topics),
            },
        };
        let message = NewsMessage {
            outside,
            html: delivery.text,
            params: &params,
        };
        let delivered = self
            .news
            .deliver(recipient, &message, chrono::Utc::now())
            .await
            .map_err(SendError::from)?;
        if let Some(ConsultationPart::Results { .. }) = delivery.consultation {
            consultation_sent("results");
        }
        Ok(delivered.wamid)
    }
}

/// A consultation's question for one citizen, as the list shows it.
struct Question<'a> {
    consultation: i64,
    question: &'a str,
    options: &'a [String],
    /// The list's random id, for an anonymous consultation.
    ballot: Option<&'a str>,
}

/// A fresh random id for one anonymous list: its rows carry it, so an answer counts
/// once per list and changes in place, and nothing stored ties it to the citizen.
fn new_ballot_id() -> String {
    use rand::Rng;
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(20)
        .map(char::from)
        .collect()
}

fn consultation_sent(part: &'static str) {
    metrics::counter!("sportello_consultation_messages_total", "channel" => "whatsapp", "part" => part)
        .increment(1);
}

impl WhatsAppSender {
    /// The question as a list inside the 24-hour window; outside it the topic's
    /// template with `[question, —]`, as for news. A named consultation's list becomes
    /// the citizen's last menu, so a typed number or title answers it too (an
    /// anonymous one's is never stored: its ballot id would lead to the citizen).
    async fn send_question(
        &self,
        recipient: &str,
        delivery: &Delivery<'_>,
        question: &Question<'_>,
    ) -> Result<String, SendError> {
        let (messages, menu) = consultation_question(&ConsultationQuestion {
            consultation: question.consultation,
            options: question.options,
            body: delivery.text,
            ballot: question.ballot,
            lang: delivery.lang,
        });
        let params = vec![question.question.to_owned(), NO_LINK.to_owned()];
        let fallback = NewsMessage {
            outside: Outside::News {
                topic: self.topic(delivery.topics),
            },
            html: delivery.text,
            params: &params,
        };
        let delivered = self
            .news
            .deliver_messages(recipient, &messages, &fallback, chrono::Utc::now())
            .await
            .map_err(SendError::from)?;
        if delivered.via == Via::Text
            && question.ballot.is_none()
            && let Err(err) = self.store.save_menu(recipient, &menu).await
        {
            tracing::warn!("cannot remember the consultation's list: {err}");
        }
        consultation_sent("question");
        Ok(delivered.wamid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_parameters_are_the_title_and_the_link() {
        let topics = ["maturita".to_owned()];
        let mut delivery = Delivery {
            markup: true,
            text: "<b>Prima prova</b>\n\nIl 16 giugno.",
            lang: "it",
            topics: &topics,
            title: Some("Prima prova"),
            link: Some("https://www.mim.gov.it/"),
            ticket: None,
            copy_of: None,
            reminder: false,
            consultation: None,
        };
        assert_eq!(
            params(&delivery),
            ["Prima prova", "https://www.mim.gov.it/"]
        );
        assert_eq!(
            reply_params(
                42,
                &Delivery {
                    text: "Buongiorno,\n\nla domanda è   valida.\n\n— <i>URP</i>",
                    ticket: Some(42),
                    ..delivery
                }
            ),
            ["42", "Buongiorno, la domanda è valida. — URP"]
        );
        delivery.title = None;
        delivery.link = None;
        assert_eq!(params(&delivery), ["Prima prova", NO_LINK]);
    }
}
