//! `/reports/summary`: the callback summary report (回访总结报告) of a period or of one
//! campaign, computed on the tablet from what it holds (offline), printable with the print
//! stylesheet, and exported as CSV or XLSX by the server (online: the server holds the whole
//! store). `/reports/group`: the group manager's view of every store of the dealer group,
//! computed by the server.

use crate::directory::People;
use crate::i18n::{I18n, Key, Lang};
use crate::routes::reports::{
    my_store, no_access_view, own_store, period_from_query, query_string, ratio_text,
};
use crate::routes::section::SectionPage;
use crate::sync::Sync;
use crate::sync::transport;
use huifang_core::reports::summary::{CAMPAIGN, Scope, Summary, summary};
use huifang_core::reports::{Kpi, Report};
use huifang_core::sync::{Record, RecordKind};
use huifang_core::{Role, Section, StoreId, UserId};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn lang_param(i18n: I18n) -> &'static str {
    if i18n.lang() == Lang::ZhCn {
        "zh"
    } else {
        "en"
    }
}

/// The campaigns among the tasks the tablet holds, by name.
fn campaigns(records: &[Record]) -> Vec<String> {
    let names: BTreeSet<String> = records
        .iter()
        .filter_map(Record::as_entity)
        .filter(|e| e.kind == RecordKind::CallbackTask)
        .filter_map(|e| e.value(CAMPAIGN).and_then(Value::as_str))
        .filter(|n| !n.trim().is_empty())
        .map(str::to_owned)
        .collect();
    names.into_iter().collect()
}

#[component]
pub fn SummaryPage(role: Role) -> impl IntoView {
    let i18n = I18n::use_context();
    if !Section::Reports.visible_to(role) {
        return view! { <SectionPage section=Section::Reports role=role/> }.into_any();
    }
    if !matches!(
        role,
        Role::CareSupervisor | Role::StoreManager | Role::GroupManager
    ) {
        return no_access_view(i18n);
    }
    let Some(sync) = Sync::use_context() else {
        return ().into_any();
    };
    let people = People::use_context();
    let period = period_from_query();
    // "" = the period; else a campaign's name.
    let campaign = RwSignal::new(String::new());
    let store = my_store();
    let records = sync.resource(|engine| async move { engine.snapshot().await });
    let computed = Memo::new(move |_| {
        let chosen = campaign.get();
        records.with(|read| match read {
            Some(Some(Ok(records))) => {
                let records = own_store(records, store.as_ref());
                let records: &[Record] = &records;
                // A campaign whose tasks are gone (cancelled, deleted) is no scope any more.
                let names = campaigns(records);
                let chosen = if names.contains(&chosen) {
                    chosen
                } else {
                    String::new()
                };
                let scope = if chosen.is_empty() {
                    Scope::Period(period)
                } else {
                    Scope::Campaign(chosen)
                };
                Some(Ok((summary(records, &scope), names)))
            }
            Some(Some(Err(e))) => Some(Err(e.clone())),
            _ => None,
        })
    });
    let export = move |format: &str| {
        let chosen = campaign.get();
        let scope = if chosen.is_empty() {
            query_string(period)
        } else {
            format!("campaign={}", js_sys::encode_uri_component(&chosen))
        };
        format!(
            "/api/reports/summary?{scope}&format={format}&lang={}",
            lang_param(i18n)
        )
    };
    let print = move |_| {
        if let Some(w) = web_sys::window()
            && let Err(e) = w.print()
        {
            leptos::logging::warn!("printing failed: {e:?}");
        }
    };
    view! {
        <section class="card report-summary print-sheet" data-section="/reports/summary">
            <p class="no-print"><A href=format!("/reports?{}", query_string(period))>{i18n.text(Key::RptBack)}</A></p>
            <h1>{i18n.text(Key::RptSummary)}</h1>
            {move || match computed.get() {
                None => view! { <p>{i18n.text(Key::SyncOpening)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" title=e.detail>{i18n.t(e.key)}</p> }.into_any(),
                Some(Ok((s, names))) => view! {
                    <label class="field no-print">
                        <span class="label-text">{i18n.text(Key::RptScope)}</span>
                        <select data-testid="summary-scope" on:change=move |ev| campaign.set(event_target_value(&ev))>
                            <option value="" selected=campaign.get_untracked().is_empty()>{format!("{} {} – {}", i18n.t(Key::RptPeriod), period.from, period.to)}</option>
                            {names.into_iter().map(|n| {
                                let chosen = campaign.get_untracked() == n;
                                view! { <option value=n.clone() selected=chosen>{n.clone()}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                    <SummaryTable s=s people=people/>
                }.into_any(),
            }}
            <p class="no-print">
                <button type="button" class="secondary" data-testid="print" on:click=print>{i18n.text(Key::RptPrint)}</button>
                " "
                <a href=move || export("csv") download data-testid="summary-csv">{i18n.text(Key::CmpExportCsv)}</a>
                " · "
                <a href=move || export("xlsx") download data-testid="summary-xlsx">{i18n.text(Key::CmpExportXlsx)}</a>
                " "
                <span class="hint">{i18n.text(Key::CmpExportOnline)}</span>
            </p>
        </section>
    }
    .into_any()
}

#[component]
fn SummaryTable(s: Summary, people: People) -> impl IntoView {
    let i18n = I18n::use_context();
    let zh = i18n.lang() == Lang::ZhCn;
    let names: BTreeMap<UserId, String> = s
        .agents
        .keys()
        .map(|a| (a.clone(), people.name(a)))
        .collect();
    let rows = s.rows(zh, &names);
    view! {
        <dl class="figures" data-testid="summary-headline">
            <div class="figure" data-testid="summary-reached" data-num=s.reached.num data-den=s.reached.den>
                <dt>{i18n.text(Key::RptReached)}</dt><dd><strong>{ratio_text(s.reached)}</strong></dd>
            </div>
            <div class="figure" data-testid="summary-satisfied" data-num=s.satisfied.num data-den=s.satisfied.den>
                <dt>{move || Kpi::Satisfaction.label(i18n.lang() == Lang::ZhCn)}</dt><dd><strong>{ratio_text(s.satisfied)}</strong></dd>
            </div>
        </dl>
        <table class="table" data-testid="summary-table">
            <tbody>
                {rows.into_iter().map(|r| view! {
                    <tr data-section=r.section data-item=r.item.clone() data-value=r.value.clone()>
                        <th scope="row">{r.section}</th><td>{r.item.clone()}</td><td class="num">{r.value.clone()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// One store's report in the group view, as the server sends it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StoreReport {
    pub store: StoreId,
    pub name: String,
    pub report: Report,
}

/// `GET /api/reports/group`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GroupReport {
    #[serde(default)]
    pub group: Option<String>,
    pub stores: Vec<StoreReport>,
    pub total: Report,
}

#[component]
pub fn GroupPage(role: Role) -> impl IntoView {
    let i18n = I18n::use_context();
    if role != Role::GroupManager {
        return no_access_view(i18n);
    }
    let period = period_from_query();
    let answer: RwSignal<Option<Result<GroupReport, (Key, String)>>> = RwSignal::new(None);
    let path = format!("/api/reports/group?{}", query_string(period));
    spawn_local(async move {
        let got = transport::get_json::<GroupReport>(&path).await;
        answer.set(Some(got.map_err(|e| (e.key(), e.to_string()))));
    });
    view! {
        <section class="card print-sheet" data-section="/reports/group">
            <p class="no-print"><A href=format!("/reports?{}", query_string(period))>{i18n.text(Key::RptBack)}</A></p>
            <h1>{i18n.text(Key::RptGroup)}</h1>
            <p class="hint">{format!("{} – {}", period.from, period.to)}</p>
            {move || match answer.get() {
                None => view! { <p>{i18n.text(Key::SyncOpening)}</p> }.into_any(),
                Some(Err((key, detail))) => view! {
                    <p class="error" role="alert" title=detail>{i18n.t(key)}</p>
                    <p class="hint">{i18n.text(Key::RptGroupOnline)}</p>
                }.into_any(),
                Some(Ok(g)) => view! { <GroupTable g=g/> }.into_any(),
            }}
        </section>
    }
    .into_any()
}

#[component]
fn GroupTable(g: GroupReport) -> impl IntoView {
    let i18n = I18n::use_context();
    view! {
        {g.group.clone().map(|n| view! { <h2>{n}</h2> })}
        <div class="table-scroll">
            <table class="table" data-testid="group-table">
                <thead><tr>
                    <th>{i18n.text(Key::RptStore)}</th>
                    {Kpi::ALL.iter().map(|k| view! { <th>{move || k.label(i18n.lang() == Lang::ZhCn)}</th> }).collect_view()}
                    <th>{i18n.text(Key::RptComplaintsCount)}</th>
                </tr></thead>
                <tbody>
                    {g.stores.iter().map(|s| view! {
                        <tr data-store=s.store.0.clone()>
                            <th scope="row">{s.name.clone()}</th>
                            {Kpi::ALL.iter().map(|k| {
                                let r = s.report.measure(*k).ratio;
                                view! { <td class="num" data-kpi=k.as_str() data-num=r.num data-den=r.den>{ratio_text(r)}</td> }
                            }).collect_view()}
                            <td class="num">{s.report.complaints.total}</td>
                        </tr>
                    }).collect_view()}
                    <tr class="total" data-store="">
                        <th scope="row">{i18n.text(Key::RptTotal)}</th>
                        {Kpi::ALL.iter().map(|k| {
                            let r = g.total.measure(*k).ratio;
                            view! { <td class="num" data-kpi=k.as_str() data-num=r.num data-den=r.den>{ratio_text(r)}</td> }
                        }).collect_view()}
                        <td class="num">{g.total.complaints.total}</td>
                    </tr>
                </tbody>
            </table>
        </div>
    }
}

/// 导出记录: the store's audit log of exports, for store and group managers (online: the log
/// lives on the server).
#[component]
pub fn AuditPage(role: Role) -> impl IntoView {
    use huifang_core::api::AuditEntry;
    let i18n = I18n::use_context();
    if !matches!(role, Role::StoreManager | Role::GroupManager) {
        return no_access_view(i18n);
    }
    type Read = Result<Vec<AuditEntry>, (Key, String)>;
    let answer: RwSignal<Option<Read>> = RwSignal::new(None);
    spawn_local(async move {
        let got = transport::get_json::<Vec<AuditEntry>>("/api/audit").await;
        answer.set(Some(got.map_err(|e| (e.key(), e.to_string()))));
    });
    let action = move |a: &str| match a {
        "export_complaint_stats" => i18n.t(Key::AuditExportComplaintStats).to_owned(),
        "export_callback_summary" => i18n.t(Key::AuditExportCallbackSummary).to_owned(),
        "import_customers" => i18n.t(Key::AuditImportCustomers).to_owned(),
        "reveal_phone" => i18n.t(Key::AuditRevealPhone).to_owned(),
        "revoke_device" => i18n.t(Key::AuditRevokeDevice).to_owned(),
        other => other.to_owned(),
    };
    view! {
        <section class="card" data-section="/reports/audit">
            <p class="no-print"><A href="/reports">{i18n.text(Key::RptBack)}</A></p>
            <h1>{i18n.text(Key::RptAudit)}</h1>
            <p class="hint">{i18n.text(Key::RptAuditHint)}</p>
            {move || match answer.get() {
                None => view! { <p>{i18n.text(Key::SyncOpening)}</p> }.into_any(),
                Some(Err((key, detail))) => view! {
                    <p class="error" role="alert" title=detail>{i18n.t(key)}</p>
                    <p class="hint">{i18n.text(Key::RptAuditOnline)}</p>
                }.into_any(),
                Some(Ok(entries)) if entries.is_empty() => view! {
                    <p class="hint" data-testid="audit-empty">{i18n.text(Key::RptAuditEmpty)}</p>
                }.into_any(),
                Some(Ok(entries)) => view! {
                    <div class="table-scroll">
                        <table class="table" data-testid="audit-log">
                            <thead><tr>
                                <th>{i18n.text(Key::AuditWhen)}</th>
                                <th>{i18n.text(Key::AuditWho)}</th>
                                <th>{i18n.text(Key::AuditWhat)}</th>
                                <th>{i18n.text(Key::AuditDetail)}</th>
                            </tr></thead>
                            <tbody>
                                {entries.into_iter().map(|e| view! {
                                    <tr data-testid="audit-entry">
                                        <td>{crate::i18n::format::date_time(i18n.lang(), e.at_ms)}</td>
                                        <td>{format!("@{}", e.username)}</td>
                                        <td>{action(&e.action)}</td>
                                        <td>{e.detail}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any(),
            }}
        </section>
    }
    .into_any()
}
