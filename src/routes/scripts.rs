//! 话术 (supervisors): the store's call scripts by purpose and language, and the editor of one
//! script's draft — its nodes as cards (a form, not JSON), the publish checks shown on the
//! card they are about after every change, a preview run with a sample customer, publishing
//! (a new immutable version), and the versions with a node-by-node comparison of any two.
//! Everything is local records: it works with no network, and syncs later. The rules live in
//! `crate::scripts_model`, tested natively.

use crate::directory::People;
use crate::i18n::format::date_time;
use crate::i18n::{I18n, Key, Lang};
use crate::routes::section::SectionPage;
use crate::routes::today::local_now;
use crate::scripts_model::{
    self as model, ACTIONS, AnswerPart, BranchPart, COMPARES, Change, Edit, EditError, FieldPart,
    GraphDiff, KindName, NodeChange, NodeType, OUTCOMES, PublishError, Script, TAGS, Version,
};
use crate::session::Session;
use crate::sync::engine::now_ms;
use crate::sync::{ReadError, Sync};
use crate::unsaved::use_unsaved_guard;
use huifang_core::care::rules::Purpose;
use huifang_core::scripts::graph::{
    Action, Answer, Branch, Compare, EndOutcome, Field, FieldKind, Graph, Node, NodeId,
    PLACEHOLDERS, Problem, Tag, validate,
};
use huifang_core::scripts::runner::{Run, RunError, fill};
use huifang_core::sync::{Hlc, RecordId};
use huifang_core::{Role, Section};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;

// ---- Names -----------------------------------------------------------------------------

fn lang_name(lang: Lang, script_lang: &str) -> String {
    match script_lang {
        "zh-CN" => lang.t(Key::ScrLangZh).to_owned(),
        "en" => lang.t(Key::ScrLangEn).to_owned(),
        other => other.to_owned(),
    }
}

fn purpose_name(lang: Lang, purpose: Option<Purpose>, raw: &str) -> String {
    purpose.map_or_else(|| raw.to_owned(), |p| lang.t(Key::purpose(p)).to_owned())
}

fn type_key(t: NodeType) -> Key {
    match t {
        NodeType::Question => Key::ScrTypeQuestion,
        NodeType::Capture => Key::ScrTypeCapture,
        NodeType::Decision => Key::ScrTypeDecision,
        NodeType::Action => Key::ScrTypeAction,
        NodeType::End => Key::ScrTypeEnd,
    }
}

fn tag_key(t: Option<Tag>) -> Key {
    match t {
        None => Key::ScrTagNone,
        Some(Tag::Satisfied) => Key::ScrTagSatisfied,
        Some(Tag::Neutral) => Key::ScrTagNeutral,
        Some(Tag::Unsatisfied) => Key::ScrTagUnsatisfied,
        Some(Tag::Yes) => Key::ScrTagYes,
        Some(Tag::No) => Key::ScrTagNo,
        Some(Tag::NotConvenient) => Key::ScrTagNotConvenient,
        Some(Tag::WrongPerson) => Key::ScrTagWrongPerson,
    }
}

fn kind_key(k: Option<KindName>) -> Key {
    match k {
        None => Key::ScrKindNone,
        Some(KindName::Text) => Key::ScrKindText,
        Some(KindName::Number) => Key::ScrKindNumber,
        Some(KindName::Date) => Key::ScrKindDate,
        Some(KindName::DateTime) => Key::ScrKindDateTime,
        Some(KindName::Rating) => Key::ScrKindRating,
        Some(KindName::Choice) => Key::ScrKindChoice,
    }
}

fn compare_key(c: Compare) -> Key {
    match c {
        Compare::Equals => Key::ScrCmpEquals,
        Compare::Below => Key::ScrCmpBelow,
        Compare::AtLeast => Key::ScrCmpAtLeast,
        Compare::Contains => Key::ScrCmpContains,
    }
}

fn action_key(a: Action) -> Key {
    match a {
        Action::Reschedule => Key::ScrActReschedule,
        Action::OpenComplaint => Key::ScrActComplaint,
        Action::DoNotContact => Key::ScrActDnc,
    }
}

fn outcome_key(o: EndOutcome) -> Key {
    match o {
        EndOutcome::Completed => Key::ScrEndCompleted,
        EndOutcome::Rescheduled => Key::ScrEndRescheduled,
        EndOutcome::Refused => Key::ScrEndRefused,
        EndOutcome::WrongPerson => Key::ScrEndWrongPerson,
    }
}

/// A node id as shown: an empty arrow reads "choose".
fn shown_id(lang: Lang, id: &str) -> String {
    if id.is_empty() {
        format!("（{}）", lang.t(Key::ScrChoose))
    } else {
        format!("“{id}”")
    }
}

/// A publish check's message in the person's language.
fn problem_text(lang: Lang, p: &Problem) -> String {
    let t = |k| lang.t(k);
    match p {
        Problem::NoStart(id) => format!("{} {}", t(Key::ScrProbNoStart), shown_id(lang, id)),
        Problem::UnknownNext { to, .. } if to.is_empty() => t(Key::ScrProbNoNext).to_owned(),
        Problem::UnknownNext { to, .. } => {
            format!("{} {}", t(Key::ScrProbUnknownNext), shown_id(lang, to))
        }
        Problem::Unreachable(_) => t(Key::ScrProbUnreachable).to_owned(),
        Problem::Cycle(_) => t(Key::ScrProbCycle).to_owned(),
        Problem::NoAnswers(_) => t(Key::ScrProbNoAnswers).to_owned(),
        Problem::UnknownPlaceholder { name, .. } => {
            format!("{} {{{name}}}", t(Key::ScrProbPlaceholder))
        }
        Problem::UnclosedBrace(_) => t(Key::ScrProbBrace).to_owned(),
        Problem::UntypedField { field, .. } => {
            format!("{} {}", t(Key::ScrProbUntyped), shown_id(lang, field))
        }
        Problem::UncapturedField { field, .. } => {
            format!("{} {}", t(Key::ScrProbUncaptured), shown_id(lang, field))
        }
        Problem::EmptyText(_) => t(Key::ScrProbEmptyText).to_owned(),
    }
}

fn edit_error_text(lang: Lang, e: &EditError) -> String {
    match e {
        EditError::IdEmpty => lang.t(Key::ScrErrIdEmpty).to_owned(),
        EditError::IdTaken(id) => format!("{} {}", lang.t(Key::ScrErrIdTaken), shown_id(lang, id)),
        EditError::IdInvalid(_) => lang.t(Key::ScrErrIdInvalid).to_owned(),
        EditError::NoNode(_) => lang.t(Key::ScrErrNoNode).to_owned(),
        EditError::NoItem { .. } => lang.t(Key::ScrErrNoItem).to_owned(),
        EditError::WrongType { .. } => lang.t(Key::ScrErrWrongType).to_owned(),
    }
}

fn run_error_text(lang: Lang, e: &RunError) -> String {
    match e {
        RunError::NoNode(id) => format!("{} {}", lang.t(Key::ScrRunNoNode), shown_id(lang, id)),
        RunError::BadValue { field, .. } => format!("{} {field}", lang.t(Key::ScrRunBadValue)),
        RunError::Loop(_) => lang.t(Key::ScrRunLoop).to_owned(),
        RunError::NotAQuestion
        | RunError::NoSuchAnswer(_)
        | RunError::NotACapture
        | RunError::NotAnAction
        | RunError::Ended => lang.t(Key::ScrRunWrongStep).to_owned(),
    }
}

/// The node an edit is made on, to show its error on that node's card.
fn edit_node(edit: &Edit) -> Option<&NodeId> {
    match edit {
        Edit::SetStart(node)
        | Edit::DeleteNode(node)
        | Edit::RenameNode { from: node, .. }
        | Edit::SetType { node, .. }
        | Edit::SetText { node, .. }
        | Edit::SetNext { node, .. }
        | Edit::AddItem { node }
        | Edit::RemoveItem { node, .. }
        | Edit::SetAnswer { node, .. }
        | Edit::SetField { node, .. }
        | Edit::SetDecisionField { node, .. }
        | Edit::SetBranch { node, .. }
        | Edit::SetAction { node, .. }
        | Edit::SetOutcome { node, .. } => Some(node),
        Edit::AddNode { .. } | Edit::SetReminders(_) => None,
    }
}

// ---- The page ----------------------------------------------------------------------------

type Loaded = Option<Result<(Vec<Script>, Vec<Version>), ReadError>>;

#[component]
pub fn ScriptsPage(role: Role) -> impl IntoView {
    if !Section::Scripts.visible_to(role) {
        return view! { <SectionPage section=Section::Scripts role=role/> }.into_any();
    }
    let Some(sync) = Sync::use_context() else {
        return ().into_any();
    };
    let records = sync.resource(|engine| async move { engine.snapshot().await });
    let data: Memo<Loaded> = Memo::new(move |_| {
        records.with(|read| match read {
            Some(Some(Ok(records))) => Some(Ok((Script::all(records), Version::all(records)))),
            Some(Some(Err(e))) => Some(Err(e.clone())),
            _ => None,
        })
    });
    let selected = RwSignal::new(None::<RecordId>);
    view! {
        <section class="card scripts" data-section="/scripts">
            {move || match selected.get() {
                None => view! { <ScriptList data=data selected=selected/> }.into_any(),
                Some(id) => view! {
                    <Editor id=id data=data selected=selected/>
                }
                .into_any(),
            }}
        </section>
    }
    .into_any()
}

/// The store's scripts by purpose and language, with their published version.
#[component]
fn ScriptList(data: Memo<Loaded>, selected: RwSignal<Option<RecordId>>) -> impl IntoView {
    let i18n = I18n::use_context();
    view! {
        <h1>{i18n.text(Key::NavScripts)}</h1>
        <p class="hint">{i18n.text(Key::ScrIntro)}</p>
        {move || match data.get() {
            None => view! { <p>{i18n.text(Key::SyncOpening)}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert" title=e.detail>{i18n.t(e.key)}</p> }.into_any(),
            Some(Ok((scripts, _))) if scripts.is_empty() => {
                view! { <p class="hint" data-testid="scripts-empty">{i18n.text(Key::ScrNone)}</p> }.into_any()
            }
            Some(Ok((scripts, versions))) => {
                let lang = i18n.lang();
                let several_stores = scripts.iter().any(|s| s.scope.store != scripts[0].scope.store);
                let rows = scripts.into_iter().map(|s| {
                    let latest = Version::of(&versions, s.id).into_iter().next();
                    let unpublished = match (&s.draft, latest.as_ref().map(|v| &v.graph)) {
                        (Ok(draft), Some(Ok(published))) => draft != published,
                        (Ok(_), None) => true,
                        _ => false,
                    };
                    let id = s.id;
                    let store = several_stores.then(|| format!(" · {}", s.scope.store.0));
                    view! {
                        <tr data-testid="script-row" data-purpose=s.purpose_raw.clone() data-lang=s.lang.clone()>
                            <td>{purpose_name(lang, s.purpose, &s.purpose_raw)}{store}</td>
                            <td>{lang_name(lang, &s.lang)}</td>
                            <td data-testid="script-published" data-version=s.published>
                                {if s.published > 0 { format!("v{}", s.published) } else { "—".to_owned() }}
                                {unpublished.then(|| view! { <span class="hint scripts-unpublished">{i18n.t(Key::ScrUnpublishedChanges)}</span> })}
                            </td>
                            <td>
                                <button type="button" class="secondary" data-testid="script-edit"
                                    on:click=move |_| selected.set(Some(id))>{i18n.text(Key::ScrEdit)}</button>
                            </td>
                        </tr>
                    }
                }).collect_view();
                view! {
                    <table class="table scripts-list" data-testid="scripts">
                        <thead><tr>
                            <th>{i18n.text(Key::ScrPurpose)}</th>
                            <th>{i18n.text(Key::ScrLang)}</th>
                            <th>{i18n.text(Key::ScrPublished)}</th>
                            <th></th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                }.into_any()
            }
        }}
    }
}

/// The editor's shared state: the working copy of the draft, the cards' order, the checks.
#[derive(Clone, Copy)]
struct Ed {
    working: RwSignal<Option<Graph>>,
    order: RwSignal<Vec<NodeId>>,
    problems: Memo<Vec<Problem>>,
    /// The last edit that could not be made, with the node it was made on.
    error: RwSignal<Option<(Option<NodeId>, EditError)>>,
}

impl Ed {
    /// Makes `edit` to the working copy; a refused edit leaves it as it was and says why.
    fn apply(self, edit: Edit) {
        let Some(mut graph) = self.working.get_untracked() else {
            return;
        };
        let node = edit_node(&edit).cloned();
        let rename = match &edit {
            Edit::RenameNode { from, to } => Some((from.clone(), to.trim().to_owned())),
            _ => None,
        };
        match model::apply(&mut graph, edit) {
            Ok(()) => {
                self.order.update(|order| {
                    if let Some((from, to)) = rename {
                        for id in order.iter_mut().filter(|id| **id == from) {
                            *id = to.clone();
                        }
                    }
                    *order = model::reconcile_order(order, &graph);
                });
                self.working.set(Some(graph));
                if self.error.with_untracked(Option::is_some) {
                    self.error.set(None);
                }
            }
            Err(e) => self.error.set(Some((node, e))),
        }
    }

    fn node(self, id: &NodeId) -> Option<Node> {
        self.working
            .with(|g| g.as_ref().and_then(|g| g.nodes.get(id).cloned()))
    }
}

/// What the last save or publish did.
#[derive(Debug, Clone, PartialEq)]
enum Status {
    Saved,
    Published(u32),
    /// Publishing refused: the checks found this many problems.
    Problems(usize),
    Failed(Key, String),
}

/// The draft the editor starts from: the stored one, or (when it cannot be read) the latest
/// published version.
fn stored_graph(script: &Script, versions: &[Version]) -> Option<Graph> {
    match &script.draft {
        Ok(g) => Some(g.clone()),
        Err(_) => versions.iter().find_map(|v| v.graph.clone().ok()),
    }
}

#[component]
fn Editor(id: RecordId, data: Memo<Loaded>, selected: RwSignal<Option<RecordId>>) -> impl IntoView {
    let i18n = I18n::use_context();
    let session = Session::use_context();
    let script = Memo::new(move |_| {
        data.with(|d| match d {
            Some(Ok((scripts, _))) => scripts.iter().find(|s| s.id == id).cloned(),
            _ => None,
        })
    });
    // Every version known (numbering goes on from the highest), and this script's.
    let versions = move || match data.get_untracked() {
        Some(Ok((_, v))) => v,
        _ => Vec::new(),
    };
    let mine = Memo::new(move |_| {
        data.with(|d| match d {
            Some(Ok((_, v))) => Version::of(v, id),
            _ => Vec::new(),
        })
    });
    let working = RwSignal::new(None::<Graph>);
    // The stored draft the working copy began from, and its stamp (the base of a save).
    let loaded = RwSignal::new(None::<Graph>);
    let base = RwSignal::new(None::<Hlc>);
    let order = RwSignal::new(Vec::<NodeId>::new());
    let problems =
        Memo::new(move |_| working.with(|g| g.as_ref().map(validate).unwrap_or_default()));
    let ed = Ed {
        working,
        order,
        problems,
        error: RwSignal::new(None),
    };
    let dirty = Memo::new(move |_| working.with(|w| loaded.with(|l| w != l)));
    use_unsaved_guard(move || dirty.get());
    let status = RwSignal::new(None::<Status>);
    let busy = RwSignal::new(false);

    // Follows the stored draft while the supervisor has not changed it (a colleague's edit
    // synced in shows at once); once they have, their edits stay and a save sends the stamp
    // they began from, so the two edits meet as a conflict rather than one vanishing.
    let follow = move |s: &Script| {
        let Some(stored) = mine.with_untracked(|v| stored_graph(s, v)) else {
            return;
        };
        let fresh = working.with_untracked(Option::is_none);
        let same = working.with_untracked(|w| w.as_ref() == Some(&stored));
        if !(fresh || !dirty.get_untracked() || same) {
            return;
        }
        if fresh {
            order.set(model::flow_order(&stored));
        } else {
            order.update(|o| *o = model::reconcile_order(o, &stored));
        }
        if !same {
            working.set(Some(stored.clone()));
        }
        if loaded.with_untracked(|l| l.as_ref() != Some(&stored)) {
            loaded.set(Some(stored));
        }
        base.set(s.draft_stamp);
    };
    if let Some(s) = script.get_untracked() {
        follow(&s);
    }
    Effect::new(move |_| {
        if let Some(s) = script.get() {
            follow(&s);
        }
    });

    let engine = move || Sync::use_context().and_then(|s| s.engine());
    let save = move |_| {
        let (Some(s), Some(g), Some(engine)) =
            (script.get_untracked(), working.get_untracked(), engine())
        else {
            return;
        };
        let write = match model::save_draft(&s, &g, base.get_untracked()) {
            Ok(w) => w,
            Err(e) => {
                status.set(Some(Status::Failed(Key::ScrErrEncode, e.to_string())));
                return;
            }
        };
        busy.set(true);
        spawn_local(async move {
            match engine.write_all(vec![write]).await {
                Ok(_) => status.set(Some(Status::Saved)),
                Err(e) => status.set(Some(Status::Failed(e.key(), e.to_string()))),
            }
            busy.set(false);
        });
    };
    let publish = move |_| {
        let (Some(s), Some(g), Some(engine)) =
            (script.get_untracked(), working.get_untracked(), engine())
        else {
            return;
        };
        let draft_base = dirty.get_untracked().then(|| base.get_untracked());
        let (number, writes) = match model::publish(&s, &versions(), &g, draft_base) {
            Ok(p) => p,
            // The button is disabled meanwhile; said all the same should it happen.
            Err(PublishError::Problems(problems)) => {
                status.set(Some(Status::Problems(problems.len())));
                return;
            }
            Err(e @ PublishError::Encode(_)) => {
                status.set(Some(Status::Failed(Key::ScrErrEncode, e.to_string())));
                return;
            }
        };
        busy.set(true);
        spawn_local(async move {
            match engine.write_all(writes).await {
                Ok(_) => status.set(Some(Status::Published(number))),
                Err(e) => status.set(Some(Status::Failed(e.key(), e.to_string()))),
            }
            busy.set(false);
        });
    };
    let discard = move |_| {
        if let Some(g) = loaded.get_untracked() {
            order.update(|o| *o = model::reconcile_order(o, &g));
            working.set(Some(g));
            ed.error.set(None);
            status.set(None);
        }
    };
    let back = move |_| {
        if dirty.get_untracked() {
            let leave = window()
                .confirm_with_message(i18n.t(Key::ScrLeaveConfirm))
                .unwrap_or_else(|e| {
                    leptos::logging::warn!("no confirm dialog: {e:?}");
                    false
                });
            if !leave {
                return;
            }
        }
        selected.set(None);
    };
    let add_kind = RwSignal::new(NodeType::Question);
    let add_node = move |_| {
        let kind = add_kind.get_untracked();
        let Some(id) = working.with_untracked(|g| g.as_ref().map(|g| model::new_node_id(g, kind)))
        else {
            return;
        };
        ed.apply(Edit::AddNode {
            id: id.clone(),
            kind,
        });
        scroll_to(&id);
    };
    let title = move || {
        script.with(|s| {
            s.as_ref()
                .map(|s| {
                    format!(
                        "{} · {}",
                        purpose_name(i18n.lang(), s.purpose, &s.purpose_raw),
                        lang_name(i18n.lang(), &s.lang)
                    )
                })
                .unwrap_or_default()
        })
    };
    let problem_count = move || problems.with(Vec::len);
    // Nothing new to publish: the working copy is the latest published version.
    let unchanged = Memo::new(move |_| {
        mine.with(|v| {
            let latest = v.first().and_then(|v| v.graph.as_ref().ok());
            working.with(|w| latest.is_some() && w.as_ref() == latest)
        })
    });
    let publish_disabled = move || {
        busy.get() || problem_count() > 0 || unchanged.get() || working.with(Option::is_none)
    };
    let agent = session.user();
    view! {
        <p><button type="button" class="secondary" data-testid="scripts-back" on:click=back>
            "← " {i18n.text(Key::ScrBackToList)}
        </button></p>
        <h1 data-testid="script-title">{title}</h1>
        <p class="meta">
            {i18n.text(Key::ScrPublished)} " "
            <strong data-testid="published-version">{move || script.with(|s| s.as_ref().map(|s| format!("v{}", s.published)).unwrap_or_default())}</strong>
        </p>
        {move || script.with(|s| s.as_ref().is_some_and(|s| s.conflicted)).then(|| view! {
            <p class="notice" data-testid="draft-conflict">
                {i18n.text(Key::ScrDraftConflict)} " "
                <a href="/conflicts">{i18n.text(Key::ConflictsTitle)}</a>
            </p>
        })}
        {move || script.with(|s| s.as_ref().and_then(|s| s.draft.clone().err())).map(|detail| view! {
            <p class="notice" title=detail>{i18n.text(Key::ScrDraftUnreadable)}</p>
        })}
        <div class="scripts-summary" data-testid="problems-summary" data-count=problem_count>
            {move || {
                let lang = i18n.lang();
                let ps = problems.get();
                if ps.is_empty() {
                    return view! { <p class="ok">{lang.t(Key::ScrNoProblems)}</p> }.into_any();
                }
                // The rest at the top: problems of the whole script, then a way to each card.
                let general: Vec<String> = ps.iter().filter(|p| model::problem_node(p).is_none())
                    .map(|p| problem_text(lang, p)).collect();
                let mut nodes: Vec<NodeId> = ps.iter().filter_map(model::problem_node).cloned().collect();
                nodes.dedup();
                view! {
                    <p class="error" role="alert">{format!("{} {}", ps.len(), lang.t(Key::ScrProblemsCount))}</p>
                    <ul class="scripts-problems" data-testid="script-problems">
                        {general.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}
                    </ul>
                    <p class="row">
                        {nodes.into_iter().map(|n| {
                            let target = n.clone();
                            view! { <button type="button" class="secondary scripts-jump" on:click=move |_| scroll_to(&target)>{n}</button> }
                        }).collect_view()}
                    </p>
                }.into_any()
            }}
        </div>
        {move || ed.error.get().filter(|(node, _)| node.is_none()).map(|(_, e)| view! {
            <p class="error" role="alert" data-testid="edit-error">{edit_error_text(i18n.lang(), &e)}</p>
        })}
        <p class="hint">
            {i18n.text(Key::ScrPlaceholders)} "："
            {PLACEHOLDERS.iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>().join(" ")}
        </p>
        <div class="scripts-layout">
            <div class="scripts-nodes" data-testid="nodes">
                <For each=move || order.get() key=|id| id.clone() children=move |id| view! { <NodeCard id=id ed=ed/> }/>
                <div class="row scripts-add">
                    <KeySelect label=Key::ScrNodeType testid="add-node-type" options=type_options()
                        current=Signal::derive(move || add_kind.get().as_str().to_owned())
                        pick=Callback::new(move |v: String| {
                            if let Some(k) = NodeType::parse(&v) {
                                add_kind.set(k);
                            }
                        })/>
                    <button type="button" class="secondary" data-testid="add-node" on:click=add_node>
                        {i18n.text(Key::ScrAddNode)}
                    </button>
                </div>
                <label class="field">
                    <span class="label-text">{i18n.text(Key::ScrReminders)}</span>
                    <textarea rows="5" data-testid="reminders"
                        prop:value=move || working.with(|g| g.as_ref().map(|g| g.reminders.join("\n")).unwrap_or_default())
                        on:change=move |ev| ed.apply(Edit::SetReminders(event_target_value(&ev)))></textarea>
                </label>
            </div>
            <aside class="scripts-side">
                <Preview ed=ed script=script agent=agent/>
                <Versions versions=mine working=working/>
            </aside>
        </div>
        <div class="scripts-toolbar row" data-testid="toolbar">
            <button type="button" class="primary" data-testid="save-draft"
                disabled=move || !dirty.get() || busy.get() on:click=save>{i18n.text(Key::ScrSave)}</button>
            <button type="button" class="secondary" data-testid="discard"
                disabled=move || !dirty.get() || busy.get() on:click=discard>{i18n.text(Key::ScrDiscard)}</button>
            <button type="button" class="primary" data-testid="publish"
                disabled=publish_disabled on:click=publish>{i18n.text(Key::ScrPublish)}</button>
            {move || (problem_count() > 0).then(|| view! {
                <span class="error">{format!("{} {}", problem_count(), i18n.t(Key::ScrProblemsCount))}</span>
            })}
            {move || (unchanged.get() && status.get().is_none()).then(|| view! {
                <span class="hint" data-testid="nothing-to-publish">{i18n.t(Key::ScrNothingToPublish)}</span>
            })}
            {move || dirty.get().then(|| view! { <span class="hint" data-testid="unsaved">{i18n.t(Key::ScrUnsaved)}</span> })}
            {move || status.get().map(|s| match s {
                Status::Saved => view! { <span class="ok" role="status" data-testid="status">{i18n.t(Key::ScrSaved)}</span> }.into_any(),
                Status::Published(n) => view! {
                    <span class="ok" role="status" data-testid="status">{format!("{} v{n}", i18n.t(Key::ScrPublishedAs))}</span>
                }.into_any(),
                Status::Problems(n) => view! {
                    <span class="error" role="alert" data-testid="status">{format!("{n} {}", i18n.t(Key::ScrProblemsCount))}</span>
                }.into_any(),
                Status::Failed(key, detail) => view! {
                    <span class="error" role="alert" data-testid="status" title=detail>{i18n.t(key)}</span>
                }.into_any(),
            })}
        </div>
    }
}

fn card_dom_id(id: &str) -> String {
    format!("node-{id}")
}

/// Brings a node's card into view.
fn scroll_to(id: &str) {
    let dom_id = card_dom_id(id);
    // After the card is rendered (a new node's card appears on the next tick).
    request_animation_frame(move || {
        if let Some(el) = document().get_element_by_id(&dom_id) {
            el.scroll_into_view();
        }
    });
}

// ---- A node's card -------------------------------------------------------------------------

#[component]
fn NodeCard(id: NodeId, ed: Ed) -> impl IntoView {
    let i18n = I18n::use_context();
    let n = id.clone();
    let node = Memo::new(move |_| ed.node(&n));
    let kind = Memo::new(move |_| node.with(|n| n.as_ref().map(NodeType::of)));
    let n = id.clone();
    let is_start = Memo::new(move |_| {
        ed.working
            .with(|g| g.as_ref().is_some_and(|g| g.start == n))
    });
    let n = id.clone();
    let mine = Memo::new(move |_| {
        ed.problems.with(|ps| {
            ps.iter()
                .filter(|p| model::problem_node(p) == Some(&n))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let n = id.clone();
    let my_error = move || {
        ed.error
            .get()
            .filter(|(node, _)| node.as_ref() == Some(&n))
            .map(|(_, e)| e)
    };
    let (rename_id, start_id, delete_id, type_id) =
        (id.clone(), id.clone(), id.clone(), id.clone());
    let rename = move |ev: leptos::ev::Event| {
        let to = event_target_value(&ev);
        ed.apply(Edit::RenameNode {
            from: rename_id.clone(),
            to,
        });
        // Refused: the field shows the id the node still has.
        if ed.error.with_untracked(|e| e.is_some()) {
            event_target::<web_sys::HtmlInputElement>(&ev).set_value(&rename_id);
        }
    };
    let body_id = id.clone();
    view! {
        <article class="scripts-node" id=card_dom_id(&id) data-testid="node-card" data-node=id.clone()
            data-type=move || kind.get().map(NodeType::as_str).unwrap_or("")
            class=("scripts-node-start", move || is_start.get())
            class=("scripts-node-bad", move || !mine.with(Vec::is_empty))>
            <header class="scripts-node-head">
                <label class="field">
                    <span class="label-text">{i18n.text(Key::ScrNodeId)}</span>
                    <input type="text" data-testid="node-id" value=id.clone() on:change=rename/>
                </label>
                <KeySelect label=Key::ScrNodeType testid="node-type" options=type_options()
                    current=Signal::derive(move || kind.get().map(|k| k.as_str().to_owned()).unwrap_or_default())
                    pick=Callback::new(move |v: String| {
                        if let Some(kind) = NodeType::parse(&v) {
                            ed.apply(Edit::SetType { node: type_id.clone(), kind });
                        }
                    })/>
                {move || {
                    let start_id = start_id.clone();
                    if is_start.get() {
                        view! { <span class="pill scripts-start" data-testid="node-start">{i18n.t(Key::ScrStart)}</span> }.into_any()
                    } else {
                        view! {
                            <button type="button" class="secondary" data-testid="make-start"
                                on:click=move |_| ed.apply(Edit::SetStart(start_id.clone()))>{i18n.t(Key::ScrMakeStart)}</button>
                        }.into_any()
                    }
                }}
                <button type="button" class="danger" data-testid="node-delete"
                    on:click=move |_| ed.apply(Edit::DeleteNode(delete_id.clone()))>{i18n.text(Key::ScrNodeDelete)}</button>
            </header>
            {move || {
                let lang = i18n.lang();
                let ps = mine.get();
                (!ps.is_empty()).then(|| view! {
                    <ul class="scripts-problems" data-testid="node-problems" role="alert">
                        {ps.iter().map(|p| view! { <li>{problem_text(lang, p)}</li> }).collect_view()}
                    </ul>
                })
            }}
            {move || my_error().map(|e| view! {
                <p class="error" role="alert" data-testid="edit-error">{edit_error_text(i18n.lang(), &e)}</p>
            })}
            {move || kind.get().map(|k| view! { <NodeBody id=body_id.clone() kind=k node=node ed=ed/> })}
        </article>
    }
}

/// The parts of a node that depend on its type (rebuilt only when the type changes).
#[component]
fn NodeBody(id: NodeId, kind: NodeType, node: Memo<Option<Node>>, ed: Ed) -> impl IntoView {
    let i18n = I18n::use_context();
    let text = move || node.with(|n| n.as_ref().and_then(model::text_of).unwrap_or("").to_owned());
    let text_id = id.clone();
    let text_field = (kind != NodeType::Decision).then(|| {
        view! {
            <label class="field">
                <span class="label-text">{i18n.text(Key::ScrNodeText)}</span>
                <textarea rows="3" data-testid="node-text" prop:value=text
                    on:input=move |ev| ed.apply(Edit::SetText { node: text_id.clone(), text: event_target_value(&ev) })></textarea>
            </label>
        }
    });
    let next_of = move || {
        node.with(|n| match n {
            Some(Node::Capture { next, .. } | Node::Action { next, .. }) => next.clone(),
            Some(Node::Decision { otherwise, .. }) => otherwise.clone(),
            _ => String::new(),
        })
    };
    let next_id = id.clone();
    let set_next = Callback::new(move |next: String| {
        ed.apply(Edit::SetNext {
            node: next_id.clone(),
            next,
        });
    });
    // The rows are rebuilt when their number changes (each reads its own values).
    let count = Memo::new(move |_| {
        node.with(|n| match n {
            Some(Node::Question { answers, .. }) => answers.len(),
            Some(Node::Capture { fields, .. }) => fields.len(),
            Some(Node::Decision { branches, .. }) => branches.len(),
            _ => 0,
        })
    });
    let add_id = id.clone();
    let add_item = move |_| {
        ed.apply(Edit::AddItem {
            node: add_id.clone(),
        })
    };
    let items = {
        let id = id.clone();
        move || {
            (0..count.get())
                .map(|index| {
                    let id = id.clone();
                    match kind {
                        NodeType::Question => {
                            view! { <AnswerRow id=id index=index node=node ed=ed/> }.into_any()
                        }
                        NodeType::Capture => {
                            view! { <FieldRow id=id index=index node=node ed=ed/> }.into_any()
                        }
                        NodeType::Decision => {
                            view! { <BranchRow id=id index=index node=node ed=ed/> }.into_any()
                        }
                        NodeType::Action | NodeType::End => ().into_any(),
                    }
                })
                .collect_view()
        }
    };
    let specific = match kind {
        NodeType::Question => view! {
            <fieldset class="scripts-items" data-testid="answers">
                <legend>{i18n.text(Key::ScrAnswers)}</legend>
                {items}
                <button type="button" class="secondary" data-testid="add-answer" on:click=add_item>{i18n.text(Key::ScrAddAnswer)}</button>
            </fieldset>
        }
        .into_any(),
        NodeType::Capture => view! {
            <fieldset class="scripts-items" data-testid="fields">
                <legend>{i18n.text(Key::ScrFields)}</legend>
                {items}
                <button type="button" class="secondary" data-testid="add-field" on:click=add_item>{i18n.text(Key::ScrAddField)}</button>
            </fieldset>
            <NextSelect label=Key::ScrNext current=Signal::derive(next_of) pick=set_next ed=ed testid="node-next"/>
        }
        .into_any(),
        NodeType::Decision => {
            let field_id = id.clone();
            view! {
                <TextInput label=Key::ScrDecisionField testid="decision-field"
                    value=Signal::derive(move || node.with(|n| match n { Some(Node::Decision { field, .. }) => field.clone(), _ => String::new() }))
                    set=Callback::new(move |field: String| ed.apply(Edit::SetDecisionField { node: field_id.clone(), field }))/>
                <fieldset class="scripts-items" data-testid="branches">
                    <legend>{i18n.text(Key::ScrBranches)}</legend>
                    {items}
                    <button type="button" class="secondary" data-testid="add-branch" on:click=add_item>{i18n.text(Key::ScrAddBranch)}</button>
                </fieldset>
                <NextSelect label=Key::ScrOtherwise current=Signal::derive(next_of) pick=set_next ed=ed testid="node-otherwise"/>
            }
            .into_any()
        }
        NodeType::Action => {
            let action_id = id.clone();
            let current = move || node.with(|n| match n { Some(Node::Action { action, .. }) => model::name_of(action), _ => String::new() });
            view! {
                <KeySelect label=Key::ScrActionKind testid="node-action" options=options(&ACTIONS, model::name_of, action_key)
                    current=Signal::derive(current)
                    pick=Callback::new(move |v: String| {
                        if let Some(action) = model::parse_name::<Action>(&v) {
                            ed.apply(Edit::SetAction { node: action_id.clone(), action });
                        }
                    })/>
                <NextSelect label=Key::ScrNext current=Signal::derive(next_of) pick=set_next ed=ed testid="node-next"/>
            }
            .into_any()
        }
        NodeType::End => {
            let outcome_id = id.clone();
            let current = move || node.with(|n| match n { Some(Node::End { outcome, .. }) => model::name_of(outcome), _ => String::new() });
            view! {
                <KeySelect label=Key::ScrOutcome testid="node-outcome" options=options(&OUTCOMES, model::name_of, outcome_key)
                    current=Signal::derive(current)
                    pick=Callback::new(move |v: String| {
                        if let Some(outcome) = model::parse_name::<EndOutcome>(&v) {
                            ed.apply(Edit::SetOutcome { node: outcome_id.clone(), outcome });
                        }
                    })/>
            }
            .into_any()
        }
    };
    view! { {text_field} {specific} }
}

/// A select of the node an arrow leads to: every node, and the missing one it names (so a
/// broken arrow shows what it points at).
#[component]
fn NextSelect(
    label: Key,
    current: Signal<String>,
    pick: Callback<String>,
    ed: Ed,
    testid: &'static str,
) -> impl IntoView {
    let i18n = I18n::use_context();
    view! {
        <label class="field">
            <span class="label-text">{i18n.text(label)}</span>
            <select data-testid=testid on:change=move |ev| pick.run(event_target_value(&ev))>
                {move || {
                    let lang = i18n.lang();
                    let cur = current.get();
                    let ids = ed.order.get();
                    let missing = (!cur.is_empty() && !ids.contains(&cur)).then(|| {
                        let label = format!("{cur}（{}）", lang.t(Key::ScrMissing));
                        view! { <option value=cur.clone() prop:selected=true>{label}</option> }
                    });
                    let none_chosen = cur.is_empty();
                    view! {
                        <option value="" prop:selected=none_chosen>{format!("— {} —", lang.t(Key::ScrChoose))}</option>
                        {missing}
                        {ids.into_iter().map(|id| {
                            let chosen = id == cur;
                            view! { <option value=id.clone() prop:selected=chosen>{id.clone()}</option> }
                        }).collect_view()}
                    }
                }}
            </select>
        </label>
    }
}

fn answer_at(node: &Option<Node>, index: usize) -> Option<Answer> {
    match node {
        Some(Node::Question { answers, .. }) => answers.get(index).cloned(),
        _ => None,
    }
}

#[component]
fn AnswerRow(id: NodeId, index: usize, node: Memo<Option<Node>>, ed: Ed) -> impl IntoView {
    let i18n = I18n::use_context();
    let answer = move || node.with(|n| answer_at(n, index));
    let set = move |id: NodeId, part: AnswerPart| {
        ed.apply(Edit::SetAnswer {
            node: id,
            index,
            part,
        })
    };
    let (a, b, c, remove_id) = (id.clone(), id.clone(), id.clone(), id);
    view! {
        <div class="scripts-item" data-testid="answer-row" data-index=index>
            <TextInput label=Key::ScrAnswerLabel testid="answer-label"
                value=Signal::derive(move || answer().map(|a| a.label).unwrap_or_default())
                set=Callback::new(move |v: String| set(a.clone(), AnswerPart::Label(v)))/>
            <KeySelect label=Key::ScrAnswerTag testid="answer-tag" options=tag_options()
                current=Signal::derive(move || answer().and_then(|a| a.tag).map(|t| model::name_of(&t)).unwrap_or_default())
                pick=Callback::new(move |v: String| set(b.clone(), AnswerPart::Tag(model::parse_name::<Tag>(&v))))/>
            <NextSelect label=Key::ScrNext
                current=Signal::derive(move || answer().map(|a| a.next).unwrap_or_default())
                pick=Callback::new(move |v: String| set(c.clone(), AnswerPart::Next(v))) ed=ed testid="answer-next"/>
            <button type="button" class="danger" data-testid="remove-item"
                on:click=move |_| ed.apply(Edit::RemoveItem { node: remove_id.clone(), index })>{i18n.text(Key::ScrRemove)}</button>
        </div>
    }
}

fn field_at(node: &Option<Node>, index: usize) -> Option<Field> {
    match node {
        Some(Node::Capture { fields, .. }) => fields.get(index).cloned(),
        _ => None,
    }
}

#[component]
fn FieldRow(id: NodeId, index: usize, node: Memo<Option<Node>>, ed: Ed) -> impl IntoView {
    let i18n = I18n::use_context();
    let field = move || node.with(|n| field_at(n, index));
    let kind = move || field().and_then(|f| f.kind);
    let set = move |id: NodeId, part: FieldPart| {
        ed.apply(Edit::SetField {
            node: id,
            index,
            part,
        })
    };
    let (a, b, c, d, remove_id) = (id.clone(), id.clone(), id.clone(), id.clone(), id);
    view! {
        <div class="scripts-item" data-testid="field-row" data-index=index>
            <TextInput label=Key::ScrFieldKey testid="field-key"
                value=Signal::derive(move || field().map(|f| f.key).unwrap_or_default())
                set=Callback::new(move |v: String| set(a.clone(), FieldPart::Key(v)))/>
            <TextInput label=Key::ScrFieldLabel testid="field-label"
                value=Signal::derive(move || field().map(|f| f.label).unwrap_or_default())
                set=Callback::new(move |v: String| set(b.clone(), FieldPart::Label(v)))/>
            <KeySelect label=Key::ScrFieldKind testid="field-kind" options=kind_options()
                current=Signal::derive(move || kind().map(|k| KindName::of(&k).as_str().to_owned()).unwrap_or_default())
                pick=Callback::new(move |v: String| {
                    let before = kind();
                    set(c.clone(), FieldPart::Kind(KindName::parse(&v).map(|k| k.to_kind(before.as_ref()))));
                })/>
            <button type="button" class="danger" data-testid="remove-item"
                on:click=move |_| ed.apply(Edit::RemoveItem { node: remove_id.clone(), index })>{i18n.text(Key::ScrRemove)}</button>
            {move || match kind() {
                Some(FieldKind::Choice(options)) => {
                    let d = d.clone();
                    Some(view! {
                        <label class="field scripts-choices">
                            <span class="label-text">{i18n.text(Key::ScrFieldChoices)}</span>
                            <input type="text" data-testid="field-choices" value=options.join(", ")
                                on:change=move |ev| set(d.clone(), FieldPart::Kind(Some(FieldKind::Choice(model::parse_choices(&event_target_value(&ev))))))/>
                        </label>
                    })
                }
                _ => None,
            }}
        </div>
    }
}

fn branch_at(node: &Option<Node>, index: usize) -> Option<Branch> {
    match node {
        Some(Node::Decision { branches, .. }) => branches.get(index).cloned(),
        _ => None,
    }
}

#[component]
fn BranchRow(id: NodeId, index: usize, node: Memo<Option<Node>>, ed: Ed) -> impl IntoView {
    let i18n = I18n::use_context();
    let branch = move || node.with(|n| branch_at(n, index));
    let set = move |id: NodeId, part: BranchPart| {
        ed.apply(Edit::SetBranch {
            node: id,
            index,
            part,
        })
    };
    let (a, b, c, remove_id) = (id.clone(), id.clone(), id.clone(), id);
    view! {
        <div class="scripts-item" data-testid="branch-row" data-index=index>
            <KeySelect label=Key::ScrCompare testid="branch-compare" options=options(&COMPARES, model::name_of, compare_key)
                current=Signal::derive(move || branch().map(|b| model::name_of(&b.compare)).unwrap_or_default())
                pick=Callback::new(move |v: String| {
                    if let Some(c) = model::parse_name::<Compare>(&v) {
                        set(a.clone(), BranchPart::Compare(c));
                    }
                })/>
            <TextInput label=Key::ScrValue testid="branch-value"
                value=Signal::derive(move || branch().map(|b| b.value).unwrap_or_default())
                set=Callback::new(move |v: String| set(b.clone(), BranchPart::Value(v)))/>
            <NextSelect label=Key::ScrNext
                current=Signal::derive(move || branch().map(|b| b.next).unwrap_or_default())
                pick=Callback::new(move |v: String| set(c.clone(), BranchPart::Next(v))) ed=ed testid="branch-next"/>
            <button type="button" class="danger" data-testid="remove-item"
                on:click=move |_| ed.apply(Edit::RemoveItem { node: remove_id.clone(), index })>{i18n.text(Key::ScrRemove)}</button>
        </div>
    }
}

/// A text field that edits as one types.
#[component]
fn TextInput(
    label: Key,
    testid: &'static str,
    value: Signal<String>,
    set: Callback<String>,
) -> impl IntoView {
    let i18n = I18n::use_context();
    view! {
        <label class="field">
            <span class="label-text">{i18n.text(label)}</span>
            <input type="text" data-testid=testid prop:value=value on:input=move |ev| set.run(event_target_value(&ev))/>
        </label>
    }
}

/// The options of a select: value and label.
fn options<T: Copy>(all: &[T], value: fn(&T) -> String, key: fn(T) -> Key) -> Vec<(String, Key)> {
    all.iter().map(|t| (value(t), key(*t))).collect()
}

fn type_options() -> Vec<(String, Key)> {
    options(&NodeType::ALL, |t| t.as_str().to_owned(), type_key)
}

fn tag_options() -> Vec<(String, Key)> {
    let mut o = vec![(String::new(), Key::ScrTagNone)];
    o.extend(options(&TAGS, model::name_of, |t| tag_key(Some(t))));
    o
}

fn kind_options() -> Vec<(String, Key)> {
    let mut o = vec![(String::new(), kind_key(None))];
    o.extend(options(
        &KindName::ALL,
        |k| k.as_str().to_owned(),
        |k| kind_key(Some(k)),
    ));
    o
}

/// A select of one of the graph's enums (by value), labelled in the person's language.
#[component]
fn KeySelect(
    label: Key,
    testid: &'static str,
    options: Vec<(String, Key)>,
    current: Signal<String>,
    pick: Callback<String>,
) -> impl IntoView {
    let i18n = I18n::use_context();
    view! {
        <label class="field">
            <span class="label-text">{i18n.text(label)}</span>
            <select data-testid=testid on:change=move |ev| pick.run(event_target_value(&ev))>
                {options.into_iter().map(|(value, key)| {
                    let v = value.clone();
                    view! { <option value=value prop:selected=move || current.with(|c| *c == v)>{i18n.text(key)}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}

// ---- Preview -------------------------------------------------------------------------------

/// The draft run with a sample customer, one step at a time, as the agent would see it.
#[component]
fn Preview(
    ed: Ed,
    script: Memo<Option<Script>>,
    agent: Option<huifang_core::UserProfile>,
) -> impl IntoView {
    let i18n = I18n::use_context();
    let run = RwSignal::new(None::<Run>);
    let error = RwSignal::new(None::<RunError>);
    // What is typed into a capture's inputs, by field key (read on "continue").
    let inputs = RwSignal::new(BTreeMap::<String, String>::new());
    let (agent_name, store_name) = agent
        .map(|a| (a.display_name, a.store_name))
        .unwrap_or_default();
    // The script's language is the editor's for its whole life: computed once.
    let lang = script.with_untracked(|s| s.as_ref().map(|s| s.lang.clone()).unwrap_or_default());
    let samples = StoredValue::new(model::sample_values(
        &lang,
        &agent_name,
        &store_name,
        &local_now().0.plus(-1).to_string(),
    ));
    let step = move |f: &dyn Fn(&mut Run, &Graph) -> Result<(), RunError>| {
        let Some(graph) = ed.working.get_untracked() else {
            return;
        };
        let Some(mut r) = run.get_untracked() else {
            return;
        };
        match f(&mut r, &graph) {
            Ok(()) => {
                run.set(Some(r));
                error.set(None);
                inputs.set(BTreeMap::new());
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let start = move |_| {
        let Some(graph) = ed.working.get_untracked() else {
            return;
        };
        inputs.set(BTreeMap::new());
        match Run::start(&graph, "preview", 0, now_ms()) {
            Ok(r) => {
                run.set(Some(r));
                error.set(None);
            }
            Err(e) => {
                run.set(None);
                error.set(Some(e));
            }
        }
    };
    let current = move || {
        let lang = i18n.lang();
        let r = run.get()?;
        let mut values = samples.get_value();
        values.extend(r.values.clone());
        let say = move |text: &str| fill(text, &values);
        let node = ed
            .working
            .with(|g| g.as_ref().and_then(|g| g.nodes.get(&r.at).cloned()));
        let body = match node {
            None => view! {
                <p class="error" role="alert" data-testid="preview-error">{run_error_text(lang, &RunError::NoNode(r.at.clone()))}</p>
            }
            .into_any(),
            Some(Node::Question { text, answers }) => view! {
                <p class="scripts-say" data-testid="preview-text">{say(&text)}</p>
                <div class="choices">
                    {answers.iter().enumerate().map(|(i, a)| {
                        let label = say(&a.label);
                        view! {
                            <button type="button" class="choice" data-testid="preview-answer"
                                on:click=move |_| step(&|r, g| r.answer(g, i, now_ms()))>{label}</button>
                        }
                    }).collect_view()}
                </div>
            }
            .into_any(),
            Some(Node::Capture { text, fields, .. }) => view! {
                <p class="scripts-say" data-testid="preview-text">{say(&text)}</p>
                {fields.iter().map(|f| {
                    let key = f.key.clone();
                    let shown = inputs.with_untracked(|i| i.get(&key).cloned().unwrap_or_default());
                    let input_type = match f.kind {
                        Some(FieldKind::Number | FieldKind::Rating) => "number",
                        Some(FieldKind::Date) => "date",
                        Some(FieldKind::DateTime) => "datetime-local",
                        _ => "text",
                    };
                    let options = match &f.kind {
                        Some(FieldKind::Choice(o)) => Some(o.clone()),
                        _ => None,
                    };
                    let set = move |ev: leptos::ev::Event| {
                        let v = event_target_value(&ev);
                        let key = key.clone();
                        inputs.update_untracked(|i| {
                            i.insert(key, v);
                        });
                    };
                    view! {
                        <label class="field">
                            <span class="label-text">{say(&f.label)}</span>
                            {match options {
                                Some(options) => view! {
                                    <select data-testid="preview-input" on:change=set>
                                        <option value="">"—"</option>
                                        {options.into_iter().map(|o| {
                                            let chosen = o == shown;
                                            view! { <option value=o.clone() selected=chosen>{o.clone()}</option> }
                                        }).collect_view()}
                                    </select>
                                }.into_any(),
                                None => view! {
                                    <input type=input_type data-testid="preview-input" value=shown on:input=set/>
                                }.into_any(),
                            }}
                        </label>
                    }
                }).collect_view()}
                <button type="button" class="primary" data-testid="preview-continue"
                    on:click=move |_| step(&|r, g| r.capture(g, &inputs.get_untracked(), now_ms()))>
                    {lang.t(Key::ScrPreviewContinue)}
                </button>
            }
            .into_any(),
            Some(Node::Action { text, action, .. }) => view! {
                <p class="scripts-say" data-testid="preview-text">{say(&text)}</p>
                <button type="button" class="primary" data-testid="preview-confirm"
                    on:click=move |_| step(&|r, g| r.confirm(g, now_ms()).map(|_| ()))>
                    {format!("{} {}", lang.t(Key::ScrPreviewConfirm), lang.t(action_key(action)))}
                </button>
            }
            .into_any(),
            Some(Node::End { text, outcome }) => view! {
                <p class="scripts-say" data-testid="preview-text">{say(&text)}</p>
                <p class="ok" data-testid="preview-ended" data-outcome=model::name_of(&outcome)>
                    {format!("{} {}", lang.t(Key::ScrPreviewEnded), lang.t(outcome_key(outcome)))}
                </p>
            }
            .into_any(),
            Some(Node::Decision { .. }) => view! {
                <p class="error" role="alert">{lang.t(Key::ScrRunWrongStep)}</p>
            }
            .into_any(),
        };
        let path = r
            .path
            .iter()
            .map(|s| match &s.answer {
                Some(a) => format!("{} → {a}", s.node),
                None => s.node.clone(),
            })
            .collect::<Vec<_>>();
        let at_start = path.is_empty();
        Some(view! {
            <p class="hint" data-testid="preview-at">{r.at.clone()}</p>
            {body}
            <p class="row">
                <button type="button" class="secondary" data-testid="preview-back" disabled=at_start
                    on:click=move |_| step(&|r, g| { r.back(g); Ok(()) })>{lang.t(Key::ScrPreviewBack)}</button>
            </p>
            {(!at_start).then(|| view! {
                <details>
                    <summary>{lang.t(Key::ScrPreviewPath)} " (" {path.len()} ")"</summary>
                    <ol class="scripts-path">{path.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ol>
                </details>
            })}
        })
    };
    view! {
        <section class="scripts-panel" data-testid="preview">
            <h2>{i18n.text(Key::ScrPreview)}</h2>
            <p class="hint">{i18n.text(Key::ScrPreviewHint)}</p>
            <button type="button" class="secondary" data-testid="preview-start" on:click=start>
                {move || if run.with(Option::is_some) { i18n.t(Key::ScrPreviewRestart) } else { i18n.t(Key::ScrPreviewStart) }}
            </button>
            {move || error.get().map(|e| view! {
                <p class="error" role="alert" data-testid="preview-error" title=e.to_string()>{run_error_text(i18n.lang(), &e)}</p>
            })}
            {current}
        </section>
    }
}

// ---- Versions ------------------------------------------------------------------------------

/// Which graph a side of the comparison shows.
const DRAFT: &str = "draft";

#[component]
fn Versions(versions: Memo<Vec<Version>>, working: RwSignal<Option<Graph>>) -> impl IntoView {
    let i18n = I18n::use_context();
    let people = People::use_context();
    let from = RwSignal::new(None::<String>);
    let to = RwSignal::new(None::<String>);
    // Unless chosen: the newest version against the one before it (or the draft, with one).
    let chosen_from = Memo::new(move |_| {
        from.get().unwrap_or_else(|| {
            versions.with(|v| {
                v.get(1)
                    .or(v.first())
                    .map(|v| v.id.to_string())
                    .unwrap_or_else(|| DRAFT.to_owned())
            })
        })
    });
    let chosen_to = Memo::new(move |_| {
        to.get().unwrap_or_else(|| {
            versions.with(|v| match v.len() {
                0 | 1 => DRAFT.to_owned(),
                _ => v[0].id.to_string(),
            })
        })
    });
    let graph_of = move |choice: &str| -> Option<Result<Graph, String>> {
        if choice == DRAFT {
            return working.get().map(Ok);
        }
        versions.with(|v| {
            v.iter()
                .find(|v| v.id.to_string() == choice)
                .map(|v| v.graph.clone())
        })
    };
    let select = move |testid: &'static str,
                       chosen: Memo<String>,
                       set: RwSignal<Option<String>>| {
        view! {
            <select data-testid=testid on:change=move |ev| set.set(Some(event_target_value(&ev)))>
                {move || {
                    let cur = chosen.get();
                    let mut options: Vec<_> = versions.get().into_iter().map(|v| {
                        let value = v.id.to_string();
                        let selected = value == cur;
                        view! { <option value=value prop:selected=selected>{format!("v{}", v.number)}</option> }.into_any()
                    }).collect();
                    options.push(view! {
                        <option value=DRAFT prop:selected=cur == DRAFT>{i18n.t(Key::ScrDraft)}</option>
                    }.into_any());
                    options
                }}
            </select>
        }
    };
    let comparison = move || {
        let lang = i18n.lang();
        match (graph_of(&chosen_from.get()), graph_of(&chosen_to.get())) {
            (Some(Ok(old)), Some(Ok(new))) => {
                view! { <DiffView diff=model::diff(&old, &new) lang=lang/> }.into_any()
            }
            (Some(Err(e)), _) | (_, Some(Err(e))) => view! {
                <p class="error" title=e>{lang.t(Key::ScrVersionUnreadable)}</p>
            }
            .into_any(),
            _ => ().into_any(),
        }
    };
    view! {
        <section class="scripts-panel" data-testid="versions-panel">
            <h2>{i18n.text(Key::ScrVersions)}</h2>
            {move || {
                let list = versions.get();
                if list.is_empty() {
                    return view! { <p class="hint">{i18n.t(Key::ScrVersionsEmpty)}</p> }.into_any();
                }
                let lang = i18n.lang();
                view! {
                    <ol class="rows scripts-versions" data-testid="versions">
                        {list.into_iter().map(|v| view! {
                            <li data-testid="version-row" data-version=v.number>
                                <strong>{format!("v{}", v.number)}</strong>
                                {format!(" · {} · {}", people.name(&v.by), date_time(lang, v.at_ms))}
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            <div class="row scripts-compare">
                <label class="field">
                    <span class="label-text">{i18n.text(Key::ScrCompareFrom)}</span>
                    {select("compare-from", chosen_from, from)}
                </label>
                <label class="field">
                    <span class="label-text">{i18n.text(Key::ScrCompareTo)}</span>
                    {select("compare-to", chosen_to, to)}
                </label>
            </div>
            {comparison}
        </section>
    }
}

fn answer_text(lang: Lang, a: &Answer) -> String {
    let tag = a
        .tag
        .map(|t| format!(" [{}]", lang.t(tag_key(Some(t)))))
        .unwrap_or_default();
    format!("{}{tag} → {}", a.label, a.next)
}

fn fields_text(lang: Lang, fields: &[Field]) -> String {
    fields
        .iter()
        .map(|f| {
            let kind = lang.t(kind_key(f.kind.as_ref().map(KindName::of)));
            format!("{}（{}，{kind}）", f.key, f.label)
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn branches_text(lang: Lang, branches: &[Branch]) -> String {
    branches
        .iter()
        .map(|b| {
            format!(
                "{} {} → {}",
                lang.t(compare_key(b.compare)),
                b.value,
                b.next
            )
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn change_view(lang: Lang, c: Change) -> AnyView {
    let pair = |label: Key, old: String, new: String| {
        view! {
            <li>
                <span class="label-text">{lang.t(label)}</span> "： "
                <del>{old}</del> " → " <ins>{new}</ins>
            </li>
        }
        .into_any()
    };
    match c {
        Change::Type { old, new } => pair(
            Key::ScrNodeType,
            lang.t(type_key(old)).to_owned(),
            lang.t(type_key(new)).to_owned(),
        ),
        Change::Text { old, new } => view! {
            <li data-testid="diff-text">
                <span class="label-text">{lang.t(Key::ScrNodeText)}</span>
                <del class="scripts-block">{old}</del>
                <ins class="scripts-block">{new}</ins>
            </li>
        }
        .into_any(),
        Change::AnswerAdded(a) => view! {
            <li><span class="label-text">{lang.t(Key::ScrDiffAnswerAdded)}</span> "： " <ins>{answer_text(lang, &a)}</ins></li>
        }
        .into_any(),
        Change::AnswerRemoved(a) => view! {
            <li><span class="label-text">{lang.t(Key::ScrDiffAnswerRemoved)}</span> "： " <del>{answer_text(lang, &a)}</del></li>
        }
        .into_any(),
        Change::AnswerChanged { index, old, new } => view! {
            <li>
                <span class="label-text">{format!("{} {}", lang.t(Key::ScrAnswers), index + 1)}</span> "： "
                <del>{answer_text(lang, &old)}</del> " → " <ins>{answer_text(lang, &new)}</ins>
            </li>
        }
        .into_any(),
        Change::Fields { old, new } => {
            pair(Key::ScrFields, fields_text(lang, &old), fields_text(lang, &new))
        }
        Change::DecisionField { old, new } => pair(Key::ScrDecisionField, old, new),
        Change::Branches { old, new } => pair(
            Key::ScrBranches,
            branches_text(lang, &old),
            branches_text(lang, &new),
        ),
        Change::Next { old, new } => pair(Key::ScrNext, old, new),
        Change::Action { old, new } => pair(
            Key::ScrActionKind,
            lang.t(action_key(old)).to_owned(),
            lang.t(action_key(new)).to_owned(),
        ),
        Change::Outcome { old, new } => pair(
            Key::ScrOutcome,
            lang.t(outcome_key(old)).to_owned(),
            lang.t(outcome_key(new)).to_owned(),
        ),
    }
}

/// The comparison of two versions, node by node.
#[component]
fn DiffView(diff: GraphDiff, lang: Lang) -> impl IntoView {
    if diff.is_empty() {
        return view! { <p class="hint" data-testid="diff" data-empty="true">{lang.t(Key::ScrDiffNone)}</p> }
            .into_any();
    }
    let start = diff.start.map(|(old, new)| {
        view! {
            <p data-testid="diff-start">
                <span class="label-text">{lang.t(Key::ScrStart)}</span> "： "
                <del>{old}</del> " → " <ins>{new}</ins>
            </p>
        }
    });
    let reminders = diff
        .reminders
        .map(|_| view! { <p>{lang.t(Key::ScrDiffReminders)}</p> });
    let nodes = diff
        .nodes
        .into_iter()
        .map(|n| {
            let (change, class, label, details) = match n.change {
                NodeChange::Added(node) => (
                    "added",
                    "scripts-diff-added",
                    Key::ScrDiffAdded,
                    model::text_of(&node)
                        .map(|t| view! { <p><ins class="scripts-block">{t.to_owned()}</ins></p> }.into_any())
                        .unwrap_or_else(|| ().into_any()),
                ),
                NodeChange::Removed(node) => (
                    "removed",
                    "scripts-diff-removed",
                    Key::ScrDiffRemoved,
                    model::text_of(&node)
                        .map(|t| view! { <p><del class="scripts-block">{t.to_owned()}</del></p> }.into_any())
                        .unwrap_or_else(|| ().into_any()),
                ),
                NodeChange::Changed(changes) => (
                    "changed",
                    "scripts-diff-changed",
                    Key::ScrDiffChanged,
                    view! { <ul>{changes.into_iter().map(|c| change_view(lang, c)).collect_view()}</ul> }
                        .into_any(),
                ),
            };
            view! {
                <li class=class data-testid="diff-node" data-node=n.id.clone() data-change=change>
                    <strong>{n.id.clone()}</strong> " · " {lang.t(label)}
                    {details}
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="scripts-diff" data-testid="diff">
            {start}
            {reminders}
            <ul class="rows">{nodes}</ul>
        </div>
    }
    .into_any()
}
