//! Customers (客户档案): the list, a new customer, and one customer's page with its phone,
//! note and call attempts — everything saved on the device first and synced after. (The
//! care agent's day adds vehicles, visits, callbacks and the DMS import.)

use crate::directory::People;
use crate::i18n::format::date_time;
use crate::i18n::{I18n, Key};
use crate::model::{self, Attempt, Customer, CustomerError, CustomerFile, Outcome, field};
use crate::routes::customer_file::CustomerFileView;
use crate::routes::section::SectionPage;
use crate::sync::engine::EngineError;
use crate::sync::{ReadError, Sync};
use crate::unsaved::use_unsaved_guard;
use huifang_core::sync::{Hlc, RecordId, RecordKind};
use huifang_core::{Role, Section};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

fn customer_error_key(e: CustomerError) -> Key {
    match e {
        CustomerError::NameRequired => Key::ErrNameRequired,
        CustomerError::BadPhone => Key::ErrBadPhone,
        CustomerError::BadEmail => Key::ErrBadEmail,
    }
}

/// A failure to show under a form: the message, and the detail for whoever helps.
#[component]
fn ErrorLine(key: Key, detail: String) -> impl IntoView {
    let i18n = I18n::use_context();
    view! {
        <p class="error" role="alert" data-testid="form-error" title=detail>
            {i18n.text(key)}
        </p>
    }
}

fn read_error(e: ReadError) -> AnyView {
    view! { <ErrorLine key=e.key detail=e.detail/> }.into_any()
}

#[component]
pub fn CustomersPage(role: Role) -> impl IntoView {
    let i18n = I18n::use_context();
    if !Section::Customers.visible_to(role) {
        return view! { <SectionPage section=Section::Customers role=role/> }.into_any();
    }
    let Some(sync) = Sync::use_context() else {
        return ().into_any();
    };
    let customers = sync.resource(|engine| async move {
        let records = engine.snapshot().await?;
        Ok(Customer::all(&records))
    });
    view! {
        <section class="card" data-section="/customers">
            <h1>{i18n.text(Key::NavCustomers)}</h1>
            <NewCustomer/>
            {move || {
                    customers
                        .get()
                        .map(|read| match read {
                            None => view! { <p>{i18n.text(Key::SyncOpening)}</p> }.into_any(),
                            Some(Err(e)) => read_error(e),
                            Some(Ok(list)) if list.is_empty() => {
                                view! { <p class="hint">{i18n.text(Key::CustomersEmpty)}</p> }
                                    .into_any()
                            }
                            Some(Ok(list)) => {
                                view! {
                                    <ul class="rows" data-testid="customer-list">
                                        {list
                                            .into_iter()
                                            .map(|c| {
                                                let conflicted = !c.conflicted.is_empty();
                                                view! {
                                                    <li data-testid="customer-row">
                                                        <A href=format!("/customers/{}", c.id)>
                                                            <strong>{c.name.clone()}</strong>
                                                        </A>
                                                        " " <span class="muted">{c.phone.clone()}</span>
                                                        {conflicted
                                                            .then(|| {
                                                                view! {
                                                                    " "
                                                                    <span class="pill attention">
                                                                        {i18n.text(Key::SyncConflicts)}
                                                                    </span>
                                                                }
                                                            })}
                                                    </li>
                                                }
                                            })
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
fn NewCustomer() -> impl IntoView {
    let i18n = I18n::use_context();
    let name = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let error = RwSignal::new(None::<(Key, String)>);
    let saved = RwSignal::new(false);
    let busy = RwSignal::new(false);
    use_unsaved_guard(move || !name.get().is_empty() || !phone.get().is_empty());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(engine) = Sync::use_context().and_then(|s| s.engine()) else {
            return;
        };
        let (n, p) = (name.get_untracked(), phone.get_untracked());
        // Checked before anything is saved; the input stays until it is.
        let op = match model::new_customer(engine.user(), &n, &p) {
            Ok(op) => op,
            Err(e) => {
                error.set(Some((customer_error_key(e), e.to_string())));
                return;
            }
        };
        busy.set(true);
        spawn_local(async move {
            match engine.create(RecordKind::Customer, move |_| op).await {
                Ok(_) => {
                    name.set(String::new());
                    phone.set(String::new());
                    error.set(None);
                    saved.set(true);
                }
                Err(e) => error.set(Some((e.key(), e.to_string()))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="inline-form" on:submit=submit novalidate=true data-testid="new-customer">
            <h2>{i18n.text(Key::CustomerNew)}</h2>
            <div class="row">
                <label class="field">
                    <span class="label-text">{i18n.text(Key::CustomerName)}</span>
                    <input
                        type="text"
                        prop:value=move || name.get()
                        on:input=move |ev| {
                            saved.set(false);
                            name.set(event_target_value(&ev));
                        }
                    />
                </label>
                <label class="field">
                    <span class="label-text">{i18n.text(Key::CustomerPhone)}</span>
                    <input
                        type="tel"
                        inputmode="tel"
                        prop:value=move || phone.get()
                        on:input=move |ev| {
                            saved.set(false);
                            phone.set(event_target_value(&ev));
                        }
                    />
                </label>
            </div>
            {move || error.get().map(|(key, detail)| view! { <ErrorLine key=key detail=detail/> })}
            {move || {
                saved
                    .get()
                    .then(|| view! { <p class="ok" role="status">{i18n.text(Key::CustomerSaved)}</p> })
            }}
            <button type="submit" class="primary" disabled=move || busy.get()>
                {i18n.text(Key::CustomerNew)}
            </button>
        </form>
    }
}

/// What the customer page can show; the detail is built once and then follows the record,
/// so a sync arriving while someone types never rebuilds the form under their fingers.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    Loading,
    Failed(ReadError),
    Missing,
    Present,
}

#[component]
pub fn CustomerPage(role: Role) -> impl IntoView {
    let i18n = I18n::use_context();
    if !Section::Customers.visible_to(role) {
        return view! { <SectionPage section=Section::Customers role=role/> }.into_any();
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
    let data = sync.resource(move |engine| {
        let id = id();
        async move {
            let Some(id) = id else { return Ok(None) };
            let records = engine.snapshot().await?;
            Ok(CustomerFile::of(
                &records,
                id,
                crate::routes::today::local_now().0,
            ))
        }
    });
    let shape = Memo::new(move |_| {
        data.with(|d| match d {
            None | Some(None) => Shape::Loading,
            Some(Some(Err(e))) => Shape::Failed(e.clone()),
            Some(Some(Ok(None))) => Shape::Missing,
            Some(Some(Ok(Some(_)))) => Shape::Present,
        })
    });
    let file = Memo::new(move |_| {
        data.with(|d| match d {
            Some(Some(Ok(Some(f)))) => Some(f.clone()),
            _ => None,
        })
    });
    let customer = Memo::new(move |_| file.with(|f| f.as_ref().map(|f| f.customer.clone())));
    let attempts = Memo::new(move |_| {
        file.with(|f| f.as_ref().map(|f| f.attempts.clone()).unwrap_or_default())
    });
    view! {
        <section class="card" data-section="/customers">
            <A href="/customers">{i18n.text(Key::CustomerBack)}</A>
            {move || match shape.get() {
                Shape::Loading => view! { <p>{i18n.text(Key::SyncOpening)}</p> }.into_any(),
                Shape::Failed(e) => read_error(e),
                Shape::Missing => {
                    view! {
                        <p data-testid="customer-missing">{i18n.text(Key::CustomerNotFound)}</p>
                    }
                        .into_any()
                }
                Shape::Present => {
                    match customer.get_untracked() {
                        Some(c) => {
                            view! {
                                <CustomerDetail id=c.id customer=customer attempts=attempts/>
                                <CustomerFileView file=file role=role/>
                            }
                                .into_any()
                        }
                        None => ().into_any(),
                    }
                }
            }}
        </section>
    }
    .into_any()
}

#[component]
fn CustomerDetail(
    id: RecordId,
    customer: Memo<Option<Customer>>,
    attempts: Memo<Vec<Attempt>>,
) -> impl IntoView {
    let i18n = I18n::use_context();
    let people = People::use_context();
    let field_of = move |f: &'static str| {
        Signal::derive(move || {
            customer.with(|c| {
                c.as_ref()
                    .map(|c| {
                        let value = match f {
                            field::PHONE => c.phone.clone(),
                            field::NOTE => c.note.clone(),
                            field::EMAIL => c.email.clone(),
                            _ => c.name.clone(),
                        };
                        (value, c.stamps.get(f).copied())
                    })
                    .unwrap_or_default()
            })
        })
    };
    let phone_masked =
        Memo::new(move |_| huifang_core::privacy::is_masked(&field_of(field::PHONE).get().0));
    view! {
        <h1 data-testid="customer-name">
            {move || customer.with(|c| c.as_ref().map(|c| c.name.clone()).unwrap_or_default())}
        </h1>
        {move || {
            customer
                .with(|c| c.as_ref().is_some_and(|c| !c.conflicted.is_empty()))
                .then(|| {
                    view! {
                        <p class="notice" data-testid="customer-conflict">
                            <A href="/conflicts">{i18n.text(Key::CustomerConflict)}</A>
                        </p>
                    }
                })
        }}
        // A masked number (a manager's tablet) is revealed with a reason, never edited.
        {move || {
            if phone_masked.get() {
                let (phone, _) = field_of(field::PHONE).get_untracked();
                view! {
                    <p class="field" data-testid="customer-phone-masked">
                        <span class="label-text">{i18n.text(Key::CustomerPhone)}</span> " "
                        <crate::components::masked_phone::PhoneShown record=id phone=phone/>
                    </p>
                }.into_any()
            } else {
                view! { <FieldEditor id=id field=field::PHONE label=Key::CustomerPhone current=field_of(field::PHONE) multiline=false/> }.into_any()
            }
        }}
        <FieldEditor id=id field=field::EMAIL label=Key::CustomerEmail current=field_of(field::EMAIL) multiline=false/>
        <FieldEditor id=id field=field::NOTE label=Key::CustomerNote current=field_of(field::NOTE) multiline=true/>
        <h2>{i18n.text(Key::AttemptsHeading)}</h2>
        <LogAttempt customer=id/>
        {move || {
            let list = attempts.get();
            if list.is_empty() {
                view! { <p class="hint">{i18n.text(Key::AttemptsEmpty)}</p> }.into_any()
            } else {
                view! {
                    <ul class="rows" data-testid="attempts">
                        {list
                            .into_iter()
                            .map(|a| {
                                let when = date_time(i18n.lang(), a.at_ms);
                                let who = people.name(&a.by);
                                view! {
                                    <li data-testid="attempt">
                                        {when} " · " {who} " · "
                                        {move || a.outcome.map(|o| i18n.t(Key::outcome(o))).unwrap_or("?")}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }
        }}
    }
}

/// Edits one field. The base sent with the change is the stamp of the value shown when the
/// person began typing: if someone else changed it meanwhile, the server sees both. While a
/// draft exists, changes arriving from sync do not replace what is being typed.
#[component]
fn FieldEditor(
    id: RecordId,
    field: &'static str,
    label: Key,
    current: Signal<(String, Option<Hlc>)>,
    multiline: bool,
) -> impl IntoView {
    let i18n = I18n::use_context();
    let draft = RwSignal::new(None::<(String, Option<Hlc>)>);
    let error = RwSignal::new(None::<(Key, String)>);
    let saved = RwSignal::new(false);
    let busy = RwSignal::new(false);
    use_unsaved_guard(move || draft.get().is_some());
    let text = move || {
        draft
            .get()
            .map(|(t, _)| t)
            .unwrap_or_else(|| current.get().0)
    };
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        saved.set(false);
        draft.update(|d| match d {
            Some((t, _)) => *t = value,
            None => *d = Some((value, current.get_untracked().1)),
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((value, base)) = draft.get_untracked() else {
            return;
        };
        // A phone is saved in its one canonical form, so duplicates are found by it.
        let checked = match field {
            field::PHONE => model::check_phone(&value),
            field::EMAIL => model::check_email(&value),
            _ => Ok(value),
        };
        let value = match checked {
            Ok(clean) => clean,
            Err(e) => {
                error.set(Some((customer_error_key(e), e.to_string())));
                return;
            }
        };
        let Some(engine) = Sync::use_context().and_then(|s| s.engine()) else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let result: Result<_, EngineError> = engine
                .write(RecordKind::Customer, id, Customer::edit(field, value, base))
                .await;
            match result {
                Ok(_) => {
                    error.set(None);
                    saved.set(true);
                    draft.set(None);
                }
                // The draft stays in the form: nothing typed is lost.
                Err(e) => error.set(Some((e.key(), e.to_string()))),
            }
            busy.set(false);
        });
    };
    let input = if multiline {
        view! { <textarea rows="4" prop:value=text on:input=on_input></textarea> }.into_any()
    } else {
        let (kind, mode) = if field == field::EMAIL {
            ("email", "email")
        } else {
            ("tel", "tel")
        };
        view! { <input type=kind inputmode=mode prop:value=text on:input=on_input/> }.into_any()
    };
    view! {
        <form class="field-editor" on:submit=save novalidate=true data-field=field>
            <label class="field">
                <span class="label-text">{i18n.text(label)}</span>
                {input}
            </label>
            {move || error.get().map(|(key, detail)| view! { <ErrorLine key=key detail=detail/> })}
            {move || {
                saved
                    .get()
                    .then(|| view! { <p class="ok" role="status">{i18n.text(Key::CustomerSaved)}</p> })
            }}
            <button
                type="submit"
                class="secondary"
                disabled=move || busy.get() || draft.get().is_none()
            >
                {move || format!("{} {}", i18n.t(Key::CustomerSave), i18n.t(label))}
            </button>
        </form>
    }
}

#[component]
fn LogAttempt(customer: RecordId) -> impl IntoView {
    let i18n = I18n::use_context();
    let outcome = RwSignal::new(Outcome::NoAnswer);
    let error = RwSignal::new(None::<(Key, String)>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(engine) = Sync::use_context().and_then(|s| s.engine()) else {
            return;
        };
        let chosen = outcome.get_untracked();
        busy.set(true);
        spawn_local(async move {
            match engine
                .create(RecordKind::CallAttempt, |user| {
                    Attempt::log(user, customer, chosen)
                })
                .await
            {
                Ok(_) => error.set(None),
                Err(e) => error.set(Some((e.key(), e.to_string()))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="inline-form" on:submit=submit novalidate=true data-testid="log-attempt">
            <label class="field">
                <span class="label-text">{i18n.text(Key::AttemptOutcome)}</span>
                <select on:change=move |ev| {
                    if let Some(o) = Outcome::parse(&event_target_value(&ev)) {
                        outcome.set(o);
                    }
                }>
                    {Outcome::ALL
                        .into_iter()
                        .map(|o| {
                            view! {
                                <option value=o.as_str() selected=move || outcome.get() == o>
                                    {move || i18n.t(Key::outcome(o))}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            {move || error.get().map(|(key, detail)| view! { <ErrorLine key=key detail=detail/> })}
            <button type="submit" class="primary" disabled=move || busy.get()>
                {i18n.text(Key::AttemptLog)}
            </button>
        </form>
    }
}
