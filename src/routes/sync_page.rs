//! What the sync engine holds for a person to see: the changes waiting to upload, the changes
//! the server refused with its reason (to submit again or let go), and conflicts between two
//! colleagues' edits with both values, who and when (to keep one or combine them).

use crate::directory::People;
use crate::i18n::format::{age, date_time};
use crate::i18n::{I18n, Key};
use crate::model::Customer;
use crate::sync::Sync;
use crate::sync::engine::now_ms;
use huifang_core::sync::{Conflict, FieldWrite, Op, Record, RecordKind};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[component]
pub fn SyncPage() -> impl IntoView {
    let i18n = I18n::use_context();
    let Some(sync) = Sync::use_context() else {
        return ().into_any();
    };
    let lists = sync.resource(|engine| async move {
        Ok((engine.pending().await?, engine.needs_attention().await?))
    });
    let status = move || sync.status();
    let sync_now = move |_| {
        if let Some(engine) = sync.engine() {
            engine.sync_now();
        }
    };
    view! {
        <section class="card" data-section="/sync">
            <h1>{i18n.text(Key::SyncPageTitle)}</h1>
            <p data-testid="sync-leader">
                {move || {
                    i18n.t(if status().leader { Key::SyncLeaderThis } else { Key::SyncLeaderOther })
                }}
            </p>
            <p>
                {i18n.text(Key::SyncLast)} ": "
                {move || match status().last_sync_ms {
                    Some(ms) => date_time(i18n.lang(), ms),
                    None => i18n.t(Key::SyncNotYet).to_owned(),
                }}
            </p>
            <button class="secondary" on:click=sync_now>{i18n.text(Key::SyncNow)}</button>

            <h2 id="attention">{i18n.text(Key::AttentionHeading)}</h2>
            {move || {
                lists
                    .get()
                    .flatten()
                    .map(|read| match read {
                        Err(e) => view! { <p class="error" title=e.detail>{i18n.t(e.key)}</p> }.into_any(),
                        Ok((_, attention)) if attention.is_empty() => {
                            view! { <p class="hint">{i18n.text(Key::AttentionEmpty)}</p> }.into_any()
                        }
                        Ok((_, attention)) => {
                            view! {
                                <p>{i18n.text(Key::AttentionIntro)}</p>
                                <ul class="rows" data-testid="attention-list">
                                    {attention
                                        .into_iter()
                                        .map(|item| view! { <AttentionItem item=item/> })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                    })
            }}

            <h2>{i18n.text(Key::SyncPendingHeading)}</h2>
            {move || {
                lists
                    .get()
                    .flatten()
                    .and_then(Result::ok)
                    .map(|(pending, _)| {
                        if pending.is_empty() {
                            return view! { <p class="hint">{i18n.text(Key::SyncPendingEmpty)}</p> }
                                .into_any();
                        }
                        let now = now_ms();
                        view! {
                            <ul class="rows" data-testid="pending-list">
                                {pending
                                    .into_iter()
                                    .map(|p| {
                                        let m = p.mutation;
                                        let acked = p.acked_version.is_some();
                                        view! {
                                            <li>
                                                {i18n.t(Key::kind(m.kind))} " · " {m.op.name()} " · "
                                                {age(i18n.lang(), now - m.hlc.wall_ms)}
                                                {acked.then(|| format!(" · {}", i18n.t(Key::SyncAcked)))}
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    })
            }}
        </section>
    }
    .into_any()
}

#[component]
fn AttentionItem(item: huifang_core::sync::NeedsAttention) -> impl IntoView {
    let i18n = I18n::use_context();
    let error = RwSignal::new(None::<(Key, String)>);
    let id = item.mutation.mutation_id;
    let act = move |retry: bool| {
        if !retry
            && !web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(i18n.t(Key::AttentionDismissConfirm))
                        .ok()
                })
                .unwrap_or(false)
        {
            return;
        }
        let Some(engine) = Sync::use_context().and_then(|s| s.engine()) else {
            return;
        };
        spawn_local(async move {
            let result = if retry {
                engine.retry(id).await
            } else {
                engine.dismiss(id).await
            };
            if let Err(e) = result {
                error.set(Some((e.key(), e.to_string())));
            }
        });
    };
    let m = item.mutation;
    view! {
        <li data-testid="attention-item">
            <strong>{i18n.t(Key::kind(m.kind))} " · " {m.op.name()}</strong>
            " · " {date_time(i18n.lang(), item.rejected_at_ms)}
            <p>
                {i18n.text(Key::AttentionReason)} ": " {i18n.t(Key::reject(item.code))} " — "
                <span data-testid="attention-reason">{item.reason.clone()}</span>
            </p>
            {move || error.get().map(|(k, d)| view! { <p class="error" role="alert" title=d>{i18n.t(k)}</p> })}
            {if m.step.is_some() {
                view! { <p class="hint" data-testid="attention-step">{i18n.text(Key::AttentionStepHint)}</p> }.into_any()
            } else {
                view! { <button class="secondary" on:click=move |_| act(true)>{i18n.text(Key::AttentionRetry)}</button> " " }.into_any()
            }}
            <button class="danger" on:click=move |_| act(false)>{i18n.text(Key::AttentionDismiss)}</button>
        </li>
    }
}

#[component]
pub fn ConflictsPage() -> impl IntoView {
    let i18n = I18n::use_context();
    let Some(sync) = Sync::use_context() else {
        return ().into_any();
    };
    let conflicts = sync.resource(|engine| async move {
        let conflicts = engine.conflicts().await?;
        let mut out = Vec::new();
        for c in conflicts {
            let record = engine.record(c.record).await?;
            out.push((c, record));
        }
        Ok(out)
    });
    view! {
        <section class="card" data-section="/conflicts">
            <h1>{i18n.text(Key::ConflictsTitle)}</h1>
            <p>{i18n.text(Key::ConflictsIntro)}</p>
            {move || {
                conflicts
                    .get()
                    .flatten()
                    .map(|read| match read {
                        Err(e) => view! { <p class="error" title=e.detail>{i18n.t(e.key)}</p> }.into_any(),
                        Ok(list) if list.is_empty() => {
                            view! { <p class="hint" data-testid="no-conflicts">{i18n.text(Key::ConflictsEmpty)}</p> }
                                .into_any()
                        }
                        Ok(list) => {
                            view! {
                                <ul class="rows" data-testid="conflict-list">
                                    {list
                                        .into_iter()
                                        .map(|(c, record)| view! { <ConflictItem conflict=c record=record/> })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                    })
            }}
        </section>
    }
    .into_any()
}

#[component]
fn ConflictItem(conflict: Conflict, record: Option<Record>) -> impl IntoView {
    let i18n = I18n::use_context();
    let people = People::use_context();
    let kind = record
        .as_ref()
        .map(Record::kind)
        .unwrap_or(RecordKind::Customer);
    let title = record
        .as_ref()
        .and_then(Customer::from_record)
        .map(|c| c.name)
        .unwrap_or_else(|| conflict.record.to_string());
    let field_label = Key::customer_field(&conflict.field);
    let field_name = conflict.field.clone();
    let combined = RwSignal::new(
        conflict
            .candidates
            .iter()
            .map(|c| value_text(&c.value))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let error = RwSignal::new(None::<(Key, String)>);
    let done = RwSignal::new(false);
    let (record_id, field, winner) = (conflict.record, conflict.field.clone(), conflict.winner);
    // Writing from the current winner resolves the conflict (the core's rule).
    let resolve = move |value: Value| {
        let Some(engine) = Sync::use_context().and_then(|s| s.engine()) else {
            return;
        };
        let op = Op::SetFields {
            writes: vec![FieldWrite {
                field: field.clone(),
                value,
                base: Some(winner),
            }],
        };
        spawn_local(async move {
            match engine.write(kind, record_id, op).await {
                Ok(_) => done.set(true),
                Err(e) => error.set(Some((e.key(), e.to_string()))),
            }
        });
    };
    let resolve = StoredValue::new(resolve);
    view! {
        <li data-testid="conflict" data-field=field_name>
            <h2>
                {i18n.t(Key::kind(kind))} " · " {title} " · "
                {move || field_label.map(|k| i18n.t(k).to_owned()).unwrap_or_else(|| conflict.field.clone())}
            </h2>
            <ul class="candidates">
                {conflict
                    .candidates
                    .iter()
                    .map(|c| {
                        let text = value_text(&c.value);
                        let value = c.value.clone();
                        let shown = c.stamp == winner;
                        view! {
                            <li data-testid="conflict-candidate">
                                <blockquote>{text}</blockquote>
                                <p class="muted">
                                    {people.name(&c.by)} " · " {date_time(i18n.lang(), c.stamp.wall_ms)}
                                    {shown.then(|| format!(" · {}", i18n.t(Key::ConflictShown)))}
                                </p>
                                <button
                                    class="secondary"
                                    disabled=move || done.get()
                                    on:click=move |_| resolve.with_value(|r| r(value.clone()))
                                >
                                    {i18n.text(Key::ConflictKeep)}
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <label class="field">
                <span class="label-text">{i18n.text(Key::ConflictCombine)}</span>
                <textarea rows="4" prop:value=move || combined.get() on:input=move |ev| combined.set(event_target_value(&ev))></textarea>
            </label>
            <button
                class="primary"
                disabled=move || done.get()
                on:click=move |_| resolve.with_value(|r| r(Value::String(combined.get_untracked())))
            >
                {i18n.text(Key::ConflictCombineSave)}
            </button>
            {move || done.get().then(|| view! { <p class="ok" role="status">{i18n.t(Key::ConflictResolved)}</p> })}
            {move || error.get().map(|(k, d)| view! { <p class="error" role="alert" title=d>{i18n.t(k)}</p> })}
        </li>
    }
}
