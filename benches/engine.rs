//! Benchmarks of the engine and the loader; prints figures, asserts nothing.
//!
//! `cargo bench --bench engine`
//! - one engine step on a state with 10 `match` rules and 5 buttons (goal: median ≤ 5 µs)
//! - load + check of 50 generated files with 500 states (goal: ≤ 100 ms)

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sportello::dialogue::{self, Dialogues, SourceFile};
use sportello::engine::{self, Answers, Inbound, Input, Session, Step};

const SETTINGS: &str = r#"
main: f0
commands:
  - { command: start, goto: f0 }
fallback:
  say: Non ho capito.
"#;

/// A flow of `states` states, each with 10 rules and 5 buttons. `unique` makes every
/// rule's pattern different (no sharing of compiled regexes).
fn flow(index: usize, states: usize, flows: usize, unique: bool) -> String {
    let mut text = format!("flow: f{index}\nstart: s0\nstates:\n");
    for s in 0..states {
        let next = (s + 1) % states;
        let other = (index + 1) % flows;
        text.push_str(&format!("  s{s}:\n    say: \"Stato {s} del flusso {index}: {{{{ slots.nome }}}} ciao\"\n    buttons:\n"));
        for b in 0..5 {
            text.push_str(&format!(
                "      - {{ label: \"Opzione {b}\", goto: s{next} }}\n"
            ));
        }
        text.push_str("    match:\n");
        for r in 0..10 {
            let target = if r == 9 {
                format!("f{other}")
            } else {
                format!("s{next}")
            };
            let word = if unique {
                format!("f{index}s{s}w{r}")
            } else {
                format!("parola{r}")
            };
            text.push_str(&format!(
                "      - {{ when: '(?i)\\b{word}\\b', goto: {target} }}\n"
            ));
        }
    }
    text
}

fn files(flows: usize, states_per_flow: usize, unique: bool) -> Vec<SourceFile> {
    let mut files = vec![SourceFile {
        path: "gen/sportello.yaml".into(),
        bytes: SETTINGS.as_bytes().to_vec(),
    }];
    for i in 0..flows {
        files.push(SourceFile {
            path: format!("gen/f{i}.yaml"),
            bytes: flow(i, states_per_flow, flows, unique).into_bytes(),
        });
    }
    files
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn bench_step(d: &Dialogues, name: &str, input: Input) {
    let session = Session {
        state: "f0.s0".into(),
        ..Session::new("it")
    };
    let at: DateTime<Utc> = "2027-01-15T08:00:00Z".parse().unwrap_or_default();
    let inbound = Inbound { at, input };
    let answers = Answers::default();
    let faqs = sportello::understand::FaqIndex::empty(&d.understanding.analyzer);
    for _ in 0..10_000 {
        black_box(engine::step(d, &faqs, &session, &inbound, &answers));
    }
    let mut samples = Vec::with_capacity(100_000);
    for _ in 0..100_000 {
        let start = Instant::now();
        let step = engine::step(black_box(d), &faqs, &session, &inbound, &answers);
        samples.push(start.elapsed());
        if !matches!(step, Step::Done(_)) {
            println!("unexpected fetch");
            return;
        }
    }
    samples.sort();
    println!(
        "engine step, {name:<34} median {:>6.2} µs   p99 {:>6.2} µs",
        percentile(&samples, 0.5).as_secs_f64() * 1e6,
        percentile(&samples, 0.99).as_secs_f64() * 1e6
    );
}

fn main() {
    let (dialogues, report) = dialogue::load(&files(2, 3, false));
    let Some(d) = dialogues else {
        println!("generated dialogues do not load:\n{}", report.render_text());
        return;
    };
    println!("state with 10 match rules and 5 buttons (100,000 steps each):");
    bench_step(
        &d,
        "text matching the 10th rule",
        Input::from_text("ecco la parola9 che cerco"),
    );
    bench_step(
        &d,
        "text matching no rule (fallback)",
        Input::from_text("niente di niente"),
    );
    bench_step(&d, "typed button number", Input::from_text("3"));
    bench_step(&d, "typed button label", Input::from_text("opzione 4"));
    bench_step(&d, "button press", Input::Button("f0.s0#2".into()));

    bench_load("rules shared across states", &files(50, 10, false));
    bench_load("every rule a distinct regex", &files(50, 10, true));
}

fn bench_load(name: &str, generated: &[SourceFile]) {
    let mut samples = Vec::new();
    let mut states = 0;
    for _ in 0..20 {
        let start = Instant::now();
        let (loaded, report) = dialogue::load(black_box(generated));
        samples.push(start.elapsed());
        match loaded {
            Some(d) => states = d.states.len(),
            None => {
                println!("generated dialogues do not load:\n{}", report.render_text());
                return;
            }
        }
    }
    samples.sort();
    println!(
        "load + check, {} files, {states} states (5,000 rules, {name}): median {:>6.1} ms   max {:>6.1} ms",
        generated.len(),
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 1.0).as_secs_f64() * 1e3
    );
}
