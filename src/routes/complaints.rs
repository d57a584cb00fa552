//! 投诉 (`/complaints`): the complaints on this tablet — those not answered within their
//! severity's deadline first (with a running timer), then those being handled, then the
//! closed ones; and the classification statistics table (顾客投诉分类统计表) for a period, with
//! its CSV and Excel exports. Read from the tablet: works offline (the exports ask the server).

use crate::directory::People;
use crate::i18n::format::date_time;
use crate::i18n::{I18n, Key, Lang};
use crate::routes::section::SectionPage;
use crate::routes::today::{local_now, local_offset};
use crate::sync::Sync;
use crate::sync::engine::now_ms;
use huifang_core::care::complaints::stats::{Stats, stats};
use huifang_core::care::complaints::{Complaint, ComplaintRules, DeadlineState, Status};
use huifang_core::care::dates;
use huifang_core::care::kpi::Period;
use huifang_core::{Role, Section};
use leptos::prelude::*;
use leptos_router::components::A;

/// Minutes as "1小时20分" / "1 h 20 min".
pub(crate) fn span(lang: Lang, ms: i64) -> String {
    let minutes = ms.abs() / 60_000;
    let (h, m) = (minutes / 60, minutes % 60);
    match lang {
        Lang::ZhCn if h > 0 => format!("{h}小时{m}分"),
        Lang::ZhCn => format!("{m}分钟"),
        Lang::En if h > 0 => format!("{h} h {m} min"),
        Lang::En => format!("{m} min"),
    }
}

/// The time now, moving every 30 seconds while the page is open (the deadline timers).
pub(crate) fn ticking_now() -> ReadSignal<i64> {
    let (now, set_now) = signal(now_ms());
    if let Ok(handle) = set_interval_with_handle(
        move || set_now.set(now_ms()),
        std::time::Duration::from_secs(30),
    ) {
        on_cleanup(move || handle.clear());
    }
    now
}

/// A complaint's deadline as its row shows it.
pub(crate) fn deadline_text(
    i18n: I18n,
    c: &Complaint,
    rules: &ComplaintRules,
    now: i64,
) -> (DeadlineState, String) {
    let d = c.deadline(rules, now);
    let lang = i18n.lang();
    let text = match d.state {
        DeadlineState::Running => {
            format!("{} {}", i18n.t(Key::CmpDueLeft), span(lang, d.due_at - now))
        }
        DeadlineState::Overdue => {
            format!("{} {}", i18n.t(Key::CmpDueOver), span(lang, now - d.due_at))
        }
        DeadlineState::Met => i18n.t(Key::CmpDeadlineMet).to_owned(),
        DeadlineState::Missed => i18n.t(Key::CmpDeadlineMissed).to_owned(),
    };
    (d.state, text)
}

#[component]
pub fn ComplaintsPage(role: Role) -> impl IntoView {
    let i18n = I18n::use_context();
    if !Section::Complaints.visible_to(role) {
        return view! { <SectionPage section=Section::Complaints role=role/> }.into_any();
    }
    let Some(sync) = Sync::use_context() else {
        return ().into_any();
    };
    let people = People::use_context();
    let now = ticking_now();
    let mine = RwSignal::new(false);
    let list = sync.resource(|engine| async move {
        let records = engine.snapshot().await?;
        Ok(Complaint::all(&records))
    });
    let me = sync.engine().map(|e| e.user().user.clone());
    let row = move |c: Complaint| {
        let rules = people.complaint_rules();
        let zh = i18n.lang() == Lang::ZhCn;
        let (state, due) = deadline_text(i18n, &c, &rules, now.get());
        view! {
            <li data-testid="complaint-row" data-status=c.status.as_str() data-deadline=format!("{state:?}").to_lowercase()>
                <A href=format!("/complaints/{}", c.id)><strong>{c.complainant.clone()}</strong></A>
                {format!(" · {} · {} · {}", c.severity.label(zh), c.category.map(|k| k.label(zh)).unwrap_or("–"), date_time(i18n.lang(), c.received_at))}
                " · " <span class="status">{c.status.label(zh)}</span>
                {(c.status == Status::Registered).then(|| view! {
                    " · " <span class=if state == DeadlineState::Overdue { "error" } else { "hint" } data-testid="complaint-timer">{due}</span>
                })}
                <br/><span class="hint">{c.content.chars().take(60).collect::<String>()}</span>
            </li>
        }
    };
    view! {
        <section class="card" data-section="/complaints">
            <h1>{i18n.text(Key::NavComplaints)}</h1>
            <p>
                <A href="/complaints/new" attr:class="button" attr:data-testid="complaint-new">{i18n.text(Key::CmpNew)}</A>
                " "
                {role.is_lead().then(|| view! { <A href="/complaints/stats" attr:data-testid="complaint-stats-link">{i18n.text(Key::CmpStats)}</A> })}
            </p>
            <label class="check">
                <input type="checkbox" data-testid="complaints-mine" prop:checked=move || mine.get()
                    on:change=move |ev| mine.set(event_target_checked(&ev))/>
                {i18n.text(Key::CmpMine)}
            </label>
            {move || list.with(|read| match read {
                Some(Some(Ok(all))) => {
                    let rules = people.complaint_rules();
                    let t = now.get();
                    let shown: Vec<Complaint> = all.iter()
                        .filter(|c| !mine.get() || c.agent.as_ref() == me.as_ref() || c.owner.as_ref() == me.as_ref())
                        .cloned().collect();
                    let (overdue, rest): (Vec<Complaint>, Vec<Complaint>) = shown.into_iter()
                        .partition(|c| c.deadline(&rules, t).state == DeadlineState::Overdue);
                    let (closed, open): (Vec<Complaint>, Vec<Complaint>) = rest.into_iter().partition(|c| c.status == Status::Closed);
                    if overdue.is_empty() && open.is_empty() && closed.is_empty() {
                        return view! { <p class="hint" data-testid="complaints-empty">{i18n.text(Key::CmpEmpty)}</p> }.into_any();
                    }
                    view! {
                        {(!overdue.is_empty()).then(|| view! {
                            <h2 class="error">{i18n.text(Key::CmpOverdue)}</h2>
                            <ul class="rows" data-testid="complaints-overdue">{overdue.into_iter().map(row).collect_view()}</ul>
                        })}
                        <h2>{i18n.text(Key::CmpOpen)}</h2>
                        <ul class="rows" data-testid="complaints-open">{open.into_iter().map(row).collect_view()}</ul>
                        <h2>{i18n.text(Key::CmpClosedList)}</h2>
                        <ul class="rows" data-testid="complaints-closed">{closed.into_iter().map(row).collect_view()}</ul>
                    }.into_any()
                }
                Some(Some(Err(e))) => view! { <p class="error" title=e.detail.clone()>{i18n.t(e.key)}</p> }.into_any(),
                _ => view! { <p>{i18n.text(Key::SyncOpening)}</p> }.into_any(),
            })}
        </section>
    }
    .into_any()
}

/// The classification statistics table (顾客投诉分类统计表) for a period: the same rows the
/// exports write, computed on the tablet from its records.
#[component]
pub fn ComplaintStatsPage(role: Role) -> impl IntoView {
    let i18n = I18n::use_context();
    if !Section::Complaints.visible_to(role) {
        return view! { <SectionPage section=Section::Complaints role=role/> }.into_any();
    }
    if !role.is_lead() {
        return view! {
            <section class="card" data-testid="no-access">
                <h1>{i18n.text(Key::NoAccessTitle)}</h1>
                <p>{i18n.text(Key::NoAccessBody)}</p>
            </section>
        }
        .into_any();
    }
    let Some(sync) = Sync::use_context() else {
        return ().into_any();
    };
    let people = People::use_context();
    let today = local_now().0;
    let from = RwSignal::new(today.plus(-29));
    let to = RwSignal::new(today);
    let table = sync.resource(move |engine| async move {
        let records = engine.snapshot().await?;
        let period = Period {
            from: from.get_untracked(),
            to: to.get_untracked(),
        };
        Ok(stats(
            &records,
            period,
            local_offset(),
            &people.complaint_rules(),
            now_ms(),
        ))
    });
    // A new period reads again.
    Effect::new(move |_| {
        from.track();
        to.track();
        table.refetch();
    });
    let day_input = move |signal: RwSignal<dates::Day>, testid: &'static str| {
        view! {
            <input type="date" data-testid=testid prop:value=move || signal.get().to_string()
                on:input=move |ev| {
                    if let Ok(d) = dates::parse(&event_target_value(&ev)) {
                        signal.set(d);
                    }
                }/>
        }
    };
    let export = move |format: &str| {
        let lang = if i18n.lang() == Lang::ZhCn {
            "zh"
        } else {
            "en"
        };
        format!(
            "/api/complaints/stats?from={}&to={}&format={format}&lang={lang}",
            from.get(),
            to.get()
        )
    };
    let render = move |s: &Stats| {
        let zh = i18n.lang() == Lang::ZhCn;
        let rows = s.rows(zh);
        view! {
            <table class="table" data-testid="complaint-stats">
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr data-item=r.item.clone() data-value=r.value.clone()><th scope="row">{r.section}</th><td>{r.item.clone()}</td><td class="num">{r.value.clone()}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
    };
    view! {
        <section class="card" data-section="/complaints/stats">
            <h1>{i18n.text(Key::CmpStats)}</h1>
            <p class="hint">{i18n.text(Key::CmpStatsHint)}</p>
            <label class="field"><span class="label-text">{i18n.text(Key::CmpFrom)}</span>{day_input(from, "stats-from")}</label>
            <label class="field"><span class="label-text">{i18n.text(Key::CmpTo)}</span>{day_input(to, "stats-to")}</label>
            {move || table.with(|read| match read {
                Some(Some(Ok(s))) => render(s).into_any(),
                Some(Some(Err(e))) => view! { <p class="error" title=e.detail.clone()>{i18n.t(e.key)}</p> }.into_any(),
                _ => view! { <p>{i18n.text(Key::SyncOpening)}</p> }.into_any(),
            })}
            <p>
                <a href=move || export("csv") download data-testid="export-csv">{i18n.text(Key::CmpExportCsv)}</a>
                " · "
                <a href=move || export("xlsx") download data-testid="export-xlsx">{i18n.text(Key::CmpExportXlsx)}</a>
                " "
                <span class="hint">{i18n.text(Key::CmpExportOnline)}</span>
            </p>
        </section>
    }
    .into_any()
}
