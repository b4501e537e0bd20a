//! The PostgreSQL store against a real PostgreSQL: each test gets a fresh database
//! (`#[sqlx::test]`, from DATABASE_URL) with the migrations applied.

mod common;

use std::sync::Arc;

use common::{at, basic_content, fixture, load};
use sportello::content::{ContentFile, Vocabulary};
use sportello::conversation::Conversation;
use sportello::engine::{Inbound, Input, Session};
use sportello::store::pg::PgStore;
use sportello::store::{
    ChatKey, CitizenStore, Committed, ContentSource, TurnRecord, UpdateLog, WhatsAppRecords,
};
use sqlx::PgPool;

fn conversation(pool: &PgPool) -> Conversation<PgStore, PgStore> {
    let store = PgStore::from_pool(pool.clone());
    Conversation::new(load(&fixture("basic")), store.clone(), store)
}

async fn say(c: &Conversation<PgStore, PgStore>, key: &ChatKey, text: &str) -> String {
    let inbound = Inbound {
        at: at("2027-01-15T08:00:00Z"),
        input: Input::from_text(text),
    };
    match c.turn(key, &inbound, Some("it")).await {
        Ok(turn) => common::said(&turn),
        Err(err) => panic!("turn failed: {err}"),
    }
}

async fn import(store: &PgStore, content: &ContentFile) {
    if let Err(err) = store.import(content).await {
        panic!("import failed: {err}");
    }
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_conversation_survives_a_restart(pool: PgPool) {
    import(&PgStore::from_pool(pool.clone()), &basic_content()).await;
    let key = ChatKey::new("telegram", "4503599627370495"); // 52 bits
    let first = conversation(&pool);
    say(&first, &key, "/start").await;
    say(&first, &key, "Nome").await;
    drop(first);
    // A new process: same database, nothing in memory.
    let second = conversation(&pool);
    let said = say(&second, &key, "Giulia").await;
    assert!(
        said.contains("Piacere, Giulia!"),
        "the ask state was remembered: {said}"
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn concurrent_turns_of_one_chat_never_interleave(pool: PgPool) {
    // Two "processes": separate pools on the same database.
    let options = pool.connect_options();
    let other = sqlx::postgres::PgPoolOptions::new()
        .connect_with((*options).clone())
        .await;
    let Ok(other) = other else {
        panic!("second pool")
    };
    let key = ChatKey::new("telegram", "7");
    let a = Arc::new(conversation(&pool));
    let b = Arc::new(conversation(&other));
    say(&a, &key, "/start toggle").await;
    // Each writer sends ten messages in a row; the two writers run at the same time.
    // Every message flips ping ⇄ pong, so a turn that ran on a stale session would
    // leave two turns in a row starting from the same state.
    let mut handles = Vec::new();
    for c in [a, b] {
        let key = key.clone();
        handles.push(tokio::spawn(async move {
            for _ in 0..10 {
                say(&c, &key, "x").await;
            }
        }));
    }
    for handle in handles {
        assert!(handle.await.is_ok());
    }
    let store = PgStore::from_pool(pool.clone());
    let stored = store.load(&key).await.ok().flatten();
    assert_eq!(
        stored.map(|s| (s.version, s.session.state)),
        Some((21, "toggle.ping".to_owned()))
    );
    let before: Vec<String> =
        sqlx::query_scalar("SELECT state FROM transcripts WHERE direction = 'in' ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap_or_default();
    assert_eq!(
        before.len(),
        21,
        "each turn logged once, retries not at all"
    );
    for (i, state) in before.iter().skip(1).enumerate() {
        let expected = if i % 2 == 0 {
            "toggle.ping"
        } else {
            "toggle.pong"
        };
        assert_eq!(
            state,
            expected,
            "turn {} ran on the session the previous turn saved",
            i + 2
        );
    }
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_stale_commit_is_a_conflict(pool: PgPool) {
    let store = PgStore::from_pool(pool);
    let key = ChatKey::new("whatsapp", "393331234567");
    let session = Session {
        state: "main.menu".into(),
        ..Session::new("it")
    };
    let record = |expected_version| TurnRecord {
        expected_version,
        session: &session,
        dialogue_version: "v1",
        effects: &[],
        transcript: &[],
    };
    assert_eq!(
        store.commit(&key, record(None)).await.ok(),
        Some(Committed::Saved)
    );
    assert_eq!(
        store.commit(&key, record(None)).await.ok(),
        Some(Committed::Conflict),
        "someone else created it"
    );
    assert_eq!(
        store.commit(&key, record(Some(1))).await.ok(),
        Some(Committed::Saved)
    );
    assert_eq!(
        store.commit(&key, record(Some(1))).await.ok(),
        Some(Committed::Conflict),
        "version moved on"
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn subscriptions_persist_and_erase_removes_everything_at_once(pool: PgPool) {
    let c = conversation(&pool);
    let key = ChatKey::new("console", "local");
    say(&c, &key, "/start").await;
    assert!(
        say(&c, &key, "Iscriviti")
            .await
            .contains("Iscritto a: Esame di Stato")
    );
    let store = PgStore::from_pool(pool.clone());
    assert_eq!(store.topics(&key).await.unwrap_or_default(), ["maturita"]);

    let said = say(&c, &key, "/cancella").await;
    assert!(
        said.contains("Dati cancellati. Iscrizioni: 1, messaggi: 5."),
        "{said}"
    );
    for table in ["sessions", "subscribers", "transcripts"] {
        let query = format!("SELECT count(*) FROM {table}");
        let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(query))
            .fetch_one(&pool)
            .await
            .unwrap_or(-1);
        assert_eq!(count, 0, "{table} is empty after erase");
    }
    let receipt = store.erase(&ChatKey::new("console", "nobody")).await;
    assert!(
        receipt.is_ok_and(|r| !r.found()),
        "erasing an unknown citizen is not an error"
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn import_is_idempotent_verbatim_and_exports_round_trip(pool: PgPool) {
    let store = PgStore::from_pool(pool);
    let text = r#"
events:
  - key: e1
    category: maturita
    title: "Prova d'italiano \"scritta\" <b>&</b> 🎓 '; DROP TABLE events; --"
    starts_at: 2027-06-16 08:30
news:
  - key: n1
    title: Notizia
    body: "Testo con <i>HTML</i> & emoji ✨"
    topics: [maturita, generale]
    published_at: 2026-11-20 10:00
faqs:
  - key: f1
    question: Quando esce il bando per il test di medicina?
    answer: In primavera.
    keywords: [medicina, bando]
"#;
    let vocabulary = Vocabulary {
        categories: ["maturita".to_owned()].into(),
        topics: ["maturita".to_owned(), "generale".to_owned()].into(),
    };
    let content = ContentFile::parse("c.yaml", text, &vocabulary).unwrap_or_default();
    let first = store.import(&content).await.unwrap_or_default();
    assert_eq!((first.added, first.changed, first.unchanged), (3, 0, 0));
    let again = store.import(&content).await.unwrap_or_default();
    assert_eq!(
        (again.added, again.changed, again.unchanged),
        (0, 0, 3),
        "re-import changes nothing"
    );

    let exported = store.export().await.unwrap_or_default();
    assert_eq!(exported, content, "texts come back verbatim");
    let yaml = exported.to_yaml().unwrap_or_default();
    let reparsed = ContentFile::parse("export.yaml", &yaml, &vocabulary).unwrap_or_default();
    let third = store.import(&reparsed).await.unwrap_or_default();
    assert_eq!(third.unchanged, 3, "an export re-imports as no change");

    let mut changed = content.clone();
    changed.faqs[0].answer = "In aprile.".into();
    let fourth = store.import(&changed).await.unwrap_or_default();
    assert_eq!((fourth.added, fourth.changed, fourth.unchanged), (0, 1, 2));
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_failing_import_writes_nothing(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    let mut content = basic_content();
    // PostgreSQL refuses NUL in text: the last row fails after the others were sent.
    content.faqs[0].answer = "bad\u{0}answer".into();
    assert!(store.import(&content).await.is_err());
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&pool)
        .await
        .unwrap_or(-1);
    assert_eq!(events, 0, "all or nothing");
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn faqs_come_with_their_examples_and_a_version_that_follows_changes(pool: PgPool) {
    use sportello::store::ContentSource;
    let store = PgStore::from_pool(pool.clone());
    let mut content = basic_content();
    content.faqs[0].examples = vec!["quando esce il bando?".into(), "bando medicina".into()];
    import(&store, &content).await;
    let first = store.faqs().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first.faqs.len(), content.faqs.len());
    let stored = first.faqs.iter().find(|f| f.key == content.faqs[0].key);
    assert_eq!(stored.map(|f| &f.examples), Some(&content.faqs[0].examples));
    let again = store.faqs().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.version, first.version, "nothing changed");

    // Another replica, and a change imported here: both see the new version.
    let replica = PgStore::from_pool(pool);
    content.faqs[0].answer = "Nuova risposta.".into();
    import(&store, &content).await;
    for store in [&store, &replica] {
        let now = store.faqs().await.unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(now.version, first.version);
        assert!(now.faqs.iter().any(|f| f.answer == "Nuova risposta."));
    }
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn only_current_events_and_news_are_served(pool: PgPool) {
    let store = PgStore::from_pool(pool);
    import(&store, &basic_content()).await;
    let titles = |events: Vec<sportello::content::CalendarEvent>| {
        events.into_iter().map(|e| e.title).collect::<Vec<_>>()
    };
    let before = store
        .upcoming_events("maturita", at("2027-01-15T08:00:00Z"), 10)
        .await
        .unwrap_or_default();
    assert_eq!(titles(before), ["Prima prova", "Seconda prova"]);
    let by_prefix = store
        .upcoming_events("matur*", at("2027-01-15T08:00:00Z"), 1)
        .await
        .unwrap_or_default();
    assert_eq!(
        titles(by_prefix),
        ["Prima prova"],
        "a `*` pattern matches by prefix, limit holds"
    );
    let literal = store
        .upcoming_events("matur_ta", at("2027-01-15T08:00:00Z"), 10)
        .await
        .unwrap_or_default();
    assert!(literal.is_empty(), "`_` is not a wildcard");
    let between = store
        .upcoming_events("maturita", at("2027-06-16T12:00:00Z"), 10)
        .await
        .unwrap_or_default();
    assert_eq!(titles(between), ["Seconda prova"]);
    let news = store
        .latest_news(Some("maturita"), at("2027-01-15T08:00:00Z"), 5)
        .await
        .unwrap_or_default();
    assert_eq!(news.len(), 1);
    let news = store
        .latest_news(Some("concorsi"), at("2027-01-15T08:00:00Z"), 5)
        .await
        .unwrap_or_default();
    assert!(news.is_empty());
    let news = store
        .latest_news(None, at("2026-01-01T08:00:00Z"), 5)
        .await
        .unwrap_or_default();
    assert!(news.is_empty(), "not yet published");
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn transcripts_flag_the_not_understood_and_expire(pool: PgPool) {
    let c = conversation(&pool);
    let key = ChatKey::new("console", "local");
    say(&c, &key, "/start").await;
    say(&c, &key, "xyzzy").await;
    let store = PgStore::from_pool(pool.clone());
    let unanswered = store.not_understood(10).await.unwrap_or_default();
    assert_eq!(
        unanswered
            .iter()
            .map(|(_, state, body)| (state.as_str(), body.as_str()))
            .collect::<Vec<_>>(),
        [("main.menu", "xyzzy")]
    );
    sqlx::query("UPDATE transcripts SET at = now() - interval '91 days' WHERE body = '/start'")
        .execute(&pool)
        .await
        .unwrap_or_default();
    assert_eq!(store.purge_transcripts(90).await.unwrap_or(0), 1);
    let export = store.export_citizen(&key).await;
    assert!(
        export.is_ok_and(|e| e.transcript.len() == 3
            && e.session.is_some()
            && e.subscriber.is_none())
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn transcripts_can_be_turned_off(pool: PgPool) {
    let c = conversation(&pool).with_transcripts(false);
    say(&c, &ChatKey::new("console", "local"), "/start").await;
    let lines: i64 = sqlx::query_scalar("SELECT count(*) FROM transcripts")
        .fetch_one(&pool)
        .await
        .unwrap_or(-1);
    assert_eq!(lines, 0);
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_session_cached_by_one_process_yields_to_changes_made_by_another(pool: PgPool) {
    let c = conversation(&pool);
    let key = ChatKey::new("telegram", "77");
    say(&c, &key, "/start").await;
    say(&c, &key, "Nome").await;
    // Another process (the CLI) erases the citizen while this one has them cached.
    let other = PgStore::from_pool(pool.clone());
    assert!(other.erase(&key).await.is_ok_and(|r| r.sessions == 1));
    let said = say(&c, &key, "Giulia").await;
    assert!(
        !said.contains("Piacere, Giulia"),
        "the erased session is not resumed from the cache: {said}"
    );
    let stored = other.load(&key).await.ok().flatten();
    assert_eq!(
        stored.map(|s| s.session.state),
        Some("main.menu".to_owned()),
        "a new conversation"
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn turns_saved_together_each_learn_their_own_outcome(pool: PgPool) {
    use sportello::store::TranscriptLine;
    let store = PgStore::from_pool(pool.clone());
    let session = Session::new("it");
    let line = |body: &str| TranscriptLine {
        direction: "in",
        state: String::new(),
        body: body.to_owned(),
        understood: true,
        faq: None,
    };
    // Fifty chats finish their turns at once, one of them with a text PostgreSQL
    // refuses (a NUL byte), one with a version that is not the stored one.
    let mut turns = Vec::new();
    for chat in 0..50 {
        let store = store.clone();
        let session = session.clone();
        let body = if chat == 13 { "a\0b" } else { "ciao" };
        let transcript = vec![line(body)];
        turns.push(tokio::spawn(async move {
            let record = TurnRecord {
                expected_version: (chat == 21).then_some(5),
                session: &session,
                dialogue_version: "v1",
                effects: &[],
                transcript: &transcript,
            };
            let key = ChatKey::new("telegram", chat.to_string());
            (chat, store.commit(&key, record).await.ok())
        }));
    }
    for turn in turns {
        let Ok((chat, outcome)) = turn.await else {
            panic!("a turn task failed")
        };
        let expected = match chat {
            13 => None,
            21 => Some(Committed::Conflict),
            _ => Some(Committed::Saved),
        };
        assert_eq!(outcome, expected, "chat {chat}");
    }
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions")
        .fetch_one(&pool)
        .await
        .unwrap_or_default();
    let lines: i64 =
        sqlx::query_scalar("SELECT count(*) FROM transcripts WHERE body = 'ciao' AND chat <> '21'")
            .fetch_one(&pool)
            .await
            .unwrap_or_default();
    assert_eq!((sessions, lines), (48, 48), "the refused turn failed alone");
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn content_changed_through_the_store_is_served_at_once(pool: PgPool) {
    let store = PgStore::from_pool(pool);
    import(&store, &basic_content()).await;
    let now = at("2027-01-15T08:00:00Z");
    let first = store.upcoming_events("maturita", now, 10).await;
    assert!(first.is_ok_and(|events| events[0].title == "Prima prova"));
    let mut changed = basic_content();
    for event in &mut changed.events {
        event.title = format!("{} (nuova data)", event.title);
    }
    import(&store, &changed).await;
    let again = store.upcoming_events("maturita", now, 10).await;
    assert!(
        again.is_ok_and(|events| events[0].title == "Prima prova (nuova data)"),
        "an import clears the cached answers"
    );
    let before = store
        .latest_news(None, at("2030-01-01T00:00:00Z"), 10)
        .await;
    let before = before.map(|news| news.len()).unwrap_or_default();
    let added = store
        .add_news(&sportello::store::pg::NewNews {
            title: "Nuova".into(),
            body: "Testo".into(),
            topics: vec!["maturita".into()],
            link: None,
            expires_at: None,
            author: None,
        })
        .await;
    assert!(added.is_ok());
    let after = store
        .latest_news(None, at("2030-01-01T00:00:00Z"), 10)
        .await;
    assert_eq!(after.map(|news| news.len()).ok(), Some(before + 1));
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn erasing_a_whatsapp_citizen_removes_their_channel_records_and_deliveries(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    let key = ChatKey::new("whatsapp", "393331234567");
    for sql in [
        "INSERT INTO whatsapp_contacts (wa_id, last_inbound_at) VALUES ('393331234567', now())",
        "INSERT INTO whatsapp_deliveries (wamid, wa_id) VALUES ('wamid.1', '393331234567')",
        "INSERT INTO outbox (channel, recipient, payload) VALUES ('whatsapp', '393331234567', 'x')",
        // Someone else's rows stay.
        "INSERT INTO whatsapp_contacts (wa_id, last_inbound_at) VALUES ('390000000000', now())",
        "INSERT INTO outbox (channel, recipient, payload) VALUES ('telegram', '393331234567', 'y')",
    ] {
        if let Err(err) = sqlx::query(sql).execute(&pool).await {
            panic!("{sql}: {err}");
        }
    }
    let export = store.export_citizen(&key).await;
    assert!(export.is_ok_and(|e| e.deliveries.len() == 2 && e.whatsapp_contact.is_some()));
    let receipt = store.erase(&key).await;
    let Ok(receipt) = receipt else {
        panic!("erase failed: {receipt:?}")
    };
    assert_eq!((receipt.sessions, receipt.deliveries), (1, 2));
    let left: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM whatsapp_contacts) + (SELECT count(*) FROM whatsapp_deliveries) \
         + (SELECT count(*) FROM outbox)",
    )
    .fetch_one(&pool)
    .await
    .unwrap_or_default();
    assert_eq!(
        left, 2,
        "only the other citizen's contact and the Telegram row remain"
    );
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn the_telegram_watermark_survives_a_restart_and_never_moves_back(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    let last = |store: PgStore, bot: i64| async move {
        match store.last_update_id(bot).await {
            Ok(last) => last,
            Err(err) => panic!("last_update_id: {err}"),
        }
    };
    assert_eq!(last(store.clone(), 7).await, None);
    for (bot, update) in [(7, 100), (7, 90), (8, 5), (7, 101)] {
        if let Err(err) = store.record_update_id(bot, update).await {
            panic!("record_update_id: {err}");
        }
    }
    // A new process: same database, nothing in memory.
    let restarted = PgStore::from_pool(pool.clone());
    assert_eq!(last(restarted.clone(), 7).await, Some(101));
    assert_eq!(last(restarted.clone(), 8).await, Some(5));
    if let Err(err) = restarted.record_update_id(7, 3).await {
        panic!("record_update_id: {err}");
    }
    assert_eq!(last(restarted, 7).await, Some(101), "never moves back");
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn one_retention_pass_deletes_every_expired_record_and_nothing_newer(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    for sql in [
        // Past retention: transcripts after 90 days, WhatsApp records after 30.
        "INSERT INTO transcripts (channel, chat, direction, state, body, at) \
         VALUES ('telegram', '1', 'in', 'menu', 'old', now() - interval '91 days')",
        "INSERT INTO whatsapp_seen (wamid, seen_at) VALUES ('wamid.old', now() - interval '31 days')",
        "INSERT INTO whatsapp_deliveries (wamid, wa_id, created_at) \
         VALUES ('wamid.old', '39', now() - interval '31 days')",
        "INSERT INTO whatsapp_contacts (wa_id, last_inbound_at) VALUES ('39', now() - interval '31 days')",
        // A reminder sent long ago goes as transcripts do; one still to come stays,
        // however old.
        "INSERT INTO reminders (channel, chat, event_key, before_minutes, event_starts_at, \
                                event_title, remind_at, status, updated_at) \
         VALUES ('telegram', '1', 'old', 1440, now(), 'Old', now(), 'sent', now() - interval '91 days')",
        "INSERT INTO reminders (channel, chat, event_key, before_minutes, event_starts_at, \
                                event_title, remind_at, updated_at) \
         VALUES ('telegram', '1', 'next', 1440, now(), 'Next', now(), now() - interval '91 days')",
        // Within retention.
        "INSERT INTO transcripts (channel, chat, direction, state, body, at) \
         VALUES ('telegram', '1', 'in', 'menu', 'recent', now() - interval '45 days')",
        "INSERT INTO whatsapp_seen (wamid, seen_at) VALUES ('wamid.new', now() - interval '29 days')",
        "INSERT INTO whatsapp_deliveries (wamid, wa_id) VALUES ('wamid.new', '40')",
        "INSERT INTO whatsapp_contacts (wa_id, last_inbound_at) VALUES ('40', now())",
    ] {
        if let Err(err) = sqlx::query(sql).execute(&pool).await {
            panic!("{sql}: {err}");
        }
    }
    let purged = match store.purge_expired(90).await {
        Ok(purged) => purged,
        Err(err) => panic!("purge_expired: {err}"),
    };
    assert_eq!((purged.transcripts, purged.whatsapp), (1, 3));
    assert_eq!(purged.reminders, 1);
    let kept: Vec<String> = sqlx::query_scalar("SELECT event_key FROM reminders")
        .fetch_all(&pool)
        .await
        .unwrap_or_default();
    assert_eq!(kept, ["next"]);
    let contact = |wa_id: &'static str| {
        let store = store.clone();
        async move {
            match store.contact(wa_id).await {
                Ok(contact) => contact,
                Err(err) => panic!("contact: {err}"),
            }
        }
    };
    assert!(contact("39").await.is_none());
    assert!(contact("40").await.is_some());
    let delivered = store.delivery("wamid.new").await;
    assert!(matches!(delivered, Ok(Some(_))), "{delivered:?}");
    let taken_again = store.first_time("wamid.old").await;
    assert!(
        matches!(taken_again, Ok(true)),
        "an expired id is forgotten"
    );
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM transcripts")
        .fetch_one(&pool)
        .await
        .unwrap_or_default();
    assert_eq!(left, 1);
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn misses_and_offered_choices_survive_a_restart(pool: PgPool) {
    use sportello::store::CitizenStore;
    let store = PgStore::from_pool(pool.clone());
    let key = ChatKey::new("telegram", "77");
    let session = Session {
        state: "main.menu".into(),
        misses: 1,
        offered: vec!["ammissione.menu".into(), "faq:faq-medicina-bando".into()],
        ..Session::new("it")
    };
    for expected_version in [None, Some(1)] {
        let record = TurnRecord {
            expected_version,
            session: &session,
            dialogue_version: "v1",
            // An effect takes the durable path; none takes the batched one.
            effects: if expected_version.is_none() {
                &[]
            } else {
                &[sportello::engine::Effect::Subscribe {
                    topic: "maturita".into(),
                }]
            },
            transcript: &[],
        };
        assert!(store.commit(&key, record).await.is_ok());
        // A new process: nothing cached.
        let fresh = PgStore::from_pool(pool.clone());
        let loaded = fresh.load(&key).await.ok().flatten();
        assert_eq!(loaded.map(|s| s.session), Some(session.clone()));
    }
}
