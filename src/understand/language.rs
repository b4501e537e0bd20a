//! What differs by language: the Snowball stemmer and the words too common to tell
//! one question from another.

use foldhash::HashSet;

use rust_stemmers::{Algorithm, Stemmer};

/// Italian words that carry no topic. Question words that do ("quando", "dove",
/// "quanto", "come") are kept: "quando" tells a date from a procedure.
const ITALIAN_STOPWORDS: &[&str] = &[
    "il",
    "lo",
    "la",
    "i",
    "gli",
    "le",
    "l",
    "un",
    "uno",
    "una",
    "di",
    "d",
    "a",
    "da",
    "in",
    "con",
    "su",
    "per",
    "tra",
    "fra",
    "e",
    "ed",
    "o",
    "che",
    "chi",
    "del",
    "dello",
    "della",
    "dei",
    "degli",
    "delle",
    "al",
    "allo",
    "alla",
    "ai",
    "agli",
    "alle",
    "dal",
    "dallo",
    "dalla",
    "dai",
    "dagli",
    "dalle",
    "nel",
    "nello",
    "nella",
    "nei",
    "negli",
    "nelle",
    "sul",
    "sullo",
    "sulla",
    "sui",
    "sugli",
    "sulle",
    "sotto",
    "sopra",
    "dentro",
    "fuori",
    "senza",
    "verso",
    "presso",
    "durante",
    "contro",
    // Elided before a vowel: "dell'esame", "nell'aula", "quest'anno".
    "dell",
    "nell",
    "sull",
    "dall",
    "all",
    "coll",
    "quest",
    "quell",
    "perche",
    "po",
    "mi",
    "ti",
    "si",
    "ci",
    "vi",
    "me",
    "te",
    "se",
    "ne",
    "lo",
    "io",
    "tu",
    "lui",
    "lei",
    "noi",
    "voi",
    "loro",
    "mio",
    "mia",
    "miei",
    "tuo",
    "tua",
    "suo",
    "sua",
    "c",
    "e",
    "sono",
    "sei",
    "siamo",
    "era",
    "ho",
    "hai",
    "ha",
    "abbiamo",
    "hanno",
    "essere",
    "avere",
    "sta",
    "sto",
    "questo",
    "questa",
    "questi",
    "queste",
    "quello",
    "quella",
    "ma",
    "pero",
    "anche",
    "gia",
    "poi",
    "allora",
    "quindi",
    "tipo",
    "cioe",
    "ok",
    "scusa",
    "scusate",
    "raga",
    "ragazzi",
    "per",
    "favore",
    "piacere",
    "vorrei",
    "volevo",
    "sapere",
    "chiedere",
    "domanda",
    "qualcuno",
    "sa",
    "dirmi",
    "mi",
    "potete",
    "puoi",
    "potresti",
    "non",
    "piu",
    "molto",
    "tanto",
    "tutto",
    "tutti",
    "ancora",
    "solo",
    "ecco",
    "qui",
    "li",
    "la",
    "cosi",
    "be",
    "beh",
    "boh",
    "mah",
    "ah",
    "oh",
    "eh",
    "uh",
    "ao",
    "mo",
    "nn",
    // Words of every question, whatever it is about.
    "fare",
    "faccio",
    "fa",
    "fai",
    "fanno",
    "vuol",
    "vuole",
    "dire",
    "dici",
    "dite",
    "sai",
    "sapete",
    "so",
    "c",
    "ce",
    "devo",
    "deve",
    "dobbiamo",
    "devono",
    "posso",
    "puo",
    "possiamo",
    "possono",
    "serve",
    "bisogna",
    "vero",
    "ecc",
    "etc",
    "oppure",
    "invece",
    "comunque",
    "qualche",
    "qualcosa",
    "nessuno",
    "niente",
    "ogni",
    "altro",
    "altra",
    "altri",
    "stesso",
    "stessa",
    "proprio",
    "davvero",
    "magari",
    "forse",
    "sempre",
    "presto",
    "mai",
    "adesso",
    "ora",
    "oggi",
    "ieri",
    "stamattina",
    "stasera",
    "volta",
    "cosa",
    "caso",
    "modo",
    "parte",
    "grande",
    "bene",
    "sono",
    "stato",
    "stata",
    // Essere and avere in the tenses people write.
    "sara",
    "saranno",
    "sarebbe",
    "sarei",
    "sia",
    "siano",
    "fosse",
    "erano",
    "stati",
    "state",
    "avra",
    "avranno",
    "avrei",
    "avrebbe",
    "avuto",
    "aveva",
    "abbia",
    "abbiano",
    "viene",
    "vengono",
    "esce",
    "escono",
    "uscito",
    "uscita",
    "usciti",
    "sapere",
    "saputo",
    "letto",
    "sentito",
    "detto",
    "figlio",
    "figlia",
    "mio",
    "nostro",
    "nostra",
    "ragazzo",
    "ragazza",
    "signora",
    "signore",
    "daje",
    "zio",
    "mizzica",
    "ue",
    "uee",
    "oh",
    "amme",
    "ammè",
    "er",
    "so",
    "me",
    "te",
];

/// English words that carry no topic; as in Italian, question words stay.
const ENGLISH_STOPWORDS: &[&str] = &[
    "the", "a", "an", "of", "to", "in", "on", "at", "for", "from", "by", "with", "and", "or", "is",
    "are", "was", "were", "be", "been", "am", "do", "does", "did", "i", "you", "he", "she", "it",
    "we", "they", "me", "my", "your", "our", "their", "this", "that", "these", "those", "there",
    "here", "please", "pls", "can", "could", "would", "should", "will", "shall", "may", "might",
    "must", "about", "some", "any", "tell", "know", "want", "like", "need", "just", "so", "then",
    "also", "get", "have", "has", "had", "s", "t", "im", "dont", "not", "no", "thanks", "ok",
    "okay", "sir", "madam", "dear",
];

/// Who is asking ("sono la nonna di Giulia", "my son"): parents write it before
/// every kind of question, so it tells none from another.
const FAMILY: &[&str] = &[
    "mamma",
    "madre",
    "papa",
    "padre",
    "genitore",
    "genitori",
    "figlio",
    "figlia",
    "figli",
    "figlie",
    "nipote",
    "nipoti",
    "nonna",
    "nonno",
    "nonni",
    "zia",
    "zio",
    "fratello",
    "sorella",
    "marito",
    "moglie",
    "mother",
    "mom",
    "mum",
    "father",
    "dad",
    "parent",
    "parents",
    "son",
    "daughter",
    "child",
    "children",
    "kid",
    "kids",
    "nephew",
    "niece",
    "grandson",
    "granddaughter",
    "grandmother",
    "grandma",
    "grandfather",
    "grandpa",
    "aunt",
    "uncle",
    "brother",
    "sister",
    "husband",
    "wife",
];

/// Greetings and leave-taking, in the languages citizens mix: with `THANKS_WORDS`,
/// small talk, answered apart (`engine::run::understand`), and never what a question
/// is about ("Buongiorno, … Cordiali saluti" around a question must not rank as a
/// greeting).
const GREETINGS: &[&str] = &[
    "ciao",
    "salve",
    "buongiorno",
    "buonasera",
    "buondi",
    "buon",
    "buona",
    "buonanotte",
    "serata",
    "giornata",
    "ehi",
    "ehila",
    "hey",
    "hei",
    "hello",
    "hi",
    "hiya",
    "morning",
    "evening",
    "afternoon",
    "good",
    "mille",
    "saluti",
    "cordiali",
    "distinti",
    "arrivederci",
    "bye",
    "goodbye",
    "regards",
    "cheers",
    "bella",
];

/// Words that thank ("grazie mille sei un grande").
pub const THANKS_WORDS: &[&str] = &[
    "grazie",
    "ringrazio",
    "ringraziamo",
    "thanks",
    "thank",
    "thx",
    "tnx",
    "grz",
    "gentilissimo",
    "gentilissima",
    "gentilissimi",
    "gentile",
];

/// Words that say yes, in the bot's languages (as `normalize` writes them).
pub const YES_WORDS: &[&str] = &[
    "si",
    "ok",
    "okay",
    "certo",
    "va bene",
    "vabbene",
    "confermo",
    "conferma",
    "esatto",
    "giusto",
    "yes",
    "yep",
    "yeah",
    "sure",
    "y",
    "si grazie",
    "si certo",
    "si si",
    "procedi",
];
/// Words that say no, in the bot's languages (as `normalize` writes them).
pub const NO_WORDS: &[&str] = &[
    "no",
    "annulla",
    "no grazie",
    "lascia perdere",
    "lascia stare",
    "non voglio",
    "nope",
    "no thanks",
    "cancel",
    "no no",
];
/// Greetings, thanks and goodbyes.
fn courtesy() -> impl Iterator<Item = &'static str> {
    GREETINGS.iter().chain(THANKS_WORDS).copied()
}

/// Words that, with courtesy, make a message nothing but a greeting ("salve a
/// tutti", "ciao sportello", "hi there").
const GREETING_COMPANY: &[&str] = &[
    "a",
    "tutti",
    "tutte",
    "sportello",
    "bot",
    "ragazzi",
    "raga",
    "there",
    "everyone",
    "all",
    "again",
    "di",
    "nuovo",
    "we",
    "pomeriggio",
];

/// Whether `word` (as `words` reads it) is a greeting, a thanks or a goodbye.
pub fn is_courtesy(word: &str) -> bool {
    courtesy().any(|c| c == word)
}

/// Whether `words` (as `words` reads them) are only greetings, thanks and goodbyes
/// ("ciaooo", "salve a tutti", "grazie mille"): small talk, never a question.
pub fn only_courtesy(words: &[String]) -> bool {
    let courtesy = |w: &String| courtesy().any(|c| c == w);
    words.iter().any(courtesy)
        && words
            .iter()
            .all(|w| courtesy(w) || GREETING_COMPANY.contains(&w.as_str()))
}

/// One language the bot understands.
pub struct Language {
    /// Its code, as the dialogues name it (`it`, `en`).
    pub code: String,
    stemmer: Option<Stemmer>,
    /// Its stopwords and the courtesy words, in a set: every word of every example
    /// and message is looked up.
    stopwords: HashSet<&'static str>,
}

impl std::fmt::Debug for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Language").field(&self.code).finish()
    }
}

impl Language {
    /// The language `code`; one without a stemmer keeps words whole.
    pub fn new(code: &str) -> Language {
        let (algorithm, stopwords) = match code {
            "it" => (Some(Algorithm::Italian), ITALIAN_STOPWORDS),
            "en" => (Some(Algorithm::English), ENGLISH_STOPWORDS),
            "fr" => (Some(Algorithm::French), &[][..]),
            "de" => (Some(Algorithm::German), &[][..]),
            "es" => (Some(Algorithm::Spanish), &[][..]),
            _ => (None, &[][..]),
        };
        Language {
            code: code.to_owned(),
            stemmer: algorithm.map(Stemmer::create),
            stopwords: stopwords
                .iter()
                .chain(FAMILY)
                .copied()
                .chain(courtesy())
                .collect(),
        }
    }

    /// Whether `word` carries no topic in this language.
    pub fn is_stopword(&self, word: &str) -> bool {
        self.stopwords.contains(word)
    }

    /// The stem of `word` ("iscrizione", "iscrizioni" → "iscrizion").
    pub fn stem(&self, word: &str) -> String {
        match &self.stemmer {
            Some(stemmer) => stemmer.stem(word).into_owned(),
            None => word.to_owned(),
        }
    }

    /// Every stopword, for the spelling vocabulary (a stopword is never a typo).
    pub fn stopwords(&self) -> impl Iterator<Item = &'static str> {
        self.stopwords.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_join_the_forms_of_a_word() {
        let it = Language::new("it");
        assert_eq!(it.stem("iscrizione"), it.stem("iscrizioni"));
        assert_eq!(it.stem("maturita"), it.stem("maturita"));
        assert!(it.is_stopword("della"));
        assert!(!it.is_stopword("quando"));
        let en = Language::new("en");
        assert_eq!(en.stem("tests"), en.stem("test"));
        let unknown = Language::new("xx");
        assert_eq!(unknown.stem("parole"), "parole");
    }
}
