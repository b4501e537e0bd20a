//! The news sender against the fake Cloud API: free text inside the 24-hour window,
//! the topic's template outside it or when Meta answers 131047, and Graph errors
//! sorted into "wait" and "give up" for the relay.

use super::*;
use sportello::channel::whatsapp::{Delivered, NewsMessage, NewsSender, Outside, SendError, Via};

fn sender(pool: &PgPool, fake: &FakeWhatsApp) -> NewsSender {
    NewsSender::new(&config(fake), PgStore::from_pool(pool.clone()))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn news<'a>(params: &'a [String]) -> NewsMessage<'a> {
    NewsMessage {
        outside: Outside::News { topic: "maturita" },
        html: "📰 <b>Prima prova</b>\n\nIl 16 giugno alle 8:30.",
        params,
    }
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn news_goes_as_text_inside_the_window_and_as_a_template_outside(pool: PgPool) {
    let fake = FakeWhatsApp::start().await;
    let channel = channel(&pool, &fake, bundled()).await;
    let sender = sender(&pool, &fake);
    let params = vec!["Prima prova".to_owned()];
    let now = chrono::Utc::now();

    // Never wrote: template.
    let outside = sender.deliver(CITIZEN, &news(&params), now).await;
    assert!(
        matches!(
            &outside,
            Ok(Delivered {
                via: Via::Template,
                ..
            })
        ),
        "{outside:?}"
    );
    let sent = fake.wait_for(CITIZEN, 1).await;
    assert_eq!(sent[0].kind, "template");
    assert_eq!(sent[0].text, "news_maturita");
    assert_eq!(sent[0].template, Some(("it".to_owned(), params.clone())));

    // Wrote now (an image is enough to open the window): free text.
    post(
        &channel.router(),
        &message("wamid.IMG", "image", json!({ "id": "M" })),
    )
    .await;
    channel.drain().await;
    let inside = sender
        .deliver(CITIZEN, &news(&params), chrono::Utc::now())
        .await;
    assert!(
        matches!(&inside, Ok(Delivered { via: Via::Text, .. })),
        "{inside:?}"
    );
    let sent = fake.sent_to(CITIZEN);
    let last = &sent[sent.len() - 1];
    assert_eq!(last.text, "📰 *Prima prova*\n\nIl 16 giugno alle 8:30.");
    let within = PgStore::from_pool(pool.clone())
        .contact(CITIZEN)
        .await
        .ok()
        .flatten()
        .map(|c| {
            (
                c.within_window(now),
                c.within_window(now + chrono::Duration::hours(25)),
            )
        });
    assert_eq!(within, Some((true, false)));

    // Meta says the window closed after all (131047): the template goes instead.
    fake.inject([(400, 131047)]);
    let fallback = sender
        .deliver(CITIZEN, &news(&params), chrono::Utc::now())
        .await;
    assert!(
        matches!(
            &fallback,
            Ok(Delivered {
                via: Via::Template,
                ..
            })
        ),
        "{fallback:?}"
    );
    let record = match fallback {
        Ok(d) => PgStore::from_pool(pool.clone())
            .delivery(&d.wamid)
            .await
            .ok()
            .flatten(),
        Err(_) => None,
    };
    assert_eq!(record.map(|d| d.kind).as_deref(), Some("template"));
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn graph_errors_tell_the_relay_to_wait_or_give_up(pool: PgPool) {
    let fake = FakeWhatsApp::start().await;
    let sender = sender(&pool, &fake);
    let params = vec!["Prima prova".to_owned()];
    let now = chrono::Utc::now();

    fake.inject([(400, 130429)]);
    let limited = sender.deliver(CITIZEN, &news(&params), now).await;
    assert!(
        matches!(&limited, Err(e @ SendError::RateLimited { code: 130429, .. }) if e.retry_after().is_some()),
        "{limited:?}"
    );
    fake.inject([(400, 131056)]);
    let pair = sender.deliver(CITIZEN, &news(&params), now).await;
    assert!(
        matches!(&pair, Err(SendError::RateLimited { code: 131056, .. })),
        "{pair:?}"
    );

    fake.inject([(400, 132001)]);
    let refused = sender.deliver(CITIZEN, &news(&params), now).await;
    match &refused {
        Err(
            e @ SendError::Permanent {
                code: 132001,
                reason,
            },
        ) => {
            assert!(reason.contains("injected error 132001"), "{reason}");
            assert_eq!(e.retry_after(), None);
        }
        other => panic!("{other:?}"),
    }
    fake.inject([(500, 1)]);
    let down = sender.deliver(CITIZEN, &news(&params), now).await;
    assert!(
        matches!(&down, Err(SendError::Retryable { .. })),
        "{down:?}"
    );

    let unknown = NewsMessage {
        outside: Outside::News { topic: "concorsi" },
        ..news(&params)
    };
    let none = sender.deliver(CITIZEN, &unknown, now).await;
    assert!(
        matches!(&none, Err(SendError::NoTemplate { topic }) if topic == "concorsi"),
        "{none:?}"
    );
    assert!(fake.sent().is_empty());
}

#[sqlx::test(migrator = "sportello::store::pg::MIGRATOR")]
async fn a_reminder_outside_the_window_goes_as_the_reminder_template_or_fails_saying_why(
    pool: PgPool,
) {
    let fake = FakeWhatsApp::start().await;
    let params = vec!["🔔 Promemoria: Prima prova scritta, mercoledì 16 giugno".to_owned()];
    let reminder = NewsMessage {
        outside: Outside::Reminder,
        html: "🔔 <b>Promemoria</b>: Prima prova scritta, mercoledì 16 giugno",
        params: &params,
    };
    // No template configured: refused with the setting to set.
    let refused = sender(&pool, &fake)
        .deliver(CITIZEN, &reminder, chrono::Utc::now())
        .await;
    assert!(
        matches!(&refused, Err(err @ SendError::NoReminderTemplate) if err.to_string().contains("WHATSAPP_REMINDER_TEMPLATE")),
        "{refused:?}"
    );
    assert!(fake.sent_to(CITIZEN).is_empty());

    let mut with_template = config(&fake);
    with_template.reminder_template = Some(
        sportello::channel::whatsapp::Template::reminder("promemoria:it")
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let sender = NewsSender::new(&with_template, PgStore::from_pool(pool.clone()))
        .unwrap_or_else(|e| panic!("{e}"));
    let sent = sender.deliver(CITIZEN, &reminder, chrono::Utc::now()).await;
    assert!(
        matches!(
            &sent,
            Ok(Delivered {
                via: Via::Template,
                ..
            })
        ),
        "{sent:?}"
    );
    let sent = fake.wait_for(CITIZEN, 1).await;
    assert_eq!(sent[0].text, "promemoria");
    assert_eq!(sent[0].template, Some(("it".to_owned(), params)));
}
