//! Import jobs. `POST /api/import/commit` reads and cleans the file, hands the writing to a
//! job on a tokio task and answers at once (202) with the job; the page follows it with
//! `GET /api/import/jobs/<id>` (about twice a second) until it is done or failed. The job
//! says its phase, the rows written so far of the clean rows, and what the import did.
//!
//! Jobs live in this process's memory (the registry the import router holds), not in the
//! database. **A restart loses a running job**: what it had written stays, the rest is not
//! written, and a poll for it answers 404. Nothing is lost for good, because the import is
//! idempotent: importing the same file again finds what the first run wrote (customers by
//! phone or a car's VIN, cars by VIN or plate, visits by work order), merges, and doubles
//! nothing — the page says so. For the same reason, with several server processes behind a
//! load balancer, a poll must reach the process that took the commit (sticky sessions), or it
//! answers 404 and the page asks for the import again.
//!
//! One import per store writes at a time (in this process): a second one waits, `queued`,
//! and then finds what the first wrote instead of creating the same customers again. At most
//! [`MAX_UNFINISHED_PER_STORE`] jobs of a store may wait or run, each holding its clean
//! rows in memory. Finished jobs are kept [`KEEP_FINISHED`] for the page to read, then
//! pruned.

use crate::db::now_ms;
use crate::error::Error;
use crate::import::commit;
use crate::import::rows::Cleaned;
use crate::sync::Engine;
use huifang_core::care::dates::Day;
use huifang_core::care::import::{ImportJob, JobPhase, Summary};
use huifang_core::care::rules::Rules;
use huifang_core::sync::UserCtx;
use huifang_core::{StoreId, UserId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How long a finished job is kept for the page to read.
pub const KEEP_FINISHED: Duration = Duration::from_secs(60 * 60);
/// Jobs of one store that may wait or run at once.
pub const MAX_UNFINISHED_PER_STORE: usize = 4;
/// The store's day for the callback rules: China time (UTC+8).
const STORE_UTC_OFFSET_MINUTES: i32 = 8 * 60;

/// The jobs of this process. Cheap to clone: clones share the registry.
#[derive(Debug, Clone, Default)]
pub struct Jobs {
    inner: Arc<Mutex<Registry>>,
}

#[derive(Debug, Default)]
struct Registry {
    jobs: HashMap<String, Entry>,
    /// One writer per store: a job holds its store's lock from before it reads the store
    /// until its last change is written.
    writers: HashMap<StoreId, Arc<tokio::sync::Mutex<()>>>,
}

#[derive(Debug)]
struct Entry {
    user: UserId,
    store: StoreId,
    job: ImportJob,
    finished_at: Option<Instant>,
}

impl Registry {
    fn prune(&mut self, now: Instant) {
        self.jobs.retain(|_, e| {
            e.finished_at
                .is_none_or(|at| now.duration_since(at) < KEEP_FINISHED)
        });
        // A lock nobody holds or waits for (only the map has it) can go.
        self.writers.retain(|_, lock| Arc::strong_count(lock) > 1);
    }
}

impl Jobs {
    /// The registry. Its updates are single assignments, so a panic elsewhere while it was
    /// held cannot leave it half-changed: a poisoned lock is taken as it is.
    fn registry(&self) -> MutexGuard<'_, Registry> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a queued job of `me` for `total` clean rows; the job's id and its store's
    /// writer lock.
    fn register(
        &self,
        me: &UserCtx,
        total: usize,
        skipped: usize,
    ) -> Result<(ImportJob, Arc<tokio::sync::Mutex<()>>), Error> {
        let mut registry = self.registry();
        registry.prune(Instant::now());
        let unfinished = registry
            .jobs
            .values()
            .filter(|e| e.store == me.store && e.finished_at.is_none())
            .count();
        if unfinished >= MAX_UNFINISHED_PER_STORE {
            return Err(Error::Unavailable(format!(
                "{unfinished} imports of this store are still running: wait for them to finish"
            )));
        }
        let job = ImportJob {
            id: uuid::Uuid::now_v7().to_string(),
            phase: JobPhase::Queued,
            done: 0,
            total,
            skipped,
            summary: Summary::default(),
            error: None,
        };
        registry.jobs.insert(
            job.id.clone(),
            Entry {
                user: me.user.clone(),
                store: me.store.clone(),
                job: job.clone(),
                finished_at: None,
            },
        );
        let writer = registry
            .writers
            .entry(me.store.clone())
            .or_default()
            .clone();
        Ok((job, writer))
    }

    /// The job `id` if it is `me`'s (another user's job is not found either).
    pub fn get(&self, id: &str, me: &UserCtx) -> Option<ImportJob> {
        let mut registry = self.registry();
        registry.prune(Instant::now());
        registry
            .jobs
            .get(id)
            .filter(|e| e.user == me.user && e.store == me.store)
            .map(|e| e.job.clone())
    }

    fn update(&self, id: &str, change: impl FnOnce(&mut ImportJob)) {
        let mut registry = self.registry();
        if let Some(entry) = registry.jobs.get_mut(id) {
            change(&mut entry.job);
            if entry.job.phase.is_finished() && entry.finished_at.is_none() {
                entry.finished_at = Some(Instant::now());
            }
        }
    }

    /// Starts writing `cleaned` as `me` on a tokio task; the job as it starts (queued).
    /// `skipped`: the file's rows left out for a problem.
    pub fn start(
        &self,
        engine: Arc<Engine>,
        me: UserCtx,
        cleaned: Cleaned,
        skipped: usize,
    ) -> Result<ImportJob, Error> {
        let (job, writer) = self.register(&me, cleaned.rows.len(), skipped)?;
        let jobs = self.clone();
        let id = job.id.clone();
        tokio::spawn(async move {
            // The work on a task of its own, so that even a panic in it ends the job.
            let work = {
                let jobs = jobs.clone();
                let id = id.clone();
                tokio::spawn(async move {
                    let _writing = writer.lock_owned().await;
                    run(&jobs, &id, &engine, &me, &cleaned).await
                })
            };
            let reason = match work.await {
                Ok(Ok(())) => return,
                Ok(Err(e)) => {
                    tracing::error!(job = %id, error = %e, "import failed");
                    // A reason safe to show: internal details stay in the log.
                    e.to_api_error().reason
                }
                Err(e) => {
                    tracing::error!(job = %id, error = %e, "import task stopped");
                    "the import stopped unexpectedly; the details are in the server's log"
                        .to_owned()
                }
            };
            jobs.update(&id, |job| {
                job.phase = JobPhase::Failed;
                job.error = Some(reason);
            });
        });
        Ok(job)
    }
}

/// The job's work: the rows, then the callback tasks the rules make due.
async fn run(
    jobs: &Jobs,
    id: &str,
    engine: &Engine,
    me: &UserCtx,
    cleaned: &Cleaned,
) -> Result<(), Error> {
    let started = Instant::now();
    jobs.update(id, |job| job.phase = JobPhase::Writing);
    let mut summary = commit::commit(engine, me, cleaned, now_ms(), |done, so_far| {
        jobs.update(id, |job| {
            job.done = done;
            job.summary = so_far.clone();
        });
    })
    .await?;
    let written = started.elapsed();
    jobs.update(id, |job| job.phase = JobPhase::Tasks);
    let now = now_ms();
    let today = Day::of_ms(now, STORE_UTC_OFFSET_MINUTES);
    let (tasks, refusals) =
        crate::import::tasks::generate(engine, me, &Rules::default(), today, now).await?;
    summary.tasks_created = tasks;
    summary.refused += refusals.len();
    summary.refusals.extend(refusals);
    tracing::info!(
        job = %id,
        user = %me.user.0,
        rows = cleaned.rows.len(),
        write_ms = written.as_millis() as u64,
        tasks_ms = (started.elapsed() - written).as_millis() as u64,
        ?summary,
        "import committed"
    );
    jobs.update(id, |job| {
        job.phase = JobPhase::Done;
        job.done = job.total;
        job.summary = summary;
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use huifang_core::Role;

    fn ctx(user: &str, store: &str) -> UserCtx {
        UserCtx {
            user: UserId(user.into()),
            role: Role::CareSupervisor,
            store: StoreId(store.into()),
        }
    }

    #[test]
    fn a_job_is_its_users_and_finished_ones_go_after_an_hour() {
        let jobs = Jobs::default();
        let me = ctx("sup", "s1");
        let (job, _writer) = jobs.register(&me, 10, 2).expect("registered");
        assert_eq!(job.phase, JobPhase::Queued);
        assert_eq!((job.total, job.skipped), (10, 2));
        assert!(jobs.get(&job.id, &me).is_some());
        assert!(jobs.get(&job.id, &ctx("other", "s1")).is_none());
        assert!(jobs.get(&job.id, &ctx("sup", "s2")).is_none());

        jobs.update(&job.id, |j| j.phase = JobPhase::Done);
        assert!(jobs.get(&job.id, &me).is_some(), "kept for the page");
        let later = Instant::now() + KEEP_FINISHED + Duration::from_secs(1);
        jobs.registry().prune(later);
        assert!(jobs.get(&job.id, &me).is_none(), "pruned");
    }

    #[test]
    fn a_store_runs_a_few_imports_at_most_and_shares_one_writer() {
        let jobs = Jobs::default();
        let me = ctx("sup", "s1");
        let (_, first) = jobs.register(&me, 1, 0).expect("registered");
        let mut held = Vec::new();
        for _ in 1..MAX_UNFINISHED_PER_STORE {
            let (_, writer) = jobs.register(&me, 1, 0).expect("registered");
            assert!(Arc::ptr_eq(&first, &writer), "one writer lock per store");
            held.push(writer);
        }
        assert!(matches!(
            jobs.register(&me, 1, 0),
            Err(Error::Unavailable(_))
        ));
        let (_, other) = jobs
            .register(&ctx("sup2", "s2"), 1, 0)
            .expect("another store");
        assert!(!Arc::ptr_eq(&first, &other));
    }
}
