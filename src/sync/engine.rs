//! The app's sync engine (DESIGN.md "The sync loop"): the core's [`Replica`] over the
//! IndexedDB store, shared by every tab of the signed-in user.
//!
//! - **Writes** from any tab take the user's Web Lock `huifang-db-<user>`, reload the
//!   bookkeeping, and commit the change with its outbox entry in one transaction. So two tabs
//!   never hand out the same sequence number, and "saved" means on disk.
//! - **The loop** runs in one tab only: the one holding `huifang-sync-<user>` (the others wait
//!   in the lock's queue and take over when that tab closes). It runs on start, on `online`,
//!   shortly after each write (any tab's: a BroadcastChannel carries it), and periodically;
//!   failures back off exponentially with jitter; a watchdog bounds every run, so a hung
//!   request can never leave the queue stuck.
//! - **The snapshot** ([`SyncEngine::snapshot`]): the live records, read from the store once
//!   and kept until they may have changed. A generation counter moves on after every change
//!   that can touch a record (a local write, retry or dismissal; a push answer; a pull page
//!   that changed something; an abandoned change, whether it committed or not) and on every
//!   other tab's news, the moment it arrives. A snapshot is labelled with the generation read
//!   BEFORE the store was read, so a change committed during the read leaves it old, and
//!   the next `snapshot()` reads again. A change of THIS tab that finished and names its
//!   records (a write, a push answer, a pull page) does not throw the snapshot away: when the
//!   snapshot was up to date just before it, the change's record ids are noted on it and the
//!   next `snapshot()` re-reads only those (a few `get`s instead of every record), patching
//!   the kept records in place when no page still holds them.
//! - **Status**: each tab reads its counts (pending, oldest, needs attention, conflicts) from
//!   the store; the syncing tab broadcasts the last sync and the last error to the others.

use super::browser::{self, LockGuard};
use super::transport::{self, ApiClientError};
use crate::components::CapturedImage;
use crate::i18n::Key;
use crate::storage::idb::{IdbClientStore, IdbError, database_name};
use crate::storage::local;
use futures::channel::mpsc;
use futures::future::{Either, select};
use futures::{FutureExt, StreamExt};
use gloo_timers::future::TimeoutFuture;
use huifang_core::UserProfile;
use huifang_core::sync::blobs;
use huifang_core::sync::{
    ClientId, Conflict, Mutation, MutationId, NeedsAttention, Op, PendingMutation, PullResponse,
    PushResponse, Record, RecordId, RecordKind, Replica, ReplicaError, StampPolicy, StateMachines,
    UserCtx, Write,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Mutations per push request (well under the server's body limit).
pub const PUSH_BATCH: usize = 200;
/// Changes per pull page.
pub const PULL_LIMIT: u32 = 500;
/// How soon after a write the loop runs (writes in quick succession go in one push).
const SOON_AFTER_WRITE_MS: u32 = 400;
/// How often the loop runs with nothing to trigger it (others' changes arrive this way).
const PERIODIC_MS: u32 = 30_000;
/// How long a tab lets other tabs' news settle before it re-reads.
const REFRESH_SETTLE_MS: u32 = 200;
/// After this tab's own save the pages re-read at once, and then at most once more in this
/// time however many saves follow: a burst of saves (a run of attempts, an import) costs the
/// open page two re-reads, not one each, and the saves do not queue behind the page working
/// out its list again and again.
const LOCAL_SETTLE_MS: u32 = 100;
/// The watchdog: a run taking longer than this is abandoned and retried with backoff.
const RUN_TIMEOUT_MS: u32 = 60_000;
/// Backoff after failures: `BACKOFF_BASE_MS * 2^(n-1)`, at most `BACKOFF_MAX_MS`, times a
/// random factor in [0.5, 1) so tablets that lost the server together do not return together.
const BACKOFF_BASE_MS: f64 = 1_000.0;
const BACKOFF_MAX_MS: f64 = 60_000.0;

type Rep = Replica<IdbClientStore>;
type OnMessage = Closure<dyn FnMut(web_sys::MessageEvent)>;
type OnEvent = Closure<dyn FnMut(web_sys::Event)>;

/// Why a sync run or a local change failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Replica(#[from] ReplicaError<IdbError>),
    #[error(transparent)]
    Api(#[from] ApiClientError),
    #[error(transparent)]
    Browser(#[from] browser::BrowserError),
    #[error("the sync took longer than {0} s and was abandoned; it is retried")]
    Timeout(u32),
    /// Signed in offline over another person's session: nothing is synced until the user
    /// signs in again online.
    #[error("this tablet's server session belongs to another user: sign in again online")]
    SessionOfAnotherUser,
    #[error("the server did not answer for every pushed change")]
    IncompleteAnswer,
    /// A blob a pending change references could not be uploaded: the push waits for it and
    /// the run is retried like a failed push.
    #[error("uploading the file {sha256} failed: {source}")]
    Upload {
        sha256: String,
        source: ApiClientError,
    },
    /// Bytes offered under a name that is not their SHA-256 (a bug in the caller, or a
    /// damaged download): never stored.
    #[error("the file's bytes do not match its name {0}")]
    BlobMismatch(String),
}

impl EngineError {
    /// The message for the person.
    pub fn key(&self) -> Key {
        match self {
            EngineError::Replica(ReplicaError::Store(e)) if e.is_quota_exceeded() => {
                Key::ErrStorageFull
            }
            EngineError::Replica(ReplicaError::Forbidden(_)) => Key::ErrForbidden,
            EngineError::Replica(ReplicaError::Invalid(_)) => Key::ErrInvalidChange,
            EngineError::Replica(_) | EngineError::Browser(_) => Key::ErrDeviceStorage,
            EngineError::Api(e) => e.key(),
            EngineError::Timeout(_) => Key::ErrSyncTimeout,
            EngineError::SessionOfAnotherUser => Key::ErrSessionOtherUser,
            EngineError::IncompleteAnswer => Key::ErrUnexpected,
            EngineError::Upload { source, .. } => source.key(),
            EngineError::BlobMismatch(_) => Key::ErrUnexpected,
        }
    }

    pub fn is_quota_exceeded(&self) -> bool {
        matches!(self, EngineError::Replica(ReplicaError::Store(e)) if e.is_quota_exceeded())
    }
}

/// A failure the person sees, with when the loop tries again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// `Key::name()` of the message (so it crosses the BroadcastChannel).
    pub key: String,
    pub detail: String,
    pub retry_at_ms: Option<i64>,
}

impl Failure {
    pub fn message_key(&self) -> Key {
        Key::ALL
            .iter()
            .copied()
            .find(|k| k.name() == self.key)
            .unwrap_or(Key::ErrUnexpected)
    }
}

/// What the top bar shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncStatus {
    /// The device database is open and the engine runs.
    pub ready: bool,
    /// Opening the device database failed: nothing can be saved (shown loudly).
    pub open_error: Option<Failure>,
    /// This tab runs the loop.
    pub leader: bool,
    pub syncing: bool,
    /// Completed runs of this tab's loop.
    pub runs: u64,
    pub pending: usize,
    /// Server-corrected time of the oldest change not yet confirmed.
    pub oldest_pending_ms: Option<i64>,
    pub attention: usize,
    pub conflicts: usize,
    pub last_sync_ms: Option<i64>,
    pub error: Option<Failure>,
    /// This tab's last successful run: how long it took, what it moved.
    pub last_run: Option<RunStats>,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RunStats {
    pub ms: f64,
    /// The part spent pushing (requests and taking in the answers).
    pub push_ms: f64,
    pub pushed: usize,
    pub pulled: usize,
}

/// What the tabs of one user tell each other.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Message {
    /// A tab saved a change: the syncing tab pushes it soon, the others re-read.
    Wrote,
    /// The syncing tab finished a run (or failed one).
    Synced {
        last_sync_ms: Option<i64>,
        error: Option<Failure>,
        changed: bool,
    },
}

/// The local clock.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// A monotonic clock with sub-millisecond resolution, for measuring.
pub fn precise_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_else(js_sys::Date::now)
}

fn fresh_client_id() -> ClientId {
    let mut random = [0u8; 10];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .and_then(|c| c.get_random_values_with_u8_array(&mut random).ok())
        .is_some();
    if !filled {
        for b in &mut random {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    ClientId::new_v7(u64::try_from(now_ms()).unwrap_or(0), random)
}

/// The records as of a generation.
struct Snapshot {
    generation: u64,
    /// The live records, in record id order.
    records: Rc<Vec<Record>>,
    /// The open conflicts of every record, deleted ones too (a deletion keeps them).
    conflicts: BTreeMap<RecordId, Vec<Conflict>>,
    /// Records this tab changed since `records` was read: re-read them before use.
    patch: BTreeSet<RecordId>,
}

impl Snapshot {
    /// Puts a record as the store has it now (`None`: gone) in its place.
    fn apply(&mut self, id: RecordId, now: Option<Record>) {
        self.conflicts.remove(&id);
        if let Some(e) = now.as_ref().and_then(Record::as_entity)
            && !e.conflicts.is_empty()
        {
            self.conflicts
                .insert(id, e.conflicts.values().cloned().collect());
        }
        let live = now.filter(|r| !r.is_deleted());
        // In place when no page holds the records any more; else a copy, once.
        let records = Rc::make_mut(&mut self.records);
        match (records.binary_search_by_key(&id, Record::id), live) {
            (Ok(at), Some(record)) => records[at] = record,
            (Ok(at), None) => {
                records.remove(at);
            }
            (Err(at), Some(record)) => records.insert(at, record),
            (Err(_), None) => {}
        }
    }
}

/// Beyond this many changed records, one read of every record is quicker than a `get` each.
const PATCH_LIMIT: usize = 500;

/// Moves the snapshot generation on when dropped: after a change finished, failed, or was
/// abandoned half-way (the watchdog drops a run; its commit may have landed).
struct Moved<'a>(&'a Inner);

impl Drop for Moved<'_> {
    fn drop(&mut self) {
        self.0.records_changed();
    }
}

impl Inner {
    fn records_changed(&self) {
        self.generation.set(self.generation.get().wrapping_add(1));
    }

    /// This tab's change to `ids` has committed, and nothing else moved the generation while
    /// it ran (`before` is the generation it started at): a snapshot that was up to date at
    /// `before` stays usable with `ids` noted for re-reading; any other is old.
    fn records_patched(&self, before: u64, ids: impl IntoIterator<Item = RecordId>) {
        let mut ids = ids.into_iter().peekable();
        if ids.peek().is_none() {
            return; // nothing the snapshot holds changed (a pull page of nothing new)
        }
        let now = self.generation.get();
        self.records_changed();
        if now != before {
            return;
        }
        let mut kept = self.snapshot.borrow_mut();
        if let Some(s) = kept.as_mut().filter(|s| s.generation == before) {
            s.patch.extend(ids);
            if s.patch.len() > PATCH_LIMIT {
                *kept = None;
            } else {
                s.generation = self.generation.get();
            }
        }
    }
}

/// Moves the snapshot generation on when dropped, unless [`Patched::done`] said which records
/// the change touched (see [`Inner::records_patched`]).
struct Patched<'a> {
    inner: &'a Inner,
    before: u64,
    armed: bool,
}

impl<'a> Patched<'a> {
    fn new(inner: &'a Inner) -> Self {
        Patched {
            inner,
            before: inner.generation.get(),
            armed: true,
        }
    }

    fn done(mut self, ids: impl IntoIterator<Item = RecordId>) {
        self.armed = false;
        self.inner.records_patched(self.before, ids);
    }
}

impl Drop for Patched<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.inner.records_changed();
        }
    }
}

struct Inner {
    user: UserCtx,
    replica: futures::lock::Mutex<Rep>,
    db_lock: String,
    db_name: String,
    sync_lock: String,
    last_sync_key: String,
    status: RwSignal<SyncStatus>,
    /// Bumped whenever the records may have changed; pages re-read on it.
    changes: RwSignal<u64>,
    kick: mpsc::UnboundedSender<()>,
    channel: Option<web_sys::BroadcastChannel>,
    stopped: Cell<bool>,
    refresh_scheduled: Cell<bool>,
    refresh_conflicts: Cell<bool>,
    local_refresh_scheduled: Cell<bool>,
    local_refresh_pending: Cell<bool>,
    leadership: RefCell<Option<LockGuard>>,
    /// Moves on whenever the device's records may have changed (see [`Snapshot`]).
    generation: Cell<u64>,
    /// The live records as of `generation` (old when the counter has moved on).
    snapshot: RefCell<Option<Snapshot>>,
    /// One read of the store at a time: pages asking together share it.
    snapshot_read: futures::lock::Mutex<()>,
    /// How many times the snapshot read every record (see [`SyncEngine::full_reads`]).
    full_reads: Cell<u64>,
    // Held so the handlers live as long as the engine.
    _listeners: RefCell<Vec<OnMessage>>,
    _online: RefCell<Option<OnEvent>>,
}

/// The signed-in user's engine. Cheap to clone (one per tab). Its tasks may outlive the
/// page that started it (sign-out while a sync runs), so it only ever `try_` its signals.
#[derive(Clone)]
pub struct SyncEngine {
    inner: Rc<Inner>,
}

impl SyncEngine {
    /// Opens the user's device database and starts the engine (and, when this tab gets the
    /// user's sync lock, the loop).
    pub async fn start(
        user: &UserProfile,
        status: RwSignal<SyncStatus>,
        changes: RwSignal<u64>,
    ) -> Result<SyncEngine, EngineError> {
        let ctx = UserCtx::of(user);
        // The data key the sign-in unlocked (the shell only starts the engine once it is).
        let (cipher, db) = crate::storage::crypto::current_for(&user.id.0).map_err(|source| {
            ReplicaError::Store(IdbError::Crypto {
                what: "device database",
                source,
            })
        })?;
        let db = db.unwrap_or_else(|| database_name(&user.id));
        // Every write of this user's database, in any tab, holds this Web Lock.
        let db_lock = format!("huifang-db-{}", user.id.0);
        let store = IdbClientStore::open(&db, cipher)
            .await
            .map_err(ReplicaError::Store)?;
        // A database an earlier version wrote in clear is sealed now, once, under the lock
        // every write takes (another tab may be starting too). Until it succeeds a marker
        // says so, and every start tries again.
        {
            let pending_key = format!("huifang.seal-pending.{db}");
            let pending = local::read::<bool>(&pending_key)
                .ok()
                .flatten()
                .unwrap_or(false);
            let _lock = browser::lock(&db_lock).await?;
            match store.seal_if_written_in_clear(pending).await {
                Ok(n) => {
                    if n > 0 {
                        leptos::logging::log!(
                            "sealed {n} values kept in clear by an earlier version"
                        );
                    }
                    local::remove(&pending_key);
                }
                Err(e) => {
                    leptos::logging::warn!("values kept in clear are not sealed yet: {e}");
                    if let Err(e) = local::write(&pending_key, &true) {
                        leptos::logging::warn!("could not note the sealing to retry: {e}");
                    }
                }
            }
        }
        let replica = Replica::open(
            store,
            ctx.clone(),
            fresh_client_id(),
            StateMachines::standard(),
            StampPolicy::default(),
        )
        .await?;
        crate::timing::mark(crate::timing::ENGINE_OPEN);
        let (kick, triggers) = mpsc::unbounded();
        let channel = match web_sys::BroadcastChannel::new(&format!("huifang-sync-{}", user.id.0)) {
            Ok(c) => Some(c),
            Err(e) => {
                leptos::logging::warn!(
                    "no BroadcastChannel; other tabs refresh on their own: {e:?}"
                );
                None
            }
        };
        let last_sync_key = format!("huifang.sync.last.{}", user.id.0);
        let last_sync_ms = local::read::<i64>(&last_sync_key).ok().flatten();
        let engine = SyncEngine {
            inner: Rc::new(Inner {
                db_lock,
                db_name: db,
                sync_lock: format!("huifang-sync-{}", user.id.0),
                last_sync_key,
                user: ctx,
                replica: futures::lock::Mutex::new(replica),
                status,
                changes,
                kick,
                channel,
                stopped: Cell::new(false),
                refresh_scheduled: Cell::new(false),
                refresh_conflicts: Cell::new(false),
                local_refresh_scheduled: Cell::new(false),
                local_refresh_pending: Cell::new(false),
                leadership: RefCell::new(None),
                generation: Cell::new(0),
                snapshot: RefCell::new(None),
                snapshot_read: futures::lock::Mutex::new(()),
                full_reads: Cell::new(0),
                _listeners: RefCell::new(Vec::new()),
                _online: RefCell::new(None),
            }),
        };
        status.update(|s| {
            s.ready = true;
            s.open_error = None;
            s.last_sync_ms = last_sync_ms;
        });
        engine.listen();
        engine.refresh(true).await;
        let leader = engine.clone();
        spawn_local(async move { leader.lead(triggers).await });
        Ok(engine)
    }

    /// Stops the engine (sign-out, or the shell going away): lets another tab take the loop.
    pub fn stop(&self) {
        self.inner.stopped.set(true);
        self.inner.leadership.borrow_mut().take();
        self.inner.snapshot.borrow_mut().take();
        self.inner.records_changed();
        if let Some(channel) = &self.inner.channel {
            channel.set_onmessage(None);
            channel.close();
        }
        if let Some(w) = web_sys::window()
            && let Some(online) = self.inner._online.borrow().as_ref()
        {
            let _ =
                w.remove_event_listener_with_callback("online", online.as_ref().unchecked_ref());
        }
        self.inner.kick.close_channel();
    }

    pub fn user(&self) -> &UserCtx {
        &self.inner.user
    }

    /// After a sign-in made offline, the session cookie may be someone else's (signed out
    /// offline, so the server never heard): nothing is pushed or pulled until the server says
    /// it is this user's.
    async fn confirm_offline_sign_in(&self) -> Result<(), EngineError> {
        let me = &self.inner.user.user.0;
        let unconfirmed = local::read::<String>(crate::session::UNCONFIRMED)
            .ok()
            .flatten();
        if unconfirmed.as_deref() != Some(me.as_str()) {
            return Ok(());
        }
        let answer: crate::session::MeResponse = transport::get_json("/api/auth/me").await?;
        if answer.user.id.0 != *me {
            return Err(EngineError::SessionOfAnotherUser);
        }
        local::remove(crate::session::UNCONFIRMED);
        Ok(())
    }

    /// The name of the device database this engine keeps (see `storage::crypto::Keyring::db`).
    pub fn db_name(&self) -> &str {
        &self.inner.db_name
    }

    /// The server's time now, as this device estimates it (its clock corrected by the offset
    /// learnt from the server's answers): the time steps are stamped with, so a tablet whose
    /// clock is wrong does not move deadlines.
    pub async fn server_now(&self) -> Result<i64, EngineError> {
        self.read(async |r| Ok(r.server_now(now_ms()))).await
    }

    /// Runs the loop now (the "sync now" button), whatever the backoff said.
    pub fn sync_now(&self) {
        if self
            .inner
            .status
            .try_get_untracked()
            .is_some_and(|s| s.leader)
        {
            let _ = self.inner.kick.unbounded_send(());
        } else {
            self.post(&Message::Wrote);
        }
    }

    fn listen(&self) {
        if let Some(channel) = &self.inner.channel {
            let engine = Rc::downgrade(&self.inner);
            let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |event: web_sys::MessageEvent| {
                    let Some(inner) = engine.upgrade() else {
                        return;
                    };
                    let Some(text) = event.data().as_string() else {
                        return;
                    };
                    match serde_json::from_str::<Message>(&text) {
                        Ok(message) => SyncEngine { inner }.on_message(message),
                        Err(e) => leptos::logging::warn!("unreadable tab message: {e}"),
                    }
                },
            );
            channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            self.inner._listeners.borrow_mut().push(on_message);
        }
        if let Some(w) = web_sys::window() {
            let kick = self.inner.kick.clone();
            let online = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                let _ = kick.unbounded_send(());
            });
            if w.add_event_listener_with_callback("online", online.as_ref().unchecked_ref())
                .is_ok()
            {
                *self.inner._online.borrow_mut() = Some(online);
            }
        }
    }

    fn on_message(&self, message: Message) {
        // Another tab committed before it told us: from now on the snapshot is old (pages
        // hear of it after the settle below, and read again then).
        if matches!(
            &message,
            Message::Wrote
                | Message::Synced { changed: true, .. }
                | Message::Synced { error: Some(_), .. }
        ) {
            self.inner.records_changed();
        }
        match message {
            Message::Wrote => {
                if self
                    .inner
                    .status
                    .try_get_untracked()
                    .is_some_and(|s| s.leader)
                {
                    let _ = self.inner.kick.unbounded_send(());
                }
                self.changed_elsewhere(false);
            }
            Message::Synced {
                last_sync_ms,
                error,
                changed,
            } => {
                self.inner.status.try_update(|s| {
                    s.last_sync_ms = last_sync_ms.or(s.last_sync_ms);
                    s.error = error;
                });
                self.changed_elsewhere(changed);
            }
        }
    }

    /// Another tab changed the store: re-read, at most every `REFRESH_SETTLE_MS` (another
    /// tab saving a thousand changes must not make this one read its outbox a thousand times).
    fn changed_elsewhere(&self, conflicts_too: bool) {
        if conflicts_too {
            self.inner.refresh_conflicts.set(true);
        }
        if self.inner.refresh_scheduled.replace(true) {
            return;
        }
        let this = self.clone();
        spawn_local(async move {
            TimeoutFuture::new(REFRESH_SETTLE_MS).await;
            this.inner.refresh_scheduled.set(false);
            let conflicts_too = this.inner.refresh_conflicts.replace(false);
            this.inner.changes.try_update(|n| *n += 1);
            this.refresh(conflicts_too).await;
        });
    }

    /// This tab saved a change: the pages re-read at once, unless they did for a save less
    /// than `LOCAL_SETTLE_MS` ago; then once when that time is up, for all the saves since.
    fn changed_here(&self) {
        if self.inner.local_refresh_scheduled.get() {
            self.inner.local_refresh_pending.set(true);
            return;
        }
        self.inner.changes.try_update(|n| *n += 1);
        self.inner.local_refresh_scheduled.set(true);
        let this = self.clone();
        spawn_local(async move {
            TimeoutFuture::new(LOCAL_SETTLE_MS).await;
            this.inner.local_refresh_scheduled.set(false);
            if this.inner.local_refresh_pending.replace(false) {
                this.inner.changes.try_update(|n| *n += 1);
            }
        });
    }

    fn post(&self, message: &Message) {
        let Some(channel) = &self.inner.channel else {
            return;
        };
        if self.inner.stopped.get() {
            return; // the channel is closed
        }
        match serde_json::to_string(message) {
            Ok(text) => {
                if let Err(e) = channel.post_message(&JsValue::from_str(&text)) {
                    leptos::logging::warn!("could not tell the other tabs: {e:?}");
                }
            }
            Err(e) => leptos::logging::warn!("could not encode a tab message: {e}"),
        }
    }

    /// Runs `f` on the replica holding the user's database lock, after reloading the
    /// bookkeeping another tab may have advanced.
    async fn locked<T>(
        &self,
        f: impl AsyncFnOnce(&mut Rep) -> Result<T, ReplicaError<IdbError>>,
    ) -> Result<T, EngineError> {
        let _lock = browser::lock(&self.inner.db_lock).await?;
        let mut replica = self.inner.replica.lock().await;
        replica.reload().await?;
        Ok(f(&mut replica).await?)
    }

    /// [`Self::locked`] for a change that may touch records: the snapshot generation moves
    /// on once it is over, committed or not, finished or abandoned.
    async fn changing<T>(
        &self,
        f: impl AsyncFnOnce(&mut Rep) -> Result<T, ReplicaError<IdbError>>,
    ) -> Result<T, EngineError> {
        let _moved = Moved(&self.inner);
        self.locked(f).await
    }

    /// [`Self::locked`] for a change that names the records it touched (`touched`, from its
    /// result): a snapshot that was up to date stays kept, with those records to re-read.
    /// Failed or abandoned, the change leaves the snapshot old, like [`Self::changing`].
    async fn patching<T>(
        &self,
        f: impl AsyncFnOnce(&mut Rep) -> Result<T, ReplicaError<IdbError>>,
        touched: impl FnOnce(&T) -> Vec<RecordId>,
    ) -> Result<T, EngineError> {
        let _lock = browser::lock(&self.inner.db_lock).await?;
        let mut replica = self.inner.replica.lock().await;
        // Taken under both locks: every change of this tab, and every other tab's write,
        // happens either before this or after the commit below.
        let guard = Patched::new(&self.inner);
        replica.reload().await?;
        let out = f(&mut replica).await?;
        guard.done(touched(&out));
        Ok(out)
    }

    /// Reads from the replica (no lock: reads see committed transactions only).
    async fn read<T>(
        &self,
        f: impl AsyncFnOnce(&Rep) -> Result<T, ReplicaError<IdbError>>,
    ) -> Result<T, EngineError> {
        let replica = self.inner.replica.lock().await;
        Ok(f(&replica).await?)
    }

    // ---- Local changes -------------------------------------------------------------------

    /// Saves a change to a record. When this returns `Ok`, the change is on disk and queued.
    pub async fn write(
        &self,
        kind: RecordKind,
        record: RecordId,
        op: Op,
    ) -> Result<Mutation, EngineError> {
        // Only a change to a record in conflict can change the number of conflicts.
        let had_conflicts = self
            .record(record)
            .await?
            .as_ref()
            .and_then(Record::as_entity)
            .is_some_and(|e| !e.conflicts.is_empty());
        let mutation = self
            .patching(
                async |r| r.write(kind, record, op, now_ms()).await,
                |m| vec![m.record_id],
            )
            .await?;
        self.after_write(&mutation, had_conflicts).await;
        Ok(mutation)
    }

    /// Creates a record (entity or event) with a new id; returns the id.
    pub async fn create(
        &self,
        kind: RecordKind,
        op: impl FnOnce(&UserCtx) -> Op,
    ) -> Result<RecordId, EngineError> {
        let op = op(&self.inner.user);
        let mutation = self
            .patching(
                async |r| {
                    let id = r.new_record_id(now_ms());
                    r.write(kind, id, op, now_ms()).await
                },
                |m| vec![m.record_id],
            )
            .await?;
        self.after_write(&mutation, false).await;
        Ok(mutation.record_id)
    }

    /// Saves several changes as one (see `Replica::write_all`): an attempt with its task's
    /// move and the callback record, all or nothing. Returns the mutations in order.
    pub async fn write_all(&self, writes: Vec<Write>) -> Result<Vec<Mutation>, EngineError> {
        let mut had_conflicts = false;
        for w in &writes {
            if let Some(id) = w.record {
                had_conflicts |= self
                    .record(id)
                    .await?
                    .as_ref()
                    .and_then(Record::as_entity)
                    .is_some_and(|e| !e.conflicts.is_empty());
            }
        }
        let mutations = self
            .patching(
                async |r| r.write_all(writes, now_ms()).await,
                |ms| ms.iter().map(|m| m.record_id).collect(),
            )
            .await?;
        for (i, m) in mutations.iter().enumerate() {
            self.after_write(m, had_conflicts && i + 1 == mutations.len())
                .await;
        }
        Ok(mutations)
    }

    /// Makes a refused change again (see `Replica::retry`).
    pub async fn retry(&self, id: MutationId) -> Result<(), EngineError> {
        self.changing(async |r| r.retry(id, now_ms()).await.map(|_| ()))
            .await?;
        self.inner.changes.try_update(|n| *n += 1);
        self.post(&Message::Wrote);
        let _ = self.inner.kick.unbounded_send(());
        self.refresh(false).await;
        Ok(())
    }

    /// Lets a refused change go, after the person has seen it.
    pub async fn dismiss(&self, id: MutationId) -> Result<(), EngineError> {
        self.changing(async |r| r.dismiss(id).await).await?;
        self.inner.changes.try_update(|n| *n += 1);
        self.post(&Message::Wrote);
        self.refresh(false).await;
        Ok(())
    }

    /// After a local write: counts move by one without reading the outbox again (a tablet
    /// saving many changes in a row stays fast); the other tabs and the loop hear of it.
    async fn after_write(&self, mutation: &Mutation, had_conflicts: bool) {
        self.inner.status.try_update(|s| {
            s.pending += 1;
            let at = mutation.hlc.wall_ms;
            s.oldest_pending_ms = Some(s.oldest_pending_ms.map_or(at, |o| o.min(at)));
        });
        self.changed_here();
        self.post(&Message::Wrote);
        let _ = self.inner.kick.unbounded_send(());
        if had_conflicts {
            self.refresh(true).await;
        }
    }

    // ---- Reads ---------------------------------------------------------------------------

    pub async fn record(&self, id: RecordId) -> Result<Option<Record>, EngineError> {
        self.read(async |r| r.record(id).await).await
    }

    /// Every record the user sees, tombstones left out: an owned copy of
    /// [`Self::snapshot`] (prefer that: it costs nothing when nothing changed).
    pub async fn records(&self) -> Result<Vec<Record>, EngineError> {
        Ok(self.snapshot().await?.as_ref().clone())
    }

    /// Every record the user sees, tombstones left out, in record id order: read from the
    /// store once, then shared until the records may have changed (a change in this tab or
    /// news from another). Pages call it on every `changes` bump; it reads the store only
    /// when something changed since the last read — and after this tab's own writes, push
    /// answers and pull pages, only the records they touched. Never holds the user's
    /// database lock.
    pub async fn snapshot(&self) -> Result<Rc<Vec<Record>>, EngineError> {
        self.with_snapshot(|s| s.records.clone()).await
    }

    /// How many times this tab's snapshot has read every record from the store (the costly
    /// read: the first one, and after another tab's news or a failed change), for the
    /// benchmarks and tests.
    pub fn full_reads(&self) -> u64 {
        self.inner.full_reads.get()
    }

    /// Whether the kept snapshot is the store as it is now.
    fn is_fresh(&self, s: &Snapshot) -> bool {
        s.generation == self.inner.generation.get()
            && s.patch.is_empty()
            && !self.inner.stopped.get()
    }

    /// Runs `f` on the snapshot brought up to date (see [`Self::snapshot`]).
    async fn with_snapshot<T>(&self, f: impl FnOnce(&Snapshot) -> T) -> Result<T, EngineError> {
        // Always under the lock (free, it costs nothing): while another caller patches the
        // kept snapshot, its noted records are taken out of it and it only LOOKS fresh.
        let _one_read = self.inner.snapshot_read.lock().await;
        // Another caller may have brought it up to date while this one waited.
        if let Some(s) = self
            .inner
            .snapshot
            .borrow()
            .as_ref()
            .filter(|s| self.is_fresh(s))
        {
            return Ok(f(s));
        }
        // Taken BEFORE the read: a change committed while the store is read moves the
        // counter past it, so this snapshot is old at once and read again next time.
        let generation = self.inner.generation.get();
        let patch = self
            .inner
            .snapshot
            .borrow_mut()
            .as_mut()
            .filter(|s| s.generation == generation && !self.inner.stopped.get())
            .map(|s| std::mem::take(&mut s.patch));
        if let Some(ids) = patch {
            // Only this tab's changes since the last read: re-read those records. A write
            // of this tab during the reads notes its records on the kept snapshot again.
            let ids: Vec<RecordId> = ids.into_iter().collect();
            let read = self
                .read(async |r| r.records_of(&ids).await)
                .await
                .map(|records| ids.iter().copied().zip(records).collect::<Vec<_>>());
            let mut kept = self.inner.snapshot.borrow_mut();
            match (read, kept.as_mut()) {
                (Ok(read), Some(s)) => {
                    for (id, now) in read {
                        s.apply(id, now);
                    }
                    return Ok(f(s));
                }
                (Err(e), _) => {
                    *kept = None;
                    return Err(e);
                }
                // Stopped meanwhile: read everything, as a stopped engine does.
                (Ok(_), None) => {}
            }
        }
        self.inner.full_reads.set(self.inner.full_reads.get() + 1);
        let all = self.read(async |r| r.records().await).await?;
        let conflicts = all
            .iter()
            .filter_map(Record::as_entity)
            .filter(|e| !e.conflicts.is_empty())
            .map(|e| (e.id, e.conflicts.values().cloned().collect()))
            .collect();
        let snapshot = Snapshot {
            generation,
            records: Rc::new(all.into_iter().filter(|r| !r.is_deleted()).collect()),
            conflicts,
            patch: BTreeSet::new(),
        };
        let out = f(&snapshot);
        if !self.inner.stopped.get() {
            *self.inner.snapshot.borrow_mut() = Some(snapshot);
        }
        Ok(out)
    }

    /// Takes in one pull page (the loop's pull, one page at a time): the records the page
    /// changed are re-read into the snapshot (all of it when taking it in failed or was
    /// abandoned).
    pub async fn apply_pull(
        &self,
        response: PullResponse,
    ) -> Result<huifang_core::sync::PullApplied, EngineError> {
        self.patching(
            async |r| r.apply_pull(response, now_ms()).await,
            |applied| applied.changed.clone(),
        )
        .await
    }

    /// The open conflicts, in record order: from the snapshot (deleted records' too), so the
    /// count the top bar shows costs no read of its own.
    pub async fn conflicts(&self) -> Result<Vec<Conflict>, EngineError> {
        self.with_snapshot(|s| s.conflicts.values().flatten().cloned().collect())
            .await
    }

    pub async fn pending(&self) -> Result<Vec<PendingMutation>, EngineError> {
        self.read(async |r| r.pending().await).await
    }

    pub async fn needs_attention(&self) -> Result<Vec<NeedsAttention>, EngineError> {
        self.read(async |r| r.needs_attention().await).await
    }

    /// Re-reads the counts the top bar shows (conflicts only when asked: that reads every
    /// record).
    pub async fn refresh(&self, conflicts_too: bool) {
        let counts = async {
            let pending = self.pending().await?;
            let attention = self.needs_attention().await?.len();
            let conflicts = if conflicts_too {
                Some(self.conflicts().await?.len())
            } else {
                None
            };
            Ok::<_, EngineError>((pending, attention, conflicts))
        };
        match counts.await {
            Ok((pending, attention, conflicts)) => {
                self.inner.status.try_update(|s| {
                    // Changes the server has confirmed are safe: they wait only for the pull
                    // that brings them back, and are not counted as "to upload".
                    let unconfirmed = pending.iter().filter(|p| p.acked_version.is_none());
                    s.pending = unconfirmed.clone().count();
                    s.oldest_pending_ms = unconfirmed.map(|p| p.mutation.hlc.wall_ms).min();
                    s.attention = attention;
                    if let Some(c) = conflicts {
                        s.conflicts = c;
                    }
                });
            }
            Err(e) => leptos::logging::warn!("could not read the sync state: {e}"),
        }
    }

    // ---- Blobs (signatures, photos) --------------------------------------------------------

    /// Keeps a captured image on the device until it is uploaded (with the push of the first
    /// change that references it). Call it BEFORE writing the change that references
    /// `image.sha256`: when this returns `Ok` the bytes are on disk.
    pub async fn keep_blob(&self, image: &CapturedImage) -> Result<(), EngineError> {
        if blobs::hash(&image.bytes) != image.sha256 {
            return Err(EngineError::BlobMismatch(image.sha256.clone()));
        }
        let sha256 = image.sha256.as_str();
        self.read(async |r| {
            // Already there (the same photo twice): keep what the device knows of it.
            if r.store()
                .blob_uploaded(sha256)
                .await
                .map_err(ReplicaError::Store)?
                .is_some()
            {
                return Ok(());
            }
            r.store()
                .put_blob(sha256, &image.content_type, &image.bytes)
                .await
                .map_err(ReplicaError::Store)
        })
        .await
    }

    /// Keeps a blob fetched from the server (so it shows offline next time); the server has
    /// it, so it is never uploaded.
    pub async fn keep_downloaded_blob(
        &self,
        sha256: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<(), EngineError> {
        if blobs::hash(bytes) != sha256 {
            return Err(EngineError::BlobMismatch(sha256.to_owned()));
        }
        self.read(async |r| {
            r.store()
                .put_blob_marked(sha256, content_type, bytes, true)
                .await
                .map_err(ReplicaError::Store)
        })
        .await
    }

    /// An object URL of the device's copy of a blob, or `None` when the device does not have
    /// it. The caller revokes it (`URL.revokeObjectURL`) when done.
    pub async fn blob_url(&self, sha256: &str) -> Result<Option<String>, EngineError> {
        let blob = self
            .read(async |r| r.store().blob(sha256).await.map_err(ReplicaError::Store))
            .await?;
        blob.map(|b| object_url(&b.content_type, &b.bytes))
            .transpose()
    }

    /// Whether the device has the blob, and whether the server has it too: `None` when the
    /// device does not have it.
    pub async fn blob_uploaded(&self, sha256: &str) -> Result<Option<bool>, EngineError> {
        self.read(async |r| {
            r.store()
                .blob_uploaded(sha256)
                .await
                .map_err(ReplicaError::Store)
        })
        .await
    }

    /// Uploads every blob `mutations` reference that the server does not have yet, and marks
    /// each uploaded. A blob missing from the device is logged and left to the server, which
    /// refuses the change with a reason the person sees. Returns how many were uploaded.
    pub async fn upload_blobs(&self, mutations: &[Mutation]) -> Result<usize, EngineError> {
        let mut seen = std::collections::BTreeSet::new();
        let wanted: Vec<String> = mutations
            .iter()
            .flat_map(|m| blobs::referenced(&m.op))
            .filter(|h| seen.insert(h.clone()))
            .collect();
        let mut uploaded = 0;
        for sha256 in wanted {
            let sha256 = sha256.as_str();
            match self.blob_uploaded(sha256).await? {
                Some(true) => continue,
                None => {
                    leptos::logging::warn!(
                        "the file {sha256} a change references is not on this device: the \
                         change is pushed anyway and the server decides"
                    );
                    continue;
                }
                Some(false) => {}
            }
            let Some(blob) = self
                .read(async |r| r.store().blob(sha256).await.map_err(ReplicaError::Store))
                .await?
            else {
                continue; // deleted meanwhile: as if missing
            };
            transport::put_bytes(
                &format!("/api/blobs/{sha256}"),
                &blob.content_type,
                &blob.bytes,
            )
            .await
            .map_err(|source| EngineError::Upload {
                sha256: sha256.to_owned(),
                source,
            })?;
            self.read(async |r| {
                r.store()
                    .put_blob_marked(sha256, &blob.content_type, &blob.bytes, true)
                    .await
                    .map_err(ReplicaError::Store)
            })
            .await?;
            uploaded += 1;
        }
        Ok(uploaded)
    }

    // ---- The loop ------------------------------------------------------------------------

    async fn lead(self, mut triggers: mpsc::UnboundedReceiver<()>) {
        let guard = match browser::lock(&self.inner.sync_lock).await {
            Ok(guard) => guard,
            Err(e) => {
                self.fail(&EngineError::Browser(e), None);
                return;
            }
        };
        if self.inner.stopped.get() {
            return; // dropping the guard hands the loop to the next tab
        }
        *self.inner.leadership.borrow_mut() = Some(guard);
        self.inner.status.try_update(|s| s.leader = true);
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("data-sync-leader", "true");
        }
        let mut failures: u32 = 0;
        while !self.inner.stopped.get() {
            let delay = if online() {
                match self.run_guarded().await {
                    Ok(()) => {
                        failures = 0;
                        PERIODIC_MS
                    }
                    Err(e) => {
                        failures = failures.saturating_add(1);
                        let delay = backoff_ms(failures, js_sys::Math::random());
                        self.fail(&e, Some(now_ms() + i64::from(delay)));
                        delay
                    }
                }
            } else {
                PERIODIC_MS
            };
            // Wait for a trigger (a write, `online`, "sync now") or the delay — whichever
            // comes first. The periodic wake-up is also what retries a stuck queue.
            let woke = select(triggers.next(), TimeoutFuture::new(delay)).await;
            if let Either::Left((None, _)) = woke {
                break; // stopped
            }
            if matches!(woke, Either::Left(_)) {
                // Let a burst of writes settle into one push.
                TimeoutFuture::new(SOON_AFTER_WRITE_MS).await;
                while let Some(Some(())) = triggers.next().now_or_never() {}
            }
        }
    }

    /// One run under the watchdog.
    async fn run_guarded(&self) -> Result<(), EngineError> {
        self.inner.status.try_update(|s| s.syncing = true);
        let run = Box::pin(self.run_once());
        let result = match select(run, TimeoutFuture::new(RUN_TIMEOUT_MS)).await {
            Either::Left((result, _)) => result,
            Either::Right(_) => Err(EngineError::Timeout(RUN_TIMEOUT_MS / 1000)),
        };
        self.inner.status.try_update(|s| {
            s.syncing = false;
            s.runs += 1;
        });
        result
    }

    /// Pushes the whole outbox, then pulls until the server has nothing more.
    async fn run_once(&self) -> Result<(), EngineError> {
        self.confirm_offline_sign_in().await?;
        let started = precise_ms();
        let mut stats = RunStats::default();
        let mut changed = false;
        let mut last_first: Option<MutationId> = None;
        while let Some(request) = self
            .locked(async |r| r.next_push_batch(PUSH_BATCH).await)
            .await?
        {
            let first = request.mutations.first().map(|m| m.mutation_id);
            if first.is_some() && first == last_first {
                return Err(EngineError::IncompleteAnswer);
            }
            last_first = first;
            stats.pushed += request.mutations.len();
            // The server refuses a change whose files it does not have: they go first.
            self.upload_blobs(&request.mutations).await?;
            let response: PushResponse = transport::post_json("/api/sync/push", &request).await?;
            let pushed: Vec<RecordId> = request.mutations.iter().map(|m| m.record_id).collect();
            self.patching(
                async |r| r.on_push_response(response, now_ms()).await,
                |()| pushed,
            )
            .await?;
            changed = true;
            // The top bar counts down as batches are confirmed.
            self.refresh(false).await;
        }
        stats.push_ms = precise_ms() - started;
        loop {
            let request = self
                .locked(async |r| Ok(r.pull_request(PULL_LIMIT)))
                .await?;
            let response: PullResponse = transport::get_json(&format!(
                "/api/sync/pull?cursor={}&limit={}",
                request.cursor, request.limit
            ))
            .await?;
            stats.pulled += response.changes.len();
            let applied = self.apply_pull(response).await?;
            changed |= !applied.changed.is_empty();
            if applied.stale || !applied.has_more {
                break;
            }
        }
        let last = now_ms();
        if let Err(e) = local::write(&self.inner.last_sync_key, &last) {
            leptos::logging::warn!("could not remember the last sync: {e}");
        }
        stats.ms = precise_ms() - started;
        self.inner.status.try_update(|s| {
            s.last_sync_ms = Some(last);
            s.error = None;
            s.last_run = Some(stats);
        });
        if changed {
            self.inner.changes.try_update(|n| *n += 1);
        }
        self.refresh(changed).await;
        self.post(&Message::Synced {
            last_sync_ms: Some(last),
            error: None,
            changed,
        });
        Ok(())
    }

    fn fail(&self, e: &EngineError, retry_at_ms: Option<i64>) {
        leptos::logging::warn!("sync failed: {e}");
        let failure = Failure {
            key: e.key().name().to_owned(),
            detail: e.to_string(),
            retry_at_ms,
        };
        self.inner
            .status
            .update(|s| s.error = Some(failure.clone()));
        self.post(&Message::Synced {
            last_sync_ms: None,
            error: Some(failure),
            changed: false,
        });
    }
}

/// An object URL for bytes of a content type (revoke it with `URL.revokeObjectURL`).
pub fn object_url(content_type: &str, bytes: &[u8]) -> Result<String, EngineError> {
    let failed = |e: JsValue| {
        EngineError::Browser(browser::BrowserError {
            api: "Blob",
            message: e
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
                .unwrap_or_else(|| format!("{e:?}")),
        })
    };
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(content_type);
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(failed)?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(failed)
}

fn online() -> bool {
    web_sys::window()
        .map(|w| w.navigator().on_line())
        .unwrap_or(true)
}

/// The wait after `failures` failures in a row, with jitter (`random` in [0, 1)).
pub fn backoff_ms(failures: u32, random: f64) -> u32 {
    let exp = BACKOFF_BASE_MS * 2f64.powi(failures.saturating_sub(1).min(16) as i32);
    let capped = exp.min(BACKOFF_MAX_MS);
    let jitter = 0.5 + random.clamp(0.0, 1.0) * 0.5;
    (capped * jitter) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_minute_with_jitter() {
        assert_eq!(backoff_ms(1, 1.0), 1_000);
        assert_eq!(backoff_ms(1, 0.0), 500);
        assert_eq!(backoff_ms(2, 1.0), 2_000);
        assert_eq!(backoff_ms(4, 1.0), 8_000);
        assert_eq!(backoff_ms(7, 1.0), 60_000);
        assert_eq!(backoff_ms(50, 1.0), 60_000);
        assert_eq!(backoff_ms(50, 0.0), 30_000);
        // Jitter spreads tablets that failed together over half the interval.
        assert!(backoff_ms(3, 0.3) < backoff_ms(3, 0.9));
    }

    #[test]
    fn a_full_disk_is_said_as_such() {
        let full = EngineError::Replica(ReplicaError::Store(IdbError::QuotaExceeded));
        assert!(full.is_quota_exceeded());
        assert_eq!(full.key(), Key::ErrStorageFull);
        let offline = EngineError::Api(ApiClientError::Network("down".into()));
        assert!(!offline.is_quota_exceeded());
        assert_eq!(offline.key(), Key::ErrOffline);
        assert_eq!(EngineError::Timeout(60).key(), Key::ErrSyncTimeout);
    }

    #[test]
    fn failures_cross_tabs_with_their_message() {
        let failure = Failure {
            key: Key::ErrStorageFull.name().to_owned(),
            detail: "full".into(),
            retry_at_ms: Some(5),
        };
        let text = serde_json::to_string(&Message::Synced {
            last_sync_ms: None,
            error: Some(failure.clone()),
            changed: false,
        })
        .expect("encodes");
        let Ok(Message::Synced {
            error: Some(back), ..
        }) = serde_json::from_str(&text)
        else {
            panic!("decodes: {text}");
        };
        assert_eq!(back, failure);
        assert_eq!(back.message_key(), Key::ErrStorageFull);
        let unknown = Failure {
            key: "NoSuchKey".into(),
            ..failure
        };
        assert_eq!(unknown.message_key(), Key::ErrUnexpected);
    }
}
