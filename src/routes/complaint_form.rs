//! The complaint registration form (顾客投诉登记表): new (from scratch, or filled from a call's
//! unsatisfied answer beside the call) or changed while the complaint waits to be judged.
//! Saved on the tablet in one transaction with the timeline's first step.

use crate::i18n::{I18n, Key, Lang};
use crate::routes::today::local_offset;
use crate::sync::Sync;
use crate::sync::engine::now_ms;
use crate::unsaved::use_unsaved_guard;
use huifang_core::care::complaints::{
    self, Category, Channel, ComplaintError, Ctx, Registration, Severity, edit_registration,
    fields, register,
};
use huifang_core::care::dates::Day;
use huifang_core::sync::{Entity, RecordId};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The label of a complaint field, for "please fill in …".
pub(crate) fn field_key(field: &str) -> Key {
    match field {
        fields::COMPLAINANT => Key::CmpComplainant,
        fields::PHONE => Key::CmpPhone,
        fields::CHANNEL => Key::CmpChannel,
        fields::RECEIVED_AT => Key::CmpReceivedAt,
        fields::CATEGORY => Key::CmpCategory,
        fields::SEVERITY => Key::CmpSeverity,
        fields::CONTENT => Key::CmpContent,
        fields::JUDGEMENT => Key::CmpJudgement,
        fields::DEPARTMENT => Key::CmpDepartment,
        fields::CAUSE => Key::CmpCause,
        fields::RESPONSIBLE => Key::CmpResponsible,
        fields::SOLUTIONS => Key::CmpSolutions,
        fields::ACTIONS => Key::CmpActions,
        fields::NOTIFIED => Key::CmpNotified,
        fields::REFUSAL => Key::CmpRefusalReason,
        fields::REVIEW => Key::CmpReviewText,
        fields::TEXT => Key::CmpAcceptText,
        fields::BLOB => Key::CmpPhotos,
        _ => Key::CmpReopenReason,
    }
}

/// A step's error in the user's language.
pub(crate) fn error_text(i18n: I18n, e: &ComplaintError) -> String {
    match e {
        ComplaintError::Missing(field) => {
            format!("{}{}", i18n.t(Key::CmpErrMissing), i18n.t(field_key(field)))
        }
        ComplaintError::Phone(_) => i18n.t(Key::CmpErrPhone).to_owned(),
        ComplaintError::NoSuchSolution => i18n.t(Key::CmpErrSolution).to_owned(),
        ComplaintError::NoAcceptance => i18n.t(Key::CmpErrAcceptance).to_owned(),
        ComplaintError::WrongStep { .. } => i18n.t(Key::CmpErrWrongStep).to_owned(),
        ComplaintError::NeedsLead => i18n.t(Key::CmpErrNeedsLead).to_owned(),
        ComplaintError::Refused(_) => i18n.t(Key::CmpErrRefused).to_owned(),
    }
}

/// `2026-12-01T15:30` for a `datetime-local` input, in the tablet's time zone.
fn local_input(ms: i64) -> String {
    let local = ms + i64::from(local_offset()) * 60_000;
    let day = Day::of_ms(ms, local_offset());
    let minutes = local.rem_euclid(86_400_000) / 60_000;
    format!("{day}T{:02}:{:02}", minutes / 60, minutes % 60)
}

fn input_ms(value: &str) -> Option<i64> {
    if value.trim().is_empty() {
        return None;
    }
    let ms = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(value)).get_time();
    ms.is_finite().then_some(ms as i64)
}

/// The customer whose phone is `typed` (cleaned the same way), if there is one.
fn customer_by_phone(records: &[huifang_core::sync::Record], typed: &str) -> Option<RecordId> {
    let wanted = huifang_core::care::phone::clean(typed, None).ok()?;
    crate::model::Customer::all(records)
        .into_iter()
        .find(|c| {
            huifang_core::care::phone::clean(&c.phone, None)
                .ok()
                .as_ref()
                == Some(&wanted)
        })
        .map(|c| c.id)
}

/// A `<select>` of one of the complaint's named lists.
fn choice<T: Copy + PartialEq + Send + std::marker::Sync + 'static>(
    i18n: I18n,
    testid: &'static str,
    all: &'static [T],
    value: RwSignal<Option<T>>,
    name: fn(T) -> &'static str,
    label: fn(T, bool) -> &'static str,
) -> impl IntoView {
    view! {
        <select data-testid=testid on:change=move |ev| {
            let v = event_target_value(&ev);
            value.set(all.iter().copied().find(|t| name(*t) == v));
        }>
            <option value="" selected=move || value.get().is_none()>{i18n.text(Key::CmpChoose)}</option>
            {all.iter().copied().map(|t| view! {
                <option value=name(t) selected=move || value.get() == Some(t)>
                    {move || label(t, i18n.lang() == Lang::ZhCn)}
                </option>
            }).collect_view()}
        </select>
    }
}

/// The form. `existing`: the complaint being changed (registered, not yet judged); otherwise a
/// new one is registered. `compact`: beside a call, only what the call did not fill.
#[component]
pub fn ComplaintForm(
    initial: Registration,
    #[prop(optional)] existing: Option<Entity>,
    #[prop(optional)] compact: bool,
    on_saved: Callback<RecordId>,
) -> impl IntoView {
    let i18n = I18n::use_context();
    let complainant = RwSignal::new(initial.complainant.clone());
    let phone = RwSignal::new(initial.phone.clone());
    let channel = RwSignal::new(initial.channel);
    let received = RwSignal::new(local_input(if initial.received_at > 0 {
        initial.received_at
    } else {
        now_ms()
    }));
    let vehicle = RwSignal::new(initial.vehicle.clone());
    let work_order = RwSignal::new(initial.work_order.clone());
    let category = RwSignal::new(initial.category);
    let severity = RwSignal::new(initial.severity);
    let content = RwSignal::new(initial.content.clone());
    let demand = RwSignal::new(initial.demand.clone());
    let error = RwSignal::new(None::<(String, String)>);
    let saving = RwSignal::new(false);
    let dirty = RwSignal::new(false);
    use_unsaved_guard(move || dirty.get());
    let initial = StoredValue::new(initial);
    let existing = StoredValue::new(existing);
    let form = move || Registration {
        complainant: complainant.get_untracked(),
        phone: phone.get_untracked(),
        channel: channel.get_untracked(),
        received_at: input_ms(&received.get_untracked()).unwrap_or_default(),
        vehicle: vehicle.get_untracked(),
        work_order: work_order.get_untracked(),
        category: category.get_untracked(),
        severity: severity.get_untracked(),
        content: content.get_untracked(),
        demand: demand.get_untracked(),
        ..initial.get_value()
    };
    let save = move || {
        let Some(engine) = Sync::use_context().and_then(|s| s.engine()) else {
            return;
        };
        let mut reg = form();
        saving.set(true);
        spawn_local(async move {
            // A complaint typed from scratch is linked to the customer with that phone, so the
            // follow-up call knows whom to call.
            if reg.customer.is_none() {
                match engine.snapshot().await {
                    Ok(records) => reg.customer = customer_by_phone(&records, &reg.phone),
                    Err(e) => leptos::logging::warn!("customers unreadable for linking: {e}"),
                }
            }
            let rules = complaints::ComplaintRules::default();
            let user = engine.user().clone();
            let now = now_ms();
            // The form may have gone while the customers were read (a sync rebuilt the page).
            let Some(existing) = existing.try_get_value() else {
                saving.try_set(false);
                return;
            };
            let planned = match existing {
                Some(entity) => edit_registration(&entity, &reg)
                    .map(|w| (entity.id, w.into_iter().collect::<Vec<_>>())),
                None => {
                    let id = RecordId(uuid::Uuid::now_v7());
                    let ctx = Ctx {
                        user: &user,
                        now_ms: now,
                        today: Day::of_ms(now, local_offset()),
                        rules: &rules,
                    };
                    register(ctx, id, &reg).map(|w| (id, w))
                }
            };
            let result = match planned {
                Err(e) => Err((error_text(i18n, &e), e.to_string())),
                Ok((id, writes)) if writes.is_empty() => Ok(id),
                Ok((id, writes)) => engine
                    .write_all(writes)
                    .await
                    .map(|_| id)
                    .map_err(|e| (i18n.t(e.key()).to_owned(), e.to_string())),
            };
            saving.set(false);
            match result {
                Ok(id) => {
                    error.set(None);
                    dirty.set(false);
                    if on_saved.try_run(id).is_none() {
                        leptos::logging::warn!("complaint {id} saved after its form closed");
                    }
                }
                Err(shown) => error.set(Some(shown)),
            }
        });
    };
    let text_field = move |key: Key, testid: &'static str, value: RwSignal<String>| {
        view! {
            <label class="field">
                <span class="label-text">{i18n.text(key)}</span>
                <input type="text" data-testid=testid prop:value=move || value.get()
                    on:input=move |ev| { value.set(event_target_value(&ev)); dirty.set(true); }/>
            </label>
        }
    };
    let area = move |key: Key, testid: &'static str, value: RwSignal<String>| {
        view! {
            <label class="field">
                <span class="label-text">{i18n.text(key)}</span>
                <textarea data-testid=testid rows="3" prop:value=move || value.get()
                    on:input=move |ev| { value.set(event_target_value(&ev)); dirty.set(true); }></textarea>
            </label>
        }
    };
    view! {
        <form class="complaint-form" data-testid="complaint-form" on:submit=move |ev| { ev.prevent_default(); save(); }>
            {(!compact).then(|| view! {
                {text_field(Key::CmpComplainant, "cmp-complainant", complainant)}
                <label class="field">
                    <span class="label-text">{i18n.text(Key::CmpPhone)}</span>
                    <input type="tel" inputmode="tel" data-testid="cmp-phone" prop:value=move || phone.get()
                        on:input=move |ev| { phone.set(event_target_value(&ev)); dirty.set(true); }/>
                </label>
                <label class="field">
                    <span class="label-text">{i18n.text(Key::CmpChannel)}</span>
                    {choice(i18n, "cmp-channel", Channel::ALL, channel, Channel::as_str, Channel::label)}
                </label>
                <label class="field">
                    <span class="label-text">{i18n.text(Key::CmpReceivedAt)}</span>
                    <input type="datetime-local" data-testid="cmp-received" prop:value=move || received.get()
                        on:input=move |ev| { received.set(event_target_value(&ev)); dirty.set(true); }/>
                </label>
                {text_field(Key::CmpVehicle, "cmp-vehicle", vehicle)}
                {text_field(Key::CmpWorkOrder, "cmp-work-order", work_order)}
            })}
            <label class="field">
                <span class="label-text">{i18n.text(Key::CmpCategory)}</span>
                {choice(i18n, "cmp-category", Category::ALL, category, Category::as_str, Category::label)}
            </label>
            <label class="field">
                <span class="label-text">{i18n.text(Key::CmpSeverity)}</span>
                {choice(i18n, "cmp-severity", Severity::ALL, severity, Severity::as_str, Severity::label)}
            </label>
            {area(Key::CmpContent, "cmp-content", content)}
            {area(Key::CmpDemand, "cmp-demand", demand)}
            {move || error.get().map(|(text, detail)| view! { <p class="error" role="alert" data-testid="cmp-error" title=detail>{text}</p> })}
            <button type="submit" data-testid="cmp-save" disabled=move || saving.get()>{i18n.text(Key::CmpSave)}</button>
        </form>
    }
}
