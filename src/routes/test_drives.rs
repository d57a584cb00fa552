//! 试驾 (`/test-drives`): the day's schedule of the store's test-drive fleet (cars × slots),
//! each booking with its advisor; and the signed-in advisor's own bookings of the day, each
//! marked done (only with the driving licence checked), a no-show, or cancelled. Read from and
//! written to the tablet first: it works offline.

use crate::directory::People;
use crate::i18n::{I18n, Key, Lang};
use crate::routes::leads::{Shown, error_text, lead_title};
use crate::routes::section::SectionPage;
use crate::routes::today::local_now;
use crate::sync::Sync;
use crate::sync::engine::SyncEngine;
use huifang_core::care::dates;
use huifang_core::sales::drives::{Drive, DriveStatus, SLOTS, mark};
use huifang_core::sales::leads::Lead;
use huifang_core::sync::{Entity, Record, RecordKind};
use huifang_core::{Role, Section, UserId};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use std::collections::BTreeMap;

/// One booking with what marking it needs: its record, and its lead's (when on this tablet).
#[derive(Debug, Clone)]
struct Booking {
    drive: Drive,
    entity: Entity,
    lead: Option<(Entity, String)>,
}

/// Equal when the page would show the same: a sync confirming a change (a record's feed
/// position moves) must not rebuild the list under a ticked licence box or a tap.
impl PartialEq for Booking {
    fn eq(&self, other: &Self) -> bool {
        self.drive == other.drive
            && self.entity.fields == other.entity.fields
            && self.lead.as_ref().map(|(e, t)| (&e.fields, t))
                == other.lead.as_ref().map(|(e, t)| (&e.fields, t))
    }
}

fn load(records: &[Record]) -> Vec<Booking> {
    let leads: BTreeMap<_, _> = records
        .iter()
        .filter_map(Record::as_entity)
        .filter(|e| e.kind == RecordKind::Lead)
        .filter_map(|e| Lead::of(e).map(|l| (e.id, (e.clone(), lead_title(&l)))))
        .collect();
    records
        .iter()
        .filter_map(Record::as_entity)
        .filter_map(|e| {
            let drive = Drive::of(e)?;
            let lead = drive.lead.and_then(|id| leads.get(&id).cloned());
            Some(Booking {
                drive,
                entity: e.clone(),
                lead,
            })
        })
        .collect()
}

#[component]
pub fn TestDrivesPage(role: Role, me: UserId) -> impl IntoView {
    let i18n = I18n::use_context();
    if !Section::TestDrives.visible_to(role) {
        return view! { <SectionPage section=Section::TestDrives role=role/> }.into_any();
    }
    let Some(sync) = Sync::use_context() else {
        return ().into_any();
    };
    let people = People::use_context();
    let today = local_now().0;
    let day = RwSignal::new(today);
    let data = sync.resource(|engine| async move {
        let records = engine.snapshot().await?;
        Ok(load(&records))
    });
    let all = Memo::new(move |_| data.with(|read| read.clone().flatten()));
    let zh = move || i18n.lang() == Lang::ZhCn;
    let me_grid = me.clone();
    let schedule = move || {
        all.with(|read| match read {
            Some(Ok(bookings)) => {
                let d = day.get();
                let of_day: Vec<&Booking> = bookings
                    .iter()
                    .filter(|b| b.drive.day == Some(d) && b.drive.status != DriveStatus::Cancelled)
                    .collect();
                let mut cars = people.fleet();
                for b in &of_day {
                    if !cars.contains(&b.drive.car) {
                        cars.push(b.drive.car.clone());
                    }
                }
                if cars.is_empty() {
                    return view! { <p class="hint" data-testid="drive-no-fleet">{i18n.text(Key::DriveNoFleet)}</p> }
                        .into_any();
                }
                let rows = cars
                    .into_iter()
                    .map(|car| {
                        let cells = SLOTS
                            .iter()
                            .map(|slot| {
                                let booking = of_day
                                    .iter()
                                    .find(|b| b.drive.car == car && b.drive.slot == *slot);
                                match booking {
                                    Some(b) => {
                                        let status = b.drive.status;
                                        let mine = b.drive.advisor.as_ref() == Some(&me_grid);
                                        let who = b
                                            .drive
                                            .advisor
                                            .as_ref()
                                            .map(|a| people.name(a))
                                            .unwrap_or_default();
                                        view! {
                                            <td class="slot-cell booked" class:mine=mine data-testid="drive-cell"
                                                data-car=car.clone() data-slot=*slot data-status=status.as_str()
                                                data-mine=mine.to_string() data-id=b.drive.id.to_string()>
                                                <strong data-testid="drive-advisor">{who}</strong>
                                                <br/><span class="hint">{move || status.label(zh())}</span>
                                            </td>
                                        }
                                        .into_any()
                                    }
                                    None => view! {
                                        <td class="slot-cell free" data-testid="drive-cell" data-car=car.clone() data-slot=*slot data-status="free">"–"</td>
                                    }
                                    .into_any(),
                                }
                            })
                            .collect_view();
                        view! { <tr data-car=car.clone()><th scope="row">{car.clone()}</th>{cells}</tr> }
                    })
                    .collect_view();
                view! {
                    <div class="schedule-wrap">
                        <table class="table schedule" data-testid="drive-schedule">
                            <thead>
                                <tr>
                                    <th scope="col">{i18n.text(Key::DriveCar)}</th>
                                    {SLOTS.iter().map(|s| view! { <th scope="col">{*s}</th> }).collect_view()}
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }
                .into_any()
            }
            Some(Err(e)) => {
                view! { <p class="error" title=e.detail.clone()>{i18n.t(e.key)}</p> }.into_any()
            }
            None => view! { <p>{i18n.text(Key::SyncOpening)}</p> }.into_any(),
        })
    };
    let mine = move || {
        all.with(|read| {
            let Some(Ok(bookings)) = read else {
                return ().into_any();
            };
            let d = day.get();
            let own: Vec<Booking> = bookings
                .iter()
                .filter(|b| b.drive.day == Some(d) && b.drive.advisor.as_ref() == Some(&me))
                .cloned()
                .collect();
            if own.is_empty() {
                return view! { <p class="hint" data-testid="drive-mine-empty">{i18n.text(Key::DriveMineEmpty)}</p> }
                    .into_any();
            }
            view! {
                <ul class="rows">
                    {own.into_iter().map(|b| view! { <BookingRow booking=b sync=sync/> }).collect_view()}
                </ul>
            }
            .into_any()
        })
    };
    view! {
        <section class="card" data-section="/test-drives">
            <h1>{i18n.text(Key::NavTestDrives)}</h1>
            <div class="row">
                <label class="field">
                    <span class="label-text">{i18n.text(Key::DriveDay)}</span>
                    <input type="date" data-testid="drive-day" prop:value=move || day.get().to_string()
                        on:input=move |ev| {
                            if let Ok(d) = dates::parse(&event_target_value(&ev)) {
                                day.set(d);
                            }
                        }/>
                </label>
                <button type="button" class="secondary" data-testid="drive-today" on:click=move |_| day.set(today)>
                    {i18n.text(Key::DriveToday)}
                </button>
            </div>
            {schedule}
            <h2>{i18n.text(Key::DriveMine)}</h2>
            <div data-testid="drive-mine">{mine}</div>
        </section>
    }
    .into_any()
}

/// One of the advisor's own bookings: its lead, and, while booked, done (licence checked),
/// no-show or cancel.
#[component]
fn BookingRow(booking: Booking, sync: Sync) -> impl IntoView {
    let i18n = I18n::use_context();
    let zh = move || i18n.lang() == Lang::ZhCn;
    let licence = RwSignal::new(false);
    let error = RwSignal::new(None::<Shown>);
    let d = booking.drive.clone();
    let status = d.status;
    let stored = StoredValue::new(booking.clone());
    let act = move |to: DriveStatus| {
        let Some(engine): Option<SyncEngine> = sync.engine() else {
            error.set(Some((
                i18n.t(Key::SyncOpening).to_owned(),
                "no sync engine".to_owned(),
            )));
            return;
        };
        let b = stored.get_value();
        let writes = match mark(
            &b.entity,
            b.lead.as_ref().map(|(e, _)| e),
            to,
            licence.get_untracked(),
        ) {
            Ok(w) => w,
            Err(e) => {
                error.set(Some((error_text(i18n, &e), e.to_string())));
                return;
            }
        };
        spawn_local(async move {
            match engine.write_all(writes).await {
                Ok(_) => {
                    error.try_set(None);
                }
                Err(e) => {
                    error.try_set(Some((i18n.t(e.key()).to_owned(), e.to_string())));
                }
            }
        });
    };
    let lead = booking
        .lead
        .as_ref()
        .map(|(e, title)| (e.id, title.clone()));
    view! {
        <li data-testid="drive-row" data-id=d.id.to_string() data-status=status.as_str() data-car=d.car.clone() data-slot=d.slot.clone()>
            <strong>{d.slot.clone()} " · " {d.car.clone()}</strong>
            " · " <span data-testid="drive-status">{move || status.label(zh())}</span>
            {lead.map(|(id, title)| view! { " · " <A href=format!("/leads/{id}") attr:data-testid="drive-lead">{title}</A> })}
            {d.licence_checked.then(|| view! { " · " <span class="ok">{i18n.text(Key::DriveLicenceChecked)}</span> })}
            {(status == DriveStatus::Booked).then(|| view! {
                <div class="row drive-actions">
                    <label class="check">
                        <input type="checkbox" data-testid="drive-licence" prop:checked=move || licence.get()
                            on:change=move |ev| { licence.set(event_target_checked(&ev)); error.set(None); }/>
                        {i18n.text(Key::DriveLicenceChecked)}
                    </label>
                    <button type="button" class="primary" data-testid="drive-done" on:click=move |_| act(DriveStatus::Done)>
                        {i18n.text(Key::DriveDone)}
                    </button>
                    <button type="button" class="secondary" data-testid="drive-no-show" on:click=move |_| act(DriveStatus::NoShow)>
                        {i18n.text(Key::DriveNoShow)}
                    </button>
                    <button type="button" class="danger" data-testid="drive-cancel" on:click=move |_| act(DriveStatus::Cancelled)>
                        {i18n.text(Key::DriveCancel)}
                    </button>
                </div>
            })}
            {move || error.get().map(|(text, detail)| view! { <p class="error" role="alert" data-testid="drive-error" title=detail>{text}</p> })}
        </li>
    }
}
