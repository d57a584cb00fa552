//! [`SqlServerStore`]: the core's [`ServerStore`] over the server's database (SQLite or
//! PostgreSQL through [`Db`]). Tables: `sync_records`, `sync_outcomes`, `sync_feed`
//! (migration 0002).
//!
//! Why no pull can skip a change: every `apply_mutation` transaction starts by bumping the one
//! row of `sync_feed`. That takes the row lock on PostgreSQL (the write lock on SQLite) and
//! holds it to commit, so writers (in this process or any other on the same database) run
//! one after another, each version is assigned under the lock, and version `v` has committed
//! before `v + 1` can even be assigned. A pull's single `SELECT` therefore never sees `v + 1`
//! without `v`.

use crate::db::{Db, now_ms};
use huifang_core::sync::{
    Decision, FeedPage, Loaded, Mutation, Outcome, ServerStore, StoredRecord,
};
use sqlx::Row;

/// Why the sync store failed. Logged by the HTTP layer, never sent to a client.
#[derive(Debug, thiserror::Error)]
pub enum SyncStoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("a stored {what} is not valid JSON: {source}")]
    Corrupt {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("encoding a {what} as JSON: {source}")]
    Encode {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("feed version {0} is out of range")]
    VersionOutOfRange(String),
}

/// The sync store on the server's database. Cheap to clone (it holds the pool).
#[derive(Debug, Clone)]
pub struct SqlServerStore {
    db: Db,
}

fn to_db_version(version: u64) -> Result<i64, SyncStoreError> {
    i64::try_from(version).map_err(|_| SyncStoreError::VersionOutOfRange(version.to_string()))
}

fn from_db_version(version: i64) -> Result<u64, SyncStoreError> {
    u64::try_from(version).map_err(|_| SyncStoreError::VersionOutOfRange(version.to_string()))
}

fn decode<T: serde::de::DeserializeOwned>(
    what: &'static str,
    text: &str,
) -> Result<T, SyncStoreError> {
    serde_json::from_str(text).map_err(|source| SyncStoreError::Corrupt { what, source })
}

fn encode<T: serde::Serialize>(what: &'static str, value: &T) -> Result<String, SyncStoreError> {
    serde_json::to_string(value).map_err(|source| SyncStoreError::Encode { what, source })
}

impl SqlServerStore {
    pub fn new(db: Db) -> Self {
        SqlServerStore { db }
    }

    /// The outcome remembered for a mutation id (outside any transaction).
    pub async fn stored_outcome(
        &self,
        mutation_id: &str,
    ) -> Result<Option<Outcome>, SyncStoreError> {
        let text: Option<String> =
            sqlx::query_scalar("SELECT outcome FROM sync_outcomes WHERE mutation_id = $1")
                .bind(mutation_id)
                .fetch_optional(&self.db.pool)
                .await?;
        text.map(|t| decode("outcome", &t)).transpose()
    }

    /// The version of the last record written.
    pub async fn last_version(&self) -> Result<u64, SyncStoreError> {
        let version: i64 = sqlx::query_scalar("SELECT version FROM sync_feed WHERE id = 1")
            .fetch_one(&self.db.pool)
            .await?;
        from_db_version(version)
    }
}

impl ServerStore for SqlServerStore {
    type Error = SyncStoreError;

    async fn apply_mutation<F>(
        &self,
        mutation: &Mutation,
        decide: F,
    ) -> Result<Outcome, Self::Error>
    where
        F: FnOnce(Loaded) -> Decision,
    {
        let mutation_id = mutation.mutation_id.to_string();
        let record_id = mutation.record_id.to_string();
        let mut tx = self.db.pool.begin().await?;
        // First statement, so SQLite takes the write lock before reading anything (a deferred
        // transaction that read first could not upgrade without a busy error).
        let next: i64 = sqlx::query_scalar(
            "UPDATE sync_feed SET version = version + 1 WHERE id = 1 RETURNING version",
        )
        .fetch_one(&mut *tx)
        .await?;
        let next_version = from_db_version(next)?;
        let row = sqlx::query(
            "SELECT (SELECT outcome FROM sync_outcomes WHERE mutation_id = $1) AS outcome, \
                    (SELECT body FROM sync_records WHERE record_id = $2) AS body",
        )
        .bind(&mutation_id)
        .bind(&record_id)
        .fetch_one(&mut *tx)
        .await?;
        let prior: Option<String> = row.try_get("outcome")?;
        let body: Option<String> = row.try_get("body")?;
        let loaded = Loaded {
            prior: prior.as_deref().map(|t| decode("outcome", t)).transpose()?,
            record: body.as_deref().map(|t| decode("record", t)).transpose()?,
            next_version,
        };
        let decision = decide(loaded);
        if !decision.remember && decision.write.is_none() {
            // Nothing to write: the counter goes back with the rollback.
            tx.rollback().await?;
            return Ok(decision.outcome);
        }
        if decision.remember {
            let inserted = sqlx::query(
                "INSERT INTO sync_outcomes (mutation_id, outcome, user_id, created_at_ms) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (mutation_id) DO NOTHING",
            )
            .bind(&mutation_id)
            .bind(encode("outcome", &decision.outcome)?)
            .bind(&mutation.user.0)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                // Another writer remembered this mutation id first (the feed lock makes this
                // unreachable in practice): its answer stands, ours is dropped.
                tx.rollback().await?;
                let stored = self.stored_outcome(&mutation_id).await?;
                return Ok(stored.map_or(decision.outcome, Outcome::replayed));
            }
        }
        match decision.write {
            Some(mut stored) => {
                stored.record.set_version(next_version);
                write_record(&mut tx, &stored, next).await?;
            }
            None => {
                // Only the outcome is new: give the version back so the counter stays the
                // version of the last record written.
                sqlx::query("UPDATE sync_feed SET version = version - 1 WHERE id = 1")
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(decision.outcome)
    }

    async fn feed(&self, after: u64, limit: u32) -> Result<FeedPage, Self::Error> {
        let bodies: Vec<String> = sqlx::query_scalar(
            "SELECT body FROM sync_records WHERE version > $1 ORDER BY version LIMIT $2",
        )
        .bind(to_db_version(after)?)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.db.pool)
        .await?;
        let has_more = bodies.len() > limit as usize;
        let records = bodies
            .iter()
            .take(limit as usize)
            .map(|body| decode::<StoredRecord>("record", body))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(FeedPage { records, has_more })
    }
}

async fn write_record(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    stored: &StoredRecord,
    version: i64,
) -> Result<(), SyncStoreError> {
    let record = &stored.record;
    let scope = record.scope();
    sqlx::query(
        "INSERT INTO sync_records (record_id, kind, store_id, owner, version, body) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (record_id) DO UPDATE SET kind = excluded.kind, \
            store_id = excluded.store_id, owner = excluded.owner, \
            version = excluded.version, body = excluded.body",
    )
    .bind(record.id().to_string())
    .bind(record.kind().as_str())
    .bind(&scope.store.0)
    .bind(scope.owner.as_ref().map(|o| o.0.clone()))
    .bind(version)
    .bind(encode("record", stored)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
