//! Importing the DMS's daily export (DOMAIN.md "Customer records"): read the file
//! ([`table`]), map its columns (the core's header recognition, then the supervisor's
//! choices), clean every row and report the rest ([`rows`]).

pub mod api;
pub mod commit;
pub mod rows;
pub mod table;
pub mod tasks;

use crate::error::Error;
use crate::sync::{Engine, sync_error};
use huifang_core::SCHEMA_VERSION;
use huifang_core::sync::{
    Change, ClientId, Entity, Mutation, Outcome, PullRequest, PushRequest, Record, UserCtx,
};

/// Every live entity `me` sees, through the sync engine's feed: the view a device of theirs
/// would have.
pub(crate) async fn store_entities(
    engine: &Engine,
    me: &UserCtx,
    now_ms: i64,
) -> Result<Vec<Entity>, Error> {
    let mut out = Vec::new();
    let mut cursor = 0;
    loop {
        let request = PullRequest {
            cursor,
            limit: 1_000,
        };
        let page = engine.pull(me, request, now_ms).await.map_err(sync_error)?;
        for change in page.changes {
            if let Change::Record {
                record: Record::Entity(e),
            } = change
                && e.tombstone.is_none()
            {
                out.push(e);
            }
        }
        cursor = page.next_cursor;
        if !page.has_more {
            return Ok(out);
        }
    }
}

/// Pushes `mutations` as `me` from `client` in the engine's batch size; returns how many
/// were applied and the reason of every refusal.
pub(crate) async fn push_all(
    engine: &Engine,
    me: &UserCtx,
    client: ClientId,
    mutations: Vec<Mutation>,
    now_ms: i64,
) -> Result<(usize, Vec<String>), Error> {
    let mut applied = 0;
    let mut refusals = Vec::new();
    for batch in mutations.chunks(1_000) {
        let request = PushRequest {
            schema_version: SCHEMA_VERSION,
            client_id: client,
            mutations: batch.to_vec(),
        };
        let response = engine.push(me, request, now_ms).await.map_err(sync_error)?;
        for result in response.results {
            match result.outcome {
                Outcome::Rejected { reason, .. } => refusals.push(reason),
                _ => applied += 1,
            }
        }
    }
    Ok((applied, refusals))
}
