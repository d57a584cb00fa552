//! 分配 (supervisors): share the unassigned callback tasks among the care agents in one step,
//! each with a capacity (`POST /api/tasks/distribute`; the rule and its fairness bound are the
//! core's `care::distribute`). Needs the network: the server assigns them all at once.

use crate::i18n::{I18n, Key};
use crate::routes::section::SectionPage;
use crate::sync::Sync;
use crate::sync::transport;
use huifang_core::care::distribute::{AgentShare, DistributeRequest, DistributeResponse};
use huifang_core::sync::RecordKind;
use huifang_core::{Role, Section, UserProfile};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;

#[derive(Deserialize)]
struct UserList {
    users: Vec<UserProfile>,
}

/// One agent's row: included or not, and their capacity.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    agent: UserProfile,
    include: bool,
    /// Away (leave, sick): their unfinished tasks are taken back and shared out again.
    away: bool,
    capacity: u32,
}

/// Everything the page shows.
#[derive(Debug, Clone, Default, PartialEq)]
struct State {
    rows: Vec<Row>,
    busy: bool,
    done: Option<DistributeResponse>,
    error: Option<(Key, String)>,
}

#[component]
pub fn AssignmentsPage(role: Role) -> impl IntoView {
    let i18n = I18n::use_context();
    if !Section::Assignments.visible_to(role) {
        return view! { <SectionPage section=Section::Assignments role=role/> }.into_any();
    }
    let Some(sync) = Sync::use_context() else {
        return ().into_any();
    };
    let state = RwSignal::new(State::default());
    spawn_local(async move {
        match transport::get_json::<UserList>("/api/users").await {
            Ok(list) => state.try_update(|s| {
                s.rows = list
                    .users
                    .into_iter()
                    .filter(|u| u.role == Role::CareAgent)
                    .map(|agent| Row {
                        agent,
                        include: true,
                        away: false,
                        capacity: 1,
                    })
                    .collect();
            }),
            Err(e) => state.try_update(|s| s.error = Some((e.key(), e.to_string()))),
        };
    });
    // Open tasks on this device: unassigned, and customers held per agent.
    let counts = sync.resource(|engine| async move {
        let records = engine.snapshot().await?;
        let open: Vec<_> = records
            .iter()
            .filter_map(|r| r.as_entity())
            .filter(|e| {
                e.kind == RecordKind::CallbackTask
                    && e.value("status")
                        .and_then(serde_json::Value::as_str)
                        .is_some_and(huifang_core::care::distribute::is_unfinished)
            })
            .collect();
        let unassigned = open.iter().filter(|e| e.scope.owner.is_none()).count();
        let mut held =
            std::collections::BTreeMap::<String, std::collections::BTreeSet<String>>::new();
        for e in &open {
            if let (Some(owner), Some(c)) = (&e.scope.owner, e.value("customer")) {
                held.entry(owner.0.clone())
                    .or_default()
                    .insert(c.to_string());
            }
        }
        let held: Vec<(String, usize)> = held.into_iter().map(|(k, v)| (k, v.len())).collect();
        Ok((unassigned, held))
    });
    let run = move |_| {
        let agents: Vec<AgentShare> = state.with_untracked(|s| {
            s.rows
                .iter()
                .filter(|r| r.include)
                .map(|r| AgentShare {
                    id: r.agent.id.clone(),
                    capacity: r.capacity,
                })
                .collect()
        });
        let away: Vec<huifang_core::UserId> = state.with_untracked(|s| {
            s.rows
                .iter()
                .filter(|r| r.away)
                .map(|r| r.agent.id.clone())
                .collect()
        });
        if state.with_untracked(|s| s.rows.iter().any(|r| r.include && r.capacity == 0)) {
            state.update(|s| s.error = Some((Key::AssignBadCapacity, String::new())));
            return;
        }
        if agents.is_empty() {
            state.update(|s| s.error = Some((Key::AssignNoAgents, String::new())));
            return;
        }
        state.update(|s| {
            s.busy = true;
            s.error = None;
        });
        let engine = sync.engine();
        spawn_local(async move {
            let answer: Result<DistributeResponse, _> =
                transport::post_json("/api/tasks/distribute", &DistributeRequest { agents, away })
                    .await;
            if answer.is_ok()
                && let Some(engine) = engine
            {
                engine.sync_now();
            }
            state.try_update(|s| {
                s.busy = false;
                match answer {
                    Ok(done) => s.done = Some(done),
                    Err(e) => s.error = Some((e.key(), e.to_string())),
                }
            });
        });
    };
    view! {
        <section class="card" data-section="/assignments">
            <h1>{i18n.text(Key::NavAssignments)}</h1>
            <p>{i18n.text(Key::AssignIntro)}</p>
            <p>
                {i18n.text(Key::AssignUnassigned)} ": "
                <strong data-testid="unassigned">
                    {move || counts.get().flatten().and_then(Result::ok).map(|(n, _)| n)}
                </strong>
            </p>
            {move || {
                let rows = state.with(|s| s.rows.clone());
                if rows.is_empty() {
                    return view! { <p>{i18n.text(Key::AssignLoading)}</p> }.into_any();
                }
                let held = counts.get().flatten().and_then(Result::ok).map(|(_, h)| h).unwrap_or_default();
                view! {
                    <ul class="rows" data-testid="agents">
                        {rows.into_iter().enumerate().map(|(i, row)| {
                            let holding = held.iter().find(|(id, _)| *id == row.agent.id.0).map(|(_, n)| *n).unwrap_or(0);
                            view! {
                                <li class="row" data-testid="agent-row">
                                    <strong>{row.agent.display_name.clone()}</strong>
                                    <label>
                                        <input type="checkbox" prop:checked=row.include
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                state.update(|s| if let Some(r) = s.rows.get_mut(i) { r.include = on; });
                                            }/>
                                        " " {i18n.t(Key::AssignInclude)}
                                    </label>
                                    <label>
                                        <input type="checkbox" data-testid="away" prop:checked=row.away
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                state.update(|s| if let Some(r) = s.rows.get_mut(i) {
                                                    r.away = on;
                                                    if on { r.include = false; }
                                                });
                                            }/>
                                        " " {i18n.t(Key::AssignAway)}
                                    </label>
                                    <label>
                                        {i18n.t(Key::AssignCapacity)} " "
                                        <input type="number" min="1" max="9" prop:value=row.capacity.to_string()
                                            aria-label=format!("{} {}", i18n.t(Key::AssignCapacity), row.agent.display_name)
                                            on:change=move |ev| {
                                                // 0 marks a capacity that does not read: refused with a message.
                                                let n = event_target_value(&ev).trim().parse().ok().filter(|n| (1..=9).contains(n)).unwrap_or(0);
                                                state.update(|s| if let Some(r) = s.rows.get_mut(i) { r.capacity = n; });
                                            }/>
                                    </label>
                                    <span class="muted">{i18n.t(Key::AssignHolding)} ": " {holding}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {move || state.with(|s| s.error.clone()).map(|(k, d)| view! { <p class="error" role="alert" title=d>{i18n.t(k)}</p> })}
            {move || state.with(|s| s.done.clone()).map(|d| view! {
                <p class="ok" role="status" data-testid="assigned">
                    {i18n.t(Key::AssignDone)} " " {d.tasks_assigned}
                    {(d.taken_back > 0).then(|| format!(" · {} {}", i18n.t(Key::AssignTakenBack), d.taken_back))}
                </p>
            })}
            <button class="primary" disabled=move || state.with(|s| s.busy) on:click=run>
                {i18n.text(Key::AssignRun)}
            </button>
        </section>
        <crate::routes::campaigns::CampaignForm/>
    }
    .into_any()
}
