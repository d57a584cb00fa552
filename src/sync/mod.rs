//! Everything between the device and the server: the HTTP transport, connectivity, the
//! service-worker bridge, and the sync engine that joins them ([`engine`], provided to the
//! pages as [`Sync`]).

pub mod browser;
pub mod connectivity;
pub mod engine;
pub mod service_worker;
pub mod transport;

use engine::{Failure, SyncEngine, SyncStatus};
use huifang_core::UserProfile;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The sync engine as the pages see it, provided as context by the signed-in shell.
#[derive(Clone, Copy)]
pub struct Sync {
    engine: StoredValue<Option<SyncEngine>, LocalStorage>,
    status: RwSignal<SyncStatus>,
    changes: RwSignal<u64>,
}

impl Sync {
    /// Starts the engine of `user` for as long as the calling component lives.
    pub fn provide(user: &UserProfile) -> Self {
        let this = Sync {
            engine: StoredValue::new_local(None),
            status: RwSignal::new(SyncStatus::default()),
            changes: RwSignal::new(0),
        };
        provide_context(this);
        let user = user.clone();
        spawn_local(async move {
            match SyncEngine::start(&user, this.status, this.changes).await {
                Ok(engine) => {
                    // The shell may be gone already (signed out while the database opened).
                    if this.engine.try_set_value(Some(engine.clone())).is_some() {
                        engine.stop();
                    } else {
                        crate::devtools::set_engine(Some(engine));
                        this.changes.update(|n| *n += 1);
                    }
                }
                Err(e) => {
                    leptos::logging::error!("the device database did not open: {e}");
                    this.status.try_update(|s| {
                        s.open_error = Some(Failure {
                            key: e.key().name().to_owned(),
                            detail: e.to_string(),
                            retry_at_ms: None,
                        });
                    });
                }
            }
        });
        on_cleanup(move || {
            if let Some(Some(engine)) = this.engine.try_get_value() {
                engine.stop();
                crate::devtools::set_engine(None);
            }
        });
        this
    }

    pub fn use_context() -> Option<Self> {
        use_context::<Sync>()
    }

    /// The engine, once the device database is open.
    pub fn engine(&self) -> Option<SyncEngine> {
        self.engine.try_get_value().flatten()
    }

    pub fn status(&self) -> SyncStatus {
        self.status.get()
    }

    pub fn status_signal(&self) -> RwSignal<SyncStatus> {
        self.status
    }

    /// Tracks "the records may have changed": read it in a resource's source to re-read.
    pub fn changes(&self) -> u64 {
        self.changes.get()
    }

    /// A read of the device's records, done again whenever they may have changed. `None`
    /// while the database opens; an error carries its message key and detail.
    pub fn resource<T, Fut>(
        self,
        read: impl Fn(SyncEngine) -> Fut + 'static,
    ) -> LocalResource<Option<Result<T, ReadError>>>
    where
        T: 'static,
        Fut: Future<Output = Result<T, engine::EngineError>> + 'static,
    {
        LocalResource::new(move || {
            self.changes.track();
            let read = self.engine().map(&read);
            async move {
                match read {
                    None => None,
                    Some(read) => Some(read.await.map_err(|e| ReadError {
                        key: e.key(),
                        detail: e.to_string(),
                    })),
                }
            }
        })
    }
}

/// A failed read, for the page to show.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadError {
    pub key: crate::i18n::Key,
    pub detail: String,
}
