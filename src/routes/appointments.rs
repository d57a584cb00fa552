//! 预约: the day's service appointments, with whom and when; the agent marks arrival or a
//! no-show (爽约), which creates the follow-up call. Past appointments still booked are
//! listed first, to be settled. Read from and written to the tablet: works offline.

use crate::calls::{Appointment, mark_appointment};
use crate::i18n::{I18n, Key};
use crate::model::Customer;
use crate::routes::customer_file::status_key;
use crate::routes::section::SectionPage;
use crate::routes::today::local_now;
use crate::sync::Sync;
use huifang_core::care::dates::{self, Day};
use huifang_core::{Role, Section};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use std::collections::BTreeMap;

/// An appointment with its customer's name.
type Row = (Appointment, String);

#[component]
pub fn AppointmentsPage(role: Role) -> impl IntoView {
    let i18n = I18n::use_context();
    if !Section::Appointments.visible_to(role) {
        return view! { <SectionPage section=Section::Appointments role=role/> }.into_any();
    }
    let Some(sync) = Sync::use_context() else {
        return ().into_any();
    };
    let today = local_now().0;
    let day = RwSignal::new(today);
    let records = sync.resource(|engine| async move {
        let records = engine.snapshot().await?;
        let names: BTreeMap<_, _> = Customer::all(&records)
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        Ok(Appointment::all(&records)
            .into_iter()
            .map(|a| {
                let name = names.get(&a.customer).cloned().unwrap_or_default();
                (a, name)
            })
            .collect::<Vec<Row>>())
    });
    let error = RwSignal::new(None::<(Key, String)>);
    let mark = move |a: Appointment, to: &'static str| {
        let Some(engine) = Sync::use_context().and_then(|s| s.engine()) else {
            return;
        };
        spawn_local(async move {
            let writes = mark_appointment(engine.user(), &a, to, local_now().0);
            match engine.write_all(writes).await {
                Ok(_) => error.set(None),
                Err(e) => error.set(Some((e.key(), e.to_string()))),
            }
        });
    };
    let row = move |(a, name): Row| {
        let booked = a.status == "booked";
        let a2 = a.clone();
        let a3 = a.clone();
        view! {
            <li data-testid="appointment" data-status=a.status.clone()>
                <A href=format!("/customers/{}", a.customer)><strong>{name}</strong></A>
                {format!(" · {} {} · {} · ", a.day.map(|d| d.to_string()).unwrap_or_default(), a.slot, a.advisor)}
                <span class="status">{i18n.t(status_key(&a.status))}</span>
                {booked.then(|| view! {
                    " "
                    <button type="button" class="secondary" data-testid="arrived" on:click=move |_| mark(a2.clone(), "arrived")>
                        {i18n.text(Key::ApptArrived)}
                    </button>
                    " "
                    <button type="button" class="secondary" data-testid="no-show" on:click=move |_| mark(a3.clone(), "no_show")>
                        {i18n.text(Key::ApptNoShow)}
                    </button>
                })}
            </li>
        }
    };
    view! {
        <section class="card" data-section="/appointments">
            <h1>{i18n.text(Key::NavAppointments)}</h1>
            <label class="field">
                <span class="label-text">{i18n.text(Key::ApptDay)}</span>
                <input type="date" data-testid="appointments-day" prop:value=move || day.get().to_string()
                    on:input=move |ev| {
                        if let Ok(d) = dates::parse(&event_target_value(&ev)) {
                            day.set(d);
                        }
                    }/>
            </label>
            {move || error.get().map(|(key, detail)| view! { <p class="error" role="alert" title=detail>{i18n.t(key)}</p> })}
            {move || records.with(|read| match read {
                Some(Some(Ok(rows))) => {
                    let chosen: Day = day.get();
                    let unsettled: Vec<Row> = rows.iter()
                        .filter(|(a, _)| a.status == "booked" && a.day.is_some_and(|d| d < today))
                        .cloned().collect();
                    let of_day: Vec<Row> = rows.iter().filter(|(a, _)| a.day == Some(chosen)).cloned().collect();
                    view! {
                        {(!unsettled.is_empty()).then(|| view! {
                            <h2>{i18n.text(Key::ApptUnsettled)}</h2>
                            <ul class="rows" data-testid="appointments-unsettled">
                                {unsettled.into_iter().map(row).collect_view()}
                            </ul>
                        })}
                        <h2>{chosen.to_string()}</h2>
                        {if of_day.is_empty() {
                            view! { <p class="hint" data-testid="appointments-empty">{i18n.text(Key::ApptEmpty)}</p> }.into_any()
                        } else {
                            view! { <ul class="rows" data-testid="appointments">{of_day.into_iter().map(row).collect_view()}</ul> }.into_any()
                        }}
                    }.into_any()
                }
                Some(Some(Err(e))) => view! { <p class="error" title=e.detail.clone()>{i18n.t(e.key)}</p> }.into_any(),
                _ => view! { <p>{i18n.text(Key::SyncOpening)}</p> }.into_any(),
            })}
        </section>
    }
    .into_any()
}
