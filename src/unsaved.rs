//! Tracks forms that hold input not yet saved, so an app update never reloads over it.

use leptos::prelude::*;
use std::collections::BTreeSet;

/// The set of forms with unsaved input, by a per-form id.
#[derive(Clone, Copy)]
pub struct UnsavedWork {
    dirty: RwSignal<BTreeSet<u64>>,
    next_id: StoredValue<u64>,
}

impl UnsavedWork {
    pub fn provide() -> Self {
        let this = UnsavedWork {
            dirty: RwSignal::new(BTreeSet::new()),
            next_id: StoredValue::new(0),
        };
        provide_context(this);
        this
    }

    pub fn use_context() -> Self {
        use_context::<UnsavedWork>().unwrap_or_else(UnsavedWork::provide)
    }

    /// True while any form holds unsaved input.
    pub fn any(&self) -> bool {
        !self.dirty.with(BTreeSet::is_empty)
    }

    fn set(&self, id: u64, dirty: bool) {
        let already = self.dirty.with_untracked(|d| d.contains(&id));
        if dirty != already {
            self.dirty.update(|d| {
                if dirty {
                    d.insert(id);
                } else {
                    d.remove(&id);
                }
            });
        }
    }
}

/// Registers a form: while `is_dirty()` is true, updates wait. Unregisters when the form goes.
pub fn use_unsaved_guard(is_dirty: impl Fn() -> bool + Send + Sync + 'static) {
    let work = UnsavedWork::use_context();
    let id = work.next_id.try_update_value(|n| {
        *n += 1;
        *n
    });
    let Some(id) = id else { return };
    Effect::new(move |_| work.set(id, is_dirty()));
    on_cleanup(move || work.set(id, false));
}
