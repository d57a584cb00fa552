//! Who is who in the store: colleagues' names by user id, so the app can say who made a
//! change. Cached on the device for offline use; refreshed from `GET /api/directory`.

use crate::storage::local;
use crate::sync::transport;
use huifang_core::care::complaints::ComplaintRules;
use huifang_core::{Directory, UserId, UserProfile};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;

#[derive(Clone, Copy)]
pub struct People {
    names: RwSignal<BTreeMap<String, String>>,
    /// The store's complaint deadlines, as the server last said them.
    complaint_rules: RwSignal<ComplaintRules>,
}

impl People {
    /// Provides the directory of `me`'s store: the device's copy now, the server's when it
    /// answers.
    pub fn provide(me: &UserProfile) -> Self {
        let key = format!("huifang.directory.{}", me.store_id.0);
        let mut names = match local::read::<BTreeMap<String, String>>(&key) {
            Ok(cached) => cached.unwrap_or_default(),
            Err(e) => {
                leptos::logging::warn!("cached directory unreadable: {e}");
                BTreeMap::new()
            }
        };
        names.insert(me.id.0.clone(), me.display_name.clone());
        let rules_key = format!("huifang.complaint_rules.{}", me.store_id.0);
        let rules = match local::read::<ComplaintRules>(&rules_key) {
            Ok(cached) => cached.unwrap_or_default(),
            Err(e) => {
                leptos::logging::warn!("cached complaint rules unreadable: {e}");
                ComplaintRules::default()
            }
        };
        let this = People {
            names: RwSignal::new(names),
            complaint_rules: RwSignal::new(rules),
        };
        provide_context(this);
        spawn_local(async move {
            match transport::get_json::<Directory>("/api/directory").await {
                Ok(directory) => {
                    if let Err(e) = local::write(&rules_key, &directory.complaint_rules) {
                        leptos::logging::warn!("could not cache the complaint rules: {e}");
                    }
                    this.complaint_rules.try_set(directory.complaint_rules);
                    let fresh: BTreeMap<String, String> = directory
                        .colleagues
                        .into_iter()
                        .map(|c| (c.id.0, c.display_name))
                        .collect();
                    if let Err(e) = local::write(&key, &fresh) {
                        leptos::logging::warn!("could not cache the directory: {e}");
                    }
                    this.names.try_update(|n| n.extend(fresh));
                }
                Err(e) => leptos::logging::log!("directory not refreshed now: {e}"),
            }
        });
        this
    }

    pub fn use_context() -> Self {
        use_context::<People>().unwrap_or(People {
            names: RwSignal::new(BTreeMap::new()),
            complaint_rules: RwSignal::new(ComplaintRules::default()),
        })
    }

    /// The store's complaint deadlines (the defaults until the server has said).
    pub fn complaint_rules(&self) -> ComplaintRules {
        self.complaint_rules.get()
    }

    /// The person's name, or their id when this device has never seen the directory.
    pub fn name(&self, id: &UserId) -> String {
        self.names
            .with(|n| n.get(&id.0).cloned())
            .unwrap_or_else(|| id.0.clone())
    }
}
