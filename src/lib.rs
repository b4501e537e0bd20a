//! Sportello: a citizen-service chatbot for public administrations.
//!
//! Staff write dialogues as YAML state machines; citizens talk to them on Telegram,
//! WhatsApp or a terminal; news reaches subscribers through one durable outbox.
//!
//! # Layout
//! - [`dialogue`]: the staff-facing language: load, check, draw.
//! - [`engine`]: the pure state machine: session + inbound → replies + effects.
//! - [`content`]: calendar events, news and FAQ, and the content file format.
//! - [`consultation`]: questions put to subscribers: definition, answers, results, texts.
//! - [`store`]: storage traits and their in-memory implementation.
//! - [`conversation`]: one turn: load session → engine → effects → save.
//! - [`channel`]: adapters that turn channel traffic into `Inbound` and back.
//! - [`ops`]: health, readiness and Prometheus metrics for operators.
//! - [`sender`]: the one sender stack (`Sender`, `Paced`, `Retry`) and the channels' pace.
//! - [`relay`]: the outbox: news fan-out, the worker that sends within rate limits.
//! - [`reminder`]: when a citizen's reminder of an event is due (pure).
//! - [`replicas`]: several `serve` processes on one database in step (reloads).
//! - [`admin`]: the admin HTTP API under `/admin`: news, subscribers, unanswered, dialogues.
//! - [`opendata`]: aggregate figures as CSV with a DCAT-AP_IT catalogue, small counts
//!   withheld: `opendata export` and the public `/opendata/`.
//! - [`shutdown`]: one stop signal for everything a process runs.
//! - [`staff_language`]: Italian or English for the staff tools' own messages.
//! - [`transcript`]: conversation tests run by `sportello test`.
//! - [`text`]: text helpers every layer shares (normalizing, HTML to plain, splitting).
//! - [`yaml`]: reading staff-written YAML with locations.

// Every public item says what it is for; nothing is public that no one outside reaches.
#![warn(missing_docs, unreachable_pub)]

pub mod admin;
pub mod channel;
pub mod console;
pub mod consultation;
pub mod content;
pub mod conversation;
pub mod dialogue;
pub mod engine;
pub mod evaluation;
pub mod opendata;
pub mod ops;
pub mod relay;
pub mod reminder;
pub mod replicas;
pub mod sender;
pub mod shutdown;
pub mod staff_language;
pub mod store;
pub mod text;
pub mod transcript;
pub mod understand;
pub mod yaml;
