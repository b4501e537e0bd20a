//! Labels cut to a channel's title length: the one rule WhatsApp's renderer sends by
//! and `check` warns by, so a warning quotes exactly what a citizen will see.

/// `label` cut to at most `max` characters, ending in "…" when cut.
pub fn shorten(label: &str, max: usize) -> String {
    let label = label.trim();
    if label.chars().count() <= max {
        return label.to_owned();
    }
    let kept: String = label.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

/// Titles of at most `max` characters for `labels`, pairwise distinct (ignoring case):
/// a repeat gets " 2", " 3"… with the label cut further to make room.
pub fn shorten_unique(labels: &[&str], max: usize) -> Vec<String> {
    let mut titles: Vec<String> = Vec::with_capacity(labels.len());
    for label in labels {
        let mut title = shorten(label, max);
        let mut n = 2;
        while titles
            .iter()
            .any(|t| t.to_lowercase() == title.to_lowercase())
        {
            let suffix = format!(" {n}");
            let room = max.saturating_sub(suffix.chars().count());
            let base = shorten(label, room);
            title = format!("{base}{suffix}");
            n += 1;
        }
        titles.push(title);
    }
    titles
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_labels_are_cut_with_an_ellipsis_and_repeats_numbered() {
        assert_eq!(shorten("  Ok  ", 20), "Ok");
        assert_eq!(
            shorten("📅 Date delle prove scritte", 20),
            "📅 Date delle prove…"
        );
        assert_eq!(
            shorten_unique(
                &["Calendario delle prove", "calendario delle prove orali"],
                12
            ),
            ["Calendario…", "calendari… 2"]
        );
    }
}
