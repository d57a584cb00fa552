//! 今日回访: the agent's open callback tasks, overdue first, each with its countdown; search
//! by name, phone or plate while typing; filter by kind; a quiet-hours warning before the
//! call. Everything here is read from the tablet's own store: it works with no network.

use crate::i18n::format::{date_time, days_left};
use crate::i18n::{I18n, Key};
use crate::model::{TodayIndex, TodayItem};
use crate::routes::section::SectionPage;
use crate::sync::Sync;
use huifang_core::care::dates::Day;
use huifang_core::care::quiet::{QuietHours, needs_reason};
use huifang_core::care::rules::Purpose;
use huifang_core::{Role, Section, UserId};
use leptos::prelude::*;
use leptos_router::components::A;
use std::rc::Rc;

/// The tablet's local day and minute of the day.
pub(crate) fn local_now() -> (Day, u16) {
    let now = js_sys::Date::new_0();
    let day = Day::of_ms(now.get_time() as i64, local_offset());
    (day, (now.get_hours() * 60 + now.get_minutes()) as u16)
}

/// The tablet's time zone, in minutes east of UTC.
pub(crate) fn local_offset() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Filter {
    search: String,
    purpose: Option<Purpose>,
}

#[component]
pub fn TodayPage(role: Role, me: UserId) -> impl IntoView {
    let i18n = I18n::use_context();
    if role != Role::CareAgent {
        return view! { <SectionPage section=Section::Today role=role/> }.into_any();
    }
    let Some(sync) = Sync::use_context() else {
        return ().into_any();
    };
    // The agent's tasks are worked out once per read of the records (the engine reads the
    // store again only when something changed); a keystroke only scans them.
    let records = sync.resource(move |engine| {
        let me = me.clone();
        async move {
            let records = engine.snapshot().await?;
            Ok(Rc::new(TodayIndex::of(
                &records,
                &me,
                local_now().0,
                local_offset(),
            )))
        }
    });
    let filter = RwSignal::new(Filter::default());
    let quiet = needs_reason(&QuietHours::default(), &[], local_now().1);
    let list = Memo::new(move |_| {
        let f = filter.get();
        records.with(|read| match read {
            Some(Some(Ok(index))) => Some(Ok(index.list(&f.search, f.purpose))),
            Some(Some(Err(e))) => Some(Err(e.clone())),
            _ => None,
        })
    });
    view! {
        <section class="card today" data-section="/today">
            <h1>{i18n.text(Key::NavToday)}</h1>
            {quiet.then(|| view! { <p class="notice" data-testid="quiet-hours">{i18n.text(Key::TodayQuietNow)}</p> })}
            <div class="row filters">
                <label class="field">
                    <span class="label-text">{i18n.text(Key::TodaySearch)}</span>
                    <input type="search" on:input=move |ev| filter.update(|f| f.search = event_target_value(&ev))/>
                </label>
                <label class="field">
                    <span class="label-text">{i18n.text(Key::TodayAllPurposes)}</span>
                    <select on:change=move |ev| {
                        let chosen = event_target_value(&ev);
                        filter.update(|f| f.purpose = Purpose::parse(&chosen));
                    }>
                        <option value="">{i18n.text(Key::TodayAllPurposes)}</option>
                        {Purpose::ALL.into_iter().map(|p| view! {
                            <option value=p.as_str()>{i18n.t(Key::purpose(p))}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            {move || match list.get() {
                None => view! { <p>{i18n.text(Key::SyncOpening)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" title=e.detail>{i18n.t(e.key)}</p> }.into_any(),
                Some(Ok(items)) if items.is_empty() => {
                    view! { <p class="hint" data-testid="today-empty">{i18n.text(Key::TodayEmpty)}</p> }.into_any()
                }
                Some(Ok(items)) => view! {
                    <ul class="rows" data-testid="today-list">
                        {items.into_iter().map(|item| view! { <TodayRow item=item/> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
    .into_any()
}

#[component]
fn TodayRow(item: TodayItem) -> impl IntoView {
    let i18n = I18n::use_context();
    let overdue = item.days_left.is_some_and(|d| d < 0);
    let countdown = item
        .days_left
        .map(|d| days_left(i18n.lang(), d))
        .unwrap_or_default();
    let purpose = item.purpose.map(|p| i18n.t(Key::purpose(p))).unwrap_or("");
    // Calls start on the call page: it asks for a reason in quiet hours, honours "do not
    // contact" and keeps the call's start for the outcome form.
    let call = format!("/tasks/{}", item.task);
    let later = item
        .next_try_at
        .filter(|at| *at > crate::sync::engine::now_ms())
        .map(|at| {
            let key = if item.status == "rescheduled" {
                Key::TodayAgreed
            } else {
                Key::TodayRetry
            };
            format!(" · {} {}", i18n.t(key), date_time(i18n.lang(), at))
        });
    let today = local_now().0;
    let week = item.contact_by.map(|by| {
        let late = by < today;
        view! {
            <span class="week" class:failed=late data-testid="contact-by">
                {format!(" · {} {}", i18n.t(Key::TodayContactBy), by)}
            </span>
        }
    });
    view! {
        <li data-testid="today-item" class:overdue=overdue data-status=item.status.clone()>
            <A href=format!("/tasks/{}", item.task)><strong>{item.name.clone()}</strong></A>
            " · " {purpose} " · "
            <span class="countdown" class:failed=overdue data-testid="countdown">{countdown}</span>
            {later.map(|l| view! { <span class="later" data-testid="later">{l}</span> })}
            {week}
            {(!item.plates.is_empty()).then(|| format!(" · {}", item.plates.join(" ")))}
            {(!item.phone.is_empty()).then(|| view! {
                " " <A href=call attr:class="call">{i18n.t(Key::TodayCall)} " " {item.phone.clone()}</A>
            })}
        </li>
    }
}
