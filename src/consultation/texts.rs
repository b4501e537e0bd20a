//! What citizens read about a consultation, in Italian or English (by the citizen's
//! language; Italian for any other): the words around the question, the privacy
//! notice of a consultation that is not anonymous, the reply to an answer, the
//! results. Texts are Telegram-style HTML; staff-written parts are escaped.

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Rome;

use super::ballot::Counted;
use super::results::Tally;

/// The languages these texts are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Italian, the default.
    It,
    /// English.
    En,
}

impl Lang {
    /// The texts' language for a citizen speaking `lang` (`en`, `en-GB`, …).
    pub fn of(lang: &str) -> Lang {
        if lang.get(..2).is_some_and(|l| l.eq_ignore_ascii_case("en")) {
            Lang::En
        } else {
            Lang::It
        }
    }

    /// Every language there are texts for, the default first.
    pub const ALL: [(&'static str, Lang); 2] = [("it", Lang::It), ("en", Lang::En)];

    fn pick(self, it: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::It => it,
            Lang::En => en,
        }
    }
}

fn escape(text: &str) -> String {
    html_escape::encode_text(text).into_owned()
}

/// When a consultation closes, in Italian time: `20/06/2027 alle 18:00`.
pub fn closing(at: DateTime<Utc>, lang: Lang) -> String {
    let local = at.with_timezone(&Rome);
    format!(
        "{} {} {}",
        local.format("%d/%m/%Y"),
        lang.pick("alle", "at"),
        local.format("%H:%M")
    )
}

/// Told before a citizen answers a consultation that is not anonymous.
pub fn privacy_notice(lang: Lang) -> &'static str {
    lang.pick(
        "🔐 <b>Questa consultazione non è anonima.</b> La tua risposta è conservata insieme a un codice che identifica il tuo account (non il tuo nome né il tuo numero), così conta una volta sola. Vale solo per questa consultazione: i risultati sono pubblicati solo come totali, e se chiedi di cancellare i tuoi dati (/cancella) anche la risposta viene cancellata.",
        "🔐 <b>This consultation is not anonymous.</b> Your answer is kept with a code that identifies your account (not your name or number), so that it counts once. It is used for this consultation only: results are published as totals only, and if you ask for your data to be erased (/cancella) your answer is erased too.",
    )
}

/// The message before a Telegram poll: sent only when the consultation is not
/// anonymous (with the privacy notice); an anonymous poll goes alone.
pub fn telegram_preamble(closes_at: DateTime<Utc>, anonymous: bool, lang: Lang) -> String {
    let intro = match lang {
        Lang::It => format!(
            "📊 <b>Consultazione</b>: rispondi al sondaggio qui sotto entro il {}. Puoi cambiare risposta fino ad allora.",
            closing(closes_at, lang)
        ),
        Lang::En => format!(
            "📊 <b>Consultation</b>: answer the poll below by {} (Italian time). You can change your answer until then.",
            closing(closes_at, lang)
        ),
    };
    if anonymous {
        intro
    } else {
        format!("{intro}\n\n{}", privacy_notice(lang))
    }
}

/// The body of a WhatsApp list: the question, until when, and whether it is anonymous.
pub fn whatsapp_body(
    question: &str,
    closes_at: DateTime<Utc>,
    anonymous: bool,
    lang: Lang,
) -> String {
    let when = closing(closes_at, lang);
    let mut body = match lang {
        Lang::It => format!(
            "📊 <b>Consultazione</b>\n\n{}\n\nScegli la tua risposta dall'elenco entro il {when}: puoi cambiarla fino ad allora.",
            escape(question)
        ),
        Lang::En => format!(
            "📊 <b>Consultation</b>\n\n{}\n\nChoose your answer from the list by {when} (Italian time): you can change it until then.",
            escape(question)
        ),
    };
    body.push_str("\n\n");
    body.push_str(if anonymous {
        lang.pick("🔒 La risposta è anonima.", "🔒 Your answer is anonymous.")
    } else {
        privacy_notice(lang)
    });
    body
}

/// The label of the button that opens the list (at most 20 characters).
pub fn list_button(lang: Lang) -> &'static str {
    lang.pick("Rispondi", "Answer")
}

/// The results message: each option with its answers and percentage.
pub fn results(question: &str, options: &[String], tally: &Tally, lang: Lang) -> String {
    let mut text = match lang {
        Lang::It => format!(
            "📊 <b>Risultati della consultazione «{}»</b>\n",
            escape(question)
        ),
        Lang::En => format!(
            "📊 <b>Results of the consultation «{}»</b>\n",
            escape(question)
        ),
    };
    let percentages = tally.percentages();
    for (i, option) in options.iter().enumerate() {
        let count = tally.counts.get(i).copied().unwrap_or(0);
        let percent = percentages.get(i).copied().unwrap_or(0);
        text.push_str(&format!("\n• {} — {count} ({percent}%)", escape(option)));
    }
    let total = tally.total();
    text.push_str("\n\n");
    text.push_str(&match (lang, total) {
        (Lang::It, 0) => "Nessuna risposta.".to_owned(),
        (Lang::It, 1) => "1 risposta in tutto.".to_owned(),
        (Lang::It, n) => format!("{n} risposte in tutto."),
        (Lang::En, 0) => "No answers.".to_owned(),
        (Lang::En, 1) => "1 answer in all.".to_owned(),
        (Lang::En, n) => format!("{n} answers in all."),
    });
    text.push_str(lang.pick(
        "\nGrazie a chi ha partecipato!",
        "\nThank you for taking part!",
    ));
    text
}

/// The reply to an answer, for a channel that has no poll of its own to show it
/// (WhatsApp), or to an answer that came too late.
pub fn vote_reply(counted: &Counted, lang: Lang) -> String {
    let option_of =
        |options: &[String], i: usize| escape(options.get(i).map_or("", String::as_str));
    match (counted, lang) {
        (
            Counted::Recorded {
                asked,
                option,
                changed,
            },
            Lang::It,
        ) => format!(
            "✅ {}: «{}». Puoi cambiarla fino al {}.",
            if *changed {
                "Risposta cambiata"
            } else {
                "Grazie, risposta registrata"
            },
            option_of(&asked.options, *option),
            closing(asked.closes_at, lang)
        ),
        (
            Counted::Recorded {
                asked,
                option,
                changed,
            },
            Lang::En,
        ) => format!(
            "✅ {}: «{}». You can change it until {} (Italian time).",
            if *changed {
                "Answer changed"
            } else {
                "Thank you, answer recorded"
            },
            option_of(&asked.options, *option),
            closing(asked.closes_at, lang)
        ),
        (Counted::Retracted { .. }, Lang::It) => "Risposta ritirata.".to_owned(),
        (Counted::Retracted { .. }, Lang::En) => "Answer taken back.".to_owned(),
        (Counted::Closed { asked }, Lang::It) => format!(
            "⏹ La consultazione «{}» è chiusa: questa risposta non è stata contata.",
            escape(&asked.question)
        ),
        (Counted::Closed { asked }, Lang::En) => format!(
            "⏹ The consultation «{}» is closed: this answer was not counted.",
            escape(&asked.question)
        ),
        (Counted::Unknown | Counted::Refused, Lang::It) => {
            "⚠️ Questa risposta non si può contare: la consultazione non è più disponibile."
                .to_owned()
        }
        (Counted::Unknown | Counted::Refused, Lang::En) => {
            "⚠️ This answer cannot be counted: the consultation is no longer available.".to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consultation::ballot::Asked;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap_or_default()
    }

    #[test]
    fn results_show_counts_and_percentages_escaped() {
        let tally = Tally {
            counts: vec![12, 8],
        };
        let options = ["Opzione A".to_owned(), "B & <C>".to_owned()];
        let text = results("Quale orario?", &options, &tally, Lang::It);
        assert_eq!(
            text,
            "📊 <b>Risultati della consultazione «Quale orario?»</b>\n\n• Opzione A — 12 (60%)\n• B &amp; &lt;C&gt; — 8 (40%)\n\n20 risposte in tutto.\nGrazie a chi ha partecipato!"
        );
        let none = results("Q", &options, &Tally::from_counts(2, &[]), Lang::En);
        assert!(
            none.contains("• Opzione A — 0 (0%)") && none.contains("No answers."),
            "{none}"
        );
    }

    #[test]
    fn languages_times_and_replies() {
        assert_eq!(Lang::of("en-GB"), Lang::En);
        assert_eq!(Lang::of("de"), Lang::It);
        assert_eq!(Lang::of(""), Lang::It);
        let closes = at("2027-06-20T16:00:00Z");
        assert_eq!(closing(closes, Lang::It), "20/06/2027 alle 18:00");
        let asked = Asked {
            key: "k".into(),
            question: "Q".into(),
            options: vec!["Sì".into(), "No".into()],
            closes_at: closes,
        };
        let recorded = Counted::Recorded {
            asked: asked.clone(),
            option: 1,
            changed: true,
        };
        assert_eq!(
            vote_reply(&recorded, Lang::It),
            "✅ Risposta cambiata: «No». Puoi cambiarla fino al 20/06/2027 alle 18:00."
        );
        assert!(vote_reply(&Counted::Closed { asked }, Lang::En).contains("closed"));
        assert!(vote_reply(&Counted::Refused, Lang::It).contains("non si può contare"));
    }

    #[test]
    fn only_named_consultations_carry_the_privacy_notice() {
        let closes = at("2027-06-20T16:00:00Z");
        assert!(!telegram_preamble(closes, true, Lang::It).contains("non è anonima"));
        assert!(telegram_preamble(closes, false, Lang::It).contains("non è anonima"));
        let body = whatsapp_body("A & B?", closes, false, Lang::En);
        assert!(
            body.contains("A &amp; B?") && body.contains("not anonymous"),
            "{body}"
        );
        assert!(list_button(Lang::It).chars().count() <= 20);
    }
}
