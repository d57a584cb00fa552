//! The bodies of Huifang's fuzz targets, as plain functions of the input bytes: the
//! `fuzz_targets/*.rs` binaries hand them libFuzzer's inputs, and `tests/corpus.rs` replays
//! every committed corpus file through them (on any toolchain, no instrumentation).
//!
//! Each target checks more than "does not panic": what the server decodes it can encode and
//! read back the same, a push replayed changes nothing, a cleaned phone number cleans to
//! itself, masking is idempotent.

pub mod import;

use huifang_core::care::{columns, phone};
use huifang_core::privacy::{is_masked, mask_phone};
use huifang_core::sync::{
    MAX_PULL_LIMIT, MemoryServerStore, Mutation, MutationId, Outcome, PullRequest, PushRequest,
    ServerConfig, StateMachines, SyncServer, UserCtx,
};
use huifang_core::{Role, StoreId, UserId};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// The server's clock in the sync target (2026-01-01): pushes stamped after it by more than
/// the allowed skew are refused as `clock_ahead`.
pub const NOW_MS: i64 = 1_767_225_600_000;

/// Runs a future of the in-memory store, which never waits.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("the in-memory store never waits"),
    }
}

/// Who pushes: the first mutation's author (so the engine gets past "not your mutation"), in
/// the store its first scoped op names, with a role picked by the input's length.
pub fn pusher(request: &PushRequest, len: usize) -> UserCtx {
    let first = request.mutations.first();
    let user = first.map_or_else(|| UserId("fuzz-user".to_owned()), |m| m.user.clone());
    let store = request
        .mutations
        .iter()
        .find_map(|m| m.op.new_scope().map(|s| s.store.clone()))
        .unwrap_or_else(|| StoreId("fuzz-store".to_owned()));
    UserCtx {
        user,
        role: Role::ALL[len % Role::ALL.len()],
        store,
    }
}

/// `mutation_decode`: bytes as `POST /api/sync/push` reads them, then through the core's sync
/// engine (ids, clocks, access, state machines, merge) over an in-memory store.
pub fn mutation_decode(data: &[u8]) {
    let Ok(request) = serde_json::from_slice::<PushRequest>(data) else {
        // A device's outbox holds single mutations in the same JSON.
        if let Ok(mutation) = serde_json::from_slice::<Mutation>(data) {
            round_trips(&mutation);
        }
        return;
    };
    round_trips(&request);
    let server = SyncServer::new(
        MemoryServerStore::new(),
        StateMachines::standard(),
        ServerConfig::default(),
    );
    let ctx = pusher(&request, data.len());
    let Ok(first) = block_on(server.push(&ctx, request.clone(), NOW_MS)) else {
        // A wrong schema version or an oversized push: refused whole, nothing written.
        assert_eq!(
            server.store().last_version(),
            0,
            "a refused push wrote something"
        );
        return;
    };
    assert_eq!(first.results.len(), request.mutations.len());
    let mut first_outcome: BTreeMap<MutationId, Outcome> = BTreeMap::new();
    for (m, result) in request.mutations.iter().zip(&first.results) {
        assert_eq!(result.mutation_id, m.mutation_id, "results in push order");
        first_outcome
            .entry(m.mutation_id)
            .or_insert_with(|| result.outcome.clone());
    }
    // The same push again (a retry after a lost answer) writes nothing and answers each
    // mutation as it was first answered.
    let version = server.store().last_version();
    let second = block_on(server.push(&ctx, request.clone(), NOW_MS + 1))
        .unwrap_or_else(|_| panic!("a push answered once is answered again"));
    assert_eq!(
        server.store().last_version(),
        version,
        "a replayed push wrote something"
    );
    for (m, result) in request.mutations.iter().zip(&second.results) {
        let expected = first_outcome[&m.mutation_id].clone().replayed();
        assert_eq!(
            result.outcome, expected,
            "replay of {} answered differently",
            m.mutation_id
        );
    }
    // Whatever was written, the pusher can pull, and a device reads the page back the same.
    let page = block_on(server.pull(
        &ctx,
        PullRequest {
            cursor: 0,
            limit: MAX_PULL_LIMIT,
        },
        NOW_MS,
    ))
    .unwrap_or_else(|_| panic!("the in-memory store pulls"));
    round_trips(&page);
}

/// What the server reads it writes and reads back the same.
fn round_trips<T>(value: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_vec(value).unwrap_or_else(|e| panic!("serialises: {e}"));
    let back: T = serde_json::from_slice(&json)
        .unwrap_or_else(|e| panic!("{} does not read back: {e}", String::from_utf8_lossy(&json)));
    assert_eq!(&back, value, "{}", String::from_utf8_lossy(&json));
}

/// `import_csv` and `import_xlsx`: a file as `POST /api/import/preview` reads it — the
/// server's table reader, the core's header recognition, the server's row cleaning, the
/// grouping of rows into customers — with and without the store's area code.
pub fn import(data: &[u8]) {
    use import::{rows, table};
    let Ok(table) = table::read(data) else {
        return;
    };
    for row in &table.rows {
        assert!(
            row.cells.len() >= table.headers.len(),
            "rows as wide as the header"
        );
    }
    let mapping = columns::suggest(&table.headers);
    assert_eq!(mapping.len(), table.headers.len(), "one mapping per header");
    for area in [None, Some("0311")] {
        let cleaned = rows::clean(&table, &mapping, area);
        assert!(cleaned.rows.len() <= table.rows.len());
        for row in &cleaned.rows {
            if let Some(mobile) = &row.mobile {
                // Stored canonical: cleaning it again gives it back.
                let again = phone::clean(mobile, None).map(|p| p.to_string());
                assert_eq!(
                    again.as_deref(),
                    Ok(mobile.as_str()),
                    "{mobile:?} re-cleans"
                );
            }
        }
        let groups = rows::same_customers(&cleaned.rows);
        let mut all: Vec<usize> = groups.concat();
        all.sort_unstable();
        assert_eq!(
            all,
            (0..cleaned.rows.len()).collect::<Vec<_>>(),
            "every clean row is in exactly one customer"
        );
        serde_json::to_string(&cleaned).unwrap_or_else(|e| panic!("the preview serialises: {e}"));
    }
}

/// `phone_parse`: a cell of a phone column. Cleaning never panics; a cleaned number cleans to
/// itself and masks to something masked; masking anything is idempotent.
pub fn phone_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The first line is the number, the rest (if any) the store's area code.
    let (raw, area) = match text.split_once('\n') {
        Some((raw, area)) => (raw, Some(area)),
        None => (text, None),
    };
    let masked = mask_phone(raw);
    assert_eq!(mask_phone(&masked), masked, "masking {raw:?} is idempotent");
    assert!(
        masked.chars().count() <= raw.trim().chars().count(),
        "the mask of {raw:?} is no longer than the number"
    );
    for area in [None, area] {
        if let Ok(phone) = phone::clean(raw, area) {
            let canonical = phone.to_string();
            assert_eq!(
                phone::clean(&canonical, None),
                Ok(phone.clone()),
                "{raw:?} cleaned to {canonical:?}, which does not clean to itself"
            );
            let shown = mask_phone(&canonical);
            assert!(is_masked(&shown), "{canonical:?} masks to {shown:?}");
            assert_eq!(shown.chars().count(), canonical.chars().count());
        }
    }
}
