//! The FAQ index every turn ranks against: rebuilt only when the FAQs change (the
//! store's fingerprint, within seconds in every replica) or the dialogues do (their
//! synonyms and languages shape how FAQs are read).

use std::sync::{Arc, Mutex, MutexGuard};

use crate::dialogue::Dialogues;
use crate::store::{ContentSource, StoreError};
use crate::understand::{Analyzer, FaqIndex};

/// The index last built, and what it was built from.
#[derive(Debug, Default)]
pub(crate) struct FaqCache {
    built: Mutex<Option<Built>>,
}

#[derive(Debug)]
struct Built {
    analyzer: Arc<Analyzer>,
    version: String,
    index: Arc<FaqIndex>,
}

impl FaqCache {
    fn lock(&self) -> MutexGuard<'_, Option<Built>> {
        // Each operation is one read or one replacement: never half-done.
        self.built.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The index for the FAQs `content` holds now, read as `dialogues` read.
    pub(crate) async fn index(
        &self,
        dialogues: &Dialogues,
        content: &impl ContentSource,
    ) -> Result<Arc<FaqIndex>, StoreError> {
        let list = content.faqs().await?;
        let analyzer = &dialogues.understanding.analyzer;
        if let Some(built) = self.lock().as_ref()
            && built.version == list.version
            && Arc::ptr_eq(&built.analyzer, analyzer)
        {
            return Ok(Arc::clone(&built.index));
        }
        // Built outside the lock: turns on the old index go on meanwhile.
        let index = Arc::new(FaqIndex::build(analyzer, list.faqs.to_vec()));
        *self.lock() = Some(Built {
            analyzer: Arc::clone(analyzer),
            version: list.version,
            index: Arc::clone(&index),
        });
        Ok(index)
    }
}
