//! 报表 (leads: care supervisors, sales managers, store and group managers): the numbers the
//! store is run by, computed on the tablet from the records it holds with the core's
//! `reports::report` — offline, the same definitions the server's exports use. Each role sees
//! its areas (care and service and complaints; sales; a manager everything), each KPI with its
//! definition and a link to the records behind it, the trends, the complaint categories and
//! departments, the satisfaction answers, the agents and advisors, and the funnel.
//!
//! `/reports/<kpi>?from=…&to=…` lists the records behind one number (also `complaints` with
//! an optional `category`, and `funnel` with a `stage`).

use crate::components::charts::{Bar, BarChart, FunnelChart, Series, Stage, TrendChart};
use crate::directory::People;
use crate::i18n::format::percent;
use crate::i18n::{I18n, Key, Lang};
use crate::model::Customer;
use crate::routes::section::SectionPage;
use crate::routes::today::{local_now, local_offset};
use crate::sync::Sync;
use huifang_core::care::complaints::stats::hours;
use huifang_core::care::complaints::{Category, Complaint};
use huifang_core::care::dates::{self, Day};
use huifang_core::care::kpi::{Period, Ratio};
use huifang_core::care::rules::Rules;
use huifang_core::reports::summary::satisfaction_label;
use huifang_core::reports::{Area, DayRow, Input, Kpi, Report, report};
use huifang_core::sales::funnel::Steps;
use huifang_core::sales::leads::{Lead, Stage as LeadStage};
use huifang_core::sync::{Record, RecordId, RecordKind};
use huifang_core::{Role, Section, StoreId};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The areas a role's dashboard shows.
pub fn areas(role: Role) -> Vec<Area> {
    match role {
        Role::CareSupervisor => vec![Area::Care, Area::Service, Area::Complaints],
        Role::SalesManager => vec![Area::Sales],
        Role::StoreManager | Role::GroupManager => {
            vec![Area::Care, Area::Service, Area::Complaints, Area::Sales]
        }
        Role::CareAgent | Role::SalesAdvisor => Vec::new(),
    }
}

fn area_key(a: Area) -> Key {
    match a {
        Area::Care => Key::RptAreaCare,
        Area::Service => Key::RptAreaService,
        Area::Complaints => Key::RptAreaComplaints,
        Area::Sales => Key::RptAreaSales,
    }
}

/// The period picker's choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    Today,
    Week,
    Month,
    Custom,
}

impl Span {
    fn period(self, today: Day) -> Option<Period> {
        let from = match self {
            Span::Today => today,
            Span::Week => today.plus(-6),
            Span::Month => today.plus(1 - today.ymd().2 as i32),
            Span::Custom => return None,
        };
        Some(Period { from, to: today })
    }
}

/// A period from the page's query (`from`, `to`), when both are days in order.
fn query_period() -> Option<Period> {
    let q = use_query_map().get_untracked();
    let day = |k: &str| q.get(k).and_then(|v| dates::parse(&v).ok());
    let (from, to) = (day("from")?, day("to")?);
    (from <= to && to.0 - from.0 < 366).then_some(Period { from, to })
}

pub fn query_string(p: Period) -> String {
    format!("from={}&to={}", p.from, p.to)
}

/// A rate with its counts: "87.5% (7/8)"; "– (0/0)" when nothing was counted.
pub fn ratio_text(r: Ratio) -> String {
    format!("{} ({}/{})", rate_text(r), r.num, r.den)
}

/// A rate as the dashboard shows it: "87.5%", or "–" when nothing was counted.
fn rate_text(r: Ratio) -> String {
    percent(f64::from(r.num), f64::from(r.den))
}

fn zh(i18n: I18n) -> bool {
    i18n.lang() == Lang::ZhCn
}

/// The signed-in person's store (captured when a page is built).
pub fn my_store() -> Option<StoreId> {
    crate::session::Session::use_context()
        .user()
        .map(|u| u.store_id)
}

/// The records of `store` alone. A group manager's tablet holds every store the server lets
/// them read; their dashboard is their own store's, as the server's `/api/reports` is (the
/// group's figures are the server's group view). Others hold one store: nothing is copied.
pub fn own_store<'a>(records: &'a [Record], store: Option<&StoreId>) -> Cow<'a, [Record]> {
    match store {
        Some(store) if records.iter().any(|r| r.scope().store != *store) => Cow::Owned(
            records
                .iter()
                .filter(|r| r.scope().store == *store)
                .cloned()
                .collect(),
        ),
        _ => Cow::Borrowed(records),
    }
}

/// The report of what the tablet holds of the person's store, for `period`.
fn local_report(records: &[Record], period: Period, people: &People) -> Report {
    let rules = Rules::default();
    let complaint_rules = people.complaint_rules();
    report(
        records,
        &Input {
            period,
            today: local_now().0,
            offset_minutes: local_offset(),
            now_ms: crate::sync::engine::now_ms(),
            rules: &rules,
            complaint_rules: &complaint_rules,
        },
    )
}

/// The period picker: today, 7 days, this month, or any days; kept in the URL so a
/// drill-down's "back" returns to it.
#[component]
fn PeriodPicker(period: RwSignal<Period>) -> impl IntoView {
    let i18n = I18n::use_context();
    let today = local_now().0;
    let span = RwSignal::new(
        [Span::Today, Span::Week, Span::Month]
            .into_iter()
            .find(|s| s.period(today) == Some(period.get_untracked()))
            .unwrap_or(Span::Custom),
    );
    let choose = move |s: Span| {
        span.set(s);
        if let Some(p) = s.period(today) {
            period.set(p);
        }
    };
    let day_input = move |first: bool, testid: &'static str| {
        view! {
            <input type="date" data-testid=testid
                prop:value=move || { let p = period.get(); if first { p.from } else { p.to }.to_string() }
                on:change=move |ev| {
                    if let Ok(d) = dates::parse(&event_target_value(&ev)) {
                        let p = keep_in_range(period.get_untracked(), d, first);
                        span.set(Span::Custom);
                        period.set(p);
                    }
                }/>
        }
    };
    let spans = [
        (Span::Today, Key::SpanToday),
        (Span::Week, Key::SpanWeek),
        (Span::Month, Key::SpanMonth),
        (Span::Custom, Key::RptCustom),
    ];
    view! {
        <div class="period-picker no-print" role="group" aria-label=i18n.text(Key::RptPeriod)>
            {spans.into_iter().map(|(s, key)| view! {
                <button type="button" class="choice" data-testid=format!("span-{s:?}").to_lowercase()
                    class:chosen=move || span.get() == s
                    aria-pressed=move || (span.get() == s).to_string()
                    on:click=move |_| choose(s)>{i18n.text(key)}</button>
            }).collect_view()}
            <Show when=move || span.get() == Span::Custom>
                <label class="field"><span class="label-text">{i18n.text(Key::CmpFrom)}</span>{day_input(true, "period-from")}</label>
                <label class="field"><span class="label-text">{i18n.text(Key::CmpTo)}</span>{day_input(false, "period-to")}</label>
            </Show>
        </div>
        <p class="print-only">{move || { let p = period.get(); format!("{} – {}", p.from, p.to) }}</p>
    }
}

/// `period` with one end set to `day` (`first`: the start), the other end moved so the period
/// stays in order and at most 366 days long: the date a person picks is the one kept.
fn keep_in_range(mut p: Period, day: Day, first: bool) -> Period {
    if first {
        p.from = day;
        p.to = p.to.max(day).min(day.plus(365));
    } else {
        p.to = day;
        p.from = p.from.min(day).max(day.plus(-365));
    }
    p
}

/// The page's period: the URL's, else this month.
pub fn period_from_query() -> Period {
    query_period()
        .or_else(|| Span::Month.period(local_now().0))
        .unwrap_or(Period {
            from: local_now().0,
            to: local_now().0,
        })
}

/// Keeps the URL's query in step with the period (replacing the history entry).
fn mirror_in_url(period: RwSignal<Period>, path: &'static str) {
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |first: Option<()>| {
        let p = period.get();
        if first.is_some() {
            navigate(
                &format!("{path}?{}", query_string(p)),
                leptos_router::NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..Default::default()
                },
            );
        }
    });
}

pub fn no_access_view(i18n: I18n) -> AnyView {
    view! {
        <section class="card" data-testid="no-access">
            <h1>{i18n.text(Key::NoAccessTitle)}</h1>
            <p>{i18n.text(Key::NoAccessBody)}</p>
        </section>
    }
    .into_any()
}

#[component]
pub fn ReportsPage(role: Role) -> impl IntoView {
    let i18n = I18n::use_context();
    if !Section::Reports.visible_to(role) {
        return view! { <SectionPage section=Section::Reports role=role/> }.into_any();
    }
    let Some(sync) = Sync::use_context() else {
        return ().into_any();
    };
    let people = People::use_context();
    let period = RwSignal::new(period_from_query());
    mirror_in_url(period, "/reports");
    let store = my_store();
    let records = sync.resource(|engine| async move { engine.snapshot().await });
    let figures = Memo::new(move |_| {
        let p = period.get();
        records.with(|read| match read {
            Some(Some(Ok(records))) => Some(Ok(local_report(
                &own_store(records, store.as_ref()),
                p,
                &people,
            ))),
            Some(Some(Err(e))) => Some(Err(e.clone())),
            _ => None,
        })
    });
    let shown = areas(role);
    view! {
        <section class="card reports print-sheet" data-section="/reports">
            <h1>{i18n.text(Key::RptTitle)}</h1>
            <nav class="row no-print">
                {(role != Role::SalesManager).then(|| view! { <A href=move || format!("/reports/summary?{}", query_string(period.get()))>{i18n.text(Key::RptSummary)}</A> })}
                {shown.contains(&Area::Complaints).then(|| view! { " · " <A href="/complaints/stats">{i18n.text(Key::CmpStats)}</A> })}
                {(role == Role::GroupManager).then(|| view! { " · " <A href=move || format!("/reports/group?{}", query_string(period.get()))>{i18n.text(Key::RptGroup)}</A> })}
                {matches!(role, Role::StoreManager | Role::GroupManager).then(|| view! { " · " <A href="/reports/audit">{i18n.text(Key::RptAudit)}</A> })}
                {huifang_core::privacy::may_manage_devices(role).then(|| view! { " · " <A href="/reports/devices">{i18n.text(Key::DevicesTitle)}</A> })}
            </nav>
            <PeriodPicker period=period/>
            {move || match figures.get() {
                None => view! { <p>{i18n.text(Key::SyncOpening)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" title=e.detail>{i18n.t(e.key)}</p> }.into_any(),
                Some(Ok(r)) => view! { <Dashboard report=r areas=shown.clone()/> }.into_any(),
            }}
        </section>
    }
    .into_any()
}

/// A KPI's tile: the rate, its counts, its definition and the way to its records.
#[component]
pub fn KpiTile(kpi: Kpi, ratio: Ratio, period: Period) -> impl IntoView {
    let i18n = I18n::use_context();
    let href = format!("/reports/{}?{}", kpi.as_str(), query_string(period));
    view! {
        <article class="kpi" data-testid="kpi" data-kpi=kpi.as_str() data-num=ratio.num data-den=ratio.den>
            <h3>{move || kpi.label(zh(i18n))}</h3>
            <p class="kpi-value">{rate_text(ratio)}</p>
            <p class="kpi-ratio">{format!("{}/{}", ratio.num, ratio.den)}</p>
            <details class="kpi-definition">
                <summary>{i18n.text(Key::RptDefinition)}</summary>
                <p>{move || kpi.definition(zh(i18n))}</p>
            </details>
            <A href=href attr:class="no-print" attr:data-testid="kpi-drill">{i18n.text(Key::RptDetails)}</A>
        </article>
    }
}

/// The trend: daily up to a month, weekly beyond, as counts of `(num, den)` per bucket.
fn buckets(days: &[DayRow], f: impl Fn(&DayRow) -> (u32, u32)) -> (Vec<String>, Vec<Option<f64>>) {
    let size = if days.len() > 31 { 7 } else { 1 };
    days.chunks(size)
        .map(|chunk| {
            let (num, den) = chunk
                .iter()
                .map(&f)
                .fold((0, 0), |(a, b), (n, d)| (a + n, b + d));
            let (_, m, d) = chunk[0].day.ymd();
            let rate = (den > 0).then(|| f64::from(num) / f64::from(den));
            (format!("{m:02}-{d:02}"), rate)
        })
        .unzip()
}

#[component]
fn Dashboard(report: Report, areas: Vec<Area>) -> impl IntoView {
    let i18n = I18n::use_context();
    let people = People::use_context();
    let z = zh(i18n);
    let period = report.period;
    let q = query_string(period);
    let tiles = |area: Area| {
        Kpi::ALL
            .iter()
            .filter(|k| k.area() == area)
            .map(|k| view! { <KpiTile kpi=*k ratio=report.measure(*k).ratio period=period/> })
            .collect_view()
    };
    let mut sections = Vec::new();
    for area in areas {
        let body = match area {
            Area::Care => {
                let (labels, contact) = buckets(&report.days, |d| (d.reached, d.attempts));
                let (_, satisfied) = buckets(&report.days, |d| (d.satisfied, d.rated));
                let satisfaction_bars: Vec<Bar> = report
                    .satisfaction
                    .iter()
                    .map(|(s, n)| Bar {
                        label: satisfaction_label(*s, z).to_owned(),
                        value: f64::from(*n),
                        shown: n.to_string(),
                        href: None,
                    })
                    .collect();
                let agent_bars: Vec<Bar> = report
                    .agents
                    .iter()
                    .filter(|(_, a)| a.contact.den > 0)
                    .map(|(agent, a)| Bar {
                        label: people.name(agent),
                        value: a.contact.rate().unwrap_or(0.0),
                        shown: ratio_text(a.contact),
                        href: None,
                    })
                    .collect();
                view! {
                    <div class="kpis">{tiles(area)}</div>
                    <div class="charts">
                        <TrendChart title=i18n.t(Key::RptTrend).to_owned() x_labels=labels
                            series=vec![
                                Series { name: i18n.t(Key::RptSeriesContact).to_owned(), values: contact },
                                Series { name: i18n.t(Key::RptSeriesSatisfied).to_owned(), values: satisfied },
                            ]
                            percent=true test_id="chart-trend"/>
                        <BarChart title=i18n.t(Key::RptSatisfactionSplit).to_owned() bars=satisfaction_bars test_id="chart-satisfaction"/>
                        <BarChart title=i18n.t(Key::RptContactByAgent).to_owned() bars=agent_bars max=1.0 test_id="chart-agents"/>
                    </div>
                    <AgentsTable report=report.clone()/>
                }
                .into_any()
            }
            Area::Service => view! { <div class="kpis">{tiles(area)}</div> }.into_any(),
            Area::Complaints => {
                let c = &report.complaints;
                let category_bars: Vec<Bar> = c
                    .by_category
                    .iter()
                    .map(|(cat, n)| Bar {
                        label: cat.label(z).to_owned(),
                        value: f64::from(*n),
                        shown: n.to_string(),
                        href: Some(format!("/reports/complaints?{q}&category={}", cat.as_str())),
                    })
                    .collect();
                let department_bars: Vec<Bar> = c
                    .by_department
                    .iter()
                    .map(|(d, n)| Bar {
                        label: d.label(z).to_owned(),
                        value: f64::from(*n),
                        shown: n.to_string(),
                        href: None,
                    })
                    .collect();
                let average = c
                    .average_close_ms
                    .map(hours)
                    .unwrap_or_else(|| "–".to_owned());
                view! {
                    <div class="kpis">
                        <article class="kpi" data-testid="kpi" data-kpi="complaints" data-num=c.total>
                            <h3>{i18n.text(Key::RptComplaintsCount)}</h3>
                            <p class="kpi-value">{c.total}</p>
                            <A href=format!("/reports/complaints?{q}") attr:class="no-print" attr:data-testid="kpi-drill">{i18n.text(Key::RptDetails)}</A>
                        </article>
                        <article class="kpi" data-testid="kpi" data-kpi="time_to_close">
                            <h3>{i18n.text(Key::RptTimeToClose)}</h3>
                            <p class="kpi-value">{average}</p>
                            <p class="kpi-ratio">{i18n.text(Key::RptHours)}</p>
                        </article>
                        {tiles(area)}
                    </div>
                    <div class="charts">
                        <BarChart title=i18n.t(Key::RptByCategory).to_owned() bars=category_bars test_id="chart-categories"/>
                        <BarChart title=i18n.t(Key::RptByDepartment).to_owned() bars=department_bars test_id="chart-departments"/>
                    </div>
                }
                .into_any()
            }
            Area::Sales => {
                let f = report.funnel.total;
                let stage = |label: Key, value: u32, stage: LeadStage| Stage {
                    label: i18n.t(label).to_owned(),
                    value,
                    href: Some(format!("/reports/funnel?{q}&stage={}", stage.as_str())),
                };
                let stages = vec![
                    stage(Key::RptCaptured, f.captured, LeadStage::New),
                    stage(Key::RptFollowed, f.following, LeadStage::Following),
                    stage(Key::RptTestDriven, f.test_drive, LeadStage::TestDrive),
                    stage(Key::RptOrdered, f.order, LeadStage::Order),
                    stage(Key::RptDelivered, f.delivered, LeadStage::Delivered),
                ];
                let advisor_bars: Vec<Bar> = report
                    .follow_up_by_advisor
                    .iter()
                    .map(|(a, r)| Bar {
                        label: people.name(a),
                        value: r.rate().unwrap_or(0.0),
                        shown: ratio_text(*r),
                        href: None,
                    })
                    .collect();
                view! {
                    <div class="kpis">{tiles(area)}</div>
                    <div class="charts">
                        <FunnelChart title=i18n.t(Key::RptFunnel).to_owned() stages=stages test_id="chart-funnel"/>
                        <BarChart title=i18n.t(Key::RptFollowUpByAdvisor).to_owned() bars=advisor_bars max=1.0 test_id="chart-advisors"/>
                    </div>
                    <FunnelTable title=Key::RptBySource rows=report.funnel.by_source.iter().map(|(s, st)| (source_label(s, z), *st)).collect()/>
                    <FunnelTable title=Key::RptByModel rows=report.funnel.by_model.iter().map(|(m, st)| (m.clone(), *st)).collect()/>
                    <FunnelTable title=Key::RptByAdvisor rows=report.funnel.by_advisor.iter().map(|(a, st)| (people.name(a), *st)).collect()/>
                }
                .into_any()
            }
        };
        sections.push(view! {
            <section class="report-area" data-area=format!("{area:?}").to_lowercase()>
                <h2>{i18n.text(area_key(area))}</h2>
                {body}
            </section>
        });
    }
    sections.collect_view()
}

fn source_label(s: &str, zh: bool) -> String {
    huifang_core::sales::Source::parse(s)
        .map(|s| s.label(zh).to_owned())
        .unwrap_or_else(|| {
            if zh {
                "未填".to_owned()
            } else {
                "Not given".to_owned()
            }
        })
}

#[component]
fn AgentsTable(report: Report) -> impl IntoView {
    let i18n = I18n::use_context();
    let people = People::use_context();
    view! {
        <table class="table" data-testid="report-agents">
            <thead><tr>
                <th>{i18n.text(Key::TeamAgent)}</th>
                <th>{move || Kpi::CallbackCompletion.label(zh(i18n))}</th>
                <th>{move || Kpi::EffectiveContact.label(zh(i18n))}</th>
                <th>{i18n.text(Key::RptRecords)}</th>
                <th>{move || Kpi::Satisfaction.label(zh(i18n))}</th>
                <th>{i18n.text(Key::RptComplaintsCount)}</th>
            </tr></thead>
            <tbody>
                {report.agents.iter().map(|(agent, a)| view! {
                    <tr data-agent=agent.0.clone()>
                        <td>{people.name(agent)}</td>
                        <td class="num">{ratio_text(a.due)}</td>
                        <td class="num">{ratio_text(a.contact)}</td>
                        <td class="num">{a.records}</td>
                        <td class="num">{ratio_text(a.satisfaction)}</td>
                        <td class="num">{a.complaints}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn FunnelTable(title: Key, rows: Vec<(String, Steps)>) -> impl IntoView {
    let i18n = I18n::use_context();
    (!rows.is_empty()).then(|| {
        view! {
            <h3>{i18n.text(title)}</h3>
            <table class="table funnel-table">
                <thead><tr>
                    <th></th>
                    <th>{i18n.text(Key::RptCaptured)}</th>
                    <th>{i18n.text(Key::RptFollowed)}</th>
                    <th>{i18n.text(Key::RptTestDriven)}</th>
                    <th>{i18n.text(Key::RptOrdered)}</th>
                    <th>{i18n.text(Key::RptDelivered)}</th>
                    <th>{i18n.text(Key::RptLost)}</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|(label, s)| view! {
                        <tr>
                            <th scope="row">{label}</th>
                            <td class="num">{s.captured}</td>
                            <td class="num">{s.following}</td>
                            <td class="num">{s.test_drive}</td>
                            <td class="num">{s.order}</td>
                            <td class="num">{s.delivered}</td>
                            <td class="num">{s.lost}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
    })
}

/// One record behind a number, as the drill-down lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct DrillRow {
    pub id: RecordId,
    pub hit: Option<bool>,
    pub kind: RecordKind,
    pub who: String,
    pub detail: String,
    pub href: Option<String>,
}

/// Which records a drill-down lists.
#[derive(Debug, Clone, PartialEq)]
pub enum Drill {
    Kpi(Kpi),
    Complaints(Option<Category>),
    Funnel(LeadStage),
}

impl Drill {
    pub fn parse(name: &str, category: Option<&str>, stage: Option<&str>) -> Option<Drill> {
        match name {
            "complaints" => Some(Drill::Complaints(category.and_then(Category::parse))),
            "funnel" => stage.and_then(LeadStage::parse).map(Drill::Funnel),
            other => Kpi::parse(other).map(Drill::Kpi),
        }
    }

    fn title(&self, i18n: I18n) -> String {
        let z = zh(i18n);
        match self {
            Drill::Kpi(k) => k.label(z).to_owned(),
            Drill::Complaints(None) => i18n.t(Key::RptComplaintsCount).to_owned(),
            Drill::Complaints(Some(c)) => {
                format!("{} · {}", i18n.t(Key::RptComplaintsCount), c.label(z))
            }
            Drill::Funnel(s) => format!("{} · {}", i18n.t(Key::RptFunnel), s.label(z)),
        }
    }
}

fn text<'a>(r: &'a Record, f: &str) -> Option<&'a str> {
    match r {
        Record::Entity(e) => e.value(f).and_then(Value::as_str),
        Record::Event(e) => e.fields.get(f).and_then(Value::as_str),
    }
}

fn id_field(r: &Record, f: &str) -> Option<RecordId> {
    text(r, f).and_then(|s| s.parse().ok()).map(RecordId)
}

/// The records behind `drill` in `report`, described for people.
pub fn drill_rows(records: &[Record], report: &Report, drill: &Drill, zh: bool) -> Vec<DrillRow> {
    let by_id: BTreeMap<RecordId, &Record> = records.iter().map(|r| (r.id(), r)).collect();
    let names: BTreeMap<RecordId, String> = Customer::all(records)
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let customer_of = |r: &Record| -> Option<RecordId> {
        id_field(r, "customer").or_else(|| {
            id_field(r, "task")
                .and_then(|t| by_id.get(&t))
                .and_then(|t| id_field(t, "customer"))
        })
    };
    let items: Vec<(RecordId, Option<bool>)> = match drill {
        Drill::Kpi(k) => report
            .measure(*k)
            .items
            .iter()
            .map(|(id, hit)| (*id, Some(*hit)))
            .collect(),
        Drill::Complaints(category) => report
            .complaints
            .complaints
            .iter()
            .filter(|id| {
                category.is_none_or(|c| {
                    by_id
                        .get(*id)
                        .and_then(|r| r.as_entity())
                        .and_then(Complaint::of)
                        .is_some_and(|x| x.category == Some(c))
                })
            })
            .map(|id| (*id, None))
            .collect(),
        Drill::Funnel(stage) => {
            let (from, to) = huifang_core::reports::period_ms(report.period, local_offset());
            records
                .iter()
                .filter_map(|r| r.as_entity().and_then(Lead::of))
                .filter(|l| from <= l.captured_at && l.captured_at <= to)
                .filter(|l| {
                    huifang_core::sales::funnel::reached(l.stage)
                        >= huifang_core::sales::funnel::reached(*stage)
                })
                .map(|l| (l.id, None))
                .collect()
        }
    };
    items
        .into_iter()
        .filter_map(|(id, hit)| {
            let r = *by_id.get(&id)?;
            let kind = r.kind();
            let customer = customer_of(r);
            let customer_name = customer
                .and_then(|c| names.get(&c).cloned())
                .unwrap_or_default();
            let (who, detail, href) = match kind {
                RecordKind::Customer => (
                    names.get(&id).cloned().unwrap_or_default(),
                    text(r, "member_level").unwrap_or_default().to_owned(),
                    Some(format!("/customers/{id}")),
                ),
                RecordKind::CallbackTask => (
                    customer_name,
                    text(r, "due_by").unwrap_or_default().to_owned(),
                    Some(format!("/tasks/{id}")),
                ),
                RecordKind::CallAttempt => (
                    customer_name,
                    text(r, "outcome").unwrap_or_default().to_owned(),
                    id_field(r, "task").map(|t| format!("/tasks/{t}")),
                ),
                RecordKind::CallbackRecord => (
                    customer_name,
                    text(r, "satisfaction")
                        .and_then(huifang_core::care::calls::Satisfaction::parse)
                        .map(|s| satisfaction_label(s, zh).to_owned())
                        .unwrap_or_default(),
                    customer.map(|c| format!("/customers/{c}")),
                ),
                RecordKind::Appointment => (
                    customer_name,
                    format!(
                        "{} {}",
                        text(r, "day").unwrap_or_default(),
                        text(r, "status").unwrap_or_default()
                    ),
                    customer.map(|c| format!("/customers/{c}")),
                ),
                RecordKind::Complaint => {
                    let c = r.as_entity().and_then(Complaint::of)?;
                    (
                        c.complainant.clone(),
                        c.category
                            .map(|x| x.label(zh).to_owned())
                            .unwrap_or_default(),
                        Some(format!("/complaints/{id}")),
                    )
                }
                RecordKind::Lead => {
                    let l = r.as_entity().and_then(Lead::of)?;
                    (
                        l.name.clone(),
                        l.stage.label(zh).to_owned(),
                        Some(format!("/leads/{id}")),
                    )
                }
                _ => (customer_name, String::new(), None),
            };
            Some(DrillRow {
                id,
                hit,
                kind,
                who,
                detail,
                href,
            })
        })
        .collect()
}

/// `/reports/<kpi>`: the records behind one number.
#[component]
pub fn DrillPage(role: Role) -> impl IntoView {
    let i18n = I18n::use_context();
    if !Section::Reports.visible_to(role) {
        return view! { <SectionPage section=Section::Reports role=role/> }.into_any();
    }
    let Some(sync) = Sync::use_context() else {
        return ().into_any();
    };
    let people = People::use_context();
    let params = use_params_map();
    let query = use_query_map();
    let name = params.get_untracked().get("id").unwrap_or_default();
    let q = query.get_untracked();
    let Some(drill) = Drill::parse(
        &name,
        q.get("category").as_deref(),
        q.get("stage").as_deref(),
    ) else {
        return view! { <crate::routes::not_found::NotFound/> }.into_any();
    };
    let period = period_from_query();
    let store = my_store();
    let records = sync.resource(|engine| async move { engine.snapshot().await });
    let drill_for_rows = drill.clone();
    let rows = Memo::new(move |_| {
        let z = zh(i18n);
        records.with(|read| match read {
            Some(Some(Ok(records))) => {
                let records = own_store(records, store.as_ref());
                let r = local_report(&records, period, &people);
                Some(Ok(drill_rows(&records, &r, &drill_for_rows, z)))
            }
            Some(Some(Err(e))) => Some(Err(e.clone())),
            _ => None,
        })
    });
    let title = drill.title(i18n);
    let definition = match &drill {
        Drill::Kpi(k) => Some(*k),
        _ => None,
    };
    view! {
        <section class="card" data-section="/reports/drill" data-testid="drill" data-drill=name>
            <p class="no-print"><A href=format!("/reports?{}", query_string(period))>{i18n.text(Key::RptBack)}</A></p>
            <h1>{title}</h1>
            <p class="hint">{format!("{} – {}", period.from, period.to)}</p>
            {definition.map(|k| view! { <p class="hint">{move || k.definition(zh(i18n))}</p> })}
            {move || match rows.get() {
                None => view! { <p>{i18n.text(Key::SyncOpening)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" title=e.detail>{i18n.t(e.key)}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="hint" data-testid="drill-empty">{i18n.text(Key::ChartNoData)}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <p data-testid="drill-count">{list.len()}</p>
                    <ul class="rows" data-testid="drill-rows">
                        {list.into_iter().map(|row| {
                            let mark = row.hit.map(|h| if h { i18n.t(Key::RptHit) } else { i18n.t(Key::RptMiss) });
                            let label = format!("{} {}", row.who, row.detail);
                            view! {
                                <li data-testid="drill-row" data-id=row.id.to_string() data-hit=row.hit.map(|h| h.to_string())
                                    data-kind=row.kind.as_str()>
                                    {mark.map(|m| view! { <span class=if row.hit == Some(true) { "badge ok" } else { "badge warn" }>{m}</span> " " })}
                                    <span class="hint">{i18n.t(Key::kind(row.kind))}</span> " "
                                    {match row.href {
                                        Some(href) => view! { <A href=href>{label}</A> }.into_any(),
                                        None => view! { <span>{label}</span> }.into_any(),
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use huifang_core::StoreId;
    use huifang_core::care::complaints::ComplaintRules;
    use huifang_core::sync::{ClientId, Entity, FieldState, Hlc, Scope};
    use serde_json::json;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn day(d: u32) -> Day {
        Day::from_ymd(2026, 11, d).expect("a day")
    }

    fn row(d: u32, reached: u32, attempts: u32) -> DayRow {
        DayRow {
            day: day(1).plus(d as i32),
            attempts,
            reached,
            records: 0,
            satisfied: 0,
            rated: 0,
            complaints: 0,
            leads: 0,
        }
    }

    fn entity(n: u128, kind: RecordKind, fields: &[(&str, Value)]) -> Record {
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
                owner: None,
            },
            fields: fields
                .iter()
                .map(|(k, v)| {
                    (
                        (*k).to_owned(),
                        FieldState {
                            value: v.clone(),
                            stamp,
                            by: UserId("sup".into()),
                        },
                    )
                })
                .collect(),
            tombstone: None,
            conflicts: BTreeMap::new(),
            version: 1,
        })
    }

    use huifang_core::UserId;

    #[wasm_bindgen_test]
    fn a_month_is_daily_and_a_quarter_weekly() {
        let month: Vec<DayRow> = (0..30).map(|d| row(d, d % 2, 1)).collect();
        let (labels, rates) = buckets(&month, |d| (d.reached, d.attempts));
        assert_eq!(labels.len(), 30);
        assert_eq!(labels[0], "11-01");
        assert_eq!(rates[0], Some(0.0));
        assert_eq!(rates[1], Some(1.0));
        let quarter: Vec<DayRow> = (0..40).map(|d| row(d, 1, u32::from(d < 7) * 2)).collect();
        let (labels, rates) = buckets(&quarter, |d| (d.reached, d.attempts));
        assert_eq!(labels.len(), 6, "40 days in weeks");
        assert_eq!(rates[0], Some(0.5));
        assert_eq!(rates[1], None, "no attempts that week: a gap, not zero");
    }

    #[wasm_bindgen_test]
    fn a_picked_date_is_kept_and_the_other_end_moves() {
        let nov = Period {
            from: day(1),
            to: day(30),
        };
        assert_eq!(
            keep_in_range(nov, day(10), true),
            Period {
                from: day(10),
                to: day(30)
            }
        );
        let later = Day::from_ymd(2026, 12, 5).expect("a day");
        assert_eq!(
            keep_in_range(nov, later, true),
            Period {
                from: later,
                to: later
            }
        );
        let early = Day::from_ymd(2025, 1, 1).expect("a day");
        let p = keep_in_range(nov, early, true);
        assert_eq!((p.from, p.to.0 - p.from.0), (early, 365));
        let p = keep_in_range(nov, early, false);
        assert_eq!(
            p,
            Period {
                from: early,
                to: early
            }
        );
    }

    #[wasm_bindgen_test]
    fn each_role_sees_its_areas_and_drills_parse() {
        assert_eq!(areas(Role::SalesManager), vec![Area::Sales]);
        assert!(!areas(Role::CareSupervisor).contains(&Area::Sales));
        assert_eq!(areas(Role::StoreManager).len(), 4);
        assert!(areas(Role::CareAgent).is_empty());
        assert_eq!(
            Drill::parse("member_coverage", None, None),
            Some(Drill::Kpi(Kpi::MemberCoverage))
        );
        assert_eq!(
            Drill::parse("complaints", Some("waiting_time"), None),
            Some(Drill::Complaints(Category::parse("waiting_time")))
        );
        assert_eq!(
            Drill::parse("funnel", None, Some("order")),
            Some(Drill::Funnel(LeadStage::Order))
        );
        assert_eq!(Drill::parse("funnel", None, None), None);
        assert_eq!(Drill::parse("nonsense", None, None), None);
    }

    #[wasm_bindgen_test]
    fn a_drill_down_lists_the_records_counted_with_names_and_links() {
        let records = vec![
            entity(
                1,
                RecordKind::Customer,
                &[("name", json!("周建华")), ("member_level", json!("金卡"))],
            ),
            entity(
                2,
                RecordKind::Customer,
                &[("name", json!("林小梅")), ("member_level", json!("银卡"))],
            ),
            entity(3, RecordKind::Customer, &[("name", json!("非会员"))]),
            entity(
                4,
                RecordKind::Complaint,
                &[
                    ("received_at", json!(1_795_000_000_000_i64)),
                    ("complainant", json!("周建华")),
                    ("category", json!("waiting_time")),
                ],
            ),
        ];
        let (rules, complaint_rules) = (Rules::default(), ComplaintRules::default());
        let period = Period {
            from: Day(0),
            to: Day(30_000),
        };
        let r = report(
            &records,
            &Input {
                period,
                today: day(30),
                offset_minutes: 480,
                now_ms: 1_795_000_000_000,
                rules: &rules,
                complaint_rules: &complaint_rules,
            },
        );
        let rows = drill_rows(&records, &r, &Drill::Kpi(Kpi::MemberCoverage), true);
        let who: Vec<(&str, Option<bool>)> = rows.iter().map(|r| (r.who.as_str(), r.hit)).collect();
        assert_eq!(who, vec![("周建华", Some(false)), ("林小梅", Some(false))]);
        assert_eq!(
            rows[0].href.as_deref(),
            Some("/customers/00000000-0000-0000-0000-000000000001")
        );
        let waiting = Category::parse("waiting_time");
        let rows = drill_rows(&records, &r, &Drill::Complaints(waiting), true);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].kind, RecordKind::Complaint);
        let other = Category::parse("repair_quality");
        assert!(drill_rows(&records, &r, &Drill::Complaints(other), true).is_empty());
    }
}
