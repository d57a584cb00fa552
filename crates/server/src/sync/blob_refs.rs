//! A pushed mutation may reference blobs (signatures, photos) only by well-formed names of
//! blobs its user's store has uploaded (DESIGN.md "Data and sync", Blobs; the fields are the
//! core's [`blobs`](huifang_core::sync::blobs)). A mutation that breaks this is rejected with
//! a reason, remembered like any other rejection, so the device shows it under "needs
//! attention" and a replay gets the same answer.
//!
//! The check runs inside the core's push loop (`SyncServer::push_with`), in push order: a
//! refused mutation writes nothing but its outcome, and the later mutations of its step are
//! refused with it, as for any other rejection.

use super::SyncStoreError;
use crate::db::Db;
use crate::error::Error;
use huifang_core::sync::blobs::references;
use huifang_core::sync::{
    Mutation, MutationId, PushRequest, PushResponse, RejectCode, SyncError, UserCtx,
};
use huifang_core::{StoreId, UserProfile};
use std::collections::{BTreeMap, BTreeSet};

/// How many hashes one `IN (...)` lists.
const QUERY_CHUNK: usize = 200;

/// Why one mutation's blob references are refused.
fn refusal(mutation: &Mutation, uploaded: &BTreeSet<String>) -> Option<String> {
    match references(&mutation.op) {
        Err(malformed) => Some(malformed.to_string()),
        Ok(hashes) => {
            let missing: Vec<&str> = hashes
                .iter()
                .filter(|h| !uploaded.contains(*h))
                .map(String::as_str)
                .collect();
            match missing.as_slice() {
                [] => None,
                [one] => Some(format!(
                    "the change references blob {one}, which this store has not uploaded: \
                     upload the file (PUT /api/blobs/{one}) before the change"
                )),
                many => Some(format!(
                    "the change references {} blobs this store has not uploaded ({}): upload \
                     the files (PUT /api/blobs/...) before the change",
                    many.len(),
                    many.join(", ")
                )),
            }
        }
    }
}

/// The hashes among `wanted` that `store` has uploaded.
async fn uploaded(
    db: &Db,
    owner: &StoreId,
    wanted: &BTreeSet<String>,
) -> Result<BTreeSet<String>, SyncStoreError> {
    let wanted: Vec<&String> = wanted.iter().collect();
    let mut found = BTreeSet::new();
    for chunk in wanted.chunks(QUERY_CHUNK) {
        let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT sha256 FROM blobs WHERE store_id = $1 AND sha256 IN ({})",
            marks.join(", ")
        );
        let mut query = sqlx::query_scalar::<_, String>(&sql).bind(&owner.0);
        for hash in chunk {
            query = query.bind(hash.as_str());
        }
        found.extend(query.fetch_all(&db.pool).await?);
    }
    Ok(found)
}

/// `POST /api/sync/push` with the blob references checked: the engine asks [`refusal`]
/// about each new mutation in push order, so a refused one is remembered like any rejection
/// and refuses the rest of its step, and a replay keeps its first answer whatever became of
/// the blob since. `also` is asked next about mutations whose blobs are fine (another check
/// of the caller's, e.g. a taken test-drive slot), with the same effect.
pub(crate) async fn push(
    db: &Db,
    engine: &super::Engine,
    me: &UserProfile,
    request: PushRequest,
    now_ms: i64,
    also: impl Fn(&Mutation) -> Option<(RejectCode, String)>,
) -> Result<PushResponse, Error> {
    let wanted: BTreeSet<String> = request
        .mutations
        .iter()
        .filter_map(|m| references(&m.op).ok())
        .flatten()
        .collect();
    let uploaded = if wanted.is_empty() {
        BTreeSet::new()
    } else {
        uploaded(db, &me.store_id, &wanted)
            .await
            .map_err(|e| super::sync_error(SyncError::Store(e)))?
    };
    // A step naming an image the server does not have is refused from its first change on,
    // not from the change that names it: the status moves come first in a step, and a
    // complaint must not be "carried out" with a signature nobody can show.
    let missing_in_step: BTreeMap<MutationId, String> = request
        .mutations
        .iter()
        .filter_map(|m| Some((m.step?, refusal(m, &uploaded)?)))
        .fold(BTreeMap::new(), |mut steps, (step, reason)| {
            steps.entry(step).or_insert(reason);
            steps
        });
    engine
        .push_with(&UserCtx::of(me), request, now_ms, |m| {
            let own = refusal(m, &uploaded);
            let of_step = m.step.and_then(|s| missing_in_step.get(&s).cloned());
            own.or(of_step)
                .map(|reason| (RejectCode::Invalid, reason))
                .or_else(|| also(m))
        })
        .await
        .map_err(super::sync_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use huifang_core::UserId;
    use huifang_core::sync::blobs::hash;
    use huifang_core::sync::{ClientId, Hlc, MutationId, Op, RecordId, RecordKind, Scope};
    use serde_json::json;
    use uuid::Uuid;

    fn mutation(op: Op) -> Mutation {
        let client = ClientId(Uuid::now_v7());
        Mutation {
            mutation_id: MutationId(Uuid::now_v7()),
            client_id: client,
            client_seq: 1,
            hlc: Hlc {
                wall_ms: 1,
                counter: 0,
                node: client,
            },
            user: UserId("u".to_owned()),
            kind: RecordKind::Customer,
            record_id: RecordId(Uuid::now_v7()),
            op,
            step: None,
        }
    }

    fn with(field: &str, value: serde_json::Value) -> Mutation {
        mutation(Op::AppendEvent {
            scope: Scope {
                store: StoreId("s".to_owned()),
                owner: None,
            },
            fields: [(field.to_owned(), value)].into_iter().collect(),
        })
    }

    #[test]
    fn refusals_name_the_missing_blobs_or_the_malformed_field() {
        let have = hash(b"have");
        let lack = hash(b"lack");
        let uploaded: BTreeSet<String> = [have.clone()].into_iter().collect();
        assert_eq!(refusal(&with("blob", json!(have)), &uploaded), None);
        assert_eq!(refusal(&with("note", json!("x")), &uploaded), None);
        let missing = refusal(&with("blobs", json!([have, lack])), &uploaded).expect("refused");
        assert!(missing.contains(&lack), "{missing}");
        assert!(!missing.contains(&have), "{missing}");
        let bad = refusal(&with("blob", json!("nope")), &uploaded).expect("refused");
        assert!(bad.contains("SHA-256"), "{bad}");
    }
}
