//! State names: every state gets its id before any target is resolved, so that a
//! target may point forward; unknown names get the closest known one as a hint.

use crate::dialogue::suggest::did_you_mean_tails;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_saphyr::Spanned;

use super::Builder;
use crate::dialogue::diagnostic::Position;
use crate::dialogue::model::StateId;
use crate::dialogue::raw::RawFlow;
use crate::say;

/// Names registered before targets are resolved.
pub(super) struct Names {
    /// Every `flow.state`, with its id.
    pub(super) by_name: HashMap<String, StateId>,
    /// Each flow's start state (`None` when the start names no state).
    pub(super) flow_starts: HashMap<String, Option<StateId>>,
    /// The bare state names of each flow, for hints.
    pub(super) states_of_flow: HashMap<String, Vec<String>>,
}

impl Builder {
    /// Gives every state its id, and reports duplicate or malformed names.
    pub(super) fn register(&mut self, flows: &[(Arc<str>, RawFlow)]) -> Names {
        let mut names = Names {
            by_name: HashMap::new(),
            flow_starts: HashMap::new(),
            states_of_flow: HashMap::new(),
        };
        let mut flow_files: HashMap<String, Position> = HashMap::new();
        let mut next = 0u32;
        for (file, raw) in flows {
            let flow = &raw.flow.value;
            let position = self.at(file, &raw.flow.referenced);
            if !is_name(flow) {
                self.error(
                    position.clone(),
                    say!(
                        "flow name `{flow}` must use only lowercase letters, digits, `_` and `-`",
                        "il nome del flusso `{flow}` può avere solo lettere minuscole, cifre, `_` e `-`"
                    ),
                );
            }
            if let Some(first) = flow_files.get(flow) {
                let (file, line) = (&first.file, first.line);
                let message = say!(
                    "flow `{flow}` is already defined at {file}:{line}",
                    "il flusso `{flow}` è già definito in {file}:{line}"
                );
                self.error(position, message);
                continue;
            }
            flow_files.insert(flow.clone(), position);
            let mut seen = HashSet::new();
            let mut state_names = Vec::new();
            for (state, _) in &raw.states.value.0 {
                let position = self.at(file, &state.referenced);
                let state = &state.value;
                if !is_name(state) {
                    self.error(
                        position.clone(),
                        say!(
                            "state name `{state}` must use only lowercase letters, digits, `_` and `-`",
                            "il nome dello stato `{state}` può avere solo lettere minuscole, cifre, `_` e `-`"
                        ),
                    );
                }
                if !seen.insert(state.clone()) {
                    self.error(
                        position,
                        say!(
                            "state `{state}` is defined twice in flow `{flow}`",
                            "lo stato `{state}` è definito due volte nel flusso `{flow}`"
                        ),
                    );
                    continue;
                }
                names
                    .by_name
                    .insert(format!("{flow}.{state}"), StateId(next));
                state_names.push(state.clone());
                next += 1;
            }
            if raw.states.value.0.is_empty() {
                self.error(
                    self.at(file, &raw.states.referenced),
                    say!(
                        "flow `{flow}` has no states",
                        "il flusso `{flow}` non ha stati"
                    ),
                );
            }
            let start = names
                .by_name
                .get(&format!("{flow}.{}", raw.start.value))
                .copied();
            names.flow_starts.insert(flow.clone(), start);
            names.states_of_flow.insert(flow.clone(), state_names);
        }
        names
    }

    /// Resolves `state`, `flow.state` or `flow` seen from `flow`; reports an unknown
    /// target with the closest known name.
    pub(super) fn resolve(
        &mut self,
        names: &Names,
        flow: &str,
        target: &Spanned<String>,
        file: &Arc<str>,
    ) -> Option<StateId> {
        let wanted = target.value.trim();
        let found = if wanted.contains('.') {
            names.by_name.get(wanted).copied()
        } else {
            names
                .by_name
                .get(&format!("{flow}.{wanted}"))
                .copied()
                .or_else(|| names.flow_starts.get(wanted).copied().flatten())
        };
        let flow_of_target = wanted.split('.').next().unwrap_or(wanted);
        if found.is_none() && !self.skipped_flows.contains(flow_of_target) {
            let mut candidates: Vec<String> =
                names.states_of_flow.get(flow).cloned().unwrap_or_default();
            candidates.extend(names.by_name.keys().cloned());
            candidates.extend(names.flow_starts.keys().cloned());
            let (hint, forse) = did_you_mean_tails(wanted, &candidates);
            let position = self.at(file, &target.referenced);
            self.error(
                position,
                say!(
                    "unknown target `{wanted}`{hint}",
                    "destinazione sconosciuta `{wanted}`{forse}"
                ),
            );
        }
        found
    }
}

/// Whether `name` is a valid flow or state name.
fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}
