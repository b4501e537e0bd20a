//! From a ranking to a decision: a clear winner, a few close candidates to offer
//! («Intendevi…?»), or nothing good enough (the fallback).

/// A score at or above which the best candidate may be taken without asking.
const CONFIDENT: f32 = 0.6;
/// How far ahead of the next candidate a confident one must be.
const MARGIN: f32 = 0.04;
/// A score at which the best candidate is taken even with another close behind.
const CERTAIN: f32 = 0.7;
/// Scores closer than this are a tie: ask.
const TIE: f32 = 0.03;
/// The lowest score a candidate needs to be offered at all.
const PLAUSIBLE: f32 = 0.42;
/// The score at which a candidate with no other close to it is taken.
const ALONE: f32 = 0.53;
/// How far an off-topic example (`fallback.off_topic`) must be ahead of the best
/// candidate for a message to count as off-topic: a tie is ours.
pub const OFF_TOPIC_MARGIN: f32 = 0.05;
/// How close below the best candidate an off-topic example may be before the best
/// is only offered («Intendevi…?»), not taken.
const OFF_TOPIC_NEAR: f32 = 0.04;
/// Candidates offered at most in «Intendevi…?».
const MAX_OFFERED: usize = 3;

/// What to do with a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision<T> {
    /// One candidate, clearly.
    Clear(T),
    /// Two or three candidates close to each other: ask which.
    Close(Vec<T>),
    /// Nothing fits well enough.
    Unsure,
}

/// What the closest off-topic example (`fallback.off_topic`) says of the best
/// candidate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OffTopic {
    /// Far enough behind, or none: the ranking stands.
    Ours,
    /// Nearly as close: offer the candidates, answer none unasked.
    Doubtful,
    /// Ahead of it: the message is not ours, whatever word it shares with ours.
    NotOurs,
}

/// Judges an off-topic example scoring `off_topic` against the best candidate's `best`.
pub fn off_topic_verdict(off_topic: f32, best: f32) -> OffTopic {
    if off_topic <= 0.0 {
        OffTopic::Ours
    } else if off_topic >= best + OFF_TOPIC_MARGIN {
        OffTopic::NotOurs
    } else if off_topic >= best - OFF_TOPIC_NEAR {
        OffTopic::Doubtful
    } else {
        OffTopic::Ours
    }
}

/// `score` lowered, if needed, to where a candidate is offered but never taken
/// without asking.
pub fn asked_first(score: f32) -> f32 {
    score.min(ALONE - 0.01)
}

/// Decides on `ranked` (best first; one entry per candidate).
pub fn decide<T: Clone>(ranked: &[(T, f32)]) -> Decision<T> {
    let Some((best, top)) = ranked.first() else {
        return Decision::Unsure;
    };
    let next = ranked.get(1).map_or(0.0, |(_, s)| *s);
    if (*top >= CERTAIN && top - next > TIE) || (*top >= CONFIDENT && top - next >= MARGIN) {
        return Decision::Clear(best.clone());
    }
    if *top < PLAUSIBLE {
        return Decision::Unsure;
    }
    let close: Vec<T> = ranked
        .iter()
        .take(MAX_OFFERED)
        .filter(|(_, s)| *s >= PLAUSIBLE && top - s < 0.15)
        .map(|(c, _)| c.clone())
        .collect();
    // Only one plausible candidate, well ahead of the rest: take it.
    if close.len() == 1 && *top >= ALONE && top - next >= MARGIN {
        return Decision::Clear(best.clone());
    }
    Decision::Close(close)
}
