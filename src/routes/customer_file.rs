//! The rest of a customer's page (客户档案): membership, insurance and loyalty class, their
//! cars and service visits, callbacks and appointments, every completed callback record —
//! and what agents set themselves: the times the customer does not want calls, and "do not
//! contact" per purpose with its reason.

use crate::directory::People;
use crate::i18n::format::date_time;
use crate::i18n::{I18n, Key};
use crate::model::{CustomerFile, more};
use crate::sync::Sync;
use huifang_core::care::quiet::Window;
use huifang_core::care::rules::Purpose;
use huifang_core::sync::{FieldWrite, Hlc, Op, RecordId, RecordKind};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use serde_json::{Value, json};

pub(crate) fn status_key(status: &str) -> Key {
    match status {
        "open" | "assigned" => Key::StatusOpen,
        "in_progress" => Key::StatusInProgress,
        "rescheduled" => Key::StatusRescheduled,
        "completed" => Key::StatusCompleted,
        "failed" => Key::StatusFailed,
        "booked" => Key::StatusBooked,
        "arrived" => Key::StatusArrived,
        "no_show" => Key::StatusNoShow,
        _ => Key::StatusCancelled,
    }
}

/// Saves one field of the customer; reports the failure under the form.
fn save_field(
    id: RecordId,
    field: &'static str,
    value: Value,
    base: Option<Hlc>,
    error: RwSignal<Option<String>>,
    saved: RwSignal<bool>,
) {
    let Some(engine) = Sync::use_context().and_then(|s| s.engine()) else {
        return;
    };
    let i18n = I18n::use_context();
    spawn_local(async move {
        let op = Op::SetFields {
            writes: vec![FieldWrite {
                field: field.to_owned(),
                value,
                base,
            }],
        };
        match engine.write(RecordKind::Customer, id, op).await {
            Ok(_) => {
                error.set(None);
                saved.set(true);
            }
            Err(e) => {
                leptos::logging::warn!("saving {field} failed: {e}");
                error.set(Some(i18n.t(e.key()).to_owned()));
            }
        }
    });
}

#[derive(serde::Deserialize)]
struct UserList {
    users: Vec<huifang_core::UserProfile>,
}

/// A supervisor gives the customer's open callbacks to another agent (by hand; the server
/// moves them, and they leave the old agent's tablet at its next sync).
#[component]
fn Reassign(file: Memo<Option<CustomerFile>>) -> impl IntoView {
    use huifang_core::care::distribute::{ReassignRequest, ReassignResponse};
    let i18n = I18n::use_context();
    let people = People::use_context();
    let agents = RwSignal::new(Vec::<huifang_core::UserProfile>::new());
    let chosen = RwSignal::new(String::new());
    let message = RwSignal::new(None::<Result<usize, (Key, String)>>);
    spawn_local(async move {
        match crate::sync::transport::get_json::<UserList>("/api/users").await {
            Ok(list) => {
                agents.try_set(
                    list.users
                        .into_iter()
                        .filter(|u| u.role == huifang_core::Role::CareAgent)
                        .collect(),
                );
            }
            Err(e) => {
                message.try_set(Some(Err((e.key(), e.to_string()))));
            }
        }
    });
    let holder = move || {
        file.with(|f| {
            f.as_ref()
                .and_then(|f| {
                    f.tasks
                        .iter()
                        .find(|t| t.is_open())
                        .and_then(|t| t.owner.clone())
                })
                .map(|o| people.name(&o))
                .unwrap_or_else(|| i18n.t(Key::ReassignNobody).to_owned())
        })
    };
    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(customer) = file.with_untracked(|f| f.as_ref().map(|f| f.customer.id)) else {
            return;
        };
        let to = chosen.get_untracked();
        if to.is_empty() {
            message.set(Some(Err((Key::ErrReassignChoose, String::new()))));
            return;
        }
        let request = ReassignRequest {
            customer: customer.to_string(),
            to: huifang_core::UserId(to),
        };
        let engine = Sync::use_context().and_then(|s| s.engine());
        spawn_local(async move {
            let answer: Result<ReassignResponse, _> =
                crate::sync::transport::post_json("/api/tasks/reassign", &request).await;
            match answer {
                Ok(r) => {
                    message.set(Some(Ok(r.moved)));
                    if let Some(engine) = engine {
                        engine.sync_now();
                    }
                }
                Err(e) => message.set(Some(Err((e.key(), e.to_string())))),
            }
        });
    };
    view! {
        <form class="inline-form" on:submit=run novalidate=true data-testid="reassign">
            <p>{i18n.text(Key::ReassignHolder)} " " <strong>{holder}</strong></p>
            <label class="field">
                <span class="label-text">{i18n.text(Key::ReassignTo)}</span>
                <select on:change=move |ev| chosen.set(event_target_value(&ev))>
                    <option value="">"—"</option>
                    {move || agents.get().into_iter().map(|a| view! {
                        <option value=a.id.0.clone()>{a.display_name.clone()}</option>
                    }).collect_view()}
                </select>
            </label>
            {move || message.get().map(|m| match m {
                Ok(n) => view! { <p class="ok" role="status">{format!("{} {n}", i18n.t(Key::ReassignDone))}</p> }.into_any(),
                Err((key, detail)) => view! { <p class="error" role="alert" title=detail>{i18n.t(key)}</p> }.into_any(),
            })}
            <button type="submit" class="secondary">{i18n.text(Key::ReassignRun)}</button>
        </form>
    }
}

#[component]
pub fn CustomerFileView(
    file: Memo<Option<CustomerFile>>,
    role: huifang_core::Role,
) -> impl IntoView {
    let i18n = I18n::use_context();
    let people = People::use_context();
    let with = move |f: &dyn Fn(&CustomerFile) -> AnyView| {
        file.with(|x| x.as_ref().map(f).unwrap_or_else(|| ().into_any()))
    };
    view! {
        <dl class="facts" data-testid="customer-facts">
            <dt>{i18n.text(Key::CustomerLoyalty)}</dt>
            <dd data-testid="loyalty">{move || with(&|f| i18n.t(Key::loyalty(f.loyalty)).into_any())}</dd>
            <dt>{i18n.text(Key::CustomerMember)}</dt>
            <dd>{move || with(&|f| format!("{} {}", f.member_level, f.member_expiry).into_any())}</dd>
            <dt>{i18n.text(Key::CustomerInsurance)}</dt>
            <dd>{move || with(&|f| f.insurance_expiry.clone().into_any())}</dd>
            <dt>{i18n.text(Key::CustomerTags)}</dt>
            <dd>{move || with(&|f| f.tags.join("、").into_any())}</dd>
        </dl>
        <h2>{i18n.text(Key::CustomerVehicles)}</h2>
        {move || with(&|f| view! {
            <ul class="rows" data-testid="vehicles">
                {f.vehicles.iter().map(|v| view! {
                    <li>{format!("{} · {} · VIN {} · {}", v.plate, v.model, v.vin, v.purchase_date)}</li>
                }).collect_view()}
            </ul>
        }.into_any())}
        <h2>{i18n.text(Key::CustomerVisits)}</h2>
        {move || with(&|f| view! {
            <ul class="rows" data-testid="visits">
                {f.visits.iter().map(|v| {
                    let km = v.mileage.map(|m| format!(" · {m} km")).unwrap_or_default();
                    view! { <li>{format!("{} · {} · {} · {}{km}", v.date, v.work_order, v.items, v.advisor)}</li> }
                }).collect_view()}
            </ul>
        }.into_any())}
        <h2>{i18n.text(Key::CustomerTasks)}</h2>
        {move || with(&|f| view! {
            <ul class="rows" data-testid="customer-tasks">
                {f.tasks.iter().map(|t| {
                    let purpose = t.purpose.map(|p| i18n.t(Key::purpose(p))).unwrap_or("");
                    let due = t.due_by.map(|d| d.to_string()).unwrap_or_default();
                    view! {
                        <li data-status=t.status.clone()>
                            <A href=format!("/tasks/{}", t.id)>{purpose}</A>
                            {format!(" · {due} · {}", i18n.t(status_key(&t.status)))}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }.into_any())}
        <h2>{i18n.text(Key::CustomerRecords)}</h2>
        {move || with(&|f| view! {
            <ul class="rows" data-testid="callback-records">
                {f.records.iter().map(|r| {
                    let satisfaction = r.satisfaction.map(|s| s.as_str()).unwrap_or("");
                    view! {
                        <li data-satisfaction=satisfaction>
                            {format!("{} · {} · {}", date_time(i18n.lang(), r.at_ms), people.name(&r.by),
                                r.purpose.map(|p| i18n.t(Key::purpose(p))).unwrap_or(""))}
                            {(!r.suggestions.is_empty()).then(|| format!(" · {}", r.suggestions))}
                            {(!r.notes.is_empty()).then(|| format!(" · {}", r.notes))}
                            {r.complaint.then(|| format!(" · {}", i18n.t(Key::RecordComplaint)))}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }.into_any())}
        <h2>{i18n.text(Key::NavAppointments)}</h2>
        {move || with(&|f| view! {
            <ul class="rows" data-testid="customer-appointments">
                {f.appointments.iter().map(|a| view! {
                    <li data-status=a.status.clone()>
                        {format!("{} {} · {} · {}", a.day.map(|d| d.to_string()).unwrap_or_default(), a.slot, a.advisor,
                            i18n.t(status_key(&a.status)))}
                    </li>
                }).collect_view()}
            </ul>
        }.into_any())}
        {role.is_lead().then(|| view! { <Reassign file=file/> })}
        <Preferences file=file/>
    }
}

/// Quiet hours of the customer's own, and "do not contact" per purpose.
#[component]
fn Preferences(file: Memo<Option<CustomerFile>>) -> impl IntoView {
    let i18n = I18n::use_context();
    let Some(id) = file.with_untracked(|f| f.as_ref().map(|f| f.customer.id)) else {
        return ().into_any();
    };
    // The stamp of the value shown, sent as the base: a concurrent edit becomes a conflict.
    let base = move |field: &str| {
        file.with_untracked(|f| {
            f.as_ref()
                .and_then(|f| f.customer.stamps.get(field).copied())
        })
    };
    let quiet = RwSignal::new(file.with_untracked(|f| {
        f.as_ref()
            .map(|f| f.quiet_hours.join(", "))
            .unwrap_or_default()
    }));
    let quiet_error = RwSignal::new(None::<String>);
    let quiet_saved = RwSignal::new(false);
    let save_quiet = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = quiet.get_untracked();
        let mut windows = Vec::new();
        for part in text
            .split([',', '，', ';', '；'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match Window::parse(part) {
                Ok(_) => windows.push(part.to_owned()),
                Err(e) => {
                    quiet_error.set(Some(format!("{}: {e}", i18n.t(Key::ErrQuietWindow))));
                    return;
                }
            }
        }
        save_field(
            id,
            more::QUIET_HOURS,
            json!(windows),
            base(more::QUIET_HOURS),
            quiet_error,
            quiet_saved,
        );
    };
    let purpose = RwSignal::new(Purpose::Campaign);
    let reason = RwSignal::new(String::new());
    let dnc_error = RwSignal::new(None::<String>);
    let dnc_saved = RwSignal::new(false);
    let current_dnc = move || {
        file.with_untracked(|f| {
            f.as_ref()
                .map(|f| f.do_not_contact.clone())
                .unwrap_or_default()
        })
    };
    let add_dnc = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let why = reason.get_untracked().trim().to_owned();
        if why.is_empty() {
            dnc_error.set(Some(i18n.t(Key::ErrDncReason).to_owned()));
            return;
        }
        let mut map = current_dnc();
        map.insert(purpose.get_untracked().as_str().to_owned(), why);
        reason.set(String::new());
        save_field(
            id,
            more::DO_NOT_CONTACT,
            json!(map),
            base(more::DO_NOT_CONTACT),
            dnc_error,
            dnc_saved,
        );
    };
    let remove_dnc = move |key: String| {
        let mut map = current_dnc();
        map.remove(&key);
        save_field(
            id,
            more::DO_NOT_CONTACT,
            json!(map),
            base(more::DO_NOT_CONTACT),
            dnc_error,
            dnc_saved,
        );
    };
    view! {
        <h2>{i18n.text(Key::CustomerPreferences)}</h2>
        <form class="inline-form" on:submit=save_quiet novalidate=true data-testid="quiet-hours-form">
            <label class="field">
                <span class="label-text">{i18n.text(Key::CustomerQuietHours)}</span>
                <input type="text" placeholder="12:00-14:00" prop:value=move || quiet.get()
                    on:input=move |ev| { quiet_saved.set(false); quiet.set(event_target_value(&ev)); }/>
            </label>
            {move || quiet_error.get().map(|e| view! { <p class="error" role="alert" data-testid="form-error">{e}</p> })}
            {move || quiet_saved.get().then(|| view! { <p class="ok" role="status">{i18n.text(Key::CustomerSaved)}</p> })}
            <button type="submit" class="secondary">{i18n.text(Key::CustomerSave)}</button>
        </form>
        <ul class="rows" data-testid="do-not-contact-list">
            {move || file.with(|f| f.as_ref().map(|f| f.do_not_contact.clone()).unwrap_or_default())
                .into_iter()
                .map(|(key, why)| {
                    let label = Purpose::parse(&key).map(|p| i18n.t(Key::purpose(p))).unwrap_or("?");
                    let k = key.clone();
                    view! {
                        <li data-purpose=key>
                            {format!("{} {label}：{why} ", i18n.t(Key::CustomerDnc))}
                            <button type="button" class="secondary" on:click=move |_| remove_dnc(k.clone())>
                                {i18n.text(Key::CustomerDncRemove)}
                            </button>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <form class="inline-form" on:submit=add_dnc novalidate=true data-testid="dnc-form">
            <label class="field">
                <span class="label-text">{i18n.text(Key::CustomerDnc)}</span>
                <select on:change=move |ev| {
                    if let Some(p) = Purpose::parse(&event_target_value(&ev)) {
                        purpose.set(p);
                    }
                }>
                    {Purpose::ALL.into_iter().map(|p| view! {
                        <option value=p.as_str() selected=p == Purpose::Campaign>{i18n.t(Key::purpose(p))}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="field">
                <span class="label-text">{i18n.text(Key::CustomerDncReason)}</span>
                <input type="text" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
            </label>
            {move || dnc_error.get().map(|e| view! { <p class="error" role="alert" data-testid="form-error">{e}</p> })}
            <button type="submit" class="secondary">{i18n.text(Key::CustomerDncAdd)}</button>
        </form>
    }
    .into_any()
}
