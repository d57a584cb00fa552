//! One complaint (`/complaints/<id>`), and a new one (`/complaints/new`): the registration,
//! the response timer, the next step of the loop for this person (judge, investigate and
//! propose, approve or send back, carry out with the customer's signature on the tablet,
//! review and close, reopen), photos from the tablet's camera, the append-only timeline, and
//! the printable resolution confirmation (客户投诉解决确认书) with the signature. Every step is
//! saved on the tablet first, in one transaction, and synced after.

use crate::components::blob_image::{BlobImage, CapturedImage};
use crate::components::photo_capture::{PhotoCapture, PhotoError};
use crate::components::signature_pad::SignaturePad;
use crate::directory::People;
use crate::i18n::format::date_time;
use crate::i18n::{I18n, Key, Lang};
use crate::routes::complaint_form::{ComplaintForm, error_text};
use crate::routes::complaints::{deadline_text, ticking_now};
use crate::routes::script_panel::store_name;
use crate::routes::section::SectionPage;
use crate::routes::today::local_offset;
use crate::sync::Sync;
use crate::sync::engine::{SyncEngine, now_ms};
use crate::unsaved::use_unsaved_guard;
use huifang_core::care::complaints::{
    Acceptance, Complaint, Ctx, Department, Move, Registration, Status, TimelineEntry, apply,
    moves_open, photos, timeline,
};
use huifang_core::care::dates::Day;
use huifang_core::sync::{Entity, Record, RecordId, RecordKind};
use huifang_core::{Role, Section};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde_json::Value;

/// What the page shows of one complaint.
#[derive(Debug, Clone)]
struct Loaded {
    entity: Entity,
    complaint: Complaint,
    timeline: Vec<TimelineEntry>,
    photos: Vec<String>,
    follow_up: Option<RecordId>,
}

/// Equal when the person would see the same steps: the sync confirming a change (the record's
/// feed position moves), a photo or a timeline entry arriving must not rebuild the page under a
/// form being filled, a signature drawn or a tap (the photos and the timeline redraw on their
/// own, see `Extras`).
impl PartialEq for Loaded {
    fn eq(&self, other: &Self) -> bool {
        self.entity.fields == other.entity.fields
            && self.entity.conflicts == other.entity.conflicts
            && self.complaint == other.complaint
            && self.follow_up == other.follow_up
    }
}

fn load(records: &[Record], id: RecordId) -> Option<Loaded> {
    let entity = records
        .iter()
        .filter_map(Record::as_entity)
        .find(|e| e.id == id && e.kind == RecordKind::Complaint)?
        .clone();
    let complaint = Complaint::of(&entity)?;
    let key = id.to_string();
    let follow_up = records
        .iter()
        .filter_map(Record::as_entity)
        .find(|e| {
            e.kind == RecordKind::CallbackTask
                && e.value("complaint").and_then(Value::as_str) == Some(key.as_str())
        })
        .map(|e| e.id);
    Some(Loaded {
        timeline: timeline(records, id),
        photos: photos(records, id),
        entity,
        complaint,
        follow_up,
    })
}

/// `/complaints/new`: the registration form from scratch.
#[component]
pub fn NewComplaintPage(role: Role) -> impl IntoView {
    let i18n = I18n::use_context();
    if !Section::Complaints.visible_to(role) {
        return view! { <SectionPage section=Section::Complaints role=role/> }.into_any();
    }
    let navigate = use_navigate();
    let on_saved = Callback::new(move |id: RecordId| {
        navigate(&format!("/complaints/{id}"), Default::default());
    });
    view! {
        <section class="card" data-section="/complaints/new">
            <h1>{i18n.text(Key::CmpFormTitle)}</h1>
            <ComplaintForm initial=Registration { received_at: now_ms(), ..Registration::default() } on_saved=on_saved/>
        </section>
    }
    .into_any()
}

/// Takes steps on one complaint: the engine and the store's rules are taken when the page is
/// built, since a step may be taken from a callback that runs outside the page's reactive
/// scope (a photo decoded, a signature encoded), where the app's context cannot be read.
#[derive(Clone, Copy)]
struct Stepper {
    i18n: I18n,
    entity: StoredValue<Entity>,
    error: RwSignal<Option<(String, String)>>,
    engine: StoredValue<Option<SyncEngine>, LocalStorage>,
    people: People,
}

impl Stepper {
    /// Saves the writes of `mv` on the complaint as it stands on the tablet; `image` is kept
    /// on the tablet first (a signature's or photo's, before the step that names it).
    fn take(self, mv: Move, image: Option<CapturedImage>, done: impl FnOnce() + 'static) {
        let (i18n, error) = (self.i18n, self.error);
        // From an async callback the page may be gone: then there is nothing to step on.
        let (Some(Some(engine)), Some(entity)) =
            (self.engine.try_get_value(), self.entity.try_get_value())
        else {
            error.try_set(Some((
                i18n.t(Key::ErrUnexpected).to_owned(),
                "no sync engine or complaint".to_owned(),
            )));
            return;
        };
        let rules = self.people.complaint_rules();
        spawn_local(async move {
            // Stamped with the server's time as the tablet knows it, not its own clock.
            let now = match engine.server_now().await {
                Ok(now) => now,
                Err(e) => {
                    leptos::logging::warn!("server time unknown, the tablet's used: {e}");
                    now_ms()
                }
            };
            let user = engine.user().clone();
            let ctx = Ctx {
                user: &user,
                now_ms: now,
                today: Day::of_ms(now, local_offset()),
                rules: &rules,
            };
            let writes = match apply(ctx, &entity, &mv) {
                Ok(w) => w,
                Err(e) => {
                    error.try_set(Some((error_text(i18n, &e), e.to_string())));
                    return;
                }
            };
            if let Some(image) = image
                && let Err(e) = engine.keep_blob(&image).await
            {
                error.try_set(Some((i18n.t(e.key()).to_owned(), e.to_string())));
                return;
            }
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
}

#[component]
pub fn ComplaintPage(role: Role) -> impl IntoView {
    let i18n = I18n::use_context();
    if !Section::Complaints.visible_to(role) {
        return view! { <SectionPage section=Section::Complaints role=role/> }.into_any();
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
        return view! { <p class="error">{i18n.text(Key::CmpNotFound)}</p> }.into_any();
    };
    let data = sync.resource(move |engine| async move {
        let records = engine.snapshot().await?;
        Ok(load(&records, id))
    });
    let now = ticking_now();
    // Rebuilt only when what it shows changes (see `Loaded`'s equality).
    let shown = Memo::new(move |_| data.with(|read| read.clone().flatten()));
    let extras = Memo::new(move |_| {
        data.with(|read| match read {
            Some(Some(Ok(Some(l)))) => (l.timeline.clone(), l.photos.clone()),
            _ => (Vec::new(), Vec::new()),
        })
    });
    view! {
        <section class="card complaint" data-section="/complaints/id">
            {move || match shown.get() {
                Some(Ok(Some(loaded))) => view! { <ComplaintView loaded=loaded now=now extras=extras/> }.into_any(),
                Some(Ok(None)) => view! { <p class="error" data-testid="complaint-missing">{i18n.text(Key::CmpNotFound)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" title=e.detail.clone()>{i18n.t(e.key)}</p> }.into_any(),
                None => view! { <p>{i18n.text(Key::SyncOpening)}</p> }.into_any(),
            }}
        </section>
    }
    .into_any()
}

#[component]
fn ComplaintView(
    loaded: Loaded,
    now: ReadSignal<i64>,
    extras: Memo<(Vec<TimelineEntry>, Vec<String>)>,
) -> impl IntoView {
    let i18n = I18n::use_context();
    let people = People::use_context();
    let zh = move || i18n.lang() == Lang::ZhCn;
    let c = loaded.complaint.clone();
    let user = Sync::use_context()
        .and_then(|s| s.engine())
        .map(|e| e.user().clone());
    let open: Vec<&'static str> = user.as_ref().map(|u| moves_open(&c, u)).unwrap_or_default();
    let editing = RwSignal::new(false);
    let error = RwSignal::new(None::<(String, String)>);
    let entity = StoredValue::new(loaded.entity.clone());
    let step = Stepper {
        i18n,
        entity,
        error,
        engine: StoredValue::new_local(Sync::use_context().and_then(|s| s.engine())),
        people,
    };
    let c2 = c.clone();
    let timer = move || {
        let (state, text) = deadline_text(i18n, &c2, &people.complaint_rules(), now.get());
        view! { <span data-testid="complaint-deadline" data-state=format!("{state:?}").to_lowercase()>{text}</span> }
    };
    let registration = Registration {
        customer: c.customer,
        complainant: c.complainant.clone(),
        phone: c.phone.clone(),
        channel: c.channel,
        received_at: c.received_at,
        vehicle: c.vehicle.clone(),
        work_order: c.work_order.clone(),
        task: c.task,
        category: c.category,
        severity: Some(c.severity),
        content: c.content.clone(),
        demand: c.demand.clone(),
    };
    let photo_error = move |e: PhotoError| {
        let key = match e {
            PhotoError::TooLarge { .. } => Key::CmpPhotoTooLarge,
            _ => Key::CmpPhotoBad,
        };
        error.set(Some((i18n.t(key).to_owned(), e.to_string())));
    };
    let on_photo = move |image: CapturedImage| {
        let mv = Move::Photo {
            blob: image.sha256.clone(),
        };
        step.take(mv, Some(image), || {});
    };
    let step_forms = open
        .iter()
        .map(|m| match *m {
            "judge" => view! { <JudgeForm step=step/> }.into_any(),
            "propose" => view! { <ProposeForm step=step/> }.into_any(),
            "approve" => view! { <ApproveForm complaint=c.clone() step=step/> }.into_any(),
            "implement" => view! { <ImplementForm complaint=c.clone() step=step/> }.into_any(),
            "close" => view! { <CloseForm step=step/> }.into_any(),
            "reopen" => view! { <ReopenForm step=step/> }.into_any(),
            _ => ().into_any(),
        })
        .collect_view();
    let can_photo = open.contains(&"photo");
    let show_confirmation = c.signature.is_some() || !c.refusal.is_empty();
    view! {
        <h1 data-testid="complaint-title" data-status=c.status.as_str()>
            {c.complainant.clone()} " · " {move || c.status.label(zh())}
        </h1>
        {(!c.conflicts.is_empty()).then(|| view! {
            <p class="notice" role="alert" data-testid="complaint-conflict">
                {i18n.text(Key::CmpConflict)} " " <A href="/conflicts">{i18n.text(Key::ConflictsTitle)}</A>
            </p>
        })}
        <dl class="facts">
            <dt>{i18n.text(Key::CmpDeadline)}</dt><dd>{timer}</dd>
            <dt>{i18n.text(Key::CmpReceivedAt)}</dt><dd>{date_time(i18n.lang(), c.received_at)}</dd>
            <dt>{i18n.text(Key::CmpPhone)}</dt><dd><crate::components::masked_phone::PhoneShown record=c.id phone=c.phone.clone()/></dd>
            <dt>{i18n.text(Key::CmpChannel)}</dt><dd>{c.channel.map(|x| x.label(zh())).unwrap_or("–")}</dd>
            <dt>{i18n.text(Key::CmpSeverity)}</dt><dd data-testid="complaint-severity">{c.severity.label(zh())}</dd>
            <dt>{i18n.text(Key::CmpCategory)}</dt><dd data-testid="complaint-category">{c.category.map(|x| x.label(zh())).unwrap_or("–")}</dd>
            <dt>{i18n.text(Key::CmpVehicle)}</dt><dd>{c.vehicle.clone()}</dd>
            <dt>{i18n.text(Key::CmpWorkOrder)}</dt><dd>{c.work_order.clone()}</dd>
            <dt>{i18n.text(Key::CmpContent)}</dt><dd class="pre">{c.content.clone()}</dd>
            <dt>{i18n.text(Key::CmpDemand)}</dt><dd>{c.demand.clone()}</dd>
            {c.department.map(|d| view! { <dt>{i18n.text(Key::CmpDepartment)}</dt><dd>{d.label(zh())}</dd> })}
            {c.approved_solution().map(|s| view! { <dt>{i18n.text(Key::CmpApprovedSolution)}</dt><dd data-testid="complaint-approved">{s.to_owned()}</dd> })}
            {c.customer.map(|id| view! { <dt>{i18n.text(Key::NavCustomers)}</dt><dd><A href=format!("/customers/{id}")>{i18n.text(Key::CmpCustomerLinked)}</A></dd> })}
            {loaded.follow_up.map(|id| view! { <dt>{i18n.text(Key::CmpFollowUpTask)}</dt><dd><A href=format!("/tasks/{id}") attr:data-testid="complaint-follow-up">{i18n.text(Key::CmpFollowUpTask)}</A></dd> })}
        </dl>
        {(c.status == Status::Registered).then(|| view! {
            <button type="button" class="secondary" data-testid="complaint-edit" on:click=move |_| editing.update(|e| *e = !*e)>{i18n.text(Key::CmpEdit)}</button>
        })}
        {move || editing.get().then(|| view! {
            <ComplaintForm initial=registration.clone() existing=entity.get_value() on_saved=Callback::new(move |_| editing.set(false))/>
        })}
        {move || error.get().map(|(text, detail)| view! { <p class="error" role="alert" data-testid="step-error" title=detail>{text}</p> })}
        {step_forms}
        <h2>{i18n.text(Key::CmpPhotos)}</h2>
        <div class="photos" data-testid="complaint-photos">
            {move || extras.with(|(_, photos)| photos.iter().map(|sha| view! { <BlobImage sha256=sha.clone() alt=i18n.t(Key::CmpPhotos) class="photo"/> }).collect_view())}
        </div>
        {can_photo.then(|| view! {
            <PhotoCapture label=Signal::derive(move || i18n.t(Key::CmpAddPhoto).to_owned())
                on_photo=Callback::new(on_photo) on_error=Callback::new(photo_error)/>
        })}
        <h2>{i18n.text(Key::CmpTimeline)}</h2>
        <ol class="timeline" data-testid="complaint-timeline">
            {move || extras.with(|(entries, _)| entries.iter().cloned().map(|t| view! {
                <li data-step=t.step.as_str()>
                    <strong>{move || t.step.label(zh())}</strong>
                    {format!(" · {} · {}", date_time(i18n.lang(), t.at), people.name(&t.by))}
                    {details_text(&t).map(|d| view! { <br/><span class="hint pre">{d}</span> })}
                </li>
            }).collect_view())}
        </ol>
        {show_confirmation.then(|| view! { <Confirmation complaint=c.clone()/> })}
    }
}

/// A timeline entry's own words (reasons, solutions, what was done).
fn details_text(t: &TimelineEntry) -> Option<String> {
    let mut parts = Vec::new();
    for key in [
        "judgement",
        "cause",
        "responsible",
        "solution",
        "reason",
        "actions",
        "measures",
        "feedback",
        "refusal",
        "review",
        "improvements",
    ] {
        if let Some(v) = t.details.get(key).and_then(Value::as_str)
            && !v.trim().is_empty()
        {
            parts.push(v.to_owned());
        }
    }
    if let Some(list) = t.details.get("solutions").and_then(Value::as_array) {
        for (i, s) in list.iter().filter_map(Value::as_str).enumerate() {
            parts.push(format!("{}. {s}", i + 1));
        }
    }
    (!parts.is_empty()).then(|| parts.join("\n"))
}

fn text_area(i18n: I18n, key: Key, testid: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <label class="field">
            <span class="label-text">{i18n.text(key)}</span>
            <textarea data-testid=testid rows="3" prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))></textarea>
        </label>
    }
}

#[component]
fn JudgeForm(step: Stepper) -> impl IntoView {
    let i18n = I18n::use_context();
    let justified = RwSignal::new(None::<bool>);
    let reason = RwSignal::new(String::new());
    let department = RwSignal::new(None::<Department>);
    use_unsaved_guard(move || !reason.get().is_empty());
    let save = move |_| {
        let Some(justified) = justified.get_untracked() else {
            step.error.set(Some((
                format!("{}{}", i18n.t(Key::CmpErrMissing), i18n.t(Key::CmpJudge)),
                String::new(),
            )));
            return;
        };
        let mv = Move::Judge {
            justified,
            reason: reason.get_untracked(),
            department: department.get_untracked(),
        };
        step.take(mv, None, move || reason.set(String::new()));
    };
    view! {
        <fieldset class="step" data-testid="step-judge">
            <legend>{i18n.text(Key::CmpJudge)}</legend>
            <label class="check"><input type="radio" name="justified" data-testid="judge-justified" on:change=move |_| justified.set(Some(true))/>{i18n.text(Key::CmpJustified)}</label>
            <label class="check"><input type="radio" name="justified" data-testid="judge-not-justified" on:change=move |_| justified.set(Some(false))/>{i18n.text(Key::CmpNotJustified)}</label>
            <label class="field">
                <span class="label-text">{i18n.text(Key::CmpDepartment)}</span>
                <select data-testid="judge-department" on:change=move |ev| department.set(Department::parse(&event_target_value(&ev)))>
                    <option value="">{i18n.text(Key::CmpChoose)}</option>
                    {Department::ALL.iter().copied().map(|d| view! { <option value=d.as_str()>{move || d.label(i18n.lang() == Lang::ZhCn)}</option> }).collect_view()}
                </select>
            </label>
            {text_area(i18n, Key::CmpJudgement, "judge-reason", reason)}
            <button type="button" class="primary" data-testid="judge-save" on:click=save>{i18n.text(Key::CmpJudgeSave)}</button>
        </fieldset>
    }
}

#[component]
fn ProposeForm(step: Stepper) -> impl IntoView {
    let i18n = I18n::use_context();
    let cause = RwSignal::new(String::new());
    let responsible = RwSignal::new(String::new());
    let solutions = RwSignal::new(String::new());
    use_unsaved_guard(move || !cause.get().is_empty() || !solutions.get().is_empty());
    let save = move |_| {
        let mv = Move::Propose {
            cause: cause.get_untracked(),
            responsible: responsible.get_untracked(),
            solutions: solutions
                .get_untracked()
                .lines()
                .map(str::to_owned)
                .collect(),
        };
        step.take(mv, None, move || {
            cause.set(String::new());
            solutions.set(String::new());
        });
    };
    view! {
        <fieldset class="step" data-testid="step-propose">
            <legend>{i18n.text(Key::CmpInvestigate)}</legend>
            {text_area(i18n, Key::CmpCause, "propose-cause", cause)}
            <label class="field">
                <span class="label-text">{i18n.text(Key::CmpResponsible)}</span>
                <input type="text" data-testid="propose-responsible" prop:value=move || responsible.get()
                    on:input=move |ev| responsible.set(event_target_value(&ev))/>
            </label>
            {text_area(i18n, Key::CmpSolutions, "propose-solutions", solutions)}
            <button type="button" class="primary" data-testid="propose-save" on:click=save>{i18n.text(Key::CmpPropose)}</button>
        </fieldset>
    }
}

#[component]
fn ApproveForm(complaint: Complaint, step: Stepper) -> impl IntoView {
    let i18n = I18n::use_context();
    let reason = RwSignal::new(String::new());
    view! {
        <fieldset class="step" data-testid="step-approve">
            <legend>{i18n.text(Key::CmpApprove)}</legend>
            <ol class="rows">
                {complaint.solutions.iter().enumerate().map(|(i, s)| view! {
                    <li>
                        <span>{s.clone()}</span> " "
                        <button type="button" class="primary" data-testid="approve-solution" data-index=i
                            on:click=move |_| step.take(Move::Approve { solution: i }, None, || {})>
                            {i18n.text(Key::CmpApprove)}
                        </button>
                    </li>
                }).collect_view()}
            </ol>
            {text_area(i18n, Key::CmpSendBackReason, "send-back-reason", reason)}
            <button type="button" class="secondary" data-testid="send-back"
                on:click=move |_| step.take(Move::SendBack { reason: reason.get_untracked() }, None, || {})>
                {i18n.text(Key::CmpSendBack)}
            </button>
        </fieldset>
    }
}

#[component]
fn ImplementForm(complaint: Complaint, step: Stepper) -> impl IntoView {
    let i18n = I18n::use_context();
    let actions = RwSignal::new(String::new());
    let measures = RwSignal::new(String::new());
    let feedback = RwSignal::new(String::new());
    let notified = RwSignal::new(false);
    let refused = RwSignal::new(false);
    let refusal = RwSignal::new(String::new());
    let signature = RwSignal::new(None::<CapturedImage>);
    let dirty = move || !actions.get().is_empty() || signature.with(Option::is_some);
    use_unsaved_guard(dirty);
    let solution = complaint.approved_solution().unwrap_or_default().to_owned();
    let accepted = StoredValue::new(solution.clone());
    let accepted_text = move || format!("{}\n{}", accepted.get_value(), i18n.t(Key::CmpAcceptText));
    let save = move |_| {
        let image = signature.get_untracked();
        let acceptance = match (refused.get_untracked(), &image) {
            (true, _) => Acceptance::Refused {
                reason: refusal.get_untracked(),
            },
            (false, Some(img)) => Acceptance::Signed {
                blob: img.sha256.clone(),
                text: accepted_text(),
            },
            (false, None) => Acceptance::Signed {
                blob: String::new(),
                text: String::new(),
            },
        };
        let mv = Move::Implement {
            actions: actions.get_untracked(),
            measures: measures.get_untracked(),
            notified: notified.get_untracked(),
            feedback: feedback.get_untracked(),
            acceptance,
        };
        let image = image.filter(|_| !refused.get_untracked());
        step.take(mv, image, move || {
            actions.set(String::new());
            signature.set(None);
        });
    };
    view! {
        <fieldset class="step" data-testid="step-implement" data-signed=move || signature.with(Option::is_some).to_string()>
            <legend>{i18n.text(Key::CmpImplement)}</legend>
            <p><strong>{i18n.text(Key::CmpApprovedSolution)}</strong> ": " {solution.clone()}</p>
            {text_area(i18n, Key::CmpActions, "implement-actions", actions)}
            {text_area(i18n, Key::CmpMeasures, "implement-measures", measures)}
            <label class="check"><input type="checkbox" data-testid="implement-notified" on:change=move |ev| notified.set(event_target_checked(&ev))/>{i18n.text(Key::CmpNotified)}</label>
            {text_area(i18n, Key::CmpFeedback, "implement-feedback", feedback)}
            <label class="check"><input type="checkbox" data-testid="implement-refused" on:change=move |ev| refused.set(event_target_checked(&ev))/>{i18n.text(Key::CmpRefused)}</label>
            {move || if refused.get() {
                text_area(i18n, Key::CmpRefusalReason, "implement-refusal", refusal).into_any()
            } else {
                view! {
                    <div class="signature">
                        <p class="pre">{accepted_text}</p>
                        <p class="label-text">{i18n.text(Key::CmpSignHere)}</p>
                        <SignaturePad clear_label=Signal::derive(move || i18n.t(Key::CmpClearSig).to_owned())
                            on_change=Callback::new(move |img| signature.set(img))/>
                    </div>
                }.into_any()
            }}
            <button type="button" class="primary" data-testid="implement-save" on:click=save>{i18n.text(Key::CmpImplementSave)}</button>
        </fieldset>
    }
}

#[component]
fn CloseForm(step: Stepper) -> impl IntoView {
    let i18n = I18n::use_context();
    let review = RwSignal::new(String::new());
    let improvements = RwSignal::new(String::new());
    use_unsaved_guard(move || !review.get().is_empty());
    let save = move |_| {
        let mv = Move::Close {
            review: review.get_untracked(),
            improvements: improvements.get_untracked(),
        };
        step.take(mv, None, move || review.set(String::new()));
    };
    view! {
        <fieldset class="step" data-testid="step-close">
            <legend>{i18n.text(Key::CmpReview)}</legend>
            {text_area(i18n, Key::CmpReviewText, "close-review", review)}
            {text_area(i18n, Key::CmpImprovements, "close-improvements", improvements)}
            <button type="button" class="primary" data-testid="close-save" on:click=save>{i18n.text(Key::CmpClose)}</button>
        </fieldset>
    }
}

#[component]
fn ReopenForm(step: Stepper) -> impl IntoView {
    let i18n = I18n::use_context();
    let reason = RwSignal::new(String::new());
    let save = move |_| {
        let mv = Move::Reopen {
            reason: reason.get_untracked(),
        };
        step.take(mv, None, move || reason.set(String::new()));
    };
    view! {
        <fieldset class="step" data-testid="step-reopen">
            <legend>{i18n.text(Key::CmpReopen)}</legend>
            {text_area(i18n, Key::CmpReopenReason, "reopen-reason", reason)}
            <button type="button" class="secondary" data-testid="reopen-save" on:click=save>{i18n.text(Key::CmpReopen)}</button>
        </fieldset>
    }
}

/// 客户投诉解决确认书: what was agreed and done, and the customer's signature (or why not), for
/// the customer's copy. Printing shows only this sheet.
#[component]
fn Confirmation(complaint: Complaint) -> impl IntoView {
    let i18n = I18n::use_context();
    let c = complaint;
    let print = move |_| {
        if let Some(window) = web_sys::window()
            && let Err(e) = window.print()
        {
            leptos::logging::warn!("print failed: {e:?}");
        }
    };
    view! {
        <section class="print-sheet" data-testid="confirmation">
            <h2>{i18n.text(Key::CmpConfirmation)}</h2>
            <dl class="facts">
                <dt>{i18n.text(Key::CmpStore)}</dt><dd>{store_name()}</dd>
                <dt>{i18n.text(Key::CmpComplainant)}</dt><dd>{c.complainant.clone()}</dd>
                <dt>{i18n.text(Key::CmpReceivedAt)}</dt><dd>{date_time(i18n.lang(), c.received_at)}</dd>
                <dt>{i18n.text(Key::CmpContent)}</dt><dd class="pre">{c.content.clone()}</dd>
                <dt>{i18n.text(Key::CmpApprovedSolution)}</dt><dd>{c.approved_solution().unwrap_or_default().to_owned()}</dd>
                <dt>{i18n.text(Key::CmpActions)}</dt><dd class="pre">{c.actions.clone()}</dd>
                {c.signed_at.map(|at| view! { <dt>{i18n.text(Key::CmpSignedAt)}</dt><dd>{date_time(i18n.lang(), at)}</dd> })}
            </dl>
            {match c.signature.clone() {
                Some(sha) => view! {
                    <p>{i18n.text(Key::CmpAcceptText)}</p>
                    <BlobImage sha256=sha alt=i18n.t(Key::CmpSignHere) class="signature-image"/>
                }.into_any(),
                None => view! { <p data-testid="confirmation-refused">{i18n.text(Key::CmpRefusalShown)} {c.refusal.clone()}</p> }.into_any(),
            }}
            <button type="button" class="secondary no-print" data-testid="print" on:click=print>{i18n.text(Key::CmpPrint)}</button>
        </section>
    }
}
