//! Text helpers every layer shares, depending on nothing of the crate: citizen text
//! bounded and cleaned, a normalized form for comparing with labels, the HTML subset
//! turned into plain text, splitting at a channel's length limit, and labels
//! shortened to a title's length.

mod shorten;

use std::sync::LazyLock;

use regex::Regex;

pub use shorten::{shorten, shorten_unique};

/// Longest citizen text the engine looks at; the rest is dropped (Telegram's own
/// message limit, so nothing real is lost).
pub const MAX_INPUT_CHARS: usize = 4096;

/// Drops control, zero-width and bidirectional formatting characters, trims, and
/// keeps at most `MAX_INPUT_CHARS` characters.
pub fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| !is_invisible(*c))
        .take(MAX_INPUT_CHARS)
        .collect::<String>()
        .trim()
        .to_owned()
}

fn is_invisible(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Lowercase words without accents, emoji or punctuation, single-spaced:
/// "📅 Date delle Prove!" and "date delle prove" compare equal.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            for lower in c.to_lowercase() {
                out.push(fold_accent(lower));
            }
        } else if c.is_whitespace() || c == '\'' || c == '’' || c == '-' {
            pending_space = true;
        }
    }
    out
}

fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' => 'a',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        other => other,
    }
}

static LINK: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"(?is)<a\s+href\s*=\s*"([^"]*)"\s*>(.*?)</a>"#).ok());
static TAG: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"(?s)</?[a-zA-Z][^>]*>").ok());

/// Plain text from the HTML subset: links become `text (url)`, tags go, entities are
/// decoded.
pub fn html_to_plain(html: &str) -> String {
    let mut text = html.to_owned();
    if let Some(link) = LINK.as_ref() {
        text = link
            .replace_all(&text, |c: &regex::Captures| {
                if c[1] == c[2] {
                    c[1].to_owned()
                } else {
                    format!("{} ({})", &c[2], &c[1])
                }
            })
            .into_owned();
    }
    if let Some(tag) = TAG.as_ref() {
        text = tag.replace_all(&text, "").into_owned();
    }
    html_escape::decode_html_entities(&text).into_owned()
}

/// Splits plain `text` into pieces of at most `limit` characters, preferring
/// paragraph breaks, then line breaks, then spaces; a single unbroken run is cut where
/// it must.
pub fn split(text: &str, limit: usize) -> Vec<String> {
    let atoms: Vec<Atom<'_>> = text
        .trim()
        .char_indices()
        .map(|(i, c)| Atom {
            raw: &text.trim()[i..i + c.len_utf8()],
            kind: AtomKind::Text,
        })
        .collect();
    split_atoms(&atoms, limit, |raw| raw.chars().count())
}

/// Splits `html` (the Telegram subset) into pieces of at most `limit` UTF-16 units,
/// like [`split`], never inside a tag or an entity, and each piece well-formed: tags
/// open at a cut are closed at the end of one piece and opened again at the start of
/// the next.
pub fn split_html(html: &str, limit: usize) -> Vec<String> {
    split_atoms(&html_atoms(html.trim()), limit, |raw| {
        raw.encode_utf16().count()
    })
}

/// A piece of text that is never cut: a character, an entity or a tag.
#[derive(Debug, Clone, Copy)]
struct Atom<'a> {
    raw: &'a str,
    kind: AtomKind<'a>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AtomKind<'a> {
    Text,
    Open(&'a str),
    Close(&'a str),
}

impl Atom<'_> {
    fn is_space(&self) -> bool {
        self.kind == AtomKind::Text && self.raw.chars().all(char::is_whitespace)
    }
}

/// The atoms of `html`: tags (`<b>`, `</a>`), entities (`&amp;`) and characters; a
/// `<` or `&` that starts neither is a character.
fn html_atoms(html: &str) -> Vec<Atom<'_>> {
    let mut atoms = Vec::with_capacity(html.len());
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        let len = match c {
            '<' => tag_len(rest),
            '&' => entity_len(rest),
            _ => None,
        }
        .unwrap_or(c.len_utf8());
        let raw = &rest[..len];
        let kind = if len > 1 && c == '<' {
            let inner = &raw[1..raw.len() - 1];
            let name =
                |s: &'_ str| -> usize { s.find(|c: char| c.is_whitespace()).unwrap_or(s.len()) };
            match inner.strip_prefix('/') {
                Some(closing) => AtomKind::Close(&closing[..name(closing)]),
                None if inner.ends_with('/') => AtomKind::Text,
                None => AtomKind::Open(&inner[..name(inner)]),
            }
        } else {
            AtomKind::Text
        };
        atoms.push(Atom { raw, kind });
        rest = &rest[len..];
    }
    atoms
}

/// The length of the tag `text` starts with, if it starts with one.
fn tag_len(text: &str) -> Option<usize> {
    let after = text[1..].trim_start_matches('/');
    if !after.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    text.find('>').map(|end| end + 1)
}

/// The length of the entity `text` starts with, if it starts with one.
fn entity_len(text: &str) -> Option<usize> {
    let end = text.char_indices().take(12).find(|&(_, c)| c == ';')?.0;
    let name = &text[1..end];
    let valid = !name.is_empty()
        && (name.chars().all(|c| c.is_ascii_alphanumeric())
            || name.strip_prefix('#').is_some_and(|n| {
                !n.is_empty()
                    && n.trim_start_matches(['x', 'X'])
                        .chars()
                        .all(|c| c.is_ascii_hexdigit())
            }));
    valid.then_some(end + 1)
}

/// Where a piece may end, best first: before a paragraph break, a line break, a space.
const SEPARATORS: usize = 3;

/// Greedy splitting of `atoms` into pieces whose `measure` is at most `limit`,
/// closing and reopening tags at each cut.
fn split_atoms(atoms: &[Atom<'_>], limit: usize, measure: impl Fn(&str) -> usize) -> Vec<String> {
    let closing_len =
        |open: &[usize]| -> usize { open.iter().map(|&t| tag_name(atoms[t]).len() + 3).sum() };
    let mut pieces = Vec::new();
    // Tags open where the current piece starts (indices into `atoms`).
    let mut open: Vec<usize> = Vec::new();
    let mut start = 0;
    loop {
        while atoms.get(start).is_some_and(Atom::is_space) {
            start += 1;
        }
        if start >= atoms.len() {
            break;
        }
        let reopen: usize = open.iter().map(|&t| measure(atoms[t].raw)).sum();
        let mut len = reopen;
        let mut stack = open.clone();
        // The rightmost cut of each kind: atom index and the tags open there.
        let mut cuts: [Option<(usize, Vec<usize>)>; SEPARATORS] = Default::default();
        let mut end = start;
        while end < atoms.len() {
            let atom = atoms[end];
            let mut after = stack.clone();
            apply(&mut after, atoms, end);
            let cost = len + measure(atom.raw) + closing_len(&after);
            if cost > limit && end > start {
                break;
            }
            if atom.kind == AtomKind::Text && end > start {
                let kind = match atom.raw {
                    "\n" if atoms.get(end + 1).is_some_and(|a| a.raw == "\n") => Some(0),
                    "\n" => Some(1),
                    " " => Some(2),
                    _ => None,
                };
                if let Some(kind) = kind {
                    cuts[kind] = Some((end, stack.clone()));
                }
            }
            len += measure(atom.raw);
            stack = after;
            end += 1;
        }
        let (cut, open_at_cut) = if end >= atoms.len() {
            (end, stack)
        } else {
            cuts.into_iter().flatten().next().unwrap_or((end, stack))
        };
        let mut piece: String = open.iter().map(|&t| atoms[t].raw).collect();
        let body: String = atoms[start..cut].iter().map(|a| a.raw).collect();
        piece.push_str(body.trim_end());
        for &t in open_at_cut.iter().rev() {
            piece.push_str("</");
            piece.push_str(tag_name(atoms[t]));
            piece.push('>');
        }
        if atoms[start..cut]
            .iter()
            .any(|a| a.kind == AtomKind::Text && !a.is_space())
        {
            pieces.push(piece);
        }
        open = open_at_cut;
        start = cut;
    }
    pieces
}

fn tag_name(atom: Atom<'_>) -> &str {
    match atom.kind {
        AtomKind::Open(name) | AtomKind::Close(name) => name,
        AtomKind::Text => "",
    }
}

/// Updates the stack of open tags with `atoms[index]`.
fn apply(stack: &mut Vec<usize>, atoms: &[Atom<'_>], index: usize) {
    match atoms[index].kind {
        AtomKind::Open(_) => stack.push(index),
        AtomKind::Close(name) => {
            if let Some(at) = stack
                .iter()
                .rposition(|&t| tag_name(atoms[t]).eq_ignore_ascii_case(name))
            {
                stack.truncate(at);
            }
        }
        AtomKind::Text => {}
    }
}

/// A short, stable stand-in for a chat id in logs (raw ids and phone numbers are
/// personal data and stay out of logs).
pub fn log_id(chat: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(chat.as_bytes());
    digest.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn html_becomes_plain_text() {
        assert_eq!(
            html_to_plain("<b>Ciao</b> &amp; &lt;benvenuto&gt; &#x27;x&#x27;"),
            "Ciao & <benvenuto> 'x'"
        );
        assert_eq!(
            html_to_plain(r#"Vedi <a href="https://x.it">il sito</a>"#),
            "Vedi il sito (https://x.it)"
        );
        assert_eq!(html_to_plain("2 < 3"), "2 < 3");
    }

    #[test]
    fn labels_compare_without_emoji_case_or_accents() {
        assert_eq!(normalize("📅 Date delle Prove!"), "date delle prove");
        assert_eq!(normalize("  Attività  "), normalize("attivita"));
        assert_eq!(normalize("Sì, cancella"), "si cancella");
        assert_eq!(normalize("1."), "1");
    }

    #[test]
    fn invisible_characters_are_dropped_and_length_bounded() {
        assert_eq!(clean("\u{200B}ciao\u{202E}\u{FEFF} "), "ciao");
        assert_eq!(clean(&"a".repeat(10_000)).chars().count(), MAX_INPUT_CHARS);
        assert_eq!(clean("\u{200D}\u{2066}"), "");
    }
    #[test]
    fn an_unbroken_run_is_cut_at_the_limit_on_a_char_boundary() {
        let pieces = split(&"è".repeat(10_000), 4096);
        assert_eq!(
            pieces.iter().map(|p| p.chars().count()).collect::<Vec<_>>(),
            [4096, 4096, 1808]
        );
        let pieces = split_html(&"è".repeat(10_000), 4096);
        assert_eq!(
            pieces.iter().map(|p| p.chars().count()).collect::<Vec<_>>(),
            [4096, 4096, 1808]
        );
    }

    #[test]
    fn plain_text_prefers_paragraphs_then_lines_then_spaces() {
        assert_eq!(
            split("uno due\n\ntre quattro", 12),
            ["uno due", "tre quattro"]
        );
        assert_eq!(
            split("uno due\ntre quattro", 12),
            ["uno due", "tre quattro"]
        );
        assert_eq!(split("uno due tre", 8), ["uno due", "tre"]);
        assert_eq!(split("  ", 8), Vec::<String>::new());
        assert_eq!(split("a <b> c", 100), ["a <b> c"], "plain text has no tags");
    }

    /// Whether every tag opened in `html` is closed, in order.
    fn balanced(html: &str) -> bool {
        let mut open = Vec::new();
        for atom in html_atoms(html) {
            match atom.kind {
                AtomKind::Open(name) => open.push(name),
                AtomKind::Close(name) if open.pop() != Some(name) => return false,
                _ => {}
            }
        }
        open.is_empty()
    }

    #[test]
    fn html_cut_inside_a_tag_is_closed_and_reopened() {
        let text = format!("<b>{}</b> fine", "parola ".repeat(1000).trim());
        let pieces = split_html(&text, 4096);
        assert_eq!(pieces.len(), 2);
        for piece in &pieces {
            assert!(balanced(piece), "{piece}");
            assert!(piece.encode_utf16().count() <= 4096);
        }
        assert!(pieces[0].starts_with("<b>parola") && pieces[0].ends_with("parola</b>"));
        assert!(pieces[1].starts_with("<b>parola") && pieces[1].ends_with("</b> fine"));
        let rejoined: String = pieces.concat().replace("<b>", "").replace("</b>", "");
        assert_eq!(
            rejoined.replace(' ', ""),
            text.replace("<b>", "").replace("</b>", "").replace(' ', "")
        );
    }

    #[test]
    fn html_is_never_cut_inside_a_link_tag_or_an_entity() {
        let link = r#"<a href="https://www.istruzione.it/esame_di_stato/">il sito</a>"#;
        let text = format!("{} &amp; {link} {}", "x".repeat(50), "y".repeat(50));
        for limit in 40..text.len() {
            for piece in split_html(&text, limit) {
                assert!(balanced(&piece), "limit {limit}: {piece}");
                assert!(!piece.contains("&am ") && !piece.ends_with('&'), "{piece}");
                let opens = piece.matches("<a ").count();
                assert_eq!(opens, piece.matches("</a>").count(), "{piece}");
            }
        }
    }

    #[test]
    fn nested_tags_close_in_reverse_order() {
        let text = format!("<b><i>{}</i></b>", "ab ".repeat(20).trim());
        let pieces = split_html(&text, 30);
        assert!(pieces.len() > 1);
        for piece in &pieces {
            assert!(
                piece.starts_with("<b><i>") && piece.ends_with("</i></b>"),
                "{piece}"
            );
            assert!(piece.encode_utf16().count() <= 30, "{piece}");
        }
    }

    #[test]
    fn the_html_limit_counts_utf16_units() {
        let pieces = split_html(&"😀".repeat(3000), 4096);
        assert!(pieces.iter().all(|p| p.encode_utf16().count() <= 4096));
        assert_eq!(
            pieces.iter().map(|p| p.chars().count()).sum::<usize>(),
            3000
        );
    }
}
