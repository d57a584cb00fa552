//! 今日回访: the agent's open callback tasks, overdue first, each with its countdown; search
//! by name, phone or plate while typing; filter by kind; a quiet-hours warning before the
//! call. Everything here is read from the tablet's own store: it works with no network.

use crate::i18n::format::{date_time, days_left};
use crate::i18n::{I18n, Key};
use crate::model::{TodayIndex, TodayItem};
use crate::routes::section::SectionPage;
use crate::storage::{local, private};
use crate::sync::Sync;
use huifang_core::care::dates::Day;
use huifang_core::care::quiet::{QuietHours, needs_reason};
use huifang_core::care::rules::Purpose;
use huifang_core::{Role, Section, UserId};
use leptos::prelude::*;
use leptos_router::components::A;
use std::rc::Rc;
use std::sync::Arc;

/// The agent's list as this device last worked it out, for the next start to show at once:
/// reading and decoding every record takes seconds on a tablet with a big store, the list
/// from last time (of the same day) takes a millisecond. Replaced by the list worked out
/// from the records as soon as they are read; never used once they have been.
#[derive(serde::Serialize, serde::Deserialize)]
struct KeptList {
    day: Day,
    index: TodayIndex,
}

impl KeptList {
    /// The list kept today by `me`, if any (an unreadable one is left alone, said in the log).
    fn read(me: &UserId, today: Day) -> Option<TodayIndex> {
        match private::read::<KeptList>(&local::keys::today(&me.0)) {
            Ok(kept) => kept.filter(|k| k.day == today).map(|k| k.index),
            Err(e) => {
                leptos::logging::warn!("the kept today list is unreadable; not shown: {e}");
                None
            }
        }
    }

    fn write(me: &UserId, today: Day, index: &TodayIndex) {
        let kept = KeptList {
            day: today,
            index: index.clone(),
        };
        // Only a head start: a full localStorage costs the next start its head start.
        if let Err(e) = private::write(&local::keys::today(&me.0), &kept) {
            leptos::logging::warn!("could not keep the today list for the next start: {e}");
        }
    }
}

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
    // At a start (the records not read yet in this tab), the list from last time shows
    // until the records are read.
    let kept = sync
        .engine()
        .is_none_or(|engine| engine.full_reads() == 0)
        .then(|| KeptList::read(&me, local_now().0))
        .flatten()
        .map(Arc::new);
    let last_kept = StoredValue::new_local(kept.as_deref().cloned());
    let records = sync.resource({
        let me = me.clone();
        move |engine| {
            let me = me.clone();
            async move {
                let records = engine.snapshot().await?;
                let today = local_now().0;
                let index = TodayIndex::of(&records, &me, today, local_offset());
                crate::timing::mark(crate::timing::TODAY_INDEXED);
                let index = Rc::new(index);
                let changed = last_kept
                    .try_with_value(|k| k.as_ref() != Some(&*index))
                    .unwrap_or(false);
                if changed {
                    KeptList::write(&me, today, &index);
                    last_kept.try_set_value(Some((*index).clone()));
                }
                Ok(index)
            }
        }
    });
    let filter = RwSignal::new(Filter::default());
    let quiet = needs_reason(&QuietHours::default(), &[], local_now().1);
    let fresh = Memo::new(move |_| records.with(|read| matches!(read, Some(Some(Ok(_))))));
    let has_kept = kept.is_some();
    let list = Memo::new(move |_| {
        let f = filter.get();
        records.with(|read| match read {
            Some(Some(Ok(index))) => Some(Ok(index.list(&f.search, f.purpose))),
            Some(Some(Err(e))) => Some(Err(e.clone())),
            _ => kept.as_ref().map(|k| Ok(k.list(&f.search, f.purpose))),
        })
    });
    if has_kept {
        crate::timing::mark(crate::timing::TODAY_KEPT);
    }
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
            {move || (!fresh.get() && has_kept).then(|| view! {
                <p class="hint" data-testid="today-kept">{i18n.text(Key::TodayKept)}</p>
            })}
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

#[cfg(test)]
mod tests {
    use super::*;
    use huifang_core::StoreId;
    use huifang_core::sync::Scope;
    use huifang_core::sync::{ClientId, Entity, FieldState, Hlc, Record, RecordId, RecordKind};
    use serde_json::{Value, json};
    use std::collections::BTreeMap;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn entity(n: u128, kind: RecordKind, owner: Option<&str>, fields: &[(&str, Value)]) -> Record {
        let stamp = Hlc {
            wall_ms: 1,
            counter: 0,
            node: ClientId(uuid::Uuid::from_u128(1)),
        };
        Record::Entity(Entity {
            id: RecordId(uuid::Uuid::from_u128(n)),
            kind,
            scope: Scope {
                store: StoreId("s".into()),
                owner: owner.map(|o| UserId(o.into())),
            },
            fields: fields
                .iter()
                .map(|(k, v)| {
                    let state = FieldState {
                        value: v.clone(),
                        stamp,
                        by: UserId("sup".into()),
                    };
                    ((*k).to_owned(), state)
                })
                .collect(),
            tombstone: None,
            conflicts: BTreeMap::new(),
            version: 1,
        })
    }

    #[wasm_bindgen_test]
    async fn the_list_kept_for_the_next_start_is_only_shown_the_same_day() {
        let _ = any_spawner::Executor::init_wasm_bindgen();
        if !crate::storage::crypto::is_unlocked() {
            let key = crate::storage::crypto::Cipher::generate()
                .await
                .expect("WebCrypto makes a key");
            crate::storage::crypto::set_current(key);
        }
        let me = UserId(format!("kept-{}", js_sys::Math::random()));
        let today = Day::from_ymd(2026, 11, 30).expect("a day");
        let customer = RecordId(uuid::Uuid::from_u128(1)).to_string();
        let records = vec![
            entity(1, RecordKind::Customer, None, &[("name", json!("王建国"))]),
            entity(
                2,
                RecordKind::CallbackTask,
                Some(&me.0),
                &[
                    ("customer", json!(customer)),
                    ("due_by", json!("2026-12-02")),
                    ("status", json!("open")),
                ],
            ),
        ];
        let index = TodayIndex::of(&records, &me, today, 480);
        assert_eq!(index.list("", None).len(), 1);
        assert_eq!(KeptList::read(&me, today), None, "nothing kept yet");

        KeptList::write(&me, today, &index);
        let kept = KeptList::read(&me, today).expect("kept");
        assert_eq!(kept, index, "the same list, search keys and all");
        assert_eq!(kept.list("王", None).len(), 1);
        // On the tablet it is sealed: no customer's name in clear.
        let mut stored = None;
        for _ in 0..100 {
            stored = <gloo_storage::LocalStorage as gloo_storage::Storage>::raw()
                .get_item(&local::keys::today(&me.0))
                .ok()
                .flatten();
            if stored.is_some() {
                break;
            }
            gloo_timers::future::TimeoutFuture::new(10).await;
        }
        let stored = stored.expect("kept in localStorage");
        assert!(
            !stored.contains("王建国") && !stored.contains(&customer),
            "sealed: {stored}"
        );
        assert_eq!(
            KeptList::read(&me, today.plus(1)),
            None,
            "yesterday's countdowns are not today's"
        );
        assert_eq!(
            KeptList::read(&UserId("someone-else".into()), today),
            None,
            "another person's list is theirs"
        );

        private::write(&local::keys::today(&me.0), &json!({"day": "nonsense"})).expect("written");
        assert_eq!(
            KeptList::read(&me, today),
            None,
            "an unreadable one is not shown"
        );
        private::remove(&local::keys::today(&me.0));
    }
}
