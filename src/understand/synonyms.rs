//! Other ways of writing the same thing: abbreviations, slang, regional forms and a few
//! English words, each replaced by the words the examples use. Staff add their own in
//! `sportello.yaml` (`synonyms: { qnd: quando }`); theirs win over these defaults.

use foldhash::HashMap;

use super::words::words;

/// How students and parents write, and what they mean (written as they would type it;
/// both sides are read like a message: lowercase, no accents).
pub const DEFAULT_SYNONYMS: &[(&str, &str)] = &[
    // Abbreviations of chat.
    ("qnd", "quando"),
    ("qndo", "quando"),
    ("qd", "quando"),
    ("quann", "quando"),
    ("quanno", "quando"),
    // Closing formulas are courtesy, not a question about being disturbed.
    ("scusate il disturbo", "grazie"),
    ("scusa il disturbo", "grazie"),
    ("scusi il disturbo", "grazie"),
    ("perdonate il disturbo", "grazie"),
    ("ci scusiamo per il disturbo", "grazie"),
    // Names of the ministry and joined words.
    ("mim", "ministero"),
    ("miur", "ministero"),
    ("cartadocente", "carta docente"),
    // Regional forms: Sicilian, Roman, Neapolitan, Ligurian, Milanese.
    ("quannu", "quando"),
    ("niscinu", "escono"),
    ("nesciono", "escono"),
    ("nun", "non"),
    ("gnente", "niente"),
    ("addo", "dove"),
    ("ste", "queste"),
    ("sti", "questi"),
    ("picciotti", "ragazzi"),
    ("picciotto", "ragazzo"),
    ("guaglio", "ragazzo"),
    ("uagliu", "ragazzi"),
    ("belin", "ragazzi"),
    ("sciur", "signore"),
    ("xke", "perche"),
    ("xche", "perche"),
    ("pk", "perche"),
    ("cm", "come"),
    ("cmq", "comunque"),
    ("dv", "dove"),
    ("ke", "che"),
    ("k", "che"),
    ("x", "per"),
    ("tt", "tutto"),
    ("nn", "non"),
    ("prof", "professore"),
    ("mate", "matematica"),
    ("ita", "italiano"),
    ("info", "informazioni"),
    ("uni", "universita"),
    ("univ", "universita"),
    ("medi", "medicina"),
    ("odonto", "odontoiatria"),
    ("vet", "veterinaria"),
    ("archi", "architettura"),
    ("sms", "messaggi"),
    ("msg", "messaggi"),
    // The exam's own slang.
    ("maturo", "maturita"),
    ("esame di stato", "maturita"),
    ("scritto", "prova scritta"),
    ("scritti", "prove scritte"),
    ("tema", "prima prova"),
    // One word for each thing, so examples written with one meet messages with the
    // other (a synonym that adds a topic word would pull every message towards it).
    ("colloqui", "orali"),
    ("colloquio", "orale"),
    // "date" and "dati" share a stem: a day asked about is not personal data.
    // "dati" and "date" share a stem: personal data is not a day asked about.
    ("dati", "privacy"),
    ("esiti", "risultati"),
    ("esito", "risultati"),
    ("vocabolario", "dizionario"),
    ("vocab", "dizionario"),
    ("apple watch", "smartwatch"),
    ("maturando", "maturita"),
    ("maturanda", "maturita"),
    ("maturandi", "maturita"),
    ("cell", "cellulare"),
    ("telefonino", "cellulare"),
    ("smartphone", "cellulare"),
    ("tel", "telefono"),
    ("pc", "computer"),
    ("numero chiuso", "ammissione"),
    ("numero programmato", "ammissione"),
    ("test d ingresso", "test ammissione"),
    ("test di ingresso", "test ammissione"),
    ("insuff", "insufficienza"),
    ("insufficienze", "insufficienza"),
    ("dislessico", "dislessia"),
    ("dislessica", "dislessia"),
    ("discalculico", "discalculia"),
    ("discalculica", "discalculia"),
    ("disgrafico", "disgrafia"),
    ("disgrafica", "disgrafia"),
    ("privatista", "privatisti"),
    ("bonus docenti", "carta docente"),
    ("bonus prof", "carta docente"),
    ("sto male", "malato"),
    ("stare male", "malato"),
    ("ammalato", "malato"),
    ("febbre", "malato"),
    ("influenza", "malato"),
    ("ammalo", "malato"),
    ("ammalarmi", "malato"),
    ("ammalata", "malato"),
    ("malata", "malato"),
    ("covid", "malato"),
    ("ricoverato", "malato"),
    ("mi sono rotto", "malato"),
    ("mi sono rotta", "malato"),
    ("ingessato", "malato"),
    ("ingessata", "malato"),
    ("infortunio", "malato"),
    ("ricoverata", "malato"),
    // "Non … più" is what stopping says, and both words are stopwords.
    ("non voglio piu", "basta"),
    ("nn voglio piu", "basta"),
    ("non mi interessa piu", "basta"),
    ("non mi interessano piu", "basta"),
    ("non mi servono piu", "basta"),
    ("non ricevere piu", "basta"),
    ("non mandatemi piu", "basta"),
    ("non mandarmi piu", "basta"),
    ("non inviatemi piu", "basta"),
    ("non scrivetemi piu", "basta"),
    ("disiscrivimi", "annullare iscrizione"),
    ("disiscrivetemi", "annullare iscrizione"),
    ("disiscrivo", "annullare iscrizione"),
    ("disiscrizione", "annullare iscrizione"),
    ("disiscrivermi", "annullare iscrizione"),
    ("disiscrivere", "annullare iscrizione"),
    ("disiscriviti", "annullare iscrizione"),
    // What is on already: not "attiva" (turn on), which shares the stem.
    ("ho attive", "iscritto"),
    ("ho attivato", "iscritto"),
    ("ho attivate", "iscritto"),
    ("sono attive", "iscritto"),
    ("sono attivi", "iscritto"),
    // Questions about the bot made only of common words.
    ("sai fare", "funzioni"),
    ("puoi fare", "funzioni"),
    ("cosa fai", "funzioni"),
    ("chi sei", "bot"),
    ("can you do", "help"),
    ("who are you", "bot"),
    ("operatore", "persona"),
    ("umano", "persona"),
    ("essere umano", "persona"),
    ("funzionario", "persona"),
    ("impiegato", "persona"),
    ("posta elettronica", "email"),
    ("mail", "email"),
    ("parlare con qualcuno", "parlare persona"),
    ("newsletter", "notizie"),
    ("news", "notizie"),
    ("novita", "notizie"),
    ("aggiornamenti", "notizie"),
    ("avvisi", "notizie"),
    // English words the Italian examples know.
    ("dyslexic", "dislessia"),
    ("dyslexia", "dislessia"),
    ("dyscalculia", "discalculia"),
    ("dysgraphia", "disgrafia"),
    ("sick", "malato"),
    ("ill", "malato"),
    ("unwell", "malato"),
    ("flu", "malato"),
    ("fee", "contributo"),
    ("honours", "lode"),
    ("private candidate", "privatisti"),
    ("external candidate", "privatisti"),
    ("teacher card", "carta docente"),
    ("laptop", "computer"),
    ("medicine", "medicina"),
    ("medical", "medicina"),
    ("exam", "esame"),
    ("human", "persona"),
    ("operator", "persona"),
    ("agent", "persona"),
    ("someone", "persona"),
    ("somebody", "persona"),
];

/// The words replaced, and the words they become.
type Replacement = (Vec<String>, Vec<String>);

/// Replacements, keyed by the first word they replace; longest phrase first.
#[derive(Debug, Default, Clone)]
pub struct Synonyms {
    by_first_word: HashMap<String, Vec<Replacement>>,
}

impl Synonyms {
    /// The defaults, then `staff`'s (which replace a default with the same key).
    pub fn new<'a>(staff: impl IntoIterator<Item = (&'a str, &'a str)>) -> Synonyms {
        let mut synonyms = Synonyms::default();
        for (from, to) in DEFAULT_SYNONYMS.iter().copied().chain(staff) {
            synonyms.insert(from, to);
        }
        synonyms
    }

    fn insert(&mut self, from: &str, to: &str) {
        let from = words(from);
        let to = words(to);
        let Some(first) = from.first() else { return };
        let entries = self.by_first_word.entry(first.clone()).or_default();
        entries.retain(|(f, _)| *f != from);
        entries.push((from, to));
        entries.sort_by_key(|(f, _)| std::cmp::Reverse(f.len()));
    }

    /// Every word a replacement is keyed on or leads to (never taken for a typo).
    pub fn vocabulary(&self) -> impl Iterator<Item = &str> {
        self.by_first_word
            .values()
            .flatten()
            .flat_map(|(from, to)| from.iter().chain(to))
            .map(String::as_str)
    }

    /// `words` with every replacement made, and which were made ("qnd → quando").
    pub fn apply(&self, mut words: Vec<String>) -> (Vec<String>, Vec<String>) {
        let mut out = Vec::with_capacity(words.len());
        let mut applied = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let found = self.by_first_word.get(&words[i]).and_then(|entries| {
                entries
                    .iter()
                    .find(|(from, _)| words[i..].starts_with(from))
            });
            match found {
                Some((from, to)) => {
                    applied.push(format!("{} → {}", from.join(" "), to.join(" ")));
                    out.extend(to.iter().cloned());
                    i += from.len();
                }
                None => {
                    // Most words are no synonym: moved, not copied.
                    out.push(std::mem::take(&mut words[i]));
                    i += 1;
                }
            }
        }
        (out, applied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn abbreviations_and_phrases_are_replaced_longest_first() {
        let synonyms = Synonyms::new([("sto male", "malato")]);
        let (out, applied) =
            synonyms.apply(owned(&["qnd", "c", "e", "lo", "scritto", "d", "mate"]));
        assert_eq!(
            out,
            owned(&[
                "quando",
                "c",
                "e",
                "lo",
                "prova",
                "scritta",
                "d",
                "matematica"
            ])
        );
        assert_eq!(applied.len(), 3);
        let (out, _) = synonyms.apply(owned(&["se", "sto", "male", "domani"]));
        assert_eq!(out, owned(&["se", "malato", "domani"]));
    }

    #[test]
    fn staff_synonyms_replace_the_defaults() {
        let synonyms = Synonyms::new([("mate", "maturita")]);
        let (out, _) = synonyms.apply(owned(&["mate"]));
        assert_eq!(out, owned(&["maturita"]));
    }
}
