//! Who is who in the store: colleagues' names and roles by user id, so the app can say who
//! made a change and whom a lead can go to. Cached on the device for offline use, with the
//! store's rules a device needs offline (complaint deadlines; the sales cadence, the models the
//! store sells and its test-drive fleet); refreshed from `GET /api/directory`.

use crate::storage::local;
use crate::sync::transport;
use huifang_core::care::complaints::ComplaintRules;
use huifang_core::sales::SalesRules;
use huifang_core::{Directory, Role, UserId, UserProfile};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The store's sales setup as the server last said it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SalesSetup {
    /// The follow-up cadence of each grade.
    pub rules: SalesRules,
    /// The models the store sells (the capture form's chips).
    pub models: Vec<String>,
    /// The cars customers may test-drive.
    pub fleet: Vec<String>,
}

#[derive(Clone, Copy)]
pub struct People {
    names: RwSignal<BTreeMap<String, String>>,
    /// Each colleague's role (to list the advisors a lead can go to).
    roles: RwSignal<BTreeMap<String, Role>>,
    /// The store's complaint deadlines, as the server last said them.
    complaint_rules: RwSignal<ComplaintRules>,
    sales: RwSignal<SalesSetup>,
}

/// The device's copy under `key`, or `T::default()` (saying why) when it cannot be read.
fn cached<T: DeserializeOwned + Default>(key: &str, what: &str) -> T {
    match local::read::<T>(key) {
        Ok(cached) => cached.unwrap_or_default(),
        Err(e) => {
            leptos::logging::warn!("cached {what} unreadable: {e}");
            T::default()
        }
    }
}

fn keep<T: Serialize>(key: &str, value: &T, what: &str) {
    if let Err(e) = local::write(key, value) {
        leptos::logging::warn!("could not cache the {what}: {e}");
    }
}

impl People {
    /// Provides the directory of `me`'s store: the device's copy now, the server's when it
    /// answers.
    pub fn provide(me: &UserProfile) -> Self {
        let store = &me.store_id.0;
        let key = format!("huifang.directory.{store}");
        let roles_key = format!("huifang.directory_roles.{store}");
        let rules_key = format!("huifang.complaint_rules.{store}");
        let sales_key = format!("huifang.sales_setup.{store}");
        let mut names: BTreeMap<String, String> = cached(&key, "directory");
        names.insert(me.id.0.clone(), me.display_name.clone());
        let mut roles: BTreeMap<String, Role> = cached(&roles_key, "colleagues' roles");
        roles.insert(me.id.0.clone(), me.role);
        let this = People {
            names: RwSignal::new(names),
            roles: RwSignal::new(roles),
            complaint_rules: RwSignal::new(cached(&rules_key, "complaint rules")),
            sales: RwSignal::new(cached(&sales_key, "sales setup")),
        };
        provide_context(this);
        spawn_local(async move {
            match transport::get_json::<Directory>("/api/directory").await {
                Ok(directory) => {
                    keep(&rules_key, &directory.complaint_rules, "complaint rules");
                    this.complaint_rules.try_set(directory.complaint_rules);
                    let sales = SalesSetup {
                        rules: directory.sales_rules,
                        models: directory.models,
                        fleet: directory.test_drive_fleet,
                    };
                    keep(&sales_key, &sales, "sales setup");
                    this.sales.try_set(sales);
                    let fresh_roles: BTreeMap<String, Role> = directory
                        .colleagues
                        .iter()
                        .map(|c| (c.id.0.clone(), c.role))
                        .collect();
                    keep(&roles_key, &fresh_roles, "colleagues' roles");
                    this.roles.try_update(|r| r.extend(fresh_roles));
                    let fresh: BTreeMap<String, String> = directory
                        .colleagues
                        .into_iter()
                        .map(|c| (c.id.0, c.display_name))
                        .collect();
                    keep(&key, &fresh, "directory");
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
            roles: RwSignal::new(BTreeMap::new()),
            complaint_rules: RwSignal::new(ComplaintRules::default()),
            sales: RwSignal::new(SalesSetup::default()),
        })
    }

    /// The store's complaint deadlines (the defaults until the server has said).
    pub fn complaint_rules(&self) -> ComplaintRules {
        self.complaint_rules.get()
    }

    /// The store's follow-up cadence (the core's defaults until the server has said).
    pub fn sales_rules(&self) -> SalesRules {
        self.sales.with(|s| s.rules.clone())
    }

    /// The models the store sells (empty until the server has said).
    pub fn models(&self) -> Vec<String> {
        self.sales.with(|s| s.models.clone())
    }

    /// The store's test-drive cars (empty until the server has said).
    pub fn fleet(&self) -> Vec<String> {
        self.sales.with(|s| s.fleet.clone())
    }

    /// The person's name, or their id when this device has never seen the directory.
    pub fn name(&self, id: &UserId) -> String {
        self.names
            .with(|n| n.get(&id.0).cloned())
            .unwrap_or_else(|| id.0.clone())
    }

    /// The person's role, when this device knows it.
    pub fn role(&self, id: &UserId) -> Option<Role> {
        self.roles.with(|r| r.get(&id.0).copied())
    }

    /// The colleagues who hold one of `roles`, by name.
    pub fn with_roles(&self, roles: &[Role]) -> Vec<(UserId, String)> {
        let ids: Vec<String> = self.roles.with(|r| {
            r.iter()
                .filter(|(_, role)| roles.contains(role))
                .map(|(id, _)| id.clone())
                .collect()
        });
        let mut out: Vec<(UserId, String)> = ids
            .into_iter()
            .map(|id| {
                let id = UserId(id);
                let name = self.name(&id);
                (id, name)
            })
            .collect();
        out.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        out
    }
}
