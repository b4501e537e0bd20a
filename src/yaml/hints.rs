//! Plain words for the YAML slips staff make. The parser reports where it gave up,
//! which is often a line below the slip (an indentation mistake shows up as "did not
//! find expected key" further down); these rules read the lines around that place and
//! name the line where the problem starts, with what to do about it.
//!
//! Only called once parsing failed, so a rule may guess: at worst it points at a
//! nearby line with a likely cause, and the parser's own words stay as the fallback.

use crate::dialogue::suggest::did_you_mean;
use crate::say;
use crate::staff_language::Message;

/// A better place and wording for a parse error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Hint {
    /// 1-based.
    pub(super) line: u64,
    /// 1-based.
    pub(super) column: u64,
    pub(super) message: Message,
}

/// Explains the parser's `message` at `line`:`column` (1-based; 0 unknown) of `text`;
/// `keys` are keys of the format that sit side by side (never one inside another).
pub(super) fn explain(text: &str, line: u64, column: u64, message: &str, keys: &[&str]) -> Hint {
    let lines = Lines::read(text);
    let at_error = usize::try_from(line).unwrap_or(0);
    let found = tab(&lines, at_error)
        .or_else(|| quote(message, line, column))
        .or_else(|| unclosed_bracket(&lines, at_error))
        .or_else(|| indentation(&lines, at_error))
        .or_else(|| misplaced_key(&lines, at_error, message, keys));
    found.unwrap_or_else(|| Hint {
        line,
        column,
        message: translated(message),
    })
}

/// One line of the file as the rules see it.
#[derive(Debug)]
struct Line<'a> {
    /// 1-based.
    number: usize,
    /// Leading spaces.
    indent: usize,
    /// The line without its indentation and trailing comment.
    code: &'a str,
    /// A blank or comment-only line, or the inside of a block scalar (`|`, `>`).
    skipped: bool,
    /// `{`/`[` opened minus closed, outside quotes.
    bracket_balance: i32,
    /// The column of the first bracket left open, if any.
    open_bracket: Option<usize>,
}

impl Line<'_> {
    fn dash(&self) -> bool {
        self.code == "-" || self.code.starts_with("- ")
    }

    /// What follows `- ` on a list item, else the whole line.
    fn item(&self) -> &str {
        if self.dash() {
            self.code[1..].trim_start()
        } else {
            self.code
        }
    }

    /// Where a list item's content starts (0-based), else the indentation.
    fn content_indent(&self) -> usize {
        if self.dash() {
            self.indent + (self.code.len() - self.item().len())
        } else {
            self.indent
        }
    }

    /// The key of `key: value` or `key:` (of the item, on a list line).
    fn key(&self) -> Option<&str> {
        key_and_value(self.item()).map(|(key, _)| key)
    }

    /// `key:` with nothing after it, or a lone `-`: the next lines hold its value.
    fn opens_block(&self) -> bool {
        if self.code == "-" {
            return true;
        }
        key_and_value(self.item()).is_some_and(|(_, value)| value.is_empty())
    }

    /// `key: |` or `key: >` (or `- |`): the next, deeper lines are text.
    fn starts_block_scalar(&self) -> bool {
        let value = key_and_value(self.item()).map_or(self.item(), |(_, value)| value);
        let value = if self.dash() && key_and_value(self.item()).is_none() {
            self.item()
        } else {
            value
        };
        value.starts_with(['|', '>'])
            && value[1..]
                .chars()
                .all(|c| c.is_ascii_digit() || c == '+' || c == '-')
    }

    /// A value on the same line that is plain text (not quoted, not `{`/`[`), which
    /// YAML lets continue on deeper lines.
    fn has_plain_value(&self) -> bool {
        key_and_value(self.item()).is_some_and(|(_, value)| {
            !value.is_empty() && !value.starts_with(['"', '\'', '{', '[', '|', '>', '&', '*'])
        })
    }

    fn column(&self) -> usize {
        self.indent + 1
    }
}

/// `key: value` split at the first `: ` (or a final `:`) outside quotes and brackets.
fn key_and_value(code: &str) -> Option<(&str, &str)> {
    let mut quote = None;
    let mut depth = 0i32;
    let bytes = code.as_bytes();
    for (index, &byte) in bytes.iter().enumerate() {
        match (quote, byte) {
            (Some(q), b) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"') if index == 0 => quote = Some(byte),
            (None, b'{' | b'[') => depth += 1,
            (None, b'}' | b']') => depth -= 1,
            (None, b':') if depth == 0 => {
                let next = bytes.get(index + 1);
                if next.is_none() || next == Some(&b' ') {
                    let key = code[..index].trim().trim_matches(['"', '\'']);
                    return (!key.is_empty()).then(|| (key, code[index + 1..].trim()));
                }
            }
            _ => {}
        }
    }
    None
}

struct Lines<'a>(Vec<Line<'a>>);

impl<'a> Lines<'a> {
    fn read(text: &'a str) -> Lines<'a> {
        let mut lines = Vec::new();
        let mut block_scalar_of: Option<usize> = None;
        for (index, raw) in text.lines().enumerate() {
            let raw = raw.trim_end_matches('\r');
            let indent = raw.len() - raw.trim_start_matches(' ').len();
            let body = &raw[indent..];
            if let Some(owner) = block_scalar_of {
                if body.trim().is_empty() || indent > owner {
                    lines.push(Line::skipped(index + 1, indent, body));
                    continue;
                }
                block_scalar_of = None;
            }
            let (code, bracket_balance, open_bracket) = strip_comment(body);
            let line = Line {
                number: index + 1,
                indent,
                code: code.trim_end(),
                skipped: code.trim().is_empty(),
                bracket_balance,
                open_bracket: open_bracket.map(|c| c + indent),
            };
            if !line.skipped && line.starts_block_scalar() {
                block_scalar_of = Some(line.indent);
            }
            lines.push(line);
        }
        Lines(lines)
    }

    /// The lines that carry structure, up to line `last` (1-based) included; every line
    /// when `last` is 0.
    fn significant(&self, last: usize) -> impl Iterator<Item = &Line<'a>> {
        self.0
            .iter()
            .filter(move |l| !l.skipped && (last == 0 || l.number <= last))
    }
}

impl<'a> Line<'a> {
    fn skipped(number: usize, indent: usize, code: &'a str) -> Line<'a> {
        Line {
            number,
            indent,
            code,
            skipped: true,
            bracket_balance: 0,
            open_bracket: None,
        }
    }
}

/// The line without its `# comment`, with the brackets it leaves open and the column
/// (0-based, from the start of `body`) of the first one left open.
fn strip_comment(body: &str) -> (&str, i32, Option<usize>) {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    let mut open: Vec<usize> = Vec::new();
    let mut balance = 0;
    let mut chars = body.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        match quote {
            Some('\'') if c == '\'' => {
                // `''` is a quote inside single quotes.
                if chars.peek().map(|&(_, next)| next) == Some('\'') {
                    chars.next();
                } else {
                    quote = None;
                }
            }
            Some('"') if c == '\\' => {
                chars.next();
            }
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '#' if previous == ' ' || index == 0 => {
                    return (&body[..index], balance, open.first().copied());
                }
                '\'' | '"' if matches!(previous, ' ' | '{' | '[' | ',' | ':' | '-') => {
                    quote = Some(c);
                }
                '{' | '[' => {
                    balance += 1;
                    open.push(body[..index].chars().count());
                }
                '}' | ']' => {
                    balance -= 1;
                    open.pop();
                }
                _ => {}
            },
        }
        previous = c;
    }
    (body, balance, open.first().copied())
}

/// A tab in the indentation of a line up to the error.
fn tab(lines: &Lines, last: usize) -> Option<Hint> {
    let line = lines.significant(last).find(|l| l.code.starts_with('\t'))?;
    Some(Hint {
        line: line.number as u64,
        column: line.column() as u64,
        message: Message::new(
            "this line is indented with a tab; YAML indents with spaces only: replace the tab with spaces",
            "questa riga è rientrata con un tabulatore; in YAML si rientra solo con spazi: sostituisci il tabulatore con spazi",
        ),
    })
}

/// A quote inside a quoted text: `'L'esame'`, `"il "bando""`.
fn quote(message: &str, line: u64, column: u64) -> Option<Hint> {
    let text = if message.contains("unclosed bracket") {
        return Some(Hint {
            line,
            column,
            message: not_closed(),
        });
    } else if message.contains("after single-quoted scalar") {
        Message::new(
            "a `'` inside a text written between '…' must be doubled: `''` (e.g. 'L''esame'); or put the whole text between double quotes \"…\"",
            "un `'` dentro un testo scritto tra '…' va raddoppiato: `''` (per esempio 'L''esame'); oppure metti tutto il testo tra virgolette doppie \"…\"",
        )
    } else if message.contains("after double-quoted scalar") {
        Message::new(
            "a `\"` inside a text written between \"…\" is written `\\\"`; or put the whole text between single quotes '…'",
            "un `\"` dentro un testo scritto tra \"…\" si scrive `\\\"`; oppure metti tutto il testo tra apici singoli '…'",
        )
    } else {
        return None;
    };
    // The parser stops just after the quote that ended the text too early.
    Some(Hint {
        line,
        column: column.saturating_sub(1).max(1),
        message: text,
    })
}

/// A `{` or `[` left open on a line, followed by lines of block structure: flow
/// collections end on their own line in the files staff write.
fn unclosed_bracket(lines: &Lines, last: usize) -> Option<Hint> {
    let significant: Vec<&Line> = lines.significant(last).collect();
    let mut opener: Option<&Line> = None;
    let mut balance = 0;
    for line in significant {
        if balance > 0
            && let Some(open) = opener
            && line.indent <= open.indent
            && (line.dash() || line.key().is_some())
        {
            return Some(Hint {
                line: open.number as u64,
                column: open.open_bracket.map_or(open.column(), |c| c + 1) as u64,
                message: not_closed(),
            });
        }
        if balance == 0 && line.bracket_balance > 0 {
            opener = Some(line);
        }
        balance = (balance + line.bracket_balance).max(0);
    }
    None
}

fn not_closed() -> Message {
    Message::new(
        "the `{` or `[` opened here is not closed: end it with `}` or `]` on the same line",
        "la `{` o `[` aperta qui non è chiusa: chiudila con `}` o `]` sulla stessa riga",
    )
}

/// A level of block structure: the lines of one mapping or list.
#[derive(Debug, Clone, Copy)]
struct Level {
    indent: usize,
    /// The line that opened it.
    first: usize,
    /// The indentation of the level it sits in.
    parent: usize,
}

/// The first line, up to the error, whose indentation fits no structure above it.
fn indentation(lines: &Lines, last: usize) -> Option<Hint> {
    let unit = indent_unit(&lines.significant(0).collect::<Vec<_>>());
    let significant: Vec<&Line> = lines.significant(last).collect();
    let mut levels = vec![Level {
        indent: significant.first().map_or(0, |l| l.indent),
        first: 0,
        parent: 0,
    }];
    let mut in_flow = 0;
    let mut previous: Option<&Line> = None;
    for &line in &significant {
        if in_flow > 0 {
            in_flow = (in_flow + line.bracket_balance).max(0);
            continue;
        }
        let Some(top) = levels.last().copied() else {
            break;
        };
        if let Some(above) = previous {
            if line.indent > top.indent {
                let opened = above.opens_block() && line.indent > above.indent;
                let continues_item = above.dash() && line.indent == above.content_indent();
                let continues_text =
                    above.has_plain_value() && line.key().is_none() && !line.dash();
                if opened {
                    levels.push(Level {
                        indent: line.indent,
                        first: line.number,
                        parent: top.indent,
                    });
                } else if !continues_item && !continues_text {
                    return Some(too_deep(above, line, top, unit));
                }
            } else if line.indent < top.indent {
                while levels.last().is_some_and(|l| l.indent > line.indent) {
                    let closed = levels.pop().unwrap_or(top);
                    if levels.last().is_some_and(|l| l.indent < line.indent) {
                        return Some(misaligned(&significant, above, line, closed, unit));
                    }
                }
                if levels.is_empty() {
                    return Some(misaligned(&significant, above, line, top, unit));
                }
            }
        }
        if line.dash() && line.key().is_some() {
            let content = line.content_indent();
            if levels.last().is_none_or(|l| l.indent < content) {
                levels.push(Level {
                    indent: content,
                    first: line.number,
                    parent: line.indent,
                });
            }
        }
        in_flow = line.bracket_balance.max(0);
        previous = Some(line);
    }
    None
}

/// A line deeper than the one above, which already had its value.
fn too_deep(above: &Line, line: &Line, top: Level, unit: usize) -> Hint {
    // When the line above opened its level alone and is off the file's steps while this
    // one is on them, the slip is above: `do:` one space too far right, then `say:`.
    if top.first == above.number
        && above.indent != top.parent + unit
        && line.indent == top.parent + unit
    {
        return off_step(above, line);
    }
    let (lc, ac, n) = (line.column(), above.column(), above.number);
    let message = if line.dash() && above.dash() {
        Message::new(
            format!(
                "the `-` of a list line up: this one is at column {lc}, the one on line {n} at column {ac}; move it to column {ac}"
            ),
            format!(
                "i `-` di un elenco vanno allineati: questo è alla colonna {lc}, quello della riga {n} alla colonna {ac}; spostalo alla colonna {ac}"
            ),
        )
    } else {
        Message::new(
            format!(
                "this line starts at column {lc}, further right than line {n} (column {ac}), but line {n} already has its value, so nothing can go inside it; move this line to column {ac}"
            ),
            format!(
                "questa riga inizia alla colonna {lc}, più a destra della riga {n} (colonna {ac}), ma la riga {n} ha già il suo valore e non può contenere altro; sposta questa riga alla colonna {ac}"
            ),
        )
    };
    Hint {
        line: line.number as u64,
        column: line.column() as u64,
        message,
    }
}

/// A line further left than the block it ends, but right of the block it returns to.
fn misaligned(
    significant: &[&Line],
    above: &Line,
    line: &Line,
    closed: Level,
    unit: usize,
) -> Hint {
    if closed.first == above.number && line.indent == closed.parent + unit {
        return off_step(above, line);
    }
    let columns: Vec<String> = aligned_columns(significant, line)
        .iter()
        .map(|(column, number)| format!("{column} (line {number})"))
        .collect();
    let colonne: Vec<String> = aligned_columns(significant, line)
        .iter()
        .map(|(column, number)| format!("{column} (riga {number})"))
        .collect();
    let lc = line.column();
    Hint {
        line: line.number as u64,
        column: lc as u64,
        message: Message::new(
            format!(
                "this line starts at column {lc}, which lines up with no line above it; the lines it could belong with start at column {}",
                columns.join(" or ")
            ),
            format!(
                "questa riga inizia alla colonna {lc}, che non è allineata con nessuna riga sopra; le righe a cui può appartenere iniziano alla colonna {}",
                colonne.join(" o ")
            ),
        ),
    }
}

/// The line above opened a block by itself at an odd indentation.
fn off_step(above: &Line, line: &Line) -> Hint {
    let (ac, lc, n) = (above.column(), line.column(), line.number);
    Hint {
        line: above.number as u64,
        column: ac as u64,
        message: Message::new(
            format!(
                "this line starts at column {ac}, but the next line of the same block (line {n}) starts at column {lc}; line them up: move this one to column {lc}"
            ),
            format!(
                "questa riga inizia alla colonna {ac}, ma la riga successiva dello stesso blocco (riga {n}) inizia alla colonna {lc}; allineale: sposta questa alla colonna {lc}"
            ),
        ),
    }
}

/// The columns of the enclosing blocks above `line`, nearest first: where it may go.
fn aligned_columns(significant: &[&Line], line: &Line) -> Vec<(usize, usize)> {
    let mut columns: Vec<(usize, usize)> = Vec::new();
    let mut limit = usize::MAX;
    for above in significant.iter().rev().filter(|l| l.number < line.number) {
        if above.indent < limit {
            limit = above.indent;
            columns.push((above.column(), above.number));
        }
        if columns.len() == 3 || above.indent == 0 {
            break;
        }
    }
    columns.retain(|&(column, _)| column.abs_diff(line.column()) > 0);
    columns.truncate(2);
    columns
}

/// The file's indentation step: the commonest step from a `key:` to its first child.
fn indent_unit(significant: &[&Line]) -> usize {
    let mut counts = [0usize; 9];
    for pair in significant.windows(2) {
        if pair[0].opens_block() && pair[1].indent > pair[0].indent {
            let step = pair[1].indent - pair[0].indent;
            if step < counts.len() {
                counts[step] += 1;
            }
        }
    }
    counts
        .iter()
        .enumerate()
        .skip(1)
        // On a tie the slip itself may be one of the steps: YAML's usual 2 wins.
        .max_by_key(|&(step, count)| (*count, step == 2, std::cmp::Reverse(step)))
        .filter(|&(_, count)| *count > 0)
        .map_or(2, |(step, _)| step)
}

/// A value of the wrong kind under a key that belongs one level out: `buttons:`
/// indented under `say:` is read as one of its texts. Told by the same key written
/// one level out elsewhere in the file, or by both being `keys` of one mapping.
fn misplaced_key(lines: &Lines, at_error: usize, message: &str, keys: &[&str]) -> Option<Hint> {
    let shape = ["expected", "invalid", "unknown field", "unknown variant"];
    if at_error == 0 || !shape.iter().any(|s| message.starts_with(s)) {
        return None;
    }
    let significant: Vec<&Line> = lines.significant(0).collect();
    let position = significant.iter().rposition(|l| l.number <= at_error)?;
    let mut owner = significant[position];
    for _ in 0..4 {
        let parent = owner_of(&significant, owner)?;
        if let (Some(key), Some(parent_key)) = (owner.key(), parent.key())
            && ((keys.contains(&key) && keys.contains(&parent_key))
                || significant.iter().any(|l| {
                    l.number != owner.number && l.indent == parent.indent && l.key() == Some(key)
                }))
        {
            let (n, pc) = (parent.number, parent.column());
            return Some(Hint {
                line: owner.number as u64,
                column: owner.column() as u64,
                message: Message::new(
                    format!(
                        "`{key}:` is indented under `{parent_key}:` (line {n}), so it is read as part of `{parent_key}`; move it left to column {pc}, in line with `{parent_key}:`"
                    ),
                    format!(
                        "`{key}:` è rientrato sotto `{parent_key}:` (riga {n}), quindi viene letto come parte di `{parent_key}`; spostalo a sinistra alla colonna {pc}, allineato con `{parent_key}:`"
                    ),
                ),
            });
        }
        owner = parent;
    }
    None
}

/// The `key:` line whose value `line` is part of.
fn owner_of<'a>(significant: &[&'a Line<'a>], line: &Line) -> Option<&'a Line<'a>> {
    let position = significant.iter().position(|l| l.number == line.number)?;
    significant[..position].iter().rev().copied().find(|above| {
        above.indent < line.indent
            || (above.indent == line.indent && line.dash() && !above.dash() && above.opens_block())
    })
}

/// The parser's own words, in Italian too where the phrase is a common one.
fn translated(message: &str) -> Message {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let choices: Vec<&str> = expected
            .trim_start_matches([',', ' '])
            .trim_start_matches("expected one of ")
            .trim_start_matches("expected ")
            .split(", ")
            .map(|c| c.trim_matches('`'))
            .filter(|c| !c.is_empty())
            .collect();
        let list = choices.join(", ");
        return match did_you_mean(field, &choices) {
            Some(best) => Message::new(
                format!("unknown key `{field}`: did you mean `{best}`? Keys allowed here: {list}"),
                format!(
                    "chiave sconosciuta `{field}`: forse `{best}`? Chiavi possibili qui: {list}"
                ),
            ),
            None => Message::new(
                format!("unknown key `{field}`; keys allowed here: {list}"),
                format!("chiave sconosciuta `{field}`; chiavi possibili qui: {list}"),
            ),
        };
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return Message::new(
            format!("`{field}:` is missing here"),
            format!("qui manca `{field}:`"),
        );
    }
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest);
        return say!(
            "`{key}` is written twice here; each key may appear once",
            "`{key}` è scritto due volte qui; ogni chiave può comparire una sola volta"
        );
    }
    let italian = match message {
        m if m.contains("mapping values are not allowed") => {
            return Message::new(
                "a `: ` inside a value starts a new key; put the whole value between quotes, e.g. say: \"Orari: 9-13\"",
                "un `: ` dentro un valore apre una nuova chiave; metti tutto il valore tra virgolette, per esempio say: \"Orari: 9-13\"",
            );
        }
        m if m.contains("did not find expected key") => {
            "qui il file non si legge: controlla il rientro di questa riga e di quelle sopra"
        }
        m if m.contains("cannot start any token") => {
            "un valore non può iniziare con questo carattere (come @ o `): mettilo tra virgolette"
        }
        "expected string scalar" => "qui ci vuole un testo",
        "invalid boolean" => "qui ci vuole `true` o `false`",
        m if m.contains("unknown escape") => {
            "tra virgolette doppie `\\` inizia un carattere speciale: scrivi `\\\\` o usa apici singoli '…'"
        }
        _ => return Message::new(message, format!("YAML non valido: {message}")),
    };
    Message::new(message, italian)
}

#[cfg(test)]
mod tests;
