//! Opening (and deleting) a device database: the upgrade runs the schema's steps; an upgrade
//! still held up by another connection [`BLOCKED_GRACE_MS`] after the browser said `blocked`
//! fails as [`IdbError::Blocked`] (a connection that is closing, e.g. a store just dropped
//! whose last transaction is finishing, lets go well within that).

use super::error::IdbError;
use super::schema::{self, SCHEMA};
use futures::channel::oneshot;
use futures::future::{Either, select};
use gloo_timers::future::TimeoutFuture;
use idb::event::VersionChangeEvent;
use idb::{DatabaseEvent, Event, Factory, Request};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;

/// How long an open or delete may stay blocked before it is reported.
pub const BLOCKED_GRACE_MS: u32 = 2_000;

/// `request`'s result, or `None` if it was still blocked after the grace period.
async fn unless_blocked<F: Future + Unpin>(
    request: F,
    on_blocked: oneshot::Receiver<()>,
) -> Option<F::Output> {
    let request = match select(request, on_blocked).await {
        Either::Left((done, _)) => return Some(done),
        Either::Right((_, request)) => request,
    };
    match select(request, TimeoutFuture::new(BLOCKED_GRACE_MS)).await {
        Either::Left((done, _)) => Some(done),
        Either::Right(_) => None,
    }
}

/// Shared between the open call and its `upgradeneeded` handler, which may outlive the call
/// when the open was blocked and given up.
#[derive(Default)]
struct Upgrade {
    /// The caller gave up (blocked): abort the upgrade if it ever starts.
    abandoned: Cell<bool>,
    failed: RefCell<Option<schema::StepFailed>>,
}

impl Upgrade {
    fn run(&self, event: VersionChangeEvent) {
        // Without the versionchange transaction nothing can be aborted; `open` then finds
        // stores missing and reports it.
        let Some(tx) = event
            .target()
            .ok()
            .and_then(|request| request.transaction())
        else {
            return;
        };
        if self.abandoned.get() {
            let _ = tx.abort();
            return;
        }
        let result = match (event.database(), event.old_version(), event.new_version()) {
            (Ok(db), Ok(old), Ok(new)) => schema::upgrade(&db, &tx, old, new.unwrap_or(SCHEMA)),
            (db, old, new) => Err(schema::StepFailed {
                to: SCHEMA,
                message: format!(
                    "the upgrade event is incomplete: {:?}",
                    (db.err(), old.err(), new.err())
                ),
            }),
        };
        if let Err(failed) = result {
            *self.failed.borrow_mut() = Some(failed);
            // The browser rolls back every step and fails the open request.
            let _ = tx.abort();
        }
    }
}

fn factory() -> Result<Factory, IdbError> {
    Factory::new().map_err(|e| IdbError::Unavailable(e.to_string()))
}

/// Opens `name` at [`SCHEMA`], migrating it up if needed.
pub async fn open_database(name: &str) -> Result<idb::Database, IdbError> {
    let mut request = factory()?
        .open(name, Some(SCHEMA))
        .map_err(|e| open_error(name, e))?;
    let upgrade = Rc::new(Upgrade::default());
    {
        let upgrade = upgrade.clone();
        request.on_upgrade_needed(move |event| upgrade.run(event));
    }
    let (blocked, on_blocked) = oneshot::channel();
    request.on_blocked(move |_| {
        let _ = blocked.send(());
    });
    // The handlers must outlive this call when it gives up on a blocked open.
    request.forget_callbacks();
    let Some(opened) = unless_blocked(pin!(request.into_future()), on_blocked).await else {
        upgrade.abandoned.set(true);
        return Err(IdbError::Blocked);
    };
    if let Some(failed) = upgrade.failed.borrow_mut().take() {
        return Err(IdbError::Migration {
            to: failed.to,
            message: failed.message,
        });
    }
    let db = opened.map_err(|e| open_error(name, e))?;
    let present = db.store_names();
    let missing: Vec<&str> = schema::STORES
        .iter()
        .copied()
        .filter(|s| !present.iter().any(|p| p == s))
        .collect();
    if !missing.is_empty() {
        db.close();
        return Err(IdbError::Migration {
            to: SCHEMA,
            message: format!("stores missing after the upgrade: {}", missing.join(", ")),
        });
    }
    Ok(db)
}

fn open_error(name: &str, e: idb::Error) -> IdbError {
    match IdbError::from(e) {
        e @ (IdbError::Version { .. } | IdbError::QuotaExceeded) => e,
        other => IdbError::Open {
            name: name.to_owned(),
            message: other.to_string(),
        },
    }
}

/// Deletes the database `name` (sign-out, tests). Open connections of this app close
/// themselves; [`IdbError::Blocked`] means another tab does not (the deletion still happens
/// once it lets go).
pub async fn delete_database(name: &str) -> Result<(), IdbError> {
    let mut request = factory()?.delete(name).map_err(|e| open_error(name, e))?;
    let (blocked, on_blocked) = oneshot::channel();
    request.on_blocked(move |_| {
        let _ = blocked.send(());
    });
    request.forget_callbacks();
    match unless_blocked(pin!(request.into_future()), on_blocked).await {
        Some(done) => done.map_err(|e| open_error(name, e)),
        None => Err(IdbError::Blocked),
    }
}
