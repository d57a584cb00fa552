//! Every store starts with Huifang's call scripts (the core's `scripts::defaults`): at start,
//! for each store with a care lead, every purpose × language it has no script for gets one —
//! a `call_script` record whose draft is the default, published as version 1 (a
//! `script_version` event). Made as that lead, through the sync engine, so tablets receive
//! them by the ordinary pull. A store created while the server runs gets them at the next
//! start; a script a supervisor deleted stays deleted (its id is the default's, and it exists).

use crate::db::now_ms;
use crate::error::Error;
use crate::import::Changes;
use crate::state::AppState;
use huifang_core::care::rules::Purpose;
use huifang_core::scripts::defaults::{LANGS, default_script};
use huifang_core::scripts::fields;
use huifang_core::sync::{Op, Record, RecordId, RecordKind, Scope, StoredRecord, UserCtx};
use huifang_core::{Role, StoreId};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Creates the default scripts every store lacks; returns how many.
pub async fn ensure_defaults(state: &AppState) -> Result<usize, Error> {
    let stores: Vec<String> = sqlx::query_scalar("SELECT id FROM stores ORDER BY id")
        .fetch_all(&state.db.pool)
        .await?;
    let mut created = 0;
    for store in stores {
        let users = crate::users::store_users(&state.db, &StoreId(store.clone())).await?;
        let Some(lead) = users
            .iter()
            .find(|u| matches!(u.role, Role::CareSupervisor | Role::StoreManager))
        else {
            tracing::warn!(
                store,
                "no care supervisor or store manager: default scripts wait"
            );
            continue;
        };
        created += ensure_store(state, &UserCtx::of(lead)).await?;
    }
    Ok(created)
}

async fn ensure_store(state: &AppState, lead: &UserCtx) -> Result<usize, Error> {
    let now = now_ms();
    // Only the store's script rows (indexed by store), not the whole feed: this runs at every
    // start. A deleted script counts as present — the supervisor meant it.
    let bodies: Vec<String> =
        sqlx::query_scalar("SELECT body FROM sync_records WHERE store_id = $1 AND kind = $2")
            .bind(lead.store.0.as_str())
            .bind(RecordKind::CallScript.as_str())
            .fetch_all(&state.db.pool)
            .await?;
    let mut have = BTreeSet::new();
    for body in bodies {
        let stored: StoredRecord = serde_json::from_str(&body)
            .map_err(|e| Error::Internal(format!("a stored call script does not read: {e}")))?;
        if let Record::Entity(e) = stored.record {
            let s = |f: &str| e.value(f).and_then(Value::as_str).unwrap_or("").to_owned();
            have.insert((s(fields::PURPOSE), s(fields::LANG)));
        }
    }
    let mut changes = Changes::new(lead, now, 0x5c);
    let mut created = 0;
    for purpose in Purpose::ALL {
        for lang in LANGS {
            if have.contains(&(purpose.as_str().to_owned(), lang.to_owned())) {
                continue;
            }
            let graph = serde_json::to_value(default_script(purpose, lang))
                .map_err(|e| Error::Internal(format!("a default script: {e}")))?;
            let mut script = BTreeMap::new();
            script.insert(fields::PURPOSE.to_owned(), json!(purpose.as_str()));
            script.insert(fields::LANG.to_owned(), json!(lang));
            script.insert(fields::DRAFT.to_owned(), graph.clone());
            script.insert(fields::PUBLISHED.to_owned(), json!(1));
            // Ids from the store, purpose and language: two processes starting at once
            // write the same records, and the second's are duplicates, not a second set.
            let key = format!("{}:{}:{lang}", lead.store.0, purpose.as_str());
            let id = RecordId::fixed(&format!("script:{key}"));
            changes.push(
                RecordKind::CallScript,
                id,
                Op::Create {
                    scope: Scope {
                        store: lead.store.clone(),
                        owner: None,
                    },
                    fields: script,
                },
            );
            let mut version = BTreeMap::new();
            version.insert(fields::SCRIPT.to_owned(), json!(id.to_string()));
            version.insert(fields::VERSION.to_owned(), json!(1));
            version.insert(fields::PURPOSE.to_owned(), json!(purpose.as_str()));
            version.insert(fields::LANG.to_owned(), json!(lang));
            version.insert(fields::GRAPH.to_owned(), graph);
            changes.push(
                RecordKind::ScriptVersion,
                RecordId::fixed(&format!("version1:{key}")),
                Op::AppendEvent {
                    scope: Scope {
                        store: lead.store.clone(),
                        owner: Some(lead.user.clone()),
                    },
                    fields: version,
                },
            );
            created += 1;
        }
    }
    let (_, refusals) = changes.send(&state.sync).await?;
    // Another process got there first: the same records exist already.
    let refusals: Vec<String> = refusals
        .into_iter()
        .filter(|r| !r.contains("already exists"))
        .collect();
    if !refusals.is_empty() {
        return Err(Error::Internal(format!(
            "default scripts refused: {}",
            refusals.join("; ")
        )));
    }
    if created > 0 {
        tracing::info!(store = %lead.store.0, created, "default call scripts published");
    }
    Ok(created)
}
