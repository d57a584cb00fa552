//! The call script beside the call (话术): one step at a time with big answer buttons, the
//! placeholders filled, a step back allowed, the telephone-manner reminders beside it. The
//! run is kept on the tablet with its version, so a call finishes on the version it began
//! with. An unsatisfied answer offers a complaint already filled, in one tap; the opening's
//! "not now" ends with the agreed time in the outcome form.

use crate::i18n::{I18n, Key};
use crate::routes::complaint_form::ComplaintForm;
use crate::script_run::{SavedRun, Version, complaint_from, outcome_of, said};
use crate::storage::{local, private};
use crate::sync::Sync;
use huifang_core::care::calls::Outcome;
use huifang_core::care::complaints::Registration;
use huifang_core::scripts::graph::{Action, FieldKind, Node, Tag};
use huifang_core::scripts::runner::{Run, RunError, fill};
use huifang_core::sync::{FieldWrite, Op, RecordId, RecordKind};
use huifang_core::{UserId, UserProfile};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use serde_json::json;
use std::collections::BTreeMap;

/// One move of the run (answer, capture, confirm).
type StepFn = dyn FnOnce(&mut Run, &huifang_core::scripts::graph::Graph) -> Result<(), RunError>;

/// What the script's end tells the outcome form: the outcome and the agreed time.
pub type ScriptEnd = Option<(Outcome, Option<String>)>;

/// The saved run for `task`, if it is there and readable.
pub fn load_run(me: &UserId, task: RecordId) -> Option<SavedRun> {
    match private::read::<SavedRun>(&local::keys::script_run(&me.0)) {
        Ok(r) => r.filter(|r| r.task == task),
        Err(e) => {
            leptos::logging::warn!("the script run is unreadable: {e}");
            None
        }
    }
}

pub fn save_run(me: &UserId, run: &SavedRun) {
    if let Err(e) = private::write(&local::keys::script_run(&me.0), run) {
        leptos::logging::warn!("could not keep the script run: {e}");
    }
}

pub fn clear_run(me: &UserId) {
    private::remove(&local::keys::script_run(&me.0));
}

/// The message for a failed step, in the user's language: which field, for a bad value.
fn run_error(i18n: I18n, e: &RunError) -> (String, String) {
    let shown = match e {
        RunError::BadValue { field, .. } => format!("{} {field}", i18n.t(Key::ScriptBadValue)),
        _ => i18n.t(Key::ScriptStepFailed).to_owned(),
    };
    (shown, e.to_string())
}

/// The panel. `version`: the version to run (the saved run's, else the newest);
/// `values`: the placeholders; `run`: the shared run state; `end`: set when the run ends.
#[component]
pub fn ScriptPanel(
    task: crate::calls::Task,
    file: crate::model::CustomerFile,
    version: Version,
    values: BTreeMap<String, String>,
    run: RwSignal<Option<SavedRun>>,
    end: RwSignal<ScriptEnd>,
    complaint: RwSignal<Option<RecordId>>,
    me: UserId,
) -> impl IntoView {
    let i18n = I18n::use_context();
    let graph = StoredValue::new(version.graph.clone());
    let error = RwSignal::new(None::<(String, String)>);
    let inputs = RwSignal::new(BTreeMap::<String, String>::new());
    let now = || crate::sync::engine::now_ms();
    // Start (or resume) the run.
    if run.get_untracked().is_none_or(|r| r.version != version.id) {
        match Run::start(&version.graph, &version.script, version.number, now()) {
            Ok(r) => run.set(Some(SavedRun {
                task: task.id,
                version: version.id,
                run: r,
            })),
            Err(e) => error.set(Some(run_error(i18n, &e))),
        }
    }
    let me = StoredValue::new(me);
    let store = move |saved: &SavedRun| save_run(&me.get_value(), saved);
    let settle = move || {
        let Some(saved) = run.get_untracked() else {
            return;
        };
        store(&saved);
        let ended = graph.with_value(|g| saved.run.ended(g));
        end.set(ended.map(|o| (outcome_of(o), saved.run.values.get("agreed_at").cloned())));
    };
    settle();
    let step = move |f: Box<StepFn>| {
        let mut result = Ok(());
        run.update(|r| {
            if let Some(saved) = r {
                result = graph.with_value(|g| f(&mut saved.run, g));
            }
        });
        match result {
            Ok(()) => {
                error.set(None);
                inputs.set(BTreeMap::new());
                settle();
            }
            Err(e) => error.set(Some(run_error(i18n, &e))),
        }
    };
    let values = StoredValue::new(values);
    let filled = move |text: &str| values.with_value(|v| fill(text, v));
    let file = StoredValue::new(file);
    let task = StoredValue::new(task);
    // One tap: the registration form filled from the unsatisfied answer and what the customer
    // said, beside the call; the agent picks the category and saves it.
    let draft = RwSignal::new(None::<Registration>);
    let open_complaint = move || {
        let Some(saved) = run.get_untracked() else {
            return;
        };
        let lead = graph.with_value(|g| {
            saved
                .run
                .complaint_leads(g)
                .last()
                .map(|(q, a)| (filled(q), (*a).to_owned()))
        });
        let (question, answer) = lead.unwrap_or_default();
        draft.set(Some(complaint_from(
            &task.get_value(),
            &file.get_value(),
            &question,
            &answer,
            &said(&saved.run),
            crate::sync::engine::now_ms(),
        )));
    };
    // Do not contact for this purpose again: the customer's preference, with the reason.
    let do_not_contact = move || {
        let Some(engine) = Sync::use_context().and_then(|s| s.engine()) else {
            return;
        };
        let t = task.get_value();
        let f = file.get_value();
        let Some(purpose) = t.purpose else { return };
        let mut map = f.do_not_contact.clone();
        map.insert(
            purpose.as_str().to_owned(),
            i18n.t(Key::ScriptDncReason).to_owned(),
        );
        let op = Op::SetFields {
            writes: vec![FieldWrite {
                field: crate::model::more::DO_NOT_CONTACT.to_owned(),
                value: json!(map),
                base: f
                    .customer
                    .stamps
                    .get(crate::model::more::DO_NOT_CONTACT)
                    .copied(),
            }],
        };
        spawn_local(async move {
            if let Err(e) = engine.write(RecordKind::Customer, t.customer, op).await {
                error.set(Some((i18n.t(e.key()).to_owned(), e.to_string())));
            }
        });
    };
    let reminders = version.graph.reminders.clone();
    let current = move || {
        run.with(|r| {
            r.as_ref()
                .and_then(|s| graph.with_value(|g| g.nodes.get(&s.run.at).cloned()))
        })
    };
    let has_lead = move || {
        run.with(|r| {
            r.as_ref().is_some_and(|s| {
                s.run
                    .path
                    .iter()
                    .any(|p| p.tag.is_some_and(Tag::is_complaint_lead))
            })
        })
    };
    view! {
        <aside class="script" data-testid="script" data-version=version.number>
            <h2>{i18n.text(Key::ScriptTitle)} " · v" {version.number}</h2>
            {move || current().map(|node| match node {
                Node::Question { text, answers } => view! {
                    <p class="script-text" data-testid="script-text">{filled(&text)}</p>
                    <div class="choices">
                        {answers.into_iter().enumerate().map(|(i, a)| view! {
                            <button type="button" class="choice" data-testid="script-answer" data-tag=a.tag.map(|t| format!("{t:?}")).unwrap_or_default()
                                on:click=move |_| step(Box::new(move |r, g| r.answer(g, i, crate::sync::engine::now_ms())))>
                                {filled(&a.label)}
                            </button>
                        }).collect_view()}
                    </div>
                }.into_any(),
                Node::Capture { text, fields, .. } => view! {
                    <p class="script-text" data-testid="script-text">{filled(&text)}</p>
                    {fields.into_iter().map(|f| {
                        let key = f.key.clone();
                        let kind = match f.kind {
                            Some(FieldKind::Number) | Some(FieldKind::Rating) => "number",
                            Some(FieldKind::Date) => "date",
                            Some(FieldKind::DateTime) => "datetime-local",
                            _ => "text",
                        };
                        view! {
                            <label class="field">
                                <span class="label-text">{filled(&f.label)}</span>
                                <input type=kind data-testid="script-input" data-key=key.clone()
                                    on:input=move |ev| {
                                        let v = event_target_value(&ev);
                                        inputs.update(|m| { m.insert(key.clone(), v); });
                                    }/>
                            </label>
                        }
                    }).collect_view()}
                    <button type="button" class="primary" data-testid="script-next"
                        on:click=move |_| {
                            let values = inputs.get_untracked();
                            step(Box::new(move |r, g| r.capture(g, &values, crate::sync::engine::now_ms())));
                        }>
                        {i18n.text(Key::ScriptNext)}
                    </button>
                }.into_any(),
                Node::Action { text, action, .. } => view! {
                    <p class="script-text" data-testid="script-text">{filled(&text)}</p>
                    <button type="button" class="primary" data-testid="script-confirm"
                        on:click=move |_| {
                            match action {
                                Action::OpenComplaint => open_complaint(),
                                Action::DoNotContact => do_not_contact(),
                                Action::Reschedule => {}
                            }
                            step(Box::new(|r, g| r.confirm(g, crate::sync::engine::now_ms()).map(|_| ())));
                        }>
                        {i18n.text(Key::ScriptDone)}
                    </button>
                }.into_any(),
                Node::End { text, .. } => view! {
                    <p class="script-text script-end" data-testid="script-end">{filled(&text)}</p>
                }.into_any(),
                Node::Decision { .. } => ().into_any(),
            })}
            {move || (has_lead() && complaint.get().is_none() && draft.with(Option::is_none)).then(|| view! {
                <button type="button" class="danger" data-testid="open-complaint" on:click=move |_| open_complaint()>
                    {i18n.text(Key::ScriptOpenComplaint)}
                </button>
            })}
            {move || draft.get().filter(|_| complaint.get().is_none()).map(|initial| view! {
                <ComplaintForm initial=initial compact=true on_saved=Callback::new(move |id| {
                    complaint.set(Some(id));
                    draft.set(None);
                })/>
            })}
            {move || complaint.get().map(|id| view! {
                <p class="ok" role="status" data-testid="complaint-opened" data-id=id.to_string()>
                    {i18n.text(Key::ScriptComplaintOpened)} " "
                    <A href=format!("/complaints/{id}")>{i18n.text(Key::CmpOpenFile)}</A>
                </p>
            })}
            {move || error.get().map(|(shown, detail)| view! { <p class="error" role="alert" data-testid="script-error" title=detail>{shown}</p> })}
            {move || run.with(|r| r.as_ref().is_some_and(|s| !s.run.path.is_empty())).then(|| view! {
                <button type="button" class="secondary" data-testid="script-back"
                    on:click=move |_| {
                        run.update(|r| if let Some(s) = r { graph.with_value(|g| s.run.back(g)); });
                        settle();
                    }>
                    {i18n.text(Key::ScriptBack)}
                </button>
            })}
            <details class="reminders">
                <summary>{i18n.text(Key::ScriptReminders)}</summary>
                <ul>{reminders.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
            </details>
        </aside>
    }
}

/// The store's name for placeholders.
pub fn store_name() -> String {
    crate::session::Session::use_context()
        .user()
        .map(|u: UserProfile| u.store_name)
        .unwrap_or_default()
}
