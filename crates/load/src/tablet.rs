//! One simulated tablet: its own client id and clock, an outbox pushed oldest first and never
//! split inside a step, pulls from its cursor after every push (as the app's sync loop does),
//! backoff with jitter when the server is away, and a ledger of every mutation it made with
//! every answer the server gave for it — what the verification holds the server to.

use crate::api::{Api, CallError};
use crate::mix::{self, Change, Me, Mix, Stamper, World};
use huifang_core::sync::{
    ClientId, HlcClock, Mutation, MutationId, Op, Outcome, PushRequest, RecordId,
};
use huifang_core::{Role, SCHEMA_VERSION, StoreId, UserId};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Mutations per push (the app's `PUSH_BATCH`).
pub const PUSH_BATCH: usize = 200;
/// Changes per pull page (the app's `PULL_LIMIT`).
pub const PULL_LIMIT: u32 = 500;
/// Pages one sync pulls at most before it lets the tablet work again.
const PULL_PAGES_PER_SYNC: usize = 20;

/// A signed-in user on a tablet.
#[derive(Debug, Clone)]
pub struct Identity {
    pub username: String,
    pub user: UserId,
    pub store: StoreId,
    pub role: Role,
    /// The session's bearer token.
    pub token: String,
}

/// One mutation the tablet made, and what the server said of it each time it answered.
#[derive(Debug, Clone)]
pub struct Entry {
    pub mutation: Mutation,
    /// Every answer, in the order received (one per push that was answered).
    pub answers: Vec<Outcome>,
    /// How many pushes carried it (answered or not).
    pub sends: u32,
}

impl Entry {
    /// The answer the tablet acted on: the first.
    pub fn answer(&self) -> Option<&Outcome> {
        self.answers.first()
    }

    /// Acknowledged: the server said its effect is in (applied now or before).
    pub fn acked(&self) -> bool {
        matches!(
            self.answer(),
            Some(Outcome::Applied { .. } | Outcome::Duplicate { .. })
        )
    }
}

/// How a tablet's run went, beside its ledger.
#[derive(Debug, Clone, Default)]
pub struct TabletCounts {
    pub steps: u64,
    pub pushes: u64,
    pub pulls: u64,
    pub pulled_changes: u64,
    /// Feed positions the pulls passed over (`next_cursor - cursor`, summed): what the server
    /// read for this tablet, whoever the changes were for.
    pub scanned: u64,
    /// Pull pages with nothing for this tablet that said there was more: the server read a
    /// page of other stores' changes for nothing.
    pub empty_pages: u64,
    /// Requests that got no usable answer.
    pub failed_requests: u64,
    /// Mutations pushed again after a push that got no answer.
    pub resent: u64,
    /// A mistake no retry fixes (the tablet stopped): the error.
    pub fatal: Option<String>,
    /// Answers that did not fit the request (wrong count or ids): each is a server bug.
    pub protocol_errors: Vec<String>,
}

/// How tablets pace themselves.
#[derive(Debug, Clone)]
pub struct Pace {
    /// The mean pause between two things a user saves (drawn from an exponential
    /// distribution, so tablets do not act in lockstep).
    pub think: Duration,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    pub mix: Mix,
    /// Pull after every push, as the app does. Off: pushes only (to see what the push path
    /// alone holds).
    pub pull: bool,
    /// Start as new devices: cursor 0, a first sync of everything at once (the morning a
    /// fleet of new tablets is switched on). Otherwise tablets start caught up.
    pub fresh: bool,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            think: Duration::from_secs(3),
            backoff_base: Duration::from_millis(200),
            backoff_max: Duration::from_secs(3),
            mix: Mix::default(),
            pull: true,
            fresh: false,
        }
    }
}

/// Switches shared by every tablet of a run.
#[derive(Debug)]
pub struct Control {
    /// While set, users keep saving; once cleared, tablets only push what waits (the drain).
    pub working: AtomicBool,
    /// Tablets give up draining at this time.
    pub drain_deadline: std::sync::Mutex<Option<Instant>>,
}

impl Control {
    pub fn new() -> Arc<Control> {
        Arc::new(Control {
            working: AtomicBool::new(true),
            drain_deadline: std::sync::Mutex::new(None),
        })
    }

    fn past_deadline(&self) -> bool {
        self.drain_deadline
            .lock()
            .ok()
            .and_then(|d| *d)
            .is_some_and(|d| Instant::now() >= d)
    }
}

/// One simulated tablet.
#[derive(Debug)]
pub struct Tablet {
    pub n: usize,
    pub identity: Identity,
    pub client: ClientId,
    clock: HlcClock,
    seq: u64,
    pub entries: Vec<Entry>,
    /// Indexes into `entries` of the mutations without an answer, oldest first.
    outbox: VecDeque<usize>,
    cursor: u64,
    world: World,
    rng: fastrand::Rng,
    pub counts: TabletCounts,
}

struct Clock;

impl Stamper for Clock {
    fn now_ms(&self) -> i64 {
        huifang_server::db::now_ms()
    }

    fn new_id(&mut self) -> RecordId {
        RecordId(Uuid::now_v7())
    }
}

impl Tablet {
    pub fn new(n: usize, identity: Identity, seed: u64) -> Tablet {
        let client = ClientId(Uuid::now_v7());
        Tablet {
            n,
            identity,
            client,
            clock: HlcClock::new(client),
            seq: 0,
            entries: Vec::new(),
            outbox: VecDeque::new(),
            cursor: 0,
            world: World::default(),
            rng: fastrand::Rng::with_seed(seed ^ (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
            counts: TabletCounts::default(),
        }
    }

    /// Starts pulling after `cursor`: a tablet that synced everything before the run (what
    /// a first sync of a new device costs is another figure).
    pub fn caught_up_to(mut self, cursor: u64) -> Tablet {
        self.cursor = cursor;
        self
    }

    /// Mutations still waiting for an answer.
    pub fn unanswered(&self) -> usize {
        self.outbox.len()
    }

    /// Saves the user's next step into the outbox, as the app does: one stamp per change,
    /// a shared step id when there are two or more.
    pub fn work(&mut self, mix: &Mix) {
        let me = Me {
            n: self.n,
            role: self.identity.role,
            scope: huifang_core::sync::Scope {
                store: self.identity.store.clone(),
                owner: Some(self.identity.user.clone()),
            },
        };
        let changes = mix::next_step(&me, &mut self.world, mix, &mut self.rng, &mut Clock);
        if changes.is_empty() {
            return;
        }
        self.save(changes);
    }

    fn save(&mut self, changes: Vec<Change>) {
        let step = (changes.len() > 1).then(|| MutationId(Uuid::now_v7()));
        let mut stamps = Vec::with_capacity(changes.len());
        for change in &changes {
            let hlc = self.clock.tick(huifang_server::db::now_ms());
            stamps.push(hlc);
            self.seq += 1;
            let mutation = Mutation {
                mutation_id: MutationId(Uuid::now_v7()),
                client_id: self.client,
                client_seq: self.seq,
                hlc,
                user: self.identity.user.clone(),
                kind: change.kind,
                record_id: change.record,
                op: change.op.clone(),
                step,
            };
            self.outbox.push_back(self.entries.len());
            self.entries.push(Entry {
                mutation,
                answers: Vec::new(),
                sends: 0,
            });
        }
        self.world.saved(&changes, &stamps);
        self.counts.steps += 1;
    }

    /// The oldest unanswered mutations, at most [`PUSH_BATCH`], never ending inside a step.
    fn batch(&self) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        let mut i = 0;
        while i < self.outbox.len() {
            let first = self.outbox[i];
            let step = self.entries[first].mutation.step;
            let mut group = vec![first];
            i += 1;
            if let Some(step) = step {
                while i < self.outbox.len()
                    && self.entries[self.outbox[i]].mutation.step == Some(step)
                {
                    group.push(self.outbox[i]);
                    i += 1;
                }
            }
            if !out.is_empty() && out.len() + group.len() > PUSH_BATCH {
                break;
            }
            out.extend(group);
        }
        out
    }

    /// Pushes one batch. `Ok(false)` when there was nothing to push.
    async fn push_once(&mut self, api: &Api) -> Result<bool, CallError> {
        let batch = self.batch();
        if batch.is_empty() {
            return Ok(false);
        }
        let request = PushRequest {
            schema_version: SCHEMA_VERSION,
            client_id: self.client,
            mutations: batch
                .iter()
                .map(|i| self.entries[*i].mutation.clone())
                .collect(),
        };
        for i in &batch {
            let entry = &mut self.entries[*i];
            if entry.sends > 0 {
                self.counts.resent += 1;
            }
            entry.sends += 1;
        }
        self.counts.pushes += 1;
        let response = api.push(&self.identity.token, &request).await?;
        let fits = response.results.len() == batch.len()
            && response
                .results
                .iter()
                .zip(&batch)
                .all(|(r, i)| r.mutation_id == self.entries[*i].mutation.mutation_id);
        if !fits {
            let problem = format!(
                "tablet {}: a push of {} mutations was answered with {} results that do not \
                 match them",
                self.n,
                batch.len(),
                response.results.len()
            );
            self.counts.protocol_errors.push(problem.clone());
            return Err(CallError::Decode(problem));
        }
        for (result, i) in response.results.into_iter().zip(&batch) {
            if let Outcome::Rejected { .. } = result.outcome {
                let record = self.entries[*i].mutation.record_id;
                self.world.abandon(record);
                if let Op::AppendEvent { fields, .. } = &self.entries[*i].mutation.op {
                    // The event's task or lead is in doubt too.
                    for key in ["task", "lead"] {
                        if let Some(id) = fields
                            .get(key)
                            .and_then(|v| v.as_str())
                            .and_then(|s| s.parse().ok())
                        {
                            self.world.abandon(RecordId(id));
                        }
                    }
                }
            }
            self.entries[*i].answers.push(result.outcome);
        }
        self.outbox.drain(..batch.len());
        Ok(true)
    }

    /// Pulls from the cursor until caught up (or a page budget is spent, or the working time
    /// ends: the drain is for pushes).
    async fn pull(&mut self, api: &Api, control: &Control) -> Result<(), CallError> {
        for _ in 0..PULL_PAGES_PER_SYNC {
            if !control.working.load(Ordering::SeqCst) {
                break;
            }
            let page = api
                .pull(&self.identity.token, self.cursor, PULL_LIMIT)
                .await?;
            self.counts.pulls += 1;
            if page.cursor != self.cursor {
                self.counts.protocol_errors.push(format!(
                    "tablet {}: a pull from cursor {} answered a page from {}",
                    self.n, self.cursor, page.cursor
                ));
                return Ok(());
            }
            self.counts.pulled_changes += page.changes.len() as u64;
            self.counts.scanned += page.next_cursor.saturating_sub(page.cursor);
            if page.changes.is_empty() && page.has_more {
                self.counts.empty_pages += 1;
            }
            self.cursor = page.next_cursor;
            if !page.has_more {
                break;
            }
        }
        Ok(())
    }

    /// One run of the sync loop: the outbox pushed (all of it), then pulls.
    async fn sync(&mut self, api: &Api, pull: bool, control: &Control) -> Result<(), CallError> {
        while self.push_once(api).await? {}
        if pull {
            self.pull(api, control).await?;
        }
        Ok(())
    }

    fn think(&mut self, mean: Duration) -> Duration {
        // Exponential, capped at 5× the mean.
        let u = self.rng.f64().max(1e-9);
        let factor = (-u.ln()).min(5.0);
        mean.mul_f64(factor)
    }

    fn backoff(&mut self, pace: &Pace, failures: u32) -> Duration {
        let exp = pace
            .backoff_base
            .saturating_mul(1 << failures.saturating_sub(1).min(10))
            .min(pace.backoff_max);
        exp.mul_f64(0.5 + self.rng.f64() * 0.5)
    }

    /// Works until `control.working` is cleared, then pushes what waits until the outbox is
    /// empty or the drain deadline passes. Returns itself for the verification.
    pub async fn run(mut self, api: Api, pace: Arc<Pace>, control: Arc<Control>) -> Tablet {
        // Tablets start spread over one pause, not all at once.
        let first = pace.think.mul_f64(self.rng.f64());
        let mut next_step = Instant::now() + first;
        let mut failures: u32 = 0;
        let mut retry_at: Option<Instant> = None;
        if pace.fresh && pace.pull {
            // A new device's first sync: the whole feed, before anything is saved.
            if let Err(e) = self.sync(&api, true, &control).await {
                self.counts.failed_requests += 1;
                if !e.is_retryable() {
                    self.counts.fatal = Some(e.to_string());
                    return self;
                }
                failures = 1;
                retry_at = Some(Instant::now() + self.backoff(&pace, failures));
            }
        }
        loop {
            let working = control.working.load(Ordering::SeqCst);
            if !working && (self.outbox.is_empty() || control.past_deadline()) {
                break;
            }
            let now = Instant::now();
            let mut due = retry_at.is_some_and(|at| now >= at);
            if working && now >= next_step {
                self.work(&pace.mix);
                next_step = now + self.think(pace.think);
                due |= retry_at.is_none();
            }
            if !working && retry_at.is_none() {
                due = true;
            }
            if due {
                match self.sync(&api, working && pace.pull, &control).await {
                    Ok(()) => {
                        failures = 0;
                        retry_at = None;
                    }
                    Err(e) if e.is_retryable() => {
                        self.counts.failed_requests += 1;
                        failures += 1;
                        retry_at = Some(Instant::now() + self.backoff(&pace, failures));
                    }
                    Err(e) => {
                        self.counts.failed_requests += 1;
                        self.counts.fatal = Some(e.to_string());
                        break;
                    }
                }
            }
            let wake = match (working, retry_at) {
                (true, Some(at)) => at.min(next_step),
                (true, None) => next_step,
                (false, Some(at)) => at,
                (false, None) => Instant::now(),
            };
            // Wake at least every 200 ms to notice the end of the working time.
            let wake = wake.min(Instant::now() + Duration::from_millis(200));
            tokio::time::sleep_until(wake.into()).await;
        }
        self
    }
}
