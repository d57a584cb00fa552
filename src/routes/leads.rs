//! 线索 (`/leads`): the showroom floor's capture form on top (phone, name, how they came, the
//! models they look at, the grade that sets the next follow-up, notes; one tap to save), the
//! advisor's follow-ups due today and overdue grouped by grade, and their other open leads.
//! A sales or store manager also sees, per advisor, the leads whose follow-up was missed (and
//! gives one to another advisor), and the funnel of the last 30 days by source, model and
//! advisor. Everything is read from and written to the tablet first: it works offline.

use crate::directory::People;
use crate::i18n::format::percent;
use crate::i18n::{I18n, Key, Lang};
use crate::routes::section::SectionPage;
use crate::routes::today::{local_now, local_offset};
use crate::sync::Sync;
use crate::sync::engine::{SyncEngine, now_ms};
use crate::unsaved::use_unsaved_guard;
use huifang_core::care::dates::Day;
use huifang_core::care::phone::PhoneError;
use huifang_core::sales::drives;
use huifang_core::sales::funnel::{Steps, funnel};
use huifang_core::sales::leads::{
    self, Ctx, Due, Grade, Lead, LeadError, LeadForm, SalesRules, Source, Stage, capture,
    captures_leads, due_list, missed_by_advisor, own_duplicate, reassign,
};
use huifang_core::sync::{Record, RecordId, RecordKind, Write};
use huifang_core::{Role, Section, UserId};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

/// A message for the person, and the detail behind it (shown on hover, for support).
pub(crate) type Shown = (String, String);

/// Whether `role` manages leads: approves a loss, gives a lead to another advisor, sees every
/// advisor's leads (the same grant the core and the server check).
pub(crate) fn manages_leads(role: Role) -> bool {
    huifang_core::sync::grant(role, RecordKind::Lead).is_some_and(|g| g.manage)
}

/// The label of a lead or booking field, for "please fill in …".
pub(crate) fn field_key(field: &str) -> Key {
    match field {
        leads::fields::PHONE => Key::LeadPhone,
        leads::fields::SOURCE => Key::LeadSource,
        leads::fields::GRADE => Key::LeadGrade,
        leads::fields::OUTCOME => Key::LeadOutcome,
        leads::fields::STAGE_REASON => Key::LeadLostReason,
        drives::fields::CAR => Key::DriveCar,
        drives::fields::SLOT => Key::DriveSlot,
        _ => Key::LeadNotes,
    }
}

/// A lead step's error in the person's language.
pub(crate) fn error_text(i18n: I18n, e: &LeadError) -> String {
    let key = match e {
        LeadError::Missing(field) => {
            return format!(
                "{}{}",
                i18n.t(Key::LeadErrMissing),
                i18n.t(field_key(field))
            );
        }
        LeadError::Phone(PhoneError::Empty) => {
            return format!("{}{}", i18n.t(Key::LeadErrMissing), i18n.t(Key::LeadPhone));
        }
        LeadError::Phone(_) => Key::LeadErrPhone,
        LeadError::NotMobile => Key::LeadErrNotMobile,
        LeadError::OwnDuplicate(_) => Key::LeadOwnDuplicate,
        LeadError::WrongStage { .. } => Key::LeadErrWrongStage,
        LeadError::NeedsLead => Key::LeadErrNeedsManager,
        LeadError::LicenceNotChecked => Key::DriveErrLicence,
        LeadError::SlotTaken(_) => Key::DriveErrSlotTaken,
        LeadError::Refused(_) => Key::LeadErrRefused,
    };
    i18n.t(key).to_owned()
}

/// The writes of a step made by the signed-in person, now, under the store's cadence.
pub(crate) fn plan<T>(
    engine: &SyncEngine,
    rules: &SalesRules,
    make: impl FnOnce(Ctx<'_>) -> T,
) -> T {
    let now = now_ms();
    make(Ctx {
        user: engine.user(),
        now_ms: now,
        today: Day::of_ms(now, local_offset()),
        rules,
    })
}

/// Saves one step's writes in one transaction on the tablet; `done` runs once they are kept.
pub(crate) fn save_step(
    i18n: I18n,
    engine: SyncEngine,
    writes: Vec<Write>,
    error: RwSignal<Option<Shown>>,
    done: impl FnOnce() + 'static,
) {
    spawn_local(async move {
        match engine.write_all(writes).await {
            Ok(_) => {
                error.try_set(None);
                done();
            }
            Err(e) => {
                error.try_set(Some((i18n.t(e.key()).to_owned(), e.to_string())));
            }
        }
    });
}

/// "12-01" (the year is this one).
pub(crate) fn short_day(day: Day) -> String {
    let (_, m, d) = day.ymd();
    format!("{m:02}-{d:02}")
}

/// The name the tablet shows for a lead: the customer's name, else the phone.
pub(crate) fn lead_title(lead: &Lead) -> String {
    if lead.name.trim().is_empty() {
        lead.phone.clone()
    } else {
        lead.name.clone()
    }
}

/// "此号码已由 王丽 跟进": another advisor already follows this phone (the server's flag).
pub(crate) fn duplicate_flag(
    i18n: I18n,
    people: People,
    lead: &Lead,
) -> Option<impl IntoView + use<>> {
    let other = lead.duplicate_of.clone()?;
    let advisor = other.0.clone();
    Some(view! {
        <p class="notice" data-testid="lead-duplicate-flag" data-advisor=advisor>
            {move || i18n.t(Key::LeadDuplicateOf).replace("{name}", &people.name(&other))}
        </p>
    })
}

/// "逾期 3 天" / "今天".
fn due_text(i18n: I18n, due: Due) -> String {
    match due {
        Due::Overdue(n) => i18n.t(Key::LeadOverdueDays).replace("{n}", &n.to_string()),
        Due::Today => i18n.t(Key::LeadDueToday).to_owned(),
    }
}

/// One lead in a list, opening the lead.
fn lead_row(i18n: I18n, people: People, lead: Lead, due: Option<Due>) -> impl IntoView {
    let zh = move || i18n.lang() == Lang::ZhCn;
    let (grade, stage, source) = (lead.grade, lead.stage, lead.source);
    let next = lead.next_follow_up;
    let flag = duplicate_flag(i18n, people, &lead);
    let models = lead.models.join("、");
    let title = lead_title(&lead);
    view! {
        <li data-testid="lead-row" data-id=lead.id.to_string() data-grade=grade.as_str() data-stage=stage.as_str()>
            <A href=format!("/leads/{}", lead.id)><strong>{title}</strong></A>
            {(!lead.name.trim().is_empty()).then(|| format!(" · {}", lead.phone))}
            " · " <span class="grade-tag">{grade.as_str()}</span>
            " · " {move || stage.label(zh())}
            {source.map(|s| view! { " · " {move || s.label(zh())} })}
            {due.map(|d| {
                let (class, testid, days) = match d {
                    Due::Overdue(n) => ("error", "lead-overdue", n),
                    Due::Today => ("ok", "lead-due-today", 0),
                };
                view! { " · " <span class=class data-testid=testid data-days=days>{move || due_text(i18n, d)}</span> }
            })}
            {(due.is_none()).then(|| next.map(|day| view! {
                " · " <span class="hint">{i18n.text(Key::LeadNextFollowUp)} " " {day.to_string()}</span>
            }))}
            {(!models.is_empty()).then(|| view! { <br/><span class="hint">{models}</span> })}
            {flag}
        </li>
    }
}

/// What the leads page reads from the tablet.
#[derive(Debug, Clone, PartialEq)]
struct Floor {
    /// The signed-in person's own lead records (their duplicates, found as they type).
    own: Vec<Record>,
    /// Every lead on the tablet: an advisor's own; a manager's whole store.
    leads: Vec<Lead>,
}

fn is_own_lead(record: &Record, me: &UserId) -> bool {
    record.kind() == RecordKind::Lead && record.scope().owner.as_ref() == Some(me)
}

#[component]
pub fn LeadsPage(role: Role, me: UserId) -> impl IntoView {
    let i18n = I18n::use_context();
    if !Section::Leads.visible_to(role) {
        return view! { <SectionPage section=Section::Leads role=role/> }.into_any();
    }
    let Some(sync) = Sync::use_context() else {
        return ().into_any();
    };
    let data = sync.resource(|engine| async move {
        let records = engine.snapshot().await?;
        let me = engine.user().user.clone();
        let leads = Lead::all(&records);
        let own = records
            .iter()
            .filter(|r| is_own_lead(r, &me))
            .cloned()
            .collect();
        Ok(Floor { own, leads })
    });
    // Rebuilt only when what it shows changes, not on every sync confirmation.
    let floor = Memo::new(move |_| data.with(|read| read.clone().flatten()));
    let today = local_now().0;
    let me_due = me.clone();
    let lists = move || {
        floor.with(|read| match read {
            Some(Ok(f)) => {
                let mine: Vec<Lead> = f
                    .leads
                    .iter()
                    .filter(|l| l.owner.as_ref() == Some(&me_due))
                    .cloned()
                    .collect();
                view! { <OwnLists mine=mine today=today/> }.into_any()
            }
            Some(Err(e)) => {
                view! { <p class="error" title=e.detail.clone()>{i18n.t(e.key)}</p> }.into_any()
            }
            None => view! { <p>{i18n.text(Key::SyncOpening)}</p> }.into_any(),
        })
    };
    let manager = manages_leads(role).then(|| {
        view! { <ManagerPanel floor=floor today=today/> }
    });
    view! {
        <section class="card leads" data-section="/leads">
            <h1>{i18n.text(Key::NavLeads)}</h1>
            {captures_leads(role).then(|| view! { <CaptureForm floor=floor/> })}
            {captures_leads(role).then_some(lists)}
            <p><A href="/test-drives" attr:data-testid="leads-test-drives">{i18n.text(Key::NavTestDrives)}</A></p>
        </section>
        {manager}
    }
    .into_any()
}

/// Where a capture error is shown: next to its field.
#[derive(Debug, Clone, PartialEq)]
struct FieldError {
    field: &'static str,
    shown: Shown,
}

fn error_field(e: &LeadError) -> &'static str {
    match e {
        LeadError::Phone(_) | LeadError::NotMobile | LeadError::OwnDuplicate(_) => {
            leads::fields::PHONE
        }
        LeadError::Missing(field) => field,
        _ => "form",
    }
}

/// 新线索: taken in seconds, standing, with one hand.
#[component]
fn CaptureForm(floor: Memo<Option<Result<Floor, crate::sync::ReadError>>>) -> impl IntoView {
    let i18n = I18n::use_context();
    let people = People::use_context();
    let sync = Sync::use_context();
    let navigate = use_navigate();
    let zh = move || i18n.lang() == Lang::ZhCn;
    let today = local_now().0;
    // The follow-up day each grade sets, under the store's cadence.
    let next_of = move |g: Grade| today.plus(people.sales_rules().follow_up_days(g));
    let phone = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let source = RwSignal::new(Some(Source::WalkIn));
    let models = RwSignal::new(Vec::<String>::new());
    let grade = RwSignal::new(None::<Grade>);
    let notes = RwSignal::new(String::new());
    let budget = RwSignal::new(String::new());
    let trade_in = RwSignal::new(false);
    let error = RwSignal::new(None::<FieldError>);
    let saving = RwSignal::new(false);
    let saved = RwSignal::new(None::<(RecordId, String)>);
    let phone_input = NodeRef::<leptos::html::Input>::new();
    use_unsaved_guard(move || !phone.get().trim().is_empty() || !notes.get().trim().is_empty());
    // The advisor's own lead with the phone being typed, found on the tablet at each key.
    let duplicate = Memo::new(move |_| {
        let typed = phone.get();
        floor.with(|read| match read {
            Some(Ok(f)) => own_duplicate(&f.own, &typed),
            _ => None,
        })
    });
    // Ready for the phone number as soon as the page shows (autofocus alone is not honoured
    // on a page the app draws after the first).
    Effect::new(move |_| {
        if let Some(input) = phone_input.get()
            && let Err(e) = input.focus()
        {
            leptos::logging::warn!("could not focus the phone field: {e:?}");
        }
    });
    let reset = move || {
        phone.set(String::new());
        name.set(String::new());
        source.set(Some(Source::WalkIn));
        models.set(Vec::new());
        grade.set(None);
        notes.set(String::new());
        budget.set(String::new());
        trade_in.set(false);
        if let Some(input) = phone_input.get_untracked()
            && let Err(e) = input.focus()
        {
            leptos::logging::warn!("could not focus the phone field: {e:?}");
        }
    };
    let save = move || {
        if saving.get_untracked() {
            return;
        }
        let Some(engine) = sync.and_then(|s| s.engine()) else {
            error.set(Some(FieldError {
                field: "form",
                shown: (
                    i18n.t(Key::SyncOpening).to_owned(),
                    "no sync engine".to_owned(),
                ),
            }));
            return;
        };
        let form = LeadForm {
            phone: phone.get_untracked(),
            name: name.get_untracked(),
            source: source.get_untracked(),
            models: models.get_untracked(),
            grade: grade.get_untracked(),
            notes: notes.get_untracked(),
            budget: budget.get_untracked(),
            trade_in: trade_in.get_untracked(),
        };
        let rules = people.sales_rules();
        saving.set(true);
        spawn_local(async move {
            let result = match engine.snapshot().await {
                Err(e) => Err(FieldError {
                    field: "form",
                    shown: (i18n.t(e.key()).to_owned(), e.to_string()),
                }),
                Ok(records) => {
                    let me = engine.user().user.clone();
                    let own: Vec<Record> = records
                        .iter()
                        .filter(|r| is_own_lead(r, &me))
                        .cloned()
                        .collect();
                    let id = RecordId(uuid::Uuid::now_v7());
                    match plan(&engine, &rules, |ctx| capture(ctx, id, &form, &own)) {
                        Err(e) => Err(FieldError {
                            field: error_field(&e),
                            shown: (error_text(i18n, &e), e.to_string()),
                        }),
                        Ok(writes) => {
                            engine
                                .write_all(writes)
                                .await
                                .map(|_| id)
                                .map_err(|e| FieldError {
                                    field: "form",
                                    shown: (i18n.t(e.key()).to_owned(), e.to_string()),
                                })
                        }
                    }
                }
            };
            saving.try_set(false);
            match result {
                Ok(id) => {
                    let title = if form.name.trim().is_empty() {
                        form.phone.trim().to_owned()
                    } else {
                        form.name.trim().to_owned()
                    };
                    error.try_set(None);
                    saved.try_set(Some((id, title)));
                    reset();
                }
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
        });
    };
    let error_at = move |field: &'static str| {
        move || {
            error.with(|e| {
                e.as_ref().filter(|e| e.field == field).map(|e| {
                    view! {
                        <p class="error" role="alert" data-testid="lead-error" data-field=field title=e.shown.1.clone()>
                            {e.shown.0.clone()}
                        </p>
                    }
                })
            })
        }
    };
    let clear_error = move |field: &'static str| {
        if error.with_untracked(|e| e.as_ref().is_some_and(|e| e.field == field)) {
            error.set(None);
        }
    };
    let open_existing = move |id: RecordId| {
        let navigate = navigate.clone();
        view! {
            <p class="notice" role="alert" data-testid="lead-own-duplicate" data-id=id.to_string()>
                {i18n.text(Key::LeadOwnDuplicate)} " "
                <button type="button" class="secondary" data-testid="lead-open-existing"
                    on:click=move |_| navigate(&format!("/leads/{id}"), Default::default())>
                    {i18n.text(Key::LeadOpenExisting)}
                </button>
            </p>
        }
    };
    let model_chips = move || {
        let list = people.models();
        if list.is_empty() {
            return view! { <p class="hint" data-testid="lead-no-models">{i18n.text(Key::LeadNoModels)}</p> }
                .into_any();
        }
        list.into_iter()
            .map(|m| {
                let (is, toggle) = (m.clone(), m.clone());
                view! {
                    <button type="button" class="chip" data-testid="lead-model" data-model=m.clone()
                        class:chosen=move || models.with(|c| c.contains(&is))
                        aria-pressed=move || models.with(|c| c.contains(&m)).to_string()
                        on:click=move |_| models.update(|c| {
                            if let Some(i) = c.iter().position(|x| *x == toggle) {
                                c.remove(i);
                            } else {
                                c.push(toggle.clone());
                            }
                        })>
                        {m.clone()}
                    </button>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <form class="lead-capture" data-testid="lead-form" novalidate=true
            on:submit=move |ev| { ev.prevent_default(); save(); }>
            <h2>{i18n.text(Key::LeadNew)}</h2>
            {move || saved.get().map(|(id, title)| view! {
                <p class="ok-box" role="status" data-testid="lead-saved" data-id=id.to_string()>
                    {i18n.text(Key::LeadSaved)} " "
                    <A href=format!("/leads/{id}")>{title}</A>
                </p>
            })}
            <label class="field">
                <span class="label-text">{i18n.text(Key::LeadPhone)}</span>
                <input type="tel" inputmode="numeric" autocomplete="off" autofocus=true class="big"
                    data-testid="lead-phone" node_ref=phone_input
                    prop:value=move || phone.get()
                    on:input=move |ev| {
                        phone.set(event_target_value(&ev));
                        saved.set(None);
                        clear_error(leads::fields::PHONE);
                    }/>
            </label>
            {move || duplicate.get().map(open_existing.clone())}
            {error_at(leads::fields::PHONE)}
            <label class="field">
                <span class="label-text">{i18n.text(Key::LeadName)} " " <span class="hint">{i18n.text(Key::LeadOptional)}</span></span>
                <input type="text" data-testid="lead-name" prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))/>
            </label>
            <fieldset class="choices">
                <legend>{i18n.text(Key::LeadSource)}</legend>
                {Source::ALL.iter().copied().map(|s| view! {
                    <button type="button" class="choice" data-testid=format!("lead-source-{}", s.as_str()) data-source=s.as_str()
                        class:chosen=move || source.get() == Some(s)
                        aria-pressed=move || (source.get() == Some(s)).to_string()
                        on:click=move |_| { source.set(Some(s)); clear_error(leads::fields::SOURCE); }>
                        {move || s.label(zh())}
                    </button>
                }).collect_view()}
            </fieldset>
            {error_at(leads::fields::SOURCE)}
            <fieldset class="choices chips" data-testid="lead-models">
                <legend>{i18n.text(Key::LeadModels)}</legend>
                {model_chips}
            </fieldset>
            <fieldset class="choices grades">
                <legend>{i18n.text(Key::LeadGrade)}</legend>
                {Grade::ALL.iter().copied().map(|g| view! {
                    <button type="button" class="choice grade" data-testid=format!("lead-grade-{}", g.as_str()) data-grade=g.as_str()
                        data-next=move || next_of(g).to_string()
                        class:chosen=move || grade.get() == Some(g)
                        aria-pressed=move || (grade.get() == Some(g)).to_string()
                        on:click=move |_| { grade.set(Some(g)); clear_error(leads::fields::GRADE); }>
                        <strong>{move || g.label(zh())}</strong>
                        <span class="grade-next">
                            {move || format!("{} {}", i18n.t(Key::LeadNextFollowUp), short_day(next_of(g)))}
                        </span>
                    </button>
                }).collect_view()}
            </fieldset>
            {error_at(leads::fields::GRADE)}
            <label class="field">
                <span class="label-text">{i18n.text(Key::LeadNotes)}</span>
                <textarea rows="2" data-testid="lead-notes" prop:value=move || notes.get()
                    on:input=move |ev| notes.set(event_target_value(&ev))></textarea>
            </label>
            <details class="lead-more" data-testid="lead-more">
                <summary>{i18n.text(Key::LeadMore)}</summary>
                <label class="field">
                    <span class="label-text">{i18n.text(Key::LeadBudget)}</span>
                    <input type="text" data-testid="lead-budget" prop:value=move || budget.get()
                        on:input=move |ev| budget.set(event_target_value(&ev))/>
                </label>
                <label class="check">
                    <input type="checkbox" data-testid="lead-trade-in" prop:checked=move || trade_in.get()
                        on:change=move |ev| trade_in.set(event_target_checked(&ev))/>
                    {i18n.text(Key::LeadTradeIn)}
                </label>
            </details>
            {error_at("form")}
            <button type="submit" class="primary big" data-testid="lead-save"
                disabled=move || saving.get() || duplicate.with(Option::is_some)>
                {i18n.text(Key::LeadSave)}
            </button>
        </form>
    }
}

/// The advisor's follow-ups due today and overdue (by grade), then their other open leads.
#[component]
fn OwnLists(mine: Vec<Lead>, today: Day) -> impl IntoView {
    let i18n = I18n::use_context();
    let people = People::use_context();
    let zh = move || i18n.lang() == Lang::ZhCn;
    let due = due_list(&mine, today);
    let due_ids: Vec<RecordId> = due.iter().map(|(l, _)| l.id).collect();
    let others: Vec<Lead> = mine
        .into_iter()
        .filter(|l| l.is_open() && !due_ids.contains(&l.id))
        .take(30)
        .collect();
    let groups = Grade::ALL
        .iter()
        .copied()
        .filter_map(|g| {
            let rows: Vec<(Lead, Due)> = due.iter().filter(|(l, _)| l.grade == g).cloned().collect();
            (!rows.is_empty()).then(|| {
                let count = rows.len();
                view! {
                    <h3 data-testid="lead-due-grade" data-grade=g.as_str()>{move || g.label(zh())} " · " {count}</h3>
                    <ul class="rows">
                        {rows.into_iter().map(|(l, d)| lead_row(i18n, people, l, Some(d))).collect_view()}
                    </ul>
                }
            })
        })
        .collect_view();
    let none_due = due.is_empty();
    let none_other = others.is_empty();
    view! {
        <section data-testid="lead-due">
            <h2>{i18n.text(Key::LeadDueTitle)} " · " {due.len()}</h2>
            {none_due.then(|| view! { <p class="hint" data-testid="lead-due-empty">{i18n.text(Key::LeadDueEmpty)}</p> })}
            {groups}
        </section>
        <section data-testid="lead-others">
            <h2>{i18n.text(Key::LeadOthersTitle)}</h2>
            {none_other.then(|| view! { <p class="hint">{i18n.text(Key::LeadOthersEmpty)}</p> })}
            <ul class="rows">{others.into_iter().map(|l| lead_row(i18n, people, l, None)).collect_view()}</ul>
        </section>
    }
}

/// Gives a lead to another advisor (a manager's decision); the lead leaves the old advisor's
/// tablet at its next sync.
#[component]
pub(crate) fn ReassignControl(lead: RecordId, owner: Option<UserId>) -> impl IntoView {
    let i18n = I18n::use_context();
    let people = People::use_context();
    let sync = Sync::use_context();
    let to = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Shown>);
    let done = RwSignal::new(None::<String>);
    let options = move || {
        people
            .with_roles(&[Role::SalesAdvisor, Role::SalesManager])
            .into_iter()
            .filter(|(id, _)| Some(id) != owner.as_ref())
            .collect::<Vec<_>>()
    };
    let save = move |_| {
        let chosen = to.get_untracked();
        if chosen.is_empty() {
            error.set(Some((
                i18n.t(Key::LeadErrChooseAdvisor).to_owned(),
                String::new(),
            )));
            return;
        }
        let Some(engine) = sync.and_then(|s| s.engine()) else {
            error.set(Some((
                i18n.t(Key::SyncOpening).to_owned(),
                "no sync engine".to_owned(),
            )));
            return;
        };
        let to_user = UserId(chosen);
        let rules = people.sales_rules();
        spawn_local(async move {
            let records = match engine.snapshot().await {
                Ok(records) => records,
                Err(e) => {
                    error.try_set(Some((i18n.t(e.key()).to_owned(), e.to_string())));
                    return;
                }
            };
            let found = records.iter().find(|r| r.id() == lead).cloned();
            let entity = match found {
                Some(Record::Entity(e)) => e,
                _ => {
                    error.try_set(Some((
                        i18n.t(Key::LeadNotFound).to_owned(),
                        lead.to_string(),
                    )));
                    return;
                }
            };
            match plan(&engine, &rules, |ctx| {
                reassign(ctx, &entity, &to_user, &records)
            }) {
                Err(e) => {
                    error.try_set(Some((error_text(i18n, &e), e.to_string())));
                }
                Ok(writes) => {
                    let name = people.name(&to_user);
                    save_step(i18n, engine, writes, error, move || {
                        done.try_set(Some(name));
                    });
                }
            }
        });
    };
    view! {
        <span class="reassign" data-testid="reassign" data-id=lead.to_string()>
            <select data-testid="reassign-select" aria-label=i18n.text(Key::LeadReassignTo)
                on:change=move |ev| { to.set(event_target_value(&ev)); error.set(None); }>
                <option value="" selected=move || to.with(String::is_empty)>{i18n.text(Key::LeadReassignTo)}</option>
                {move || options().into_iter().map(|(id, name)| {
                    let value = id.0.clone();
                    let is = id.0.clone();
                    view! { <option value=value selected=move || to.with(|t| *t == is)>{name}</option> }
                }).collect_view()}
            </select>
            " "
            <button type="button" class="secondary" data-testid="reassign-save" on:click=save>{i18n.text(Key::LeadReassign)}</button>
            {move || error.get().map(|(text, detail)| view! { <span class="error" role="alert" data-testid="reassign-error" title=detail>" " {text}</span> })}
            {move || done.get().map(|name| view! { <span class="ok" data-testid="reassign-done">" " {i18n.t(Key::LeadReassigned).replace("{name}", &name)}</span> })}
        </span>
    }
}

/// A manager's daily check: per advisor, the leads that missed their follow-up; and the
/// funnel of the last 30 days.
#[component]
fn ManagerPanel(
    floor: Memo<Option<Result<Floor, crate::sync::ReadError>>>,
    today: Day,
) -> impl IntoView {
    let i18n = I18n::use_context();
    let people = People::use_context();
    let missed = move || {
        floor.with(|read| {
            let f = match read {
                Some(Ok(f)) => f,
                _ => return ().into_any(),
            };
            let by_advisor = missed_by_advisor(&f.leads, today);
            if by_advisor.is_empty() {
                return view! { <p class="ok" data-testid="manager-missed-none">{i18n.text(Key::LeadMissedNone)}</p> }
                    .into_any();
            }
            let due: Vec<(Lead, Due)> = due_list(&f.leads, today);
            by_advisor
                .into_iter()
                .map(|(advisor, ids)| {
                    let name = people.name(&advisor);
                    let count = ids.len();
                    let rows = ids
                        .into_iter()
                        .filter_map(|id| due.iter().find(|(l, _)| l.id == id).cloned())
                        .map(|(lead, d)| {
                            let owner = lead.owner.clone();
                            let id = lead.id;
                            let title = lead_title(&lead);
                            view! {
                                <li data-testid="missed-row" data-id=id.to_string() data-grade=lead.grade.as_str()>
                                    <A href=format!("/leads/{id}")><strong>{title}</strong></A>
                                    " · " <span class="grade-tag">{lead.grade.as_str()}</span>
                                    " · " <span class="error">{move || due_text(i18n, d)}</span>
                                    <br/>
                                    <ReassignControl lead=id owner=owner/>
                                </li>
                            }
                        })
                        .collect_view();
                    view! {
                        <div data-testid="manager-missed-advisor" data-advisor=advisor.0.clone()>
                            <h3>{name} " · " {count}</h3>
                            <ul class="rows">{rows}</ul>
                        </div>
                    }
                })
                .collect_view()
                .into_any()
        })
    };
    let table = move || {
        floor.with(|read| {
            let f = match read {
                Some(Ok(f)) => f,
                _ => return ().into_any(),
            };
            let now = now_ms();
            let fun = funnel(&f.leads, now - 30 * 86_400_000, now);
            let zh = i18n.lang() == Lang::ZhCn;
            let sources: Vec<(String, String, Steps)> = fun
                .by_source
                .iter()
                .map(|(k, s)| {
                    let label = Source::parse(k)
                        .map(|src| src.label(zh).to_owned())
                        .unwrap_or_else(|| i18n.t(Key::LeadUnknown).to_owned());
                    (k.clone(), label, *s)
                })
                .collect();
            let models: Vec<(String, String, Steps)> = fun
                .by_model
                .iter()
                .map(|(k, s)| (k.clone(), k.clone(), *s))
                .collect();
            let advisors: Vec<(String, String, Steps)> = fun
                .by_advisor
                .iter()
                .map(|(k, s)| (k.0.clone(), people.name(k), *s))
                .collect();
            view! {
                <p class="hint" data-testid="funnel-total" data-captured=fun.total.captured data-delivered=fun.total.delivered>
                    {i18n.text(Key::LeadFunnelHint)}
                </p>
                {funnel_table(i18n, "funnel-source", Key::LeadSource, sources, fun.total)}
                {funnel_table(i18n, "funnel-model", Key::LeadModels, models, fun.total)}
                {funnel_table(i18n, "funnel-advisor", Key::LeadAdvisor, advisors, fun.total)}
            }
            .into_any()
        })
    };
    // Losses the advisors reported, waiting for the manager: off the follow-up lists, so they
    // must be here or nobody would ever decide them.
    let pending = move || {
        floor.with(|read| {
            let Some(Ok(f)) = read else {
                return ().into_any();
            };
            let rows: Vec<Lead> = f
                .leads
                .iter()
                .filter(|l| l.stage == Stage::LostPending)
                .cloned()
                .collect();
            if rows.is_empty() {
                return view! { <p class="ok" data-testid="manager-lost-none">{i18n.text(Key::LeadLostPendingNone)}</p> }.into_any();
            }
            rows.into_iter()
                .map(|lead| {
                    let id = lead.id;
                    let title = lead_title(&lead);
                    let reason = lead.stage_reason.clone();
                    let owner = lead.owner.as_ref().map(|o| people.name(o)).unwrap_or_default();
                    view! {
                        <li data-testid="lost-pending-row" data-id=id.to_string()>
                            <A href=format!("/leads/{id}")><strong>{title}</strong></A>
                            " · " {owner} " · " <span class="hint">{reason}</span>
                        </li>
                    }
                })
                .collect_view()
                .into_any()
        })
    };
    view! {
        <section class="card" data-testid="manager-lost-pending">
            <h2>{i18n.text(Key::LeadLostPendingTitle)}</h2>
            <ul class="rows">{pending}</ul>
        </section>
        <section class="card" data-testid="manager-missed">
            <h2>{i18n.text(Key::LeadMissedTitle)}</h2>
            <p class="hint">{i18n.text(Key::LeadMissedHint)}</p>
            {missed}
        </section>
        <section class="card" data-testid="funnel">
            <h2>{i18n.text(Key::LeadFunnelTitle)}</h2>
            {table}
        </section>
    }
}

/// One of the funnel's tables: a row per source, model or advisor, then the total.
fn funnel_table(
    i18n: I18n,
    testid: &'static str,
    by: Key,
    rows: Vec<(String, String, Steps)>,
    total: Steps,
) -> impl IntoView {
    let zh = i18n.lang() == Lang::ZhCn;
    let cells = |s: Steps| {
        view! {
            <td class="num" data-step="captured">{s.captured}</td>
            <td class="num" data-step="following">{s.following}</td>
            <td class="num" data-step="test_drive">{s.test_drive}</td>
            <td class="num" data-step="order">{s.order}</td>
            <td class="num" data-step="delivered">{s.delivered}</td>
            <td class="num" data-step="lost">{s.lost}</td>
            <td class="num" data-step="order_rate">{percent(f64::from(s.order), f64::from(s.captured))}</td>
        }
    };
    view! {
        <table class="table funnel" data-testid=testid>
            <thead>
                <tr>
                    <th scope="col">{i18n.text(by)}</th>
                    <th scope="col">{i18n.text(Key::LeadFunnelCaptured)}</th>
                    <th scope="col">{Stage::Following.label(zh)}</th>
                    <th scope="col">{Stage::TestDrive.label(zh)}</th>
                    <th scope="col">{Stage::Order.label(zh)}</th>
                    <th scope="col">{Stage::Delivered.label(zh)}</th>
                    <th scope="col">{Stage::Lost.label(zh)}</th>
                    <th scope="col">{i18n.text(Key::LeadOrderRate)}</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|(key, label, s)| view! {
                    <tr data-testid="funnel-row" data-key=key><th scope="row">{label}</th>{cells(s)}</tr>
                }).collect_view()}
                <tr class="total" data-testid="funnel-row" data-key="total"><th scope="row">{i18n.text(Key::LeadTotal)}</th>{cells(total)}</tr>
            </tbody>
        </table>
    }
}
