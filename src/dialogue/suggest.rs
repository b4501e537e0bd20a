//! Did-you-mean for names staff misspell: targets, variables, slots, kinds.

/// The closest candidate, if it is close enough to be a likely typo.
pub(crate) fn did_you_mean<'a, S: AsRef<str>>(
    wanted: &str,
    candidates: &'a [S],
) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(wanted, c.as_ref()), c.as_ref()))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `; did you mean `x`?` for the closest candidate, or nothing: the tail of a
/// finding, in English and in Italian (`; forse `x`?`).
pub(crate) fn did_you_mean_tails<S: AsRef<str>>(
    wanted: &str,
    candidates: &[S],
) -> (String, String) {
    match did_you_mean(wanted, candidates) {
        Some(best) => (
            format!("; did you mean `{best}`?"),
            format!("; forse `{best}`?"),
        ),
        None => (String::new(), String::new()),
    }
}
