//! The top bar's sync state: what waits to upload and since when, the last sync, failures,
//! and links to what needs a person (refused changes, conflicts). Always visible.

use crate::i18n::format::{age, date_time};
use crate::i18n::{I18n, Key};
use crate::sync::Sync;
use crate::sync::engine::now_ms;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn SyncStatusBar() -> impl IntoView {
    let i18n = I18n::use_context();
    let Some(sync) = Sync::use_context() else {
        return ().into_any();
    };
    // Ages move on by themselves: re-render every 15 s.
    let tick = RwSignal::new(now_ms());
    let handle = set_interval_with_handle(
        move || tick.set(now_ms()),
        std::time::Duration::from_secs(15),
    );
    on_cleanup(move || {
        if let Ok(h) = handle {
            h.clear();
        }
    });
    // Read in place: the status holds strings, and the top bar reads it a dozen times per change.
    let st = sync.status_signal();
    view! {
        <span
            class="pill sync"
            class:failed=move || st.with(|s| s.error.is_some() || s.open_error.is_some())
            data-testid="sync-state"
            data-ready=move || st.with(|s| s.ready.to_string())
            data-pending=move || st.with(|s| s.pending.to_string())
            data-attention=move || st.with(|s| s.attention.to_string())
            data-conflicts=move || st.with(|s| s.conflicts.to_string())
            data-last-sync=move || st.with(|s| s.last_sync_ms.unwrap_or(0).to_string())
            data-leader=move || st.with(|s| s.leader.to_string())
            data-runs=move || st.with(|s| s.runs.to_string())
            data-last-run-ms=move || st.with(|s| s.last_run.map(|r| r.ms.round() as u64).unwrap_or(0).to_string())
            data-last-push-ms=move || st.with(|s| s.last_run.map(|r| r.push_ms.round() as u64).unwrap_or(0).to_string())
            data-last-pushed=move || st.with(|s| s.last_run.map(|r| r.pushed).unwrap_or(0).to_string())
            data-last-pulled=move || st.with(|s| s.last_run.map(|r| r.pulled).unwrap_or(0).to_string())
        >
            <A href="/sync">
                {move || {
                    let s = st.get();
                    let lang = i18n.lang();
                    let now = tick.get();
                    if let Some(f) = &s.open_error {
                        return format!("{}: {}", i18n.t(Key::SyncFailed), i18n.t(f.message_key()));
                    }
                    if !s.ready {
                        return i18n.t(Key::SyncOpening).to_owned();
                    }
                    let mut parts = Vec::new();
                    if s.pending > 0 {
                        let mut p = format!("{} {}", i18n.t(Key::SyncPending), s.pending);
                        if let Some(oldest) = s.oldest_pending_ms {
                            p.push_str(&format!(
                                " · {} {}",
                                i18n.t(Key::SyncOldest),
                                age(lang, now - oldest),
                            ));
                        }
                        parts.push(p);
                    }
                    if s.syncing {
                        parts.push(i18n.t(Key::SyncSyncing).to_owned());
                    }
                    match s.last_sync_ms {
                        Some(last) if s.pending == 0 && s.error.is_none() => parts.push(format!(
                            "{} {}",
                            i18n.t(Key::SyncUpToDate),
                            date_time(lang, last),
                        )),
                        Some(last) => parts.push(format!(
                            "{} {}",
                            i18n.t(Key::SyncLast),
                            date_time(lang, last),
                        )),
                        None => parts.push(i18n.t(Key::SyncNotYet).to_owned()),
                    }
                    format!("{}: {}", i18n.t(Key::SyncLabel), parts.join(" · "))
                }}
            </A>
        </span>
        {move || {
            st.with(|s| s.error.clone())
                .map(|f| {
                    let retry = f
                        .retry_at_ms
                        .map(|at| format!(" · {} {}", i18n.t(Key::SyncRetryAt), date_time(i18n.lang(), at)))
                        .unwrap_or_default();
                    view! {
                        <span class="pill failed" data-testid="sync-error" title=f.detail.clone()>
                            {i18n.t(Key::SyncFailed)} ": " {i18n.t(f.message_key())} {retry}
                        </span>
                    }
                })
        }}
        {move || {
            let n = st.with(|s| s.attention);
            (n > 0)
                .then(|| {
                    view! {
                        <A href="/sync" attr:class="pill attention" attr:data-testid="sync-attention-link">
                            {i18n.t(Key::SyncNeedsAttention)} " " {n}
                        </A>
                    }
                })
        }}
        {move || {
            let n = st.with(|s| s.conflicts);
            (n > 0)
                .then(|| {
                    view! {
                        <A href="/conflicts" attr:class="pill attention" attr:data-testid="sync-conflicts-link">
                            {i18n.t(Key::SyncConflicts)} " " {n}
                        </A>
                    }
                })
        }}
    }
    .into_any()
}
