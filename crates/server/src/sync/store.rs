//! [`SqlServerStore`]: the core's [`ServerStore`] over the server's database (SQLite or
//! PostgreSQL through [`Db`]). Tables: `sync_records`, `sync_outcomes`, `sync_feed`
//! (migration 0002), and `lead_phones` (migration 0003): the duplicate check's entry of each
//! lead ([`super::leads::phone_entry`]), written with the lead's row in the same transaction,
//! so it is never older than the lead; [`SqlServerStore::backfill`] fills it once for the
//! leads stored before.
//!
//! A push is one transaction ([`ServerStore::apply_batch`]): one commit, so one fsync on
//! SQLite (WAL, `synchronous = FULL`), however many mutations it holds. When the push is
//! answered, all of it is durable; when the transaction fails (a database error, a stored row
//! that does not decode), none of it is, nothing was acknowledged, and the device pushes it
//! again.
//!
//! Why no pull can skip a change: every writing transaction (a push's, or a single
//! `apply_mutation`'s) starts with an `UPDATE` of the one row of `sync_feed`. That takes the
//! row lock on PostgreSQL (an `UPDATE` locks the row even when it writes the same value, and
//! a second writer waits, then reads the committed row) and the write lock on SQLite (an
//! `UPDATE` starts the write transaction, so it comes first: a deferred transaction that read
//! first could not upgrade without a busy error). The lock is held to commit, so writers (in
//! this process or any other on the same database) run one after another: a push assigns
//! `last + 1, last + 2, ...` under the lock, stores the last one in `sync_feed`, and commits
//! them all at once. Versions `<= v` have therefore all committed before any version `> v`
//! can even be assigned, and a pull's single `SELECT` never sees `v + 1` without `v`.

use super::leads::{PhoneEntry, phone_entry};
use crate::db::{Db, now_ms};
use huifang_core::sync::{
    Decision, FeedPage, Loaded, Mutation, Outcome, Record, RecordKind, ServerStore, StoredRecord,
};
use sqlx::Row;
use std::collections::BTreeMap;

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
        let mut decide = Some(decide);
        let mut outcomes = self
            .apply_batch(std::slice::from_ref(mutation), |_, loaded| {
                let decide = decide.take().expect("one mutation, one decision");
                decide(loaded)
            })
            .await?;
        Ok(outcomes.pop().expect("one mutation, one outcome"))
    }

    async fn apply_batch<F>(
        &self,
        mutations: &[Mutation],
        mut decide: F,
    ) -> Result<Vec<Outcome>, Self::Error>
    where
        F: FnMut(&Mutation, Loaded) -> Decision,
    {
        let mut outcomes = Vec::with_capacity(mutations.len());
        if mutations.is_empty() {
            return Ok(outcomes);
        }
        let mut tx = self.db.pool.begin().await?;
        // First statement: takes the feed lock (module doc) and reads the last version.
        let last: i64 = sqlx::query_scalar(
            "UPDATE sync_feed SET version = version WHERE id = 1 RETURNING version",
        )
        .fetch_one(&mut *tx)
        .await?;
        let first = from_db_version(last)?;
        let mut last_version = first;
        let mut wrote = false;
        let mut phone_entries = PhoneEntries::default();
        let now = now_ms();
        for mutation in mutations {
            let mutation_id = mutation.mutation_id.to_string();
            let record_id = mutation.record_id.to_string();
            // Read inside the transaction: an earlier mutation of this push (the same id
            // again, or the same record) is seen as committed.
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
            let next_version = last_version + 1;
            let loaded = Loaded {
                prior: prior.as_deref().map(|t| decode("outcome", t)).transpose()?,
                record: body.as_deref().map(|t| decode("record", t)).transpose()?,
                next_version,
            };
            let decision = decide(mutation, loaded);
            if decision.remember {
                let inserted = sqlx::query(
                    "INSERT INTO sync_outcomes (mutation_id, outcome, user_id, created_at_ms) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (mutation_id) DO NOTHING",
                )
                .bind(&mutation_id)
                .bind(encode("outcome", &decision.outcome)?)
                .bind(&mutation.user.0)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                wrote = true;
                if inserted == 0 {
                    // Remembered already although it was not there when read: unreachable
                    // under the feed lock. The stored answer stands, ours is dropped.
                    let text: String = sqlx::query_scalar(
                        "SELECT outcome FROM sync_outcomes WHERE mutation_id = $1",
                    )
                    .bind(&mutation_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    outcomes.push(decode::<Outcome>("outcome", &text)?.replayed());
                    continue;
                }
            }
            if let Some(mut stored) = decision.write {
                stored.record.set_version(next_version);
                write_record(&mut tx, &stored, to_db_version(next_version)?).await?;
                phone_entries.note(&stored.record);
                last_version = next_version;
                wrote = true;
            }
            outcomes.push(decision.outcome);
        }
        if !wrote {
            // Only replays: nothing to commit (and no fsync to wait for).
            tx.rollback().await?;
            return Ok(outcomes);
        }
        phone_entries.write(&mut tx).await?;
        if last_version != first {
            sqlx::query("UPDATE sync_feed SET version = $1 WHERE id = 1")
                .bind(to_db_version(last_version)?)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(outcomes)
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

/// How many `lead_phones` rows one statement writes (5 values each) or deletes.
const ENTRY_CHUNK: usize = 200;

/// The `lead_phones` rows a transaction writes: each lead's entry as it stands after the
/// transaction's last write of it, `None` when it has none (the row goes). Written in a few
/// statements before the commit, not one per lead: on PostgreSQL each statement is a round
/// trip made under the feed lock.
#[derive(Debug, Default)]
struct PhoneEntries(BTreeMap<String, Option<PhoneEntry>>);

impl PhoneEntries {
    /// Notes a record the transaction wrote (nothing unless it is a lead).
    fn note(&mut self, record: &Record) {
        if record.kind() == RecordKind::Lead {
            self.0.insert(
                record.id().to_string(),
                record.as_entity().and_then(phone_entry),
            );
        }
    }

    async fn write(
        self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    ) -> Result<(), SyncStoreError> {
        let mut gone = Vec::new();
        let mut rows = Vec::new();
        for (record_id, entry) in self.0 {
            match entry {
                Some(entry) => rows.push((record_id, entry)),
                None => gone.push(record_id),
            }
        }
        for chunk in gone.chunks(ENTRY_CHUNK) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "DELETE FROM lead_phones WHERE record_id IN ({})",
                marks.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for record_id in chunk {
                query = query.bind(record_id.as_str());
            }
            query.execute(&mut **tx).await?;
        }
        for chunk in rows.chunks(ENTRY_CHUNK) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let n = i * 5;
                    format!(
                        "(${}, ${}, ${}, ${}, ${})",
                        n + 1,
                        n + 2,
                        n + 3,
                        n + 4,
                        n + 5
                    )
                })
                .collect();
            // One row per record id (the map's keys): an upsert may not touch a row twice.
            let sql = format!(
                "INSERT INTO lead_phones (record_id, store_id, phone_key, owner, captured_at) \
                 VALUES {} \
                 ON CONFLICT (record_id) DO UPDATE SET store_id = excluded.store_id, \
                    phone_key = excluded.phone_key, owner = excluded.owner, \
                    captured_at = excluded.captured_at",
                values.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for (record_id, entry) in chunk {
                query = query
                    .bind(record_id.as_str())
                    .bind(entry.store.0.as_str())
                    .bind(entry.phone_key.as_str())
                    .bind(entry.owner.0.as_str())
                    .bind(entry.captured_at);
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }
}

/// The name of `lead_phones`' row in `sync_backfills` (migration 0003).
const LEAD_PHONES_BACKFILL: &str = "lead_phones";
/// How many stored leads the backfill reads at a time.
const BACKFILL_PAGE: i64 = 500;

impl SqlServerStore {
    /// Fills `lead_phones` from the leads stored before migration 0003 (SQL cannot clean a
    /// number, so the migration leaves it to the server): once, when `sync_backfills` says it is
    /// pending. One transaction under the feed lock (module doc): no push writes a lead meanwhile,
    /// and of several servers starting on one database the first fills it, the others find it
    /// done. Called at start, after the migrations.
    pub async fn backfill(&self) -> Result<(), SyncStoreError> {
        let mut tx = self.db.pool.begin().await?;
        sqlx::query("UPDATE sync_feed SET version = version WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let pending: Option<String> =
            sqlx::query_scalar("SELECT name FROM sync_backfills WHERE name = $1")
                .bind(LEAD_PHONES_BACKFILL)
                .fetch_optional(&mut *tx)
                .await?;
        if pending.is_none() {
            tx.rollback().await?;
            return Ok(());
        }
        let mut after = 0i64;
        let mut leads = 0usize;
        loop {
            let page: Vec<(i64, String)> = sqlx::query_as(
                "SELECT version, body FROM sync_records WHERE kind = $1 AND version > $2 \
                 ORDER BY version LIMIT $3",
            )
            .bind(RecordKind::Lead.as_str())
            .bind(after)
            .bind(BACKFILL_PAGE)
            .fetch_all(&mut *tx)
            .await?;
            let Some((last, _)) = page.last() else {
                break;
            };
            after = *last;
            let mut entries = PhoneEntries::default();
            for (_, body) in &page {
                entries.note(&decode::<StoredRecord>("record", body)?.record);
                leads += 1;
            }
            entries.write(&mut tx).await?;
        }
        sqlx::query("DELETE FROM sync_backfills WHERE name = $1")
            .bind(LEAD_PHONES_BACKFILL)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(
            leads,
            "indexed the stored leads by number for the duplicate check"
        );
        Ok(())
    }
}
