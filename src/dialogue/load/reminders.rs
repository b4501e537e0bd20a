//! `reminders:` in the settings: what a reminder says, and what the citizen is told
//! when its event moves or leaves the calendar, with defaults in Italian and English.

use std::sync::Arc;

use serde_saphyr::Spanned;

use super::Builder;
use super::compile::{CONFIRM_IN_SCOPE, REMINDER_IN_SCOPE};
use crate::dialogue::diagnostic::Position;
use crate::dialogue::model::ReminderTexts;
use crate::dialogue::raw::{RawReminders, RawText};

const MESSAGE: [(&str, &str); 2] = [
    (
        "it",
        "🔔 <b>Promemoria</b>: {{ event.title }}, {{ event.starts_at | data }}{% if event.place %}, {{ event.place }}{% endif %}.{% if event.link %}\n\n<a href=\"{{ event.link }}\">Avviso ufficiale</a>{% endif %}",
    ),
    (
        "en",
        "🔔 <b>Reminder</b>: {{ event.title }}, {{ event.starts_at | data }}{% if event.place %}, {{ event.place }}{% endif %}.{% if event.link %}\n\n<a href=\"{{ event.link }}\">Official notice</a>{% endif %}",
    ),
];
const CONFIRM: [(&str, &str); 2] = [
    (
        "it",
        "{% if reminder.set %}🔔 Fatto! Ti manderò un promemoria:\n{% for r in reminder.set %}• <b>{{ r.title }}</b>: {{ r.remind_at | data }}\n{% endfor %}\nScrivi /promemoria per vederli o annullarli.{% elif reminder.too_late %}⏰ {% for r in reminder.too_late %}<b>{{ r.title }}</b> è {{ r.starts_at | data }}{% if not loop.last %}, {% endif %}{% endfor %}: ormai è troppo vicina per un promemoria.{% else %}Per ora non ci sono date in calendario di cui ricordarti.{% endif %}",
    ),
    (
        "en",
        "{% if reminder.set %}🔔 Done! I will send you a reminder:\n{% for r in reminder.set %}• <b>{{ r.title }}</b>: {{ r.remind_at | data }}\n{% endfor %}\nType /promemoria to see or cancel them.{% elif reminder.too_late %}⏰ {% for r in reminder.too_late %}<b>{{ r.title }}</b> is {{ r.starts_at | data }}{% if not loop.last %}, {% endif %}{% endfor %}: too close for a reminder now.{% else %}There are no dates in the calendar to remind you of yet.{% endif %}",
    ),
];
const MOVED: [(&str, &str); 2] = [
    (
        "it",
        "📅 <b>{{ event.title }}</b> è stata spostata: ora è {{ event.starts_at | data }}. Il tuo promemoria arriverà {{ reminder.remind_at | data }}.",
    ),
    (
        "en",
        "📅 <b>{{ event.title }}</b> has moved: it is now {{ event.starts_at | data }}. Your reminder will come {{ reminder.remind_at | data }}.",
    ),
];
const CANCELLED: [(&str, &str); 2] = [
    (
        "it",
        "🗓 <b>{{ event.title }}</b> non è più in calendario: il tuo promemoria è annullato. Ti scriveremo se ci saranno novità sulle notizie a cui sei iscritto.",
    ),
    (
        "en",
        "🗓 <b>{{ event.title }}</b> is no longer in the calendar: your reminder is cancelled.",
    ),
];
const FORGOTTEN: [(&str, &str); 2] = [
    ("it", "🔕 Promemoria annullato."),
    ("en", "🔕 Reminder cancelled."),
];
const CANCEL_BUTTON: [(&str, &str); 2] = [("it", "❌ Annulla:"), ("en", "❌ Cancel:")];

impl Builder {
    /// The reminder texts, each from the settings or its default.
    pub(super) fn build_reminders(
        &mut self,
        file: &Arc<str>,
        raw: Option<&RawReminders>,
        default_lang: &str,
        position: &Position,
    ) -> ReminderTexts {
        let unset: Option<Spanned<RawText>> = None;
        let part = |pick: fn(&RawReminders) -> &Option<Spanned<RawText>>| raw.map_or(&unset, pick);
        ReminderTexts {
            confirm: self.template_or_builtin(
                file,
                "@reminder_confirm",
                part(|r| &r.confirm).as_ref(),
                default_lang,
                position,
                (&CONFIRM, &CONFIRM_IN_SCOPE),
            ),
            message: self.template_or_builtin(
                file,
                "@reminder",
                part(|r| &r.message).as_ref(),
                default_lang,
                position,
                (&MESSAGE, &REMINDER_IN_SCOPE),
            ),
            moved: self.template_or_builtin(
                file,
                "@reminder_moved",
                part(|r| &r.moved).as_ref(),
                default_lang,
                position,
                (&MOVED, &REMINDER_IN_SCOPE),
            ),
            cancelled: self.template_or_builtin(
                file,
                "@reminder_cancelled",
                part(|r| &r.cancelled).as_ref(),
                default_lang,
                position,
                (&CANCELLED, &REMINDER_IN_SCOPE),
            ),
            forgotten: self.text_or(file, part(|r| &r.forgotten), default_lang, &FORGOTTEN),
            cancel_button: self.text_or(
                file,
                part(|r| &r.cancel_button),
                default_lang,
                &CANCEL_BUTTON,
            ),
        }
    }
}
