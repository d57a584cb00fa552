//! 团队 (care supervisors and managers): the care team's figures, computed on the tablet from
//! the records it holds with the core's `care::kpi` (the same definitions the reports use):
//! member coverage (target 100%), three-day compliance, effective contact rate per agent,
//! today's progress, and the tasks at risk of missing their deadline — each with who it is.

use crate::directory::People;
use crate::i18n::{I18n, Key};
use crate::model::Customer;
use crate::routes::reports::ratio_text;
use crate::routes::section::SectionPage;
use crate::routes::today::{local_now, local_offset};
use crate::sync::Sync;
use huifang_core::care::dates::Day;
use huifang_core::care::kpi::{CareFigures, Period, Ratio, care_figures};
use huifang_core::sync::RecordId;
use huifang_core::{Role, Section};
use leptos::prelude::*;
use leptos_router::components::A;
use std::collections::BTreeMap;

/// The period the figures cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    Today,
    Week,
    Month,
}

impl Span {
    fn period(self, today: Day) -> Period {
        let from = match self {
            Span::Today => today,
            Span::Week => today.plus(-6),
            Span::Month => {
                let (_, _, d) = today.ymd();
                today.plus(1 - d as i32)
            }
        };
        Period { from, to: today }
    }
}

#[component]
pub fn TeamPage(role: Role) -> impl IntoView {
    let i18n = I18n::use_context();
    let care_lead = matches!(
        role,
        Role::CareSupervisor | Role::StoreManager | Role::GroupManager
    );
    if !Section::Team.visible_to(role) || !care_lead {
        return view! { <SectionPage section=Section::Team role=role/> }.into_any();
    }
    let Some(sync) = Sync::use_context() else {
        return ().into_any();
    };
    let span = RwSignal::new(Span::Month);
    let records = sync.resource(|engine| async move { engine.snapshot().await });
    let figures = Memo::new(move |_| {
        let span = span.get();
        records.with(|read| match read {
            Some(Some(Ok(records))) => {
                let today = local_now().0;
                let names: BTreeMap<RecordId, String> = Customer::all(records)
                    .into_iter()
                    .map(|c| (c.id, c.name))
                    .collect();
                let f = care_figures(records, span.period(today), today, local_offset());
                let customer_of_task: BTreeMap<RecordId, RecordId> = records
                    .iter()
                    .filter_map(crate::calls::Task::from_record)
                    .map(|t| (t.id, t.customer))
                    .collect();
                Some(Ok((f, names, customer_of_task)))
            }
            Some(Some(Err(e))) => Some(Err(e.clone())),
            _ => None,
        })
    });
    let spans = [
        (Span::Today, Key::SpanToday),
        (Span::Week, Key::SpanWeek),
        (Span::Month, Key::SpanMonth),
    ];
    view! {
        <section class="card team" data-section="/team">
            <h1>{i18n.text(Key::TeamTitle)}</h1>
            <div class="row" role="group">
                {spans.into_iter().map(|(s, key)| view! {
                    <button type="button" class="choice" class:chosen=move || span.get() == s
                        aria-pressed=move || (span.get() == s).to_string()
                        on:click=move |_| span.set(s)>{i18n.text(key)}</button>
                }).collect_view()}
            </div>
            {move || match figures.get() {
                None => view! { <p>{i18n.text(Key::SyncOpening)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" title=e.detail>{i18n.t(e.key)}</p> }.into_any(),
                Some(Ok((f, names, task_customer))) => view! { <Figures f=f names=names task_customer=task_customer/> }.into_any(),
            }}
        </section>
    }
    .into_any()
}

#[component]
fn Figures(
    f: CareFigures,
    names: BTreeMap<RecordId, String>,
    task_customer: BTreeMap<RecordId, RecordId>,
) -> impl IntoView {
    let i18n = I18n::use_context();
    let people = People::use_context();
    let name = |id: &RecordId| names.get(id).cloned().unwrap_or_default();
    let task_links = |tasks: &[RecordId]| {
        tasks
            .iter()
            .map(|t| {
                let who = task_customer.get(t).map(&name).unwrap_or_default();
                let href = format!("/tasks/{t}");
                view! { <li><A href=href>{who}</A></li> }
            })
            .collect_view()
    };
    let figure = |key: Key, def: Key, testid: &'static str, r: Ratio| {
        view! {
            <div class="figure" data-testid=testid data-num=r.num data-den=r.den>
                <dt>{i18n.text(key)}</dt>
                <dd><strong>{ratio_text(r)}</strong></dd>
                <dd class="hint">{i18n.text(def)}</dd>
            </div>
        }
    };
    let uncovered: Vec<_> = f
        .uncovered_members
        .iter()
        .map(|c| {
            let (href, who) = (format!("/customers/{c}"), name(c));
            view! { <li><A href=href>{who}</A></li> }
        })
        .collect();
    view! {
        <dl class="figures">
            {figure(Key::KpiCoverage, Key::KpiCoverageDef, "kpi-coverage", f.member_coverage)}
            {figure(Key::KpiThreeDay, Key::KpiThreeDayDef, "kpi-three-day", f.three_day)}
            {figure(Key::KpiContact, Key::KpiContactDef, "kpi-contact", f.contact)}
        </dl>
        {(!uncovered.is_empty()).then(|| view! {
            <details>
                <summary>{i18n.text(Key::KpiUncovered)} " (" {uncovered.len()} ")"</summary>
                <ul class="rows" data-testid="uncovered">{uncovered}</ul>
            </details>
        })}
        <h2>{i18n.text(Key::TeamByAgent)}</h2>
        <table class="table" data-testid="by-agent">
            <thead><tr>
                <th>{i18n.text(Key::TeamAgent)}</th>
                <th>{i18n.text(Key::TeamDoneToday)}</th>
                <th>{i18n.text(Key::TeamOpen)}</th>
                <th>{i18n.text(Key::KpiContact)}</th>
            </tr></thead>
            <tbody>
                {let mut agents: Vec<_> = f.progress_by_agent.keys().chain(f.contact_by_agent.keys()).cloned().collect();
                 agents.sort();
                 agents.dedup();
                 agents.into_iter().map(|a| {
                    let p = f.progress_by_agent.get(&a).copied().unwrap_or_default();
                    let c = f.contact_by_agent.get(&a).copied().unwrap_or_default();
                    view! {
                        <tr data-agent=a.0.clone()>
                            <td>{people.name(&a)}</td>
                            <td data-testid="done-today">{p.done_today}</td>
                            <td data-testid="open">{p.open}</td>
                            <td data-testid="contact" data-num=c.num data-den=c.den>{ratio_text(c)}</td>
                        </tr>
                    }
                 }).collect_view()}
            </tbody>
        </table>
        <h2>{i18n.text(Key::TeamAtRisk)} " (" {f.at_risk.len()} ")"</h2>
        <ul class="rows" data-testid="at-risk">{task_links(&f.at_risk)}</ul>
        <h2>{i18n.text(Key::TeamOverdue)} " (" {f.overdue.len()} ")"</h2>
        <ul class="rows" data-testid="overdue">{task_links(&f.overdue)}</ul>
    }
}
