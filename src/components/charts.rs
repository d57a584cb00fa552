//! Charts for the reports dashboards: [`BarChart`], [`TrendChart`] and [`FunnelChart`].
//!
//! Hand-written SVG, no chart crate: the download stays small, the charts print in black and
//! grey (the dash patterns tell lines apart without colour), and a screen reader gets every
//! number from the `<desc>`. Each chart is a `<figure class="chart">` and draws from plain
//! data given once; a page that wants live charts redraws them in a reactive closure. The
//! arithmetic is in [`geometry`]; the trend, the largest, has its own file.
//!
//! SVG `<a>` and `<title>` are built with `tachys::svg` directly: `view!` makes them HTML
//! elements (which do nothing inside an SVG) unless they are the only child of an SVG
//! element in the same macro call.

pub mod geometry;
mod trend;

pub use trend::TrendChart;

use crate::i18n::{I18n, Key};
use geometry::{FONT, WIDTH, bar_width, chart_ids, fit_label, scale_top, share_text, text_width};
use leptos::ev::MouseEvent;
use leptos::prelude::*;
use leptos::tachys::svg;
use leptos_router::NavigateOptions;
use std::rc::Rc;

/// Space between a text and what it labels.
const GAP: i32 = 8;
/// Space above the first row and below the last.
const PAD: i32 = 6;
/// A bar's row, and the bar in it.
const ROW: i32 = 34;
const BAR: i32 = 22;

/// One bar of a bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// shown text, e.g. "87%" or "12"
    pub shown: String,
    /// a drill-down link (an in-app path like "/reports/drill/satisfaction?..."), if any
    pub href: Option<String>,
}

/// A line of a trend chart: one value per x label (None = no data that day/week).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// A stage of a funnel (leads → test drives → orders …).
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub label: String,
    pub value: u32,
    pub href: Option<String>,
}

/// Horizontal bars: labels left, bar, shown value right; a bar with `href` drills down.
#[component]
pub fn BarChart(
    title: String,
    bars: Vec<Bar>,
    /// the scale's top; None = the largest value
    #[prop(optional)]
    max: Option<f64>,
    /// data-testid of the <figure>
    #[prop(into)]
    test_id: String,
) -> impl IntoView {
    let i18n = I18n::use_context();
    if bars.is_empty() {
        return no_data(i18n, title, test_id);
    }
    let drill = drill_down(bars.iter().any(|b| b.href.is_some()));
    let top = scale_top(max, bars.iter().map(|b| b.value));
    let label_w = column(bars.iter().map(|b| text_width(&b.label)), 48, 240);
    let value_w = column(bars.iter().map(|b| text_width(&b.shown)), 32, 120);
    let span = (WIDTH - label_w - value_w).max(40);
    let height = 2 * PAD + ROW * bars.len() as i32;
    let desc = bars
        .iter()
        .map(|b| format!("{}: {}", b.label, b.shown))
        .collect::<Vec<_>>()
        .join("; ");
    let rows = bars
        .into_iter()
        .enumerate()
        .map(|(i, bar)| {
            let y = PAD + ROW * i as i32;
            let w = bar_width(bar.value, top, span);
            let tip = format!("{}: {}", bar.label, bar.shown);
            let short = fit_label(&bar.label, label_w - GAP);
            let value = bar.shown.clone();
            let body = view! {
                <g data-testid="chart-bar" data-label=bar.label data-value=value>
                    {svg::title().child(tip)}
                    <text
                        class="chart-label"
                        x=label_w - GAP
                        y=y + ROW / 2
                        dy="0.35em"
                        text-anchor="end"
                    >
                        {short}
                    </text>
                    <rect
                        class="chart-bar"
                        x=label_w
                        y=y + (ROW - BAR) / 2
                        width=w
                        height=BAR
                        rx="3"
                    />
                    <text class="chart-value" x=label_w + w + GAP / 2 y=y + ROW / 2 dy="0.35em">
                        {bar.shown}
                    </text>
                </g>
            };
            linked(body.into_any(), bar.href, &drill)
        })
        .collect_view();
    figure(title, test_id, height, desc, rows)
}

/// Centred stages shrinking by value, each with its value and its share of the first.
#[component]
pub fn FunnelChart(
    title: String,
    stages: Vec<Stage>,
    #[prop(into)] test_id: String,
) -> impl IntoView {
    let i18n = I18n::use_context();
    let Some(first) = stages.first().map(|s| s.value) else {
        return no_data(i18n, title, test_id);
    };
    let drill = drill_down(stages.iter().any(|s| s.href.is_some()));
    let top = scale_top(None, stages.iter().map(|s| f64::from(s.value)));
    let shown: Vec<String> = stages
        .iter()
        .map(|s| format!("{} · {}", s.value, share_text(s.value, first)))
        .collect();
    let label_w = column(stages.iter().map(|s| text_width(&s.label)), 48, 200);
    let value_w = column(shown.iter().map(|s| text_width(s)), 48, 160);
    let span = (WIDTH - label_w - value_w - GAP).max(40);
    let centre = label_w + span / 2;
    let widths: Vec<i32> = stages
        .iter()
        .map(|s| bar_width(f64::from(s.value), top, span))
        .collect();
    let height = 2 * PAD + ROW * stages.len() as i32;
    let desc = stages
        .iter()
        .zip(&shown)
        .map(|(s, shown)| format!("{}: {shown}", s.label))
        .collect::<Vec<_>>()
        .join("; ");
    let rows = stages
        .into_iter()
        .zip(shown)
        .enumerate()
        .map(|(i, (stage, shown))| {
            let y = PAD + ROW * i as i32 + (ROW - BAR) / 2;
            let w = widths[i];
            // Each stage narrows toward the next one's width, by at most a fifth of its own:
            // the funnel's shape, while the area still follows the stage's value.
            let bottom = widths
                .get(i + 1)
                .map_or(w, |next| (*next).clamp(w * 4 / 5, w));
            let shape = format!(
                "{},{} {},{} {},{} {},{}",
                centre - w / 2,
                y,
                centre + w / 2,
                y,
                centre + bottom / 2,
                y + BAR,
                centre - bottom / 2,
                y + BAR
            );
            let tip = format!("{}: {shown}", stage.label);
            let short = fit_label(&stage.label, label_w - GAP);
            let value = shown.clone();
            let body = view! {
                <g data-testid="chart-stage" data-label=stage.label data-value=value>
                    {svg::title().child(tip)}
                    <text
                        class="chart-label"
                        x=label_w - GAP
                        y=y + BAR / 2
                        dy="0.35em"
                        text-anchor="end"
                    >
                        {short}
                    </text>
                    <polygon class="chart-bar" points=shape />
                    <text class="chart-value" x=label_w + span + GAP y=y + BAR / 2 dy="0.35em">
                        {shown}
                    </text>
                </g>
            };
            linked(body.into_any(), stage.href, &drill)
        })
        .collect_view();
    figure(title, test_id, height, desc, rows)
}

/// The frame every chart shares: the figure, its caption, and the SVG named by its `<title>`
/// and described by its `<desc>`.
fn figure(
    title: String,
    test_id: String,
    height: i32,
    desc: impl IntoView + 'static,
    body: impl IntoView + 'static,
) -> AnyView {
    let (title_id, desc_id) = chart_ids(&test_id);
    let labelled_by = format!("{title_id} {desc_id}");
    view! {
        <figure class="chart" data-testid=test_id>
            <figcaption>{title.clone()}</figcaption>
            <svg
                role="img"
                viewBox=format!("0 0 {WIDTH} {height}")
                aria-labelledby=labelled_by
                font-size=FONT
            >
                {svg::title().id(title_id).child(title)}
                <desc id=desc_id>{desc}</desc>
                {body}
            </svg>
        </figure>
    }
    .into_any()
}

/// A chart with nothing to draw: its caption and "暂无数据".
fn no_data(i18n: I18n, title: String, test_id: String) -> AnyView {
    view! {
        <figure class="chart chart-empty" data-testid=test_id>
            <figcaption>{title}</figcaption>
            <p class="muted">{i18n.text(Key::ChartNoData)}</p>
        </figure>
    }
    .into_any()
}

/// The width of a text column: its widest text and a gap, within `min..=max`.
fn column(widths: impl Iterator<Item = i32>, min: i32, max: i32) -> i32 {
    (widths.max().unwrap_or(0) + GAP).clamp(min, max)
}

/// Goes to an in-app path.
type Drill = Rc<dyn Fn(&str)>;

/// The router's navigation, taken while the chart is built (a click handler runs outside
/// the component, where there is no context to look it up). Only when a link needs it, so a
/// chart without links draws outside a `<Router>` too.
fn drill_down(needed: bool) -> Option<Drill> {
    needed.then(|| {
        let navigate = leptos_router::hooks::use_navigate();
        Rc::new(move |to: &str| navigate(to, NavigateOptions::default())) as Drill
    })
}

/// `body` inside an SVG link to `href`. The router follows clicks on HTML links only, and
/// an SVG `<a>` is not one: without the handler a tap would reload the whole app.
fn linked(body: AnyView, href: Option<String>, drill: &Option<Drill>) -> AnyView {
    let (Some(href), Some(drill)) = (href, drill.clone()) else {
        return body;
    };
    let to = href.clone();
    let follow = move |ev: MouseEvent| {
        // A new tab or window (modifier keys, middle button) is the browser's to open.
        if ev.default_prevented()
            || ev.button() != 0
            || ev.meta_key()
            || ev.ctrl_key()
            || ev.shift_key()
            || ev.alt_key()
        {
            return;
        }
        ev.prevent_default();
        drill(&to);
    };
    svg::a()
        .attr("href", href)
        .on(leptos::ev::click, follow)
        .child(body)
        .into_any()
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;
