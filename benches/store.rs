//! Benchmarks of the PostgreSQL store; prints figures, asserts nothing.
//!
//! `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench store`
//! Creates a scratch database next to the one named, and drops it afterwards.
//! - session load + save at 1,000 turns/s from many concurrent chats (goal: p99 ≤ 5 ms)
//! - FAQ search over 5,000 generated FAQs (goal: p99 ≤ 5 ms)

use std::sync::Arc;
use std::time::{Duration, Instant};

use sportello::content::{ContentFile, Faq};
use sportello::engine::Session;
use sportello::store::pg::PgStore;
use sportello::store::{ChatKey, CitizenStore, ContentSource, TranscriptLine, TurnRecord};
use tokio::sync::Mutex;

mod support;
use support::{ms, percentile};

const TURNS_PER_SECOND: u64 = 1_000;
const SECONDS: u64 = 5;
const CHATS: usize = 500;
const FAQS: usize = 5_000;
const SEARCHES: usize = 2_000;

/// A deterministic pseudo-random sequence (no extra dependency for a benchmark).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % below
    }
}

const WORDS: &[&str] = &[
    "esame",
    "prova",
    "scritta",
    "orale",
    "calendario",
    "iscrizione",
    "bando",
    "scadenza",
    "domanda",
    "borsa",
    "studio",
    "università",
    "ateneo",
    "laurea",
    "docente",
    "concorso",
    "graduatoria",
    "punteggio",
    "crediti",
    "diploma",
    "certificato",
    "libretto",
    "tassa",
    "contributo",
    "rimborso",
    "alloggio",
    "mensa",
    "trasporto",
    "disabilità",
    "tutor",
    "erasmus",
    "tirocinio",
    "stage",
    "orientamento",
    "segreteria",
    "sportello",
    "modulo",
    "ricorso",
    "trasferimento",
    "rinuncia",
    "immatricolazione",
    "frequenza",
    "assenza",
    "voto",
    "media",
    "lode",
    "commissione",
    "presidente",
    "registro",
    "pagella",
];

/// FAQs written with `vocabulary`: the smaller it is, the more FAQs each word matches.
fn generated_faqs(rng: &mut Lcg, vocabulary: &[String]) -> Vec<Faq> {
    (0..FAQS)
        .map(|i| {
            let pick = |rng: &mut Lcg, n: usize| {
                (0..n)
                    .map(|_| vocabulary[rng.next(vocabulary.len())].as_str())
                    .collect::<Vec<_>>()
            };
            let question = format!(
                "Come funziona {} per {} {}?",
                pick(rng, 1)[0],
                pick(rng, 2).join(" "),
                i
            );
            let answer = format!("Risposta dimostrativa: {}.", pick(rng, 20).join(" "));
            Faq {
                key: format!("faq-{i}"),
                question,
                answer,
                keywords: pick(rng, 4).into_iter().map(str::to_owned).collect(),
                lang: "it".into(),
            }
        })
        .collect()
}

async fn bench_sessions(store: &PgStore) {
    // One unmeasured second first: the pool opens its connections, as in a running bot.
    run_turns(store, TURNS_PER_SECOND).await;
    let (samples, elapsed) = run_turns(store, TURNS_PER_SECOND * SECONDS).await;
    println!(
        "session load + save: {} turns over {CHATS} chats in {:.2} s ({:.0}/s offered {TURNS_PER_SECOND}/s): p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        samples.len(),
        elapsed.as_secs_f64(),
        samples.len() as f64 / elapsed.as_secs_f64(),
        ms(percentile(&samples, 0.5)),
        ms(percentile(&samples, 0.99)),
        ms(percentile(&samples, 1.0)),
    );
}

/// Offers `total` turns at `TURNS_PER_SECOND`; returns the sorted latencies.
async fn run_turns(store: &PgStore, total: u64) -> (Vec<Duration>, Duration) {
    let session = Session {
        state: "maturita.menu".into(),
        ..Session::new("it")
    };
    let line = TranscriptLine {
        direction: "in",
        state: "main.menu".into(),
        body: "1".into(),
        understood: true,
    };
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    let interval = Duration::from_nanos(1_000_000_000 / TURNS_PER_SECOND);
    let start = Instant::now();
    for turn in 0..total {
        // Pace the offered load: turn n starts at n / rate seconds.
        let due = start + interval * u32::try_from(turn).unwrap_or(u32::MAX);
        tokio::time::sleep_until(due.into()).await;
        let store = store.clone();
        let session = session.clone();
        let line = line.clone();
        let latencies = Arc::clone(&latencies);
        let key = ChatKey::new("telegram", format!("{}", turn as usize % CHATS));
        tasks.push(tokio::spawn(async move {
            let began = Instant::now();
            let Ok(stored) = store.load(&key).await else {
                return;
            };
            let record = TurnRecord {
                expected_version: stored.map(|s| s.version),
                session: &session,
                dialogue_version: "bench",
                effects: &[],
                transcript: std::slice::from_ref(&line),
            };
            if store.commit(&key, record).await.is_ok() {
                latencies.lock().await.push(began.elapsed());
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = start.elapsed();
    let mut samples = latencies.lock().await.clone();
    samples.sort();
    (samples, elapsed)
}

/// The 50 domain words plus 2,000 made-up ones (syllable pairs).
fn wide_vocabulary() -> Vec<String> {
    const SYLLABLES: &[&str] = &[
        "ba", "ce", "di", "fo", "gu", "la", "me", "ni", "po", "ru", "sa", "te", "vi", "zo", "bri",
        "cla", "dro", "fra", "gli", "pre", "sto", "tra", "vel", "zan", "mor", "pel", "sil", "tor",
        "ven", "zur", "lam", "nob", "qui", "res", "sul", "tim", "ulm", "vor", "zep", "ard", "bel",
        "cor", "del", "fer", "gar",
    ];
    let mut words: Vec<String> = WORDS.iter().map(|w| (*w).to_owned()).collect();
    'outer: for a in SYLLABLES {
        for b in SYLLABLES {
            for c in ["ra", "to", "ne"] {
                if words.len() >= 2_050 {
                    break 'outer;
                }
                words.push(format!("{a}{b}{c}"));
            }
        }
    }
    words
}

async fn bench_faq(store: &PgStore, name: &str, vocabulary: &[String]) {
    let _ = sqlx::query("TRUNCATE faqs").execute(store.pool()).await;
    let mut rng = Lcg(42);
    let mut faqs = generated_faqs(&mut rng, vocabulary);
    faqs.extend(ContentFile::demo().unwrap_or_default().faqs);
    let content = ContentFile {
        faqs,
        ..ContentFile::default()
    };
    if let Err(err) = store.import(&content).await {
        println!("cannot import FAQs: {err}");
        return;
    }
    let _ = sqlx::query("ANALYZE faqs").execute(store.pool()).await;
    let mut samples = Vec::with_capacity(SEARCHES);
    let mut hits = 0;
    for i in 0..SEARCHES {
        let question = if i % 4 == 0 {
            "quando esce il bando di medicina?".to_owned()
        } else {
            let mut word = || vocabulary[rng.next(vocabulary.len())].clone();
            format!("{} {} {}", word(), word(), word())
        };
        let began = Instant::now();
        if let Ok(Some(_)) = store.search_faq(&question, "it").await {
            hits += 1;
        }
        samples.push(began.elapsed());
    }
    samples.sort();
    println!(
        "FAQ search, {} FAQs, {name}, {SEARCHES} questions ({hits} answered): p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        content.faqs.len(),
        ms(percentile(&samples, 0.5)),
        ms(percentile(&samples, 0.99)),
        ms(percentile(&samples, 1.0)),
    );
}

fn main() {
    support::on_scratch_database("store", |scratch_url| async move {
        match PgStore::connect(&scratch_url).await {
            Ok(store) => {
                bench_sessions(&store).await;
                let narrow: Vec<String> = WORDS.iter().map(|w| (*w).to_owned()).collect();
                bench_faq(&store, "2,050-word vocabulary", &wide_vocabulary()).await;
                bench_faq(&store, "worst case: all from the same 50 words", &narrow).await;
                store.pool().close().await;
            }
            Err(err) => println!("cannot connect: {err}"),
        }
    });
}
