//! The WhatsApp channel's records in memory: seen ids, contacts, deliveries.

use chrono::{DateTime, Utc};
use std::collections::HashMap;

use super::MemoryStore;
use crate::store::{
    Contact, Delivery, MenuEntry, StoreError, WhatsAppRecords, known_status, status_moves,
};

/// The WhatsApp channel's records.
#[derive(Debug, Default)]
pub(super) struct WhatsApp {
    /// Message ids taken, with when.
    seen: HashMap<String, DateTime<Utc>>,
    contacts: HashMap<String, MemContact>,
    /// Deliveries with the citizen's id and when they were recorded.
    deliveries: HashMap<String, (Delivery, String, DateTime<Utc>)>,
}

#[derive(Debug)]
pub(super) struct MemContact {
    last_inbound_at: DateTime<Utc>,
    menu: Vec<MenuEntry>,
}

impl WhatsApp {
    /// Forgets the citizen `wa_id`: their contact and deliveries (seen ids name no
    /// one). Returns (contacts, deliveries) deleted.
    pub(super) fn erase(&mut self, wa_id: &str) -> (u64, u64) {
        let contacts = u64::from(self.contacts.remove(wa_id).is_some());
        let before = self.deliveries.len();
        self.deliveries.retain(|_, (_, to, _)| to != wa_id);
        (contacts, (before - self.deliveries.len()) as u64)
    }
}

impl WhatsAppRecords for MemoryStore {
    async fn first_time(&self, wamid: &str) -> Result<bool, StoreError> {
        let seen = &mut self.lock().whatsapp.seen;
        if seen.contains_key(wamid) {
            return Ok(false);
        }
        seen.insert(wamid.to_owned(), Utc::now());
        Ok(true)
    }

    async fn touch_contact(
        &self,
        wa_id: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<MenuEntry>, StoreError> {
        let mut citizens = self.lock();
        let contact = citizens
            .whatsapp
            .contacts
            .entry(wa_id.to_owned())
            .or_insert(MemContact {
                last_inbound_at: at,
                menu: Vec::new(),
            });
        contact.last_inbound_at = contact.last_inbound_at.max(at);
        Ok(contact.menu.clone())
    }

    async fn save_menu(&self, wa_id: &str, menu: &[MenuEntry]) -> Result<(), StoreError> {
        if let Some(contact) = self.lock().whatsapp.contacts.get_mut(wa_id) {
            contact.menu = menu.to_vec();
        }
        Ok(())
    }

    async fn contact(&self, wa_id: &str) -> Result<Option<Contact>, StoreError> {
        Ok(self.lock().whatsapp.contacts.get(wa_id).map(|c| Contact {
            wa_id: wa_id.to_owned(),
            last_inbound_at: c.last_inbound_at,
        }))
    }

    async fn record_sent(&self, wamid: &str, wa_id: &str, kind: &str) -> Result<(), StoreError> {
        if wamid.is_empty() {
            return Ok(());
        }
        let delivery = Delivery {
            wamid: wamid.to_owned(),
            kind: kind.to_owned(),
            status: "accepted".to_owned(),
            error_code: None,
            error_title: None,
        };
        self.lock()
            .whatsapp
            .deliveries
            .entry(wamid.to_owned())
            .or_insert((delivery, wa_id.to_owned(), Utc::now()));
        Ok(())
    }

    async fn record_status(
        &self,
        wamid: &str,
        wa_id: &str,
        status: &str,
        error: Option<&(i64, String)>,
    ) -> Result<(), StoreError> {
        if !known_status(status) {
            return Ok(());
        }
        let mut citizens = self.lock();
        let (delivery, _, _) = citizens
            .whatsapp
            .deliveries
            .entry(wamid.to_owned())
            .or_insert_with(|| {
                let delivery = Delivery {
                    wamid: wamid.to_owned(),
                    kind: "text".to_owned(),
                    status: "accepted".to_owned(),
                    error_code: None,
                    error_title: None,
                };
                (delivery, wa_id.to_owned(), Utc::now())
            });
        if status_moves(&delivery.status, status) {
            delivery.status = status.to_owned();
            delivery.error_code = error.map(|(code, _)| i32::try_from(*code).unwrap_or(i32::MAX));
            delivery.error_title = error.map(|(_, title)| title.clone());
        }
        Ok(())
    }

    async fn delivery(&self, wamid: &str) -> Result<Option<Delivery>, StoreError> {
        Ok(self
            .lock()
            .whatsapp
            .deliveries
            .get(wamid)
            .map(|(d, _, _)| d.clone()))
    }

    async fn purge(&self, days: u32) -> Result<u64, StoreError> {
        let cutoff = Utc::now() - chrono::Duration::days(i64::from(days));
        let records = &mut self.lock().whatsapp;
        let before = records.seen.len() + records.deliveries.len() + records.contacts.len();
        records.seen.retain(|_, at| *at >= cutoff);
        records.deliveries.retain(|_, (_, _, at)| *at >= cutoff);
        records.contacts.retain(|_, c| c.last_inbound_at >= cutoff);
        let after = records.seen.len() + records.deliveries.len() + records.contacts.len();
        Ok((before - after) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ChatKey, CitizenStore};

    fn ok<T>(result: Result<T, StoreError>) -> T {
        result.unwrap_or_else(|e| panic!("{e}"))
    }

    fn some<T>(option: Option<T>) -> T {
        option.unwrap_or_else(|| panic!("nothing stored"))
    }

    #[tokio::test]
    async fn whatsapp_records_keep_the_first_id_the_latest_window_and_forward_statuses() {
        let store = MemoryStore::new();
        assert!(ok(store.first_time("wamid.1").await));
        assert!(!ok(store.first_time("wamid.1").await));

        let menu = vec![MenuEntry {
            title: "Date".into(),
            label: "📅 Date".into(),
            payload: "maturita.menu#0".into(),
        }];
        ok(store.save_menu("39", &menu).await);
        assert!(ok(store.contact("39").await).is_none(), "never wrote");
        let late = Utc::now() - chrono::Duration::days(40);
        assert!(ok(store.touch_contact("39", late).await).is_empty());
        ok(store.save_menu("39", &menu).await);
        let early = late - chrono::Duration::hours(1);
        assert_eq!(ok(store.touch_contact("39", early).await), menu);
        let contact = some(ok(store.contact("39").await));
        assert_eq!(contact.last_inbound_at, late, "the window never moves back");

        ok(store.record_sent("wamid.2", "39", "text").await);
        ok(store.record_sent("", "39", "text").await);
        for status in ["delivered", "read", "sent", "bogus"] {
            ok(store.record_status("wamid.2", "39", status, None).await);
        }
        let delivery = some(ok(store.delivery("wamid.2").await));
        assert_eq!(
            (delivery.kind.as_str(), delivery.status.as_str()),
            ("text", "read")
        );
        let error = (131047, "Re-engagement message".to_owned());
        ok(store
            .record_status("wamid.3", "39", "failed", Some(&error))
            .await);
        ok(store.record_status("wamid.3", "39", "read", None).await);
        let failed = some(ok(store.delivery("wamid.3").await));
        assert_eq!(
            (failed.status.as_str(), failed.error_code),
            ("failed", Some(131047)),
            "failed is final"
        );

        // The contact is older than 30 days; the ids and deliveries are new.
        assert_eq!(ok(store.purge(30).await), 1);
        assert!(ok(store.contact("39").await).is_none());
        assert!(!ok(store.first_time("wamid.1").await));

        let erased = ok(store.erase(&ChatKey::new("whatsapp", "39")).await);
        assert_eq!(erased.deliveries, 2);
        assert!(ok(store.delivery("wamid.2").await).is_none());
    }
}
