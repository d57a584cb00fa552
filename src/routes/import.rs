//! 导入 (supervisors): a DMS export → a preview with the column mapping and the problems by
//! line → the import. The file is read and cleaned on the server (`/api/import/*`), so this
//! page needs the network; what it writes reaches the tablets by sync. The import runs as a
//! job on the server: the page polls it twice a second and shows a progress bar, so even
//! 50,000 rows never hold the page.

use crate::i18n::{I18n, Key};
use crate::routes::section::SectionPage;
use crate::sync::Sync;
use crate::sync::connectivity::Connectivity;
use crate::sync::engine::SyncEngine;
use crate::sync::transport::{self, ApiClientError};
use gloo_timers::future::TimeoutFuture;
use huifang_core::care::columns::Column;
use huifang_core::care::import::{ImportJob, JobPhase, Preview, PreviewError};
use huifang_core::{ApiError, ErrorCode, Role, SCHEMA_HEADER, SCHEMA_VERSION, Section};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};

const CONTENT_TYPE: &str = "application/octet-stream";
/// How often the page asks how far the import got.
const POLL_MS: u32 = 500;
/// Polls that may fail in a row for the network before the page stops asking (a minute).
const POLL_NETWORK_RETRIES: u32 = 120;

fn query(mapping: &Option<Vec<Option<Column>>>) -> String {
    match mapping {
        None => String::new(),
        Some(m) => {
            let names: Vec<&str> = m.iter().map(|c| c.map_or("", Column::as_str)).collect();
            format!(
                "?mapping={}",
                String::from(js_sys::encode_uri_component(&names.join(",")))
            )
        }
    }
}

/// `text` as a `data:` link to a CSV.
fn csv_link(text: &str) -> String {
    format!(
        "data:text/csv;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(text))
    )
}

/// The problem list as a CSV for Excel (UTF-8 with BOM), as a `data:` link.
fn errors_link(i18n: I18n, errors: &[PreviewError]) -> String {
    let cell = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut text = String::from("\u{feff}");
    text.push_str(
        &[
            i18n.t(Key::ImportLine),
            i18n.t(Key::ImportColumn),
            i18n.t(Key::ImportValue),
            i18n.t(Key::ImportProblem),
        ]
        .map(cell)
        .join(","),
    );
    text.push('\n');
    for e in errors {
        let column = e.column.map(|c| i18n.t(Key::column(c))).unwrap_or("");
        text.push_str(&format!(
            "{},{},{},{}\n",
            e.line,
            cell(column),
            cell(&e.value),
            cell(i18n.t(Key::import_problem(&e.problem)))
        ));
    }
    csv_link(&text)
}

/// The server's CSV of every problem of the file (the preview lists only the first ones).
async fn full_report(path: &str, body: &JsValue) -> Result<String, ApiClientError> {
    use gloo_net::http::Request;
    let request = Request::post(path)
        .header(SCHEMA_HEADER, &SCHEMA_VERSION.to_string())
        .header("content-type", CONTENT_TYPE)
        .body(body.clone())
        .map_err(|e| ApiClientError::Unexpected {
            status: 0,
            detail: e.to_string(),
        })?;
    let response = request
        .send()
        .await
        .map_err(|e| ApiClientError::Network(e.to_string()))?;
    let status = response.status();
    if !response.ok() {
        return Err(match response.json::<ApiError>().await {
            Ok(error) => ApiClientError::Server { status, error },
            Err(e) => ApiClientError::Unexpected {
                status,
                detail: e.to_string(),
            },
        });
    }
    response
        .text()
        .await
        .map_err(|e| ApiClientError::Unexpected {
            status,
            detail: e.to_string(),
        })
}

/// Hands `href` to the browser as a download named `name`.
fn download(href: &str, name: &str) -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let link = document
        .create_element("a")?
        .dyn_into::<web_sys::HtmlElement>()
        .map_err(JsValue::from)?;
    link.set_attribute("href", href)?;
    link.set_attribute("download", name)?;
    link.click();
    Ok(())
}

/// Text made safe to place in HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A table's head and body as HTML, every cell escaped.
fn table_html(head: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut html = String::from("<thead><tr>");
    for h in head {
        html.push_str(&format!("<th>{}</th>", escape(h)));
    }
    html.push_str("</tr></thead><tbody>");
    for row in rows {
        html.push_str("<tr>");
        for cell in row {
            html.push_str(&format!("<td>{}</td>", escape(&cell)));
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody>");
    html
}

/// The options of a mapping select, the chosen column selected.
fn options_html(i18n: I18n, chosen: Option<Column>) -> String {
    let option = |value: &str, label: &str, selected: bool| {
        format!(
            "<option value=\"{}\"{}>{}</option>",
            value,
            if selected { " selected" } else { "" },
            escape(label)
        )
    };
    let mut html = option("", i18n.t(Key::ImportSkip), chosen.is_none());
    for c in Column::ALL {
        html.push_str(&option(
            c.as_str(),
            i18n.t(Key::column(c)),
            chosen == Some(c),
        ));
    }
    html
}

type Failure = (Key, String);

/// Everything the page shows.
#[derive(Debug, Clone, Default, PartialEq)]
struct ImportState {
    /// The supervisor's mapping (`None`: the server's recognition).
    mapping: Option<Vec<Option<Column>>>,
    preview: Option<Preview>,
    /// The import job as last polled.
    job: Option<ImportJob>,
    error: Option<Failure>,
    /// What the page is waiting for.
    busy: Option<Key>,
}

impl ImportState {
    /// The import may be (re)started: nothing is under way and no import of this file is
    /// running or done (a failed one may be run again).
    fn may_import(&self) -> bool {
        self.busy.is_none()
            && self
                .job
                .as_ref()
                .is_none_or(|j| j.phase == JobPhase::Failed)
    }
}

fn failure(e: ApiClientError) -> Failure {
    (e.key(), e.to_string())
}

/// What the page says of a job it can no longer follow: a 404 is a job the server lost.
fn lost(e: ApiClientError) -> Failure {
    match &e {
        ApiClientError::Server { error, .. } if error.error == ErrorCode::NotFound => {
            (Key::ImportJobLost, e.to_string())
        }
        _ => failure(e),
    }
}

/// The words for where a running job is.
fn phase_key(phase: JobPhase) -> Key {
    match phase {
        JobPhase::Queued => Key::ImportQueued,
        JobPhase::Writing | JobPhase::Done | JobPhase::Failed => Key::ImportWriting,
        JobPhase::Tasks => Key::ImportMakingTasks,
    }
}

/// Polls the job `id` every [`POLL_MS`] until it is finished or the page is gone; a done
/// import is pulled onto this device at once.
async fn follow(state: RwSignal<ImportState>, id: String, engine: Option<SyncEngine>) {
    let path = format!(
        "/api/import/jobs/{}",
        String::from(js_sys::encode_uri_component(&id))
    );
    let mut network_failures = 0;
    loop {
        TimeoutFuture::new(POLL_MS).await;
        let answer = transport::get_json::<ImportJob>(&path).await;
        let finished = match answer {
            Ok(job) => {
                network_failures = 0;
                let phase = job.phase;
                let reason = job.error.clone().unwrap_or_default();
                let alive = state.try_update(|s| {
                    s.error = (phase == JobPhase::Failed).then_some((Key::ImportFailed, reason));
                    s.job = Some(job);
                });
                if alive.is_none() {
                    return;
                }
                if phase == JobPhase::Done
                    && let Some(engine) = &engine
                {
                    // Bring what was written onto this device now.
                    engine.sync_now();
                }
                phase.is_finished()
            }
            // The server is unreachable for a moment (a restart, the Wi-Fi): keep asking,
            // and say so meanwhile.
            Err(e @ ApiClientError::Network(_)) if network_failures < POLL_NETWORK_RETRIES => {
                network_failures += 1;
                state.try_update(|s| s.error = Some(failure(e))).is_none()
            }
            Err(e) => {
                state.try_update(|s| {
                    s.error = Some(lost(e));
                    // No longer followed: the page may start it again.
                    if let Some(job) = &mut s.job {
                        job.phase = JobPhase::Failed;
                    }
                });
                true
            }
        };
        if finished {
            return;
        }
    }
}

#[component]
pub fn ImportPage(role: Role) -> impl IntoView {
    let i18n = I18n::use_context();
    if !Section::Import.visible_to(role) {
        return view! { <SectionPage section=Section::Import role=role/> }.into_any();
    }
    let net = Connectivity::use_context();
    let file = StoredValue::new_local(None::<web_sys::File>);
    // One signal for the page: every distinct signal type costs the download kilobytes.
    let state = RwSignal::new(ImportState::default());

    let run_preview = move || {
        let Some(body) = file.get_value() else { return };
        let path = format!(
            "/api/import/preview{}",
            state.with_untracked(|s| query(&s.mapping))
        );
        state.update(|s| s.busy = Some(Key::ImportReading));
        spawn_local(async move {
            let answer = transport::post_body::<Preview>(&path, CONTENT_TYPE, &body.into()).await;
            state.try_update(|s| {
                s.busy = None;
                match answer {
                    Ok(p) => {
                        s.error = None;
                        s.preview = Some(p);
                    }
                    Err(e) => s.error = Some(failure(e)),
                }
            });
        });
    };
    let on_file = move |ev: leptos::ev::Event| {
        let chosen = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        file.set_value(chosen);
        state.set(ImportState::default());
        run_preview();
    };
    let remap = move |index: usize, column: Option<Column>| {
        let Some(mut m) = state.with_untracked(|s| {
            s.mapping
                .clone()
                .or_else(|| s.preview.as_ref().map(|p| p.mapping.clone()))
        }) else {
            return;
        };
        // A column feeds from one header only: taking it elsewhere frees it here.
        if column.is_some() {
            for slot in m.iter_mut() {
                if *slot == column {
                    *slot = None;
                }
            }
        }
        if let Some(slot) = m.get_mut(index) {
            *slot = column;
        }
        state.update(|s| s.mapping = Some(m));
        run_preview();
    };
    let confirm = move |_| {
        let Some(body) = file.get_value() else { return };
        if !state.with_untracked(ImportState::may_import) {
            return;
        }
        let path = format!(
            "/api/import/commit{}",
            state.with_untracked(|s| query(&s.mapping))
        );
        state.update(|s| {
            s.busy = Some(Key::ImportCommitting);
            s.job = None;
            s.error = None;
        });
        let engine = Sync::use_context().and_then(|s| s.engine());
        spawn_local(async move {
            // The server reads the file and answers at once with the job writing it.
            let answer = transport::post_body::<ImportJob>(&path, CONTENT_TYPE, &body.into()).await;
            let id = answer.as_ref().ok().map(|job| job.id.clone());
            let alive = state.try_update(|s| {
                s.busy = None;
                match answer {
                    Ok(job) => s.job = Some(job),
                    Err(e) => s.error = Some(failure(e)),
                }
            });
            if let (Some(()), Some(id)) = (alive, id) {
                follow(state, id, engine).await;
            }
        });
    };
    let full_errors = move || {
        let Some(body) = file.get_value() else { return };
        let path = format!(
            "/api/import/errors.csv{}",
            state.with_untracked(|s| query(&s.mapping))
        );
        state.update(|s| s.busy = Some(Key::ImportReading));
        spawn_local(async move {
            let answer = full_report(&path, &body.into()).await;
            state.try_update(|s| {
                s.busy = None;
                match answer {
                    Ok(text) => {
                        if let Err(e) = download(&csv_link(&text), "import-errors.csv") {
                            s.error = Some((Key::ErrUnexpected, format!("{e:?}")));
                        }
                    }
                    Err(e) => s.error = Some(failure(e)),
                }
            });
        });
    };

    view! {
        <section class="card import" data-section="/import">
            <h1>{i18n.text(Key::ImportTitle)}</h1>
            <p>{i18n.text(Key::ImportIntro)}</p>
            {move || (!net.is_online()).then(|| view! { <p class="notice">{i18n.text(Key::ImportNeedsNetwork)}</p> })}
            <label class="field">
                <span class="label-text">{i18n.text(Key::ImportChooseFile)}</span>
                <input type="file" accept=".csv,.txt,.xlsx,.xls" on:change=on_file/>
            </label>
            {move || state.with(|s| s.busy).map(|k| view! {
                <p role="status" data-testid="import-busy">
                    <progress></progress> " " {i18n.t(k)}
                </p>
            })}
            {move || state.with(|s| s.job.clone()).filter(|j| !j.phase.is_finished()).map(|j| {
                view! {
                    <div role="status" class="import-progress" data-testid="import-progress">
                        <progress style="width: 100%" max=j.total.max(1) value=j.done></progress>
                        <p>
                            {i18n.t(phase_key(j.phase))} " "
                            <span data-testid="import-written">
                                {i18n.t(Key::ImportWritten)} " " {j.done} " / " {j.total} " " {i18n.t(Key::ImportRowsUnit)}
                            </span>
                        </p>
                    </div>
                }
            })}
            {move || state.with(|s| s.error.clone()).map(|(k, d)| view! { <p class="error" role="alert" title=d>{i18n.t(k)}</p> })}
            {move || state.with(|s| s.job.clone()).filter(|j| j.phase == JobPhase::Done).map(|j| {
                let s = j.summary;
                view! {
                    <div class="ok-box" data-testid="import-summary">
                        <h2>{i18n.text(Key::ImportDone)}</h2>
                        <p>
                            {i18n.t(Key::ImportCustomers)} ": " {i18n.t(Key::ImportCreated)} " "
                            <strong data-testid="customers-created">{s.customers_created}</strong>
                            " · " {i18n.t(Key::ImportUpdated)} " " {s.customers_updated}
                        </p>
                        <p>
                            {i18n.t(Key::ImportVehicles)} ": " {s.vehicles_created + s.vehicles_updated}
                            " · " {i18n.t(Key::ImportVisits)} ": " {s.visits_created}
                            " · " {i18n.t(Key::ImportKept)} ": " {s.fields_kept}
                        </p>
                        <p>{i18n.t(Key::ImportTasks)} ": " <strong data-testid="tasks-created">{s.tasks_created}</strong></p>
                    </div>
                }
            })}
            {move || state.with(|s| s.preview.clone()).map(|p| view! { <PreviewView preview=p remap=remap confirm=confirm full_errors=full_errors state=state/> })}
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_from_a_file_cannot_inject_markup() {
        let html = table_html(
            &["行"],
            [vec!["<img src=x onerror=alert(1)>&\"'".to_owned()]].into_iter(),
        );
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&#39;"),
            "{html}"
        );
        assert!(!html.contains("<img"));
    }
}

#[component]
fn PreviewView(
    preview: Preview,
    remap: impl Fn(usize, Option<Column>) + Copy + Send + std::marker::Sync + 'static,
    confirm: impl Fn(leptos::ev::MouseEvent) + Copy + Send + std::marker::Sync + 'static,
    full_errors: impl Fn() + Copy + Send + std::marker::Sync + 'static,
    state: RwSignal<ImportState>,
) -> impl IntoView {
    let i18n = I18n::use_context();
    let has_errors = !preview.errors.is_empty();
    // Every problem is in the preview: the report is made here; else the server makes it.
    let not_listed = preview.errors_total.saturating_sub(preview.errors.len());
    let link = (not_listed == 0).then(|| errors_link(i18n, &preview.errors));
    let rows_clean = preview.rows_clean;
    // Read-only tables as escaped HTML: far less code in the download than a typed view per
    // cell, and the same DOM.
    let errors_html = table_html(
        &[
            Key::ImportLine,
            Key::ImportColumn,
            Key::ImportValue,
            Key::ImportProblem,
        ]
        .map(|k| i18n.t(k)),
        preview.errors.iter().map(|e| {
            vec![
                e.line.to_string(),
                e.column
                    .map(|c| i18n.t(Key::column(c)))
                    .unwrap_or("")
                    .to_owned(),
                e.value.clone(),
                i18n.t(Key::import_problem(&e.problem)).to_owned(),
            ]
        }),
    );
    let rows_html = table_html(
        &[
            Key::ImportLine,
            Key::ColName,
            Key::ColMobile,
            Key::ColPlate,
            Key::ColVisitDate,
        ]
        .map(|k| i18n.t(k)),
        preview.preview.iter().map(|r| {
            vec![
                r.line.to_string(),
                r.name.clone(),
                r.mobile.clone().unwrap_or_default(),
                r.plate.clone().unwrap_or_default(),
                r.visit_date.clone().unwrap_or_default(),
            ]
        }),
    );
    view! {
        <dl class="facts" data-testid="import-counts">
            <dt>{i18n.text(Key::ImportEncoding)}</dt><dd>{preview.encoding.clone()}</dd>
            <dt>{i18n.text(Key::ImportRows)}</dt><dd data-testid="rows-total">{preview.rows_total}</dd>
            <dt>{i18n.text(Key::ImportClean)}</dt><dd data-testid="rows-clean">{preview.rows_clean}</dd>
            <dt>{i18n.text(Key::ImportCustomers)}</dt><dd>{preview.customers}</dd>
            <dt>{i18n.text(Key::ImportErrors)}</dt><dd data-testid="rows-bad">{preview.errors_total.max(preview.errors.len())}</dd>
        </dl>
        <h2>{i18n.text(Key::ImportMapping)}</h2>
        <p class="hint">{i18n.text(Key::ImportMappingHint)}</p>
        <div class="mapping">
            {preview
                .headers
                .iter()
                .enumerate()
                .map(|(index, header)| {
                    let chosen = preview.mapping.get(index).copied().flatten();
                    view! {
                        <label class="field">
                            <span class="label-text">{header.clone()}</span>
                            <select
                                inner_html=options_html(i18n, chosen)
                                on:change=move |ev| remap(index, Column::parse(&event_target_value(&ev)))
                            ></select>
                        </label>
                    }
                })
                .collect_view()}
        </div>
        {has_errors.then(|| view! {
            <h2>{i18n.text(Key::ImportErrorList)}</h2>
            {match link.clone() {
                Some(link) => view! {
                    <a href=link download="import-errors.csv" data-testid="import-errors-download">
                        {i18n.text(Key::ImportDownloadErrors)}
                    </a>
                }
                .into_any(),
                None => view! {
                    <button
                        type="button"
                        data-testid="import-errors-download-all"
                        disabled=move || state.with(|s| s.busy.is_some())
                        on:click=move |_| full_errors()
                    >
                        {i18n.text(Key::ImportDownloadAllErrors)}
                    </button>
                }
                .into_any(),
            }}
            <table class="grid" data-testid="import-errors" inner_html=errors_html.clone()></table>
            {(not_listed > 0).then(|| view! {
                <p class="hint" data-testid="import-errors-more">{i18n.t(Key::ImportErrorsMore)} ": " {not_listed}</p>
            })}
        })}
        <h2>{i18n.text(Key::ImportPreview)}</h2>
        <table class="grid" data-testid="import-preview" inner_html=rows_html></table>
        <button
            class="primary"
            disabled=move || !state.with(ImportState::may_import) || rows_clean == 0
            on:click=confirm
        >
            {i18n.text(Key::ImportConfirm)}
        </button>
    }
}
