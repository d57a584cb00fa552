//! One callback (`/tasks/<id>`): who to call and why, tap to call (or SMS / e-mail), the
//! outcome form open with the call's start time and length when the agent comes back from
//! the phone app, then the callback record form (回访记录表) when the customer was reached.
//! Quiet hours ask for a reason before dialling; a "do not contact" for this purpose stops
//! the call. Everything is saved on the tablet first (one transaction per step) and synced
//! after: it works with no network.

use crate::calls::{
    self, Attempt, Booking, CallInput, RecordError, Task, attempt_writes, awaiting_record,
    record_writes,
};
use crate::i18n::format::{date_time, days_left};
use crate::i18n::{I18n, Key};
use crate::model::CustomerFile;
use crate::routes::script_panel::{ScriptEnd, ScriptPanel, clear_run, load_run, store_name};
use crate::routes::section::SectionPage;
use crate::routes::today::local_now;
use crate::script_run::{SavedRun, Version, placeholders, record_fields, said, satisfaction_of};
use crate::storage::{local, private};
use crate::sync::Sync;
use crate::sync::engine::now_ms;
use crate::unsaved::use_unsaved_guard;
use huifang_core::care::calls::{
    CallRules, FormError, LAPSE_REASONS, Next, NextAction, Outcome, RecordForm, Satisfaction,
};
use huifang_core::care::quiet::{QuietHours, needs_reason};
use huifang_core::sync::RecordId;
use huifang_core::{Role, Section, UserId};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

/// A call the agent dialled from the app, kept across the trip to the phone app (and a
/// reload) until its outcome is saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PendingCall {
    task: RecordId,
    started_at: i64,
    quiet_reason: Option<String>,
}

fn pending_key(me: &UserId) -> String {
    local::keys::call(&me.0)
}

fn load_pending(me: &UserId, task: RecordId) -> Option<PendingCall> {
    match private::read::<PendingCall>(&pending_key(me)) {
        Ok(p) => p.filter(|p| p.task == task),
        Err(e) => {
            leptos::logging::warn!("the dialled call's start is unreadable: {e}");
            None
        }
    }
}

/// Hourly visit slots offered when booking.
const SLOTS: [&str; 8] = [
    "09:00-10:00",
    "10:00-11:00",
    "11:00-12:00",
    "13:00-14:00",
    "14:00-15:00",
    "15:00-16:00",
    "16:00-17:00",
    "17:00-18:00",
];

/// `2026-12-01T15:30` (a `datetime-local` value) as ms, in the tablet's time zone.
fn local_input_ms(value: &str) -> Option<i64> {
    if value.trim().is_empty() {
        return None;
    }
    let ms = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(value)).get_time();
    ms.is_finite().then_some(ms as i64)
}

fn lapse_key(reason: &str) -> Key {
    match reason {
        "price" => Key::LapsePrice,
        "distance" => Key::LapseDistance,
        "unhappy_with_service" => Key::LapseUnhappy,
        "car_sold" => Key::LapseCarSold,
        "other_workshop" => Key::LapseOtherWorkshop,
        "little_use" => Key::LapseLittleUse,
        _ => Key::LapseOther,
    }
}

fn satisfaction_key(s: Satisfaction) -> Key {
    match s {
        Satisfaction::VerySatisfied => Key::SatVery,
        Satisfaction::Satisfied => Key::SatYes,
        Satisfaction::Neutral => Key::SatNeutral,
        Satisfaction::Unsatisfied => Key::SatNo,
        Satisfaction::VeryUnsatisfied => Key::SatVeryNo,
    }
}

fn action_key(a: NextAction) -> Key {
    match a {
        NextAction::Nothing => Key::ActionNothing,
        NextAction::Appointment => Key::ActionAppointment,
        NextAction::Complaint => Key::ActionComplaint,
    }
}

fn record_error_key(e: &RecordError) -> Key {
    match e {
        RecordError::Form(FormError::SatisfactionRequired) => Key::ErrSatisfaction,
        RecordError::Form(FormError::NextActionRequired) => Key::ErrNextAction,
        RecordError::Form(FormError::LapseReasonRequired) => Key::ErrLapseReason,
        RecordError::Form(FormError::ComplaintNeedsAction) => Key::ErrComplaintAction,
        RecordError::Booking(calls::BookingError::PastDay) => Key::ErrBookingPast,
        RecordError::Booking(_) | RecordError::BookingMissing => Key::ErrBooking,
    }
}

/// The page's data: the task, its customer's file, the attempts on this task.
type CallData = (Task, CustomerFile, Vec<Attempt>);

#[derive(Debug, Clone, PartialEq)]
enum Shape {
    Loading,
    Failed(crate::sync::ReadError),
    Missing,
    Present,
}

/// What the page offers now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Call and log the outcome.
    Call,
    /// The customer was reached: fill the callback record.
    Record,
    /// The task is finished (completed, failed or cancelled).
    Done,
}

#[component]
pub fn CallPage(role: Role, me: UserId) -> impl IntoView {
    let i18n = I18n::use_context();
    if !Section::Today.visible_to(role) {
        return view! { <SectionPage section=Section::Today role=role/> }.into_any();
    }
    let Some(sync) = Sync::use_context() else {
        return ().into_any();
    };
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|s| uuid::Uuid::parse_str(&s).ok())
            .map(RecordId)
    };
    let lang = i18n.lang().tag();
    let me_read = me.clone();
    let data = sync.resource(move |engine| {
        let id = id();
        let me = me_read.clone();
        async move {
            let Some(id) = id else { return Ok(None) };
            let records = engine.snapshot().await?;
            let Some(task) = records
                .iter()
                .find(|r| r.id() == id)
                .and_then(Task::from_record)
            else {
                return Ok(None);
            };
            let file = CustomerFile::of(&records, task.customer, local_now().0);
            let attempts = Attempt::of_task(&records, id);
            // A run begun keeps its version; otherwise the newest published one.
            let version = match load_run(&me, id) {
                Some(saved) => Version::by_id(&records, saved.version),
                None => None,
            }
            .or_else(|| {
                task.purpose
                    .and_then(|p| Version::current(&records, p.as_str(), lang))
            });
            Ok(file.map(|f| ((task, f, attempts), version)))
        }
    });
    let shape = Memo::new(move |_| match data.get() {
        None | Some(None) => Shape::Loading,
        Some(Some(Err(e))) => Shape::Failed(e),
        Some(Some(Ok(None))) => Shape::Missing,
        Some(Some(Ok(Some(_)))) => Shape::Present,
    });
    let current: Memo<Option<CallData>> = Memo::new(move |_| match data.get() {
        Some(Some(Ok(Some((d, _))))) => Some(d),
        _ => None,
    });
    let version: Memo<Option<Version>> = Memo::new(move |_| match data.get() {
        Some(Some(Ok(Some((_, v))))) => v,
        _ => None,
    });
    view! {
        <section class="card call" data-section="/today">
            <A href="/today">{i18n.text(Key::CallBack)}</A>
            {move || match shape.get() {
                Shape::Loading => view! { <p>{i18n.text(Key::SyncOpening)}</p> }.into_any(),
                Shape::Failed(e) => {
                    view! { <p class="error" title=e.detail>{i18n.t(e.key)}</p> }.into_any()
                }
                Shape::Missing => {
                    view! { <p data-testid="task-missing">{i18n.text(Key::CallMissing)}</p> }
                        .into_any()
                }
                Shape::Present => view! { <CallView data=current version=version me=me.clone()/> }.into_any(),
            }}
        </section>
    }
    .into_any()
}

#[component]
fn CallView(
    data: Memo<Option<CallData>>,
    version: Memo<Option<Version>>,
    me: UserId,
) -> impl IntoView {
    let i18n = I18n::use_context();
    let read =
        move |f: &dyn Fn(&CallData) -> String| data.with(|d| d.as_ref().map(f).unwrap_or_default());
    let phase = Memo::new(move |_| {
        data.with(|d| match d {
            Some((task, _, attempts)) if !task.is_open() => {
                let _ = attempts;
                Phase::Done
            }
            Some((task, _, attempts)) if awaiting_record(task, attempts) => Phase::Record,
            _ => Phase::Call,
        })
    });
    let header = move || {
        data.with(|d| {
            d.as_ref().map(|(task, file, _)| {
                let purpose = task.purpose.map(|p| i18n.t(Key::purpose(p))).unwrap_or("");
                let countdown = task
                    .due_by
                    .map(|due| days_left(i18n.lang(), due.0 - local_now().0.0))
                    .unwrap_or_default();
                let plates: Vec<String> = file
                    .vehicles
                    .iter()
                    .map(|v| format!("{} {}", v.plate, v.model).trim().to_owned())
                    .collect();
                // The visit this callback is about, else the latest.
                let visit = task
                    .work_order
                    .as_ref()
                    .and_then(|wo| file.visits.iter().find(|v| &v.work_order == wo))
                    .or(file.visits.first());
                let last_visit = visit.map(|v| {
                    format!("{} · {} · {} · {}", v.date, v.work_order, v.items, v.advisor)
                });
                view! {
                    <p class="meta">
                        <span data-testid="call-purpose">{purpose}</span> " · "
                        <span class="countdown" data-testid="countdown">{countdown}</span>
                        {(!plates.is_empty()).then(|| format!(" · {}", plates.join("、")))}
                    </p>
                    {last_visit.map(|v| view! { <p class="hint">{i18n.t(Key::CallLastVisit)} " " {v}</p> })}
                }
            })
        })
    };
    let customer_link = move || read(&|(t, _, _)| format!("/customers/{}", t.customer));
    let people = crate::directory::People::use_context();
    let me_panel = me.clone();
    let task_id = data.with_untracked(|d| d.as_ref().map(|(t, _, _)| t.id));
    let run = RwSignal::new(task_id.and_then(|t| load_run(&me, t)));
    let end = RwSignal::new(None::<(Outcome, Option<String>)>);
    let complaint = RwSignal::new(None::<RecordId>);
    view! {
        <h1 data-testid="customer-name">
            <A href=customer_link>{move || read(&|(_, f, _)| f.customer.name.clone())}</A>
        </h1>
        {header}
        {move || {
            let open = phase.get() != Phase::Done;
            let v = version.get();
            let d = data.get_untracked();
            match (open, v, d) {
                (true, Some(v), Some((task, file, _))) => {
                    let values = placeholders(&file, &task, &people.name(&me_panel), &store_name(), "");
                    view! {
                        <ScriptPanel task=task file=file version=v values=values run=run end=end
                            complaint=complaint me=me_panel.clone()/>
                    }.into_any()
                }
                _ => ().into_any(),
            }
        }}
        {move || match phase.get() {
            Phase::Call => view! { <CallStep data=data me=me.clone() run=run end=end/> }.into_any(),
            Phase::Record => view! { <RecordStep data=data me=me.clone() run=run complaint=complaint/> }.into_any(),
            Phase::Done => {
                let status = read(&|(t, _, _)| t.status.clone());
                view! {
                    <p class="ok" data-testid="task-done" data-status=status.clone()>
                        {if status == "completed" { i18n.t(Key::CallCompleted) } else { i18n.t(Key::CallClosed) }}
                    </p>
                    <A href="/today">{i18n.text(Key::CallNext)}</A>
                }
                    .into_any()
            }
        }}
        <h2>{i18n.text(Key::AttemptsHeading)}</h2>
        {move || {
            let attempts = data.with(|d| d.as_ref().map(|(_, _, a)| a.clone()).unwrap_or_default());
            if attempts.is_empty() {
                return view! { <p class="hint">{i18n.text(Key::AttemptsEmpty)}</p> }.into_any();
            }
            view! {
                <ul class="rows" data-testid="task-attempts">
                    {attempts.into_iter().map(|a| {
                        let when = date_time(i18n.lang(), a.started_at.unwrap_or(a.at_ms));
                        let length = a.seconds.map(|s| format!(" · {}′{:02}″", s / 60, s % 60));
                        let agreed = a.agreed_at.map(|t| format!(" → {}", date_time(i18n.lang(), t)));
                        view! {
                            <li data-testid="attempt" data-outcome=a.outcome.map(Outcome::as_str).unwrap_or("")>
                                {when} " · " {a.outcome.map(|o| i18n.t(Key::outcome(o))).unwrap_or("?")}
                                {length} {agreed}
                                {a.quiet_reason.map(|r| format!(" · {}：{r}", i18n.t(Key::CallQuietReasonShort)))}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}

/// Dial, then log how the call ended.
#[component]
fn CallStep(
    data: Memo<Option<CallData>>,
    me: UserId,
    run: RwSignal<Option<SavedRun>>,
    end: RwSignal<ScriptEnd>,
) -> impl IntoView {
    let i18n = I18n::use_context();
    let Some((task, file, _)) = data.get_untracked() else {
        return ().into_any();
    };
    let task_id = task.id;
    let pending = RwSignal::new(load_pending(&me, task_id));
    // When the agent comes back from the phone app: the call's approximate end.
    let back_at = RwSignal::new(None::<i64>);
    let handle = window_event_listener(leptos::ev::focus, move |_| {
        if pending.get_untracked().is_some() {
            back_at.set(Some(now_ms()));
        }
    });
    on_cleanup(move || handle.remove());
    let logging = RwSignal::new(pending.get_untracked().is_some());
    let quiet_reason = RwSignal::new(String::new());
    // Dialling in quiet hours was tried without a reason.
    let quiet_missing = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Outcome>);
    let agreed = RwSignal::new(String::new());
    let error = RwSignal::new(None::<(Key, String)>);
    let result = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    use_unsaved_guard(move || logging.get() && outcome.get().is_some());
    // The script's end fills the outcome form: the outcome, and the time agreed.
    Effect::new(move |_| {
        if let Some((o, agreed_at)) = end.get() {
            logging.set(true);
            outcome.set(Some(o));
            if let Some(a) = agreed_at {
                agreed.set(a);
            }
        }
    });

    let quiet = needs_reason(&QuietHours::default(), &file.quiet_windows(), local_now().1);
    let blocked = task
        .purpose
        .and_then(|p| file.blocked_for(p))
        .map(str::to_owned);
    let phone = file.customer.phone.clone();
    let tel = format!("tel:{}", phone.replace('-', ""));
    let sms = format!("sms:{}", phone.replace('-', ""));
    let email = file.customer.email.clone();
    let me_key = me.clone();
    let dial = move |ev: leptos::ev::MouseEvent| {
        if quiet && quiet_reason.get_untracked().trim().is_empty() {
            ev.prevent_default();
            quiet_missing.set(true);
            return;
        }
        let call = PendingCall {
            task: task_id,
            started_at: now_ms(),
            quiet_reason: Some(quiet_reason.get_untracked()).filter(|r| !r.trim().is_empty()),
        };
        if let Err(e) = private::write(&pending_key(&me_key), &call) {
            leptos::logging::warn!("could not keep the call's start time: {e}");
        }
        pending.set(Some(call));
        back_at.set(None);
        error.set(None);
        quiet_missing.set(false);
        logging.set(true);
    };
    let me_save = me.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(chosen) = outcome.get_untracked() else {
            error.set(Some((Key::ErrOutcomeRequired, String::new())));
            return;
        };
        let Some((task, _, attempts)) = data.get_untracked() else {
            return;
        };
        let Some(engine) = Sync::use_context().and_then(|s| s.engine()) else {
            return;
        };
        let now = now_ms();
        let call = pending.get_untracked();
        let input = CallInput {
            outcome: chosen,
            started_at: call.as_ref().map(|c| c.started_at),
            seconds: call
                .as_ref()
                .map(|c| (back_at.get_untracked().unwrap_or(now) - c.started_at).max(0) / 1000),
            quiet_reason: call
                .and_then(|c| c.quiet_reason)
                .or_else(|| Some(quiet_reason.get_untracked()).filter(|r| !r.trim().is_empty())),
            agreed_at: local_input_ms(&agreed.get_untracked()),
        };
        let planned = attempt_writes(
            engine.user(),
            &CallRules::default(),
            &task,
            &attempts,
            &input,
            now,
        );
        let (next, writes) = match planned {
            Ok(p) => p,
            Err(e) => {
                let key = match e {
                    huifang_core::care::calls::CallError::AgreedTimeRequired => Key::ErrAgreedTime,
                    huifang_core::care::calls::CallError::AgreedTimeInPast => Key::ErrAgreedPast,
                };
                error.set(Some((key, e.to_string())));
                return;
            }
        };
        busy.set(true);
        let me = me_save.clone();
        spawn_local(async move {
            match engine.write_all(writes).await {
                Ok(_) => {
                    private::remove(&pending_key(&me));
                    pending.set(None);
                    // A call that did not reach the record ends its script run: the next
                    // call starts on the newest version.
                    if !matches!(next, Next::Record) {
                        clear_run(&me);
                        run.set(None);
                        end.set(None);
                    }
                    logging.set(false);
                    outcome.set(None);
                    agreed.set(String::new());
                    error.set(None);
                    let lang = i18n.lang();
                    result.set(Some(match next {
                        Next::RetryAt(at) => {
                            format!("{} {}", lang.t(Key::CallRetryAt), date_time(lang, at))
                        }
                        Next::Reschedule(at) => {
                            format!("{} {}", lang.t(Key::CallMovedTo), date_time(lang, at))
                        }
                        Next::GiveUp(_) => lang.t(Key::CallGaveUp).to_owned(),
                        Next::Record => String::new(),
                    }));
                }
                Err(e) => error.set(Some((e.key(), e.to_string()))),
            }
            busy.set(false);
        });
    };
    view! {
        {blocked.clone().map(|reason| view! {
            <p class="notice" data-testid="do-not-contact">{i18n.t(Key::CallBlocked)} " " {reason}</p>
        })}
        {quiet.then(|| view! {
            <div class="notice" data-testid="quiet-hours">
                <p>{i18n.text(Key::TodayQuietNow)}</p>
                <label class="field">
                    <span class="label-text">{i18n.text(Key::CallQuietReason)}</span>
                    <input type="text" data-testid="quiet-reason" prop:value=move || quiet_reason.get()
                        on:input=move |ev| quiet_reason.set(event_target_value(&ev))/>
                </label>
                {move || quiet_missing.get().then(|| view! {
                    <p class="error" role="alert" data-testid="form-error">{i18n.t(Key::ErrQuietReason)}</p>
                })}
            </div>
        })}
        {(blocked.is_none() && !phone.is_empty()).then(|| view! {
            <p class="row">
                <a class="call primary" href=tel data-testid="dial" on:click=dial>{i18n.t(Key::TodayCall)} " " {phone.clone()}</a>
                " "
                <a class="secondary" href=sms>{i18n.text(Key::CallSms)}</a>
                {(!email.is_empty()).then(|| view! {
                    " " <a class="secondary" data-testid="mailto" href=format!("mailto:{email}")>{i18n.t(Key::CallEmail)}</a>
                })}
            </p>
        })}
        {move || result.get().filter(|r| !r.is_empty()).map(|r| view! { <p class="ok" role="status" data-testid="call-result">{r}</p> })}
        {move || (!logging.get()).then(|| view! {
            <button type="button" class="secondary" data-testid="log-outcome" on:click=move |_| logging.set(true)>
                {i18n.text(Key::CallLogOutcome)}
            </button>
        })}
        {move || logging.get().then(|| {
            let started = pending.get().map(|c| {
                let end = back_at.get().unwrap_or_else(now_ms);
                let secs = (end - c.started_at).max(0) / 1000;
                format!("{} {} · {} {}′{:02}″", i18n.t(Key::CallStarted), date_time(i18n.lang(), c.started_at),
                    i18n.t(Key::CallLength), secs / 60, secs % 60)
            });
            view! {
                <form class="outcome-form" on:submit=save.clone() novalidate=true data-testid="outcome-form">
                    {started.map(|s| view! { <p class="hint" data-testid="call-started">{s}</p> })}
                    <fieldset class="choices">
                        <legend>{i18n.text(Key::AttemptOutcome)}</legend>
                        {Outcome::ALL.into_iter().map(|o| view! {
                            <button type="button" class="choice" data-outcome=o.as_str()
                                class:chosen=move || outcome.get() == Some(o)
                                aria-pressed=move || (outcome.get() == Some(o)).to_string()
                                on:click=move |_| { outcome.set(Some(o)); error.set(None); }>
                                {i18n.t(Key::outcome(o))}
                            </button>
                        }).collect_view()}
                    </fieldset>
                    {move || (outcome.get() == Some(Outcome::NotConvenient)).then(|| view! {
                        <label class="field">
                            <span class="label-text">{i18n.text(Key::CallAgreedTime)}</span>
                            <input type="datetime-local" data-testid="agreed-time" prop:value=move || agreed.get()
                                on:input=move |ev| agreed.set(event_target_value(&ev))/>
                        </label>
                    })}
                    {move || error.get().map(|(key, detail)| view! { <p class="error" role="alert" data-testid="form-error" title=detail>{i18n.t(key)}</p> })}
                    <button type="submit" class="primary" disabled=move || busy.get()>{i18n.text(Key::CallSaveOutcome)}</button>
                </form>
            }
        })}
    }
    .into_any()
}

/// The callback record form (回访记录表).
#[component]
fn RecordStep(
    data: Memo<Option<CallData>>,
    me: UserId,
    run: RwSignal<Option<SavedRun>>,
    complaint: RwSignal<Option<RecordId>>,
) -> impl IntoView {
    let i18n = I18n::use_context();
    let lapsing = data.with_untracked(|d| {
        d.as_ref().is_some_and(|(t, f, _)| {
            f.is_lapsing() || t.purpose == Some(huifang_core::care::rules::Purpose::Recovery)
        })
    });
    // What the script already captured fills the form.
    let from_run = run.get_untracked();
    let satisfaction = RwSignal::new(from_run.as_ref().and_then(|s| satisfaction_of(&s.run)));
    let suggestions = RwSignal::new(from_run.as_ref().map(|s| said(&s.run)).unwrap_or_default());
    let opened = complaint.get_untracked().is_some();
    let complaint_flag = RwSignal::new(opened);
    let action = RwSignal::new(opened.then_some(NextAction::Complaint));
    let complaint = complaint_flag;
    let notes = RwSignal::new(String::new());
    let lapse = RwSignal::new(None::<String>);
    let day = RwSignal::new(String::new());
    let slot = RwSignal::new(SLOTS[0].to_owned());
    let advisor = RwSignal::new(String::new());
    let error = RwSignal::new(None::<(Key, String)>);
    let busy = RwSignal::new(false);
    use_unsaved_guard(move || {
        satisfaction.get().is_some() || !suggestions.get().is_empty() || !notes.get().is_empty()
    });
    let me = StoredValue::new(me);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((task, _, _)) = data.get_untracked() else {
            return;
        };
        let Some(engine) = Sync::use_context().and_then(|s| s.engine()) else {
            return;
        };
        let form = RecordForm {
            satisfaction: satisfaction.get_untracked(),
            suggestions: suggestions.get_untracked(),
            complaint: complaint.get_untracked(),
            next_action: action.get_untracked(),
            notes: notes.get_untracked(),
            lapse_reason: lapse.get_untracked(),
        };
        let booking = Booking {
            day: day.get_untracked(),
            slot: slot.get_untracked(),
            advisor: advisor.get_untracked(),
        };
        let extra = run
            .get_untracked()
            .map(|s| record_fields(&s))
            .unwrap_or_default();
        let writes = match record_writes(
            engine.user(),
            &task,
            &form,
            lapsing,
            Some(&booking),
            local_now().0,
            extra,
        ) {
            Ok(w) => w,
            Err(e) => {
                error.set(Some((record_error_key(&e), e.to_string())));
                return;
            }
        };
        busy.set(true);
        spawn_local(async move {
            match engine.write_all(writes).await {
                // The page moves on by itself: the task is now completed.
                Ok(_) => {
                    clear_run(&me.get_value());
                    run.set(None);
                    satisfaction.set(None);
                    suggestions.set(String::new());
                    notes.set(String::new());
                    error.set(None);
                }
                Err(e) => error.set(Some((e.key(), e.to_string()))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="record-form" on:submit=save novalidate=true data-testid="record-form">
            <h2>{i18n.text(Key::RecordTitle)}</h2>
            <fieldset class="choices" data-testid="satisfaction">
                <legend>{i18n.text(Key::RecordSatisfaction)}</legend>
                {Satisfaction::ALL.into_iter().map(|s| view! {
                    <button type="button" class="choice" data-value=s.as_str()
                        class:chosen=move || satisfaction.get() == Some(s)
                        aria-pressed=move || (satisfaction.get() == Some(s)).to_string()
                        on:click=move |_| satisfaction.set(Some(s))>
                        {i18n.t(satisfaction_key(s))}
                    </button>
                }).collect_view()}
            </fieldset>
            <label class="field">
                <span class="label-text">{i18n.text(Key::RecordSuggestions)}</span>
                <textarea rows="2" data-testid="suggestions" prop:value=move || suggestions.get()
                    on:input=move |ev| suggestions.set(event_target_value(&ev))></textarea>
            </label>
            <label class="check">
                <input type="checkbox" data-testid="complaint" prop:checked=move || complaint.get()
                    on:change=move |ev| complaint.set(event_target_checked(&ev))/>
                {i18n.text(Key::RecordComplaint)}
            </label>
            {lapsing.then(|| view! {
                <label class="field">
                    <span class="label-text">{i18n.text(Key::RecordLapseReason)}</span>
                    <select data-testid="lapse-reason" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        lapse.set((!v.is_empty()).then_some(v));
                    }>
                        <option value="">"—"</option>
                        {LAPSE_REASONS.into_iter().map(|r| view! { <option value=r>{i18n.t(lapse_key(r))}</option> }).collect_view()}
                    </select>
                </label>
            })}
            <fieldset class="choices" data-testid="next-action">
                <legend>{i18n.text(Key::RecordNextAction)}</legend>
                {NextAction::ALL.into_iter().map(|a| view! {
                    <button type="button" class="choice" data-value=a.as_str()
                        class:chosen=move || action.get() == Some(a)
                        aria-pressed=move || (action.get() == Some(a)).to_string()
                        on:click=move |_| action.set(Some(a))>
                        {i18n.t(action_key(a))}
                    </button>
                }).collect_view()}
            </fieldset>
            {move || (action.get() == Some(NextAction::Appointment)).then(|| view! {
                <div class="row booking" data-testid="booking">
                    <label class="field">
                        <span class="label-text">{i18n.text(Key::BookingDay)}</span>
                        <input type="date" data-testid="booking-day" prop:value=move || day.get()
                            on:input=move |ev| day.set(event_target_value(&ev))/>
                    </label>
                    <label class="field">
                        <span class="label-text">{i18n.text(Key::BookingSlot)}</span>
                        <select data-testid="booking-slot" on:change=move |ev| slot.set(event_target_value(&ev))>
                            {SLOTS.into_iter().map(|s| view! { <option value=s>{s}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class="field">
                        <span class="label-text">{i18n.text(Key::BookingAdvisor)}</span>
                        <input type="text" data-testid="booking-advisor" prop:value=move || advisor.get()
                            on:input=move |ev| advisor.set(event_target_value(&ev))/>
                    </label>
                </div>
            })}
            <label class="field">
                <span class="label-text">{i18n.text(Key::RecordNotes)}</span>
                <textarea rows="2" data-testid="notes" prop:value=move || notes.get()
                    on:input=move |ev| notes.set(event_target_value(&ev))></textarea>
            </label>
            {move || error.get().map(|(key, detail)| view! { <p class="error" role="alert" data-testid="form-error" title=detail>{i18n.t(key)}</p> })}
            <button type="submit" class="primary" disabled=move || busy.get()>{i18n.text(Key::RecordSave)}</button>
        </form>
    }
}
