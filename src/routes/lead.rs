//! One lead (`/leads/<id>`): who, how to call them, the grade, source, models, stage and next
//! follow-up; logging a follow-up (how, what came of it, the next day, a new grade); the stage
//! moves (an order, the delivery, a loss with its reason, which a manager approves or sends
//! back to following); booking a test drive on the store's fleet in a free slot; and the
//! history of the lead. Every step is saved on the tablet first, in one transaction.

use crate::directory::People;
use crate::i18n::format::date_time;
use crate::i18n::{I18n, Key, Lang};
use crate::routes::leads::{
    ReassignControl, Shown, duplicate_flag, error_text, lead_title, manages_leads, plan, save_step,
};
use crate::routes::section::SectionPage;
use crate::routes::today::local_now;
use crate::sync::Sync;
use crate::unsaved::use_unsaved_guard;
use huifang_core::care::dates;
use huifang_core::sales::drives::{Drive, SLOTS, book, taken};
use huifang_core::sales::leads::{
    self, Channel, Ctx, FollowUp, Grade, Lead, LeadError, Stage, follow_up, move_stage,
};
use huifang_core::sync::{Entity, Event, Record, RecordId, RecordKind, Write};
use huifang_core::{Role, Section};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use serde_json::Value;

/// What the page shows of one lead.
#[derive(Debug, Clone)]
struct Loaded {
    entity: Entity,
    lead: Lead,
    /// Its follow-ups (lead_activity events), newest first.
    activity: Vec<Event>,
    /// Every booking on the tablet (the fleet's taken slots).
    drives: Vec<Drive>,
}

/// Equal when the person would see the same page: a sync confirming a change (the record's
/// feed position moves) must not rebuild the page under a form being filled.
impl PartialEq for Loaded {
    fn eq(&self, other: &Self) -> bool {
        self.entity.fields == other.entity.fields
            && self.entity.conflicts == other.entity.conflicts
            && self.entity.scope == other.entity.scope
            && self.lead == other.lead
            && self.activity.len() == other.activity.len()
            && self
                .activity
                .iter()
                .zip(&other.activity)
                .all(|(a, b)| a.id == b.id && a.fields == b.fields)
            && self.own_drives().eq(other.own_drives())
    }
}

impl Loaded {
    /// This lead's bookings. Other leads' bookings (every advisor's tablet holds the store's)
    /// do not rebuild the page: a colleague booking a car must not wipe a half-typed follow-up.
    /// The slots offered may then be a little stale; the server refuses a taken one, and the
    /// advisor sees why.
    fn own_drives(&self) -> impl Iterator<Item = &Drive> {
        self.drives
            .iter()
            .filter(move |d| d.lead == Some(self.lead.id))
    }
}

fn load(records: &[Record], id: RecordId) -> Option<Loaded> {
    let entity = records
        .iter()
        .filter_map(Record::as_entity)
        .find(|e| e.id == id && e.kind == RecordKind::Lead)?
        .clone();
    let lead = Lead::of(&entity)?;
    let key = id.to_string();
    let mut activity: Vec<Event> = records
        .iter()
        .filter_map(|r| match r {
            Record::Event(e)
                if e.kind == RecordKind::LeadActivity
                    && e.fields.get(leads::fields::LEAD).and_then(Value::as_str)
                        == Some(key.as_str()) =>
            {
                Some(e.clone())
            }
            _ => None,
        })
        .collect();
    activity.sort_by_key(|e| std::cmp::Reverse(e.stamp));
    Some(Loaded {
        entity,
        lead,
        activity,
        drives: Drive::all(records),
    })
}

#[component]
pub fn LeadPage(role: Role) -> impl IntoView {
    let i18n = I18n::use_context();
    if !Section::Leads.visible_to(role) {
        return view! { <SectionPage section=Section::Leads role=role/> }.into_any();
    }
    let Some(sync) = Sync::use_context() else {
        return ().into_any();
    };
    let params = use_params_map();
    let id = params
        .read_untracked()
        .get("id")
        .and_then(|s| s.parse().ok())
        .map(RecordId);
    let Some(id) = id else {
        return view! { <p class="error" data-testid="lead-missing">{i18n.text(Key::LeadNotFound)}</p> }
            .into_any();
    };
    let data = sync.resource(move |engine| async move {
        let records = engine.snapshot().await?;
        Ok(load(&records, id))
    });
    let shown = Memo::new(move |_| data.with(|read| read.clone().flatten()));
    // What a step saved, kept here: a saved step changes the lead and rebuilds the view below.
    let done = Done {
        follow_up: RwSignal::new(false),
        booked: RwSignal::new(None),
    };
    view! {
        <section class="card lead" data-section="/leads/id">
            <p><A href="/leads" attr:data-testid="lead-back">{i18n.text(Key::LeadBack)}</A></p>
            {move || match shown.get() {
                Some(Ok(Some(loaded))) => view! { <LeadView loaded=loaded role=role done=done/> }.into_any(),
                Some(Ok(None)) => view! { <p class="error" data-testid="lead-missing">{i18n.text(Key::LeadNotFound)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" title=e.detail.clone()>{i18n.t(e.key)}</p> }.into_any(),
                None => view! { <p>{i18n.text(Key::SyncOpening)}</p> }.into_any(),
            }}
        </section>
    }
    .into_any()
}

/// The last step's confirmation ("follow-up saved", "test drive booked").
#[derive(Clone, Copy)]
struct Done {
    follow_up: RwSignal<bool>,
    booked: RwSignal<Option<String>>,
}

/// Takes steps on one lead. The sync handle and the store's rules are taken when the page is
/// built: a step's save runs in a task, outside the page's reactive scope.
#[derive(Clone, Copy)]
struct Stepper {
    i18n: I18n,
    entity: StoredValue<Entity>,
    sync: Option<Sync>,
    people: People,
}

impl Stepper {
    /// Makes the step's writes on the lead as it stands on the tablet and saves them in one
    /// transaction; the error (the core's refusal or the tablet's) goes to `error`.
    fn take(
        self,
        error: RwSignal<Option<Shown>>,
        make: impl FnOnce(Ctx<'_>, &Entity) -> Result<Vec<Write>, LeadError>,
        done: impl FnOnce() + 'static,
    ) {
        let i18n = self.i18n;
        let Some(engine) = self.sync.and_then(|s| s.engine()) else {
            error.set(Some((
                i18n.t(Key::SyncOpening).to_owned(),
                "no sync engine".to_owned(),
            )));
            return;
        };
        let rules = self.people.sales_rules();
        let entity = self.entity.get_value();
        match plan(&engine, &rules, |ctx| make(ctx, &entity)) {
            Ok(writes) => save_step(i18n, engine, writes, error, done),
            Err(e) => error.set(Some((error_text(i18n, &e), e.to_string()))),
        }
    }
}

fn error_line(error: RwSignal<Option<Shown>>, testid: &'static str) -> impl IntoView {
    move || {
        error.get().map(|(text, detail)| {
            view! { <p class="error" role="alert" data-testid=testid title=detail>{text}</p> }
        })
    }
}

#[component]
fn LeadView(loaded: Loaded, role: Role, done: Done) -> impl IntoView {
    let i18n = I18n::use_context();
    let people = People::use_context();
    let zh = move || i18n.lang() == Lang::ZhCn;
    let lead = loaded.lead.clone();
    let step = Stepper {
        i18n,
        entity: StoredValue::new(loaded.entity.clone()),
        sync: Sync::use_context(),
        people,
    };
    let (grade, stage, source) = (lead.grade, lead.stage, lead.source);
    let models = if lead.models.is_empty() {
        "–".to_owned()
    } else {
        lead.models.join("、")
    };
    let owner = lead.owner.clone();
    let owner_name = owner.as_ref().map(|o| people.name(o));
    let is_open = lead.is_open();
    let lead_drives: Vec<Drive> = loaded
        .drives
        .iter()
        .filter(|d| d.lead == Some(lead.id))
        .cloned()
        .collect();
    view! {
        <h1 data-testid="lead-title" data-stage=stage.as_str() data-grade=grade.as_str()>
            {lead_title(&lead)} " · " {move || stage.label(zh())}
        </h1>
        {duplicate_flag(i18n, people, &lead)}
        {(!lead.conflicts.is_empty()).then(|| view! {
            <p class="notice" role="alert" data-testid="lead-conflict">
                {i18n.text(Key::LeadConflict)} " " <A href="/conflicts">{i18n.text(Key::ConflictsTitle)}</A>
            </p>
        })}
        <dl class="facts">
            <dt>{i18n.text(Key::LeadPhone)}</dt>
            <dd>{if huifang_core::privacy::is_masked(&lead.phone) {
                view! { <crate::components::masked_phone::PhoneShown record=lead.id phone=lead.phone.clone()/> }.into_any()
            } else {
                view! { <a class="call primary" href=format!("tel:{}", lead.phone) data-testid="lead-phone-link">{lead.phone.clone()}</a> }.into_any()
            }}</dd>
            <dt>{i18n.text(Key::LeadName)}</dt><dd data-testid="lead-name-shown">{if lead.name.is_empty() { "–".to_owned() } else { lead.name.clone() }}</dd>
            <dt>{i18n.text(Key::LeadGrade)}</dt><dd data-testid="lead-grade">{move || grade.label(zh())}</dd>
            <dt>{i18n.text(Key::LeadSource)}</dt><dd data-testid="lead-source">{move || source.map(|s| s.label(zh())).unwrap_or("–")}</dd>
            <dt>{i18n.text(Key::LeadModels)}</dt><dd data-testid="lead-models-shown">{models}</dd>
            <dt>{i18n.text(Key::LeadStage)}</dt><dd data-testid="lead-stage" data-stage=stage.as_str()>{move || stage.label(zh())}</dd>
            {(!lead.stage_reason.is_empty()).then(|| view! {
                <dt>{i18n.text(Key::LeadLostReason)}</dt><dd data-testid="lead-stage-reason">{lead.stage_reason.clone()}</dd>
            })}
            <dt>{i18n.text(Key::LeadNextFollowUp)}</dt>
            <dd data-testid="lead-next">{lead.next_follow_up.map(|d| d.to_string()).unwrap_or_else(|| "–".to_owned())}</dd>
            {lead.last_follow_up.map(|at| view! { <dt>{i18n.text(Key::LeadLastFollowUp)}</dt><dd>{date_time(i18n.lang(), at)}</dd> })}
            <dt>{i18n.text(Key::LeadCapturedAt)}</dt><dd>{date_time(i18n.lang(), lead.captured_at)}</dd>
            {owner_name.map(|n| view! { <dt>{i18n.text(Key::LeadAdvisor)}</dt><dd data-testid="lead-owner">{n}</dd> })}
            {(!lead.budget.is_empty()).then(|| view! { <dt>{i18n.text(Key::LeadBudget)}</dt><dd data-testid="lead-budget-shown">{lead.budget.clone()}</dd> })}
            {lead.trade_in.then(|| view! { <dt>{i18n.text(Key::LeadTradeIn)}</dt><dd data-testid="lead-trade-in-shown">{i18n.text(Key::LeadYes)}</dd> })}
            {(!lead.notes.is_empty()).then(|| view! { <dt>{i18n.text(Key::LeadNotes)}</dt><dd class="pre">{lead.notes.clone()}</dd> })}
        </dl>
        {is_open.then(|| view! { <FollowUpForm step=step grade=grade saved=done.follow_up/> })}
        <StageForm step=step stage=stage manager=manages_leads(role)/>
        {(is_open && stage != Stage::LostPending).then(|| view! { <BookForm step=step drives=loaded.drives.clone() booked=done.booked/> })}
        {manages_leads(role).then(|| view! {
            <fieldset class="step" data-testid="lead-reassign">
                <legend>{i18n.text(Key::LeadReassign)}</legend>
                <ReassignControl lead=lead.id owner=owner.clone()/>
            </fieldset>
        })}
        <h2>{i18n.text(Key::DriveTitle)}</h2>
        {lead_drives.is_empty().then(|| view! { <p class="hint">{i18n.text(Key::DriveNone)}</p> })}
        <ul class="rows" data-testid="lead-drives">
            {lead_drives.into_iter().map(|d| view! {
                <li data-testid="lead-drive" data-id=d.id.to_string() data-status=d.status.as_str()>
                    {d.day.map(|x| x.to_string()).unwrap_or_default()} " " {d.slot.clone()} " · " {d.car.clone()}
                    " · " {move || d.status.label(zh())}
                    {d.licence_checked.then(|| view! { " · " <span class="ok">{i18n.text(Key::DriveLicenceChecked)}</span> })}
                </li>
            }).collect_view()}
        </ul>
        <h2>{i18n.text(Key::LeadHistory)}</h2>
        <History loaded=loaded/>
    }
}

/// 跟进记录: how the advisor reached the customer, what came of it, when next, a new grade.
#[component]
fn FollowUpForm(step: Stepper, grade: Grade, saved: RwSignal<bool>) -> impl IntoView {
    let i18n = I18n::use_context();
    let zh = move || i18n.lang() == Lang::ZhCn;
    let channel = RwSignal::new(Channel::Call);
    let outcome = RwSignal::new(String::new());
    let next = RwSignal::new(String::new());
    let regrade = RwSignal::new(None::<Grade>);
    let error = RwSignal::new(None::<Shown>);
    use_unsaved_guard(move || !outcome.get().trim().is_empty());
    let today = local_now().0;
    let save = move |_| {
        let next_day = match next.get_untracked().trim() {
            "" => None,
            typed => match dates::parse(typed) {
                Ok(day) if day < today => {
                    error.set(Some((
                        i18n.t(Key::LeadErrPastDay).to_owned(),
                        typed.to_owned(),
                    )));
                    return;
                }
                Ok(day) => Some(day),
                Err(e) => {
                    error.set(Some((i18n.t(Key::LeadErrDay).to_owned(), e.to_string())));
                    return;
                }
            },
        };
        let fu = FollowUp {
            channel: channel.get_untracked(),
            outcome: outcome.get_untracked(),
            next: next_day,
            regrade: regrade.get_untracked(),
        };
        saved.set(false);
        step.take(
            error,
            move |ctx, e| follow_up(ctx, e, &fu),
            move || {
                outcome.try_set(String::new());
                next.try_set(String::new());
                regrade.try_set(None);
                saved.try_set(true);
            },
        );
    };
    view! {
        <fieldset class="step" data-testid="followup">
            <legend>{i18n.text(Key::LeadFollowUp)}</legend>
            <div class="choices">
                {Channel::ALL.iter().copied().map(|c| view! {
                    <button type="button" class="choice" data-testid=format!("followup-channel-{}", c.as_str())
                        class:chosen=move || channel.get() == c
                        aria-pressed=move || (channel.get() == c).to_string()
                        on:click=move |_| channel.set(c)>
                        {move || c.label(zh())}
                    </button>
                }).collect_view()}
            </div>
            <label class="field">
                <span class="label-text">{i18n.text(Key::LeadOutcome)}</span>
                <textarea rows="2" data-testid="followup-outcome" prop:value=move || outcome.get()
                    on:input=move |ev| { outcome.set(event_target_value(&ev)); saved.set(false); }></textarea>
            </label>
            <label class="field">
                <span class="label-text">{i18n.text(Key::LeadNextFollowUp)} " " <span class="hint">{i18n.text(Key::LeadNextHint)}</span></span>
                <input type="date" data-testid="followup-next" min=today.to_string() prop:value=move || next.get()
                    on:input=move |ev| next.set(event_target_value(&ev))/>
            </label>
            <div class="choices" role="group" aria-label=i18n.text(Key::LeadRegrade)>
                <span class="label-text">{i18n.text(Key::LeadRegrade)}</span>
                {Grade::ALL.iter().copied().map(|g| view! {
                    <button type="button" class="choice" data-testid=format!("followup-grade-{}", g.as_str())
                        class:chosen=move || regrade.get() == Some(g)
                        class:current=move || g == grade
                        aria-pressed=move || (regrade.get() == Some(g)).to_string()
                        on:click=move |_| regrade.update(|r| *r = if *r == Some(g) { None } else { Some(g) })>
                        {move || g.label(zh())}
                    </button>
                }).collect_view()}
            </div>
            {error_line(error, "followup-error")}
            {move || saved.get().then(|| view! { <p class="ok" role="status" data-testid="followup-saved">{i18n.text(Key::LeadFollowUpSaved)}</p> })}
            <button type="button" class="primary" data-testid="followup-save" on:click=save>{i18n.text(Key::LeadFollowUpSave)}</button>
        </fieldset>
    }
}

/// The stage moves open from `stage`: an order, the delivery, a loss (with its reason); a
/// manager approves a loss or sends the lead back to following.
#[component]
fn StageForm(step: Stepper, stage: Stage, manager: bool) -> impl IntoView {
    let i18n = I18n::use_context();
    let zh = move || i18n.lang() == Lang::ZhCn;
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Shown>);
    let go = move |to: Stage, why: Option<RwSignal<String>>| {
        let text = why.map(|w| w.get_untracked()).unwrap_or_default();
        step.take(
            error,
            move |ctx, e| move_stage(ctx, e, to, &text),
            move || {
                if let Some(w) = why {
                    w.try_set(String::new());
                }
            },
        );
    };
    let button = move |to: Stage, testid: &'static str, key: Key, class: &'static str| {
        view! {
            <button type="button" class=class data-testid=testid data-to=to.as_str() on:click=move |_| go(to, None)>
                {i18n.text(key)}
            </button>
        }
    };
    let can_order = matches!(stage, Stage::New | Stage::Following | Stage::TestDrive);
    let can_lose = matches!(
        stage,
        Stage::New | Stage::Following | Stage::TestDrive | Stage::Order
    );
    if !can_order && !can_lose && stage != Stage::Order && stage != Stage::LostPending {
        return ().into_any();
    }
    view! {
        <fieldset class="step" data-testid="stage" data-stage=stage.as_str()>
            <legend>{i18n.text(Key::LeadStage)} " · " {move || stage.label(zh())}</legend>
            <div class="row">
                {can_order.then(|| button(Stage::Order, "stage-order", Key::LeadToOrder, "primary"))}
                {(stage == Stage::Order).then(|| button(Stage::Delivered, "stage-delivered", Key::LeadToDelivered, "primary"))}
            </div>
            {can_lose.then(|| view! {
                <label class="field">
                    <span class="label-text">{i18n.text(Key::LeadLostReason)}</span>
                    <textarea rows="2" data-testid="stage-lost-reason" prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                </label>
                <button type="button" class="danger" data-testid="stage-lost" on:click=move |_| go(Stage::LostPending, Some(reason))>
                    {i18n.text(Key::LeadToLost)}
                </button>
            })}
            {(stage == Stage::LostPending).then(|| if manager {
                view! {
                    <p class="hint">{i18n.text(Key::LeadLostPendingManager)}</p>
                    <div class="row">
                        {button(Stage::Lost, "stage-approve-lost", Key::LeadApproveLost, "danger")}
                        {button(Stage::Following, "stage-back-following", Key::LeadBackToFollowing, "secondary")}
                    </div>
                }.into_any()
            } else {
                view! { <p class="hint" data-testid="stage-lost-waiting">{i18n.text(Key::LeadLostPendingAdvisor)}</p> }.into_any()
            })}
            {error_line(error, "stage-error")}
        </fieldset>
    }
    .into_any()
}

/// 预约试驾: one of the store's cars, a day, a free slot (a slot anyone booked is disabled).
#[component]
fn BookForm(step: Stepper, drives: Vec<Drive>, booked: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = I18n::use_context();
    let people = People::use_context();
    let today = local_now().0;
    let car = RwSignal::new(String::new());
    let day = RwSignal::new(today.to_string());
    let slot = RwSignal::new(None::<&'static str>);
    let error = RwSignal::new(None::<Shown>);
    let drives = StoredValue::new(drives);
    // The chosen car, else the fleet's first.
    let car_now = move || {
        let chosen = car.get();
        if chosen.is_empty() {
            people.fleet().into_iter().next().unwrap_or_default()
        } else {
            chosen
        }
    };
    let day_now = move || dates::parse(&day.get()).ok();
    let is_taken = move |s: &'static str| {
        let (c, d) = (car_now(), day_now());
        d.is_some_and(|d| {
            drives.with_value(|all| taken(all, d).contains_key(&(c.clone(), s.to_owned())))
        })
    };
    let save = move |_| {
        let c = car_now();
        let d = match dates::parse(&day.get_untracked()) {
            Ok(d) if d < today => {
                error.set(Some((i18n.t(Key::DriveErrPast).to_owned(), d.to_string())));
                return;
            }
            Ok(d) => d,
            Err(e) => {
                error.set(Some((i18n.t(Key::LeadErrDay).to_owned(), e.to_string())));
                return;
            }
        };
        let s = slot.get_untracked().unwrap_or_default();
        let all = drives.get_value();
        let what = format!("{d} {s} · {c}");
        booked.set(None);
        step.take(
            error,
            move |ctx, e| book(ctx, e, &c, d, s, &all),
            move || {
                slot.try_set(None);
                booked.try_set(Some(what));
            },
        );
    };
    view! {
        <fieldset class="step" data-testid="drive-book-form">
            <legend>{i18n.text(Key::DriveBook)}</legend>
            {move || people.fleet().is_empty().then(|| view! { <p class="hint" data-testid="drive-no-fleet">{i18n.text(Key::DriveNoFleet)}</p> })}
            <div class="row">
                <label class="field">
                    <span class="label-text">{i18n.text(Key::DriveCar)}</span>
                    <select data-testid="drive-car" on:change=move |ev| { car.set(event_target_value(&ev)); slot.set(None); }>
                        {move || {
                            let current = car_now();
                            people.fleet().into_iter().map(|c| {
                                let chosen = c == current;
                                view! { <option value=c.clone() selected=chosen>{c.clone()}</option> }
                            }).collect_view()
                        }}
                    </select>
                </label>
                <label class="field">
                    <span class="label-text">{i18n.text(Key::DriveDay)}</span>
                    <input type="date" data-testid="drive-day" min=today.to_string() prop:value=move || day.get()
                        on:input=move |ev| { day.set(event_target_value(&ev)); slot.set(None); }/>
                </label>
            </div>
            <div class="choices slots" role="group" aria-label=i18n.text(Key::DriveSlot)>
                {SLOTS.iter().copied().map(|s| view! {
                    <button type="button" class="choice slot" data-testid="drive-slot" data-slot=s
                        class:chosen=move || slot.get() == Some(s)
                        class:taken=move || is_taken(s)
                        disabled=move || is_taken(s)
                        title=move || if is_taken(s) { i18n.t(Key::DriveSlotTaken) } else { "" }
                        on:click=move |_| slot.set(Some(s))>
                        {s}
                    </button>
                }).collect_view()}
            </div>
            {error_line(error, "drive-error")}
            {move || booked.get().map(|what| view! {
                <p class="ok" role="status" data-testid="drive-booked">
                    {i18n.text(Key::DriveBooked)} " " {what} " " <A href="/test-drives">{i18n.text(Key::NavTestDrives)}</A>
                </p>
            })}
            <button type="button" class="primary" data-testid="drive-book" on:click=save>{i18n.text(Key::DriveBook)}</button>
        </fieldset>
    }
}

/// The lead's follow-ups, newest first, then its capture.
#[component]
fn History(loaded: Loaded) -> impl IntoView {
    let i18n = I18n::use_context();
    let people = People::use_context();
    let zh = move || i18n.lang() == Lang::ZhCn;
    let text = |e: &Event, f: &str| {
        e.fields
            .get(f)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let captured_at = loaded.lead.captured_at;
    let owner = loaded.lead.owner.clone();
    view! {
        <ol class="timeline" data-testid="lead-history">
            {loaded.activity.iter().map(|e| {
                let channel = Channel::parse(&text(e, leads::fields::CHANNEL));
                let grade = Grade::parse(&text(e, leads::fields::GRADE));
                let next = text(e, leads::fields::NEXT);
                let outcome = text(e, leads::fields::OUTCOME);
                let by = people.name(&e.by);
                let at = e.stamp.wall_ms;
                view! {
                    <li data-testid="lead-activity" data-channel=channel.map(|c| c.as_str()).unwrap_or_default()>
                        <strong>{move || channel.map(|c| c.label(zh())).unwrap_or("–")}</strong>
                        {format!(" · {} · {by}", date_time(i18n.lang(), at))}
                        <br/><span class="pre">{outcome}</span>
                        <br/><span class="hint">
                            {i18n.text(Key::LeadNextFollowUp)} " " {next}
                            {grade.map(|g| view! { " · " {i18n.text(Key::LeadGrade)} " " {move || g.label(zh())} })}
                        </span>
                    </li>
                }
            }).collect_view()}
            <li data-testid="lead-activity-captured">
                <strong>{i18n.text(Key::LeadCapturedAt)}</strong>
                {format!(" · {}", date_time(i18n.lang(), captured_at))}
                {owner.map(|o| format!(" · {}", people.name(&o)))}
            </li>
        </ol>
    }
}
