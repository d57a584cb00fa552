//! [`TrendChart`]: lines over days or weeks, broken where a day has no data.

use super::geometry::{
    WIDTH, clean, fit_label, legend_layout, line_path, nice_ticks, number_text, percent_text, px,
    scale, text_width, thin_labels,
};
use super::{GAP, PAD, Series, column, figure, no_data};
use crate::i18n::{I18n, Key};
use leptos::prelude::*;

/// The trend's plot: top margin, height, the x labels' band, a legend row.
const TOP: i32 = 10;
const PLOT: i32 = 200;
const X_LABELS: i32 = 32;
const LEGEND_ROW: i32 = 22;
/// The longest label a trend's x axis shows before cutting it.
const X_LABEL_MAX: i32 = 120;
/// Dash patterns of the trend's lines, in series order: told apart in grey print too.
const DASHES: [&str; 6] = ["none", "8 4", "2 4", "12 4 2 4", "4 4", "1 6"];
/// Colour classes in the CSS (`.chart-series-N`).
const COLOURS: usize = 6;

/// Lines over days or weeks, with points, a y axis from 0, and a legend for several lines.
#[component]
pub fn TrendChart(
    title: String,
    x_labels: Vec<String>,
    series: Vec<Series>,
    /// values are rates 0..1 shown as %
    #[prop(optional)]
    percent: bool,
    #[prop(into)] test_id: String,
) -> impl IntoView {
    let i18n = I18n::use_context();
    let n = x_labels.len();
    let largest = series
        .iter()
        .flat_map(|s| s.values.iter().take(n).flatten())
        .copied()
        .map(clean)
        .reduce(f64::max);
    let Some(largest) = largest else {
        return no_data(i18n, title, test_id);
    };
    let show = move |v: f64| {
        if percent {
            percent_text(v)
        } else {
            number_text(v)
        }
    };
    let ticks = nice_ticks(if percent { largest.max(1.0) } else { largest }, 4);
    let top = ticks.last().copied().unwrap_or(1.0);
    let tick_w = column(ticks.iter().map(|t| text_width(&show(*t))), 0, 80);
    let label_w = column(x_labels.iter().map(|l| text_width(l)), 0, X_LABEL_MAX);
    let left = (tick_w + GAP).max(label_w / 2 + 2);
    let right = (2 * GAP).max(label_w / 2 + 2);
    let plot_w = WIDTH - left - right;
    let x_at = move |i: usize| {
        if n > 1 {
            left + plot_w * i as i32 / (n as i32 - 1)
        } else {
            left + plot_w / 2
        }
    };
    let y_at = move |v: f64| TOP + PLOT - px(scale(v, top, f64::from(PLOT)));

    let grid = ticks
        .iter()
        .map(|&t| {
            let y = y_at(t);
            view! {
                <line class="chart-grid" x1=left x2=WIDTH - right y1=y y2=y />
                <text class="chart-tick" x=left - GAP / 2 y=y dy="0.35em" text-anchor="end">
                    {show(t)}
                </text>
            }
        })
        .collect_view();
    let room = (plot_w / (label_w + 2 * GAP).max(1)).clamp(1, 8) as usize;
    let x_axis = thin_labels(n, room)
        .into_iter()
        .map(|i| {
            view! {
                <text
                    class="chart-tick"
                    x=x_at(i)
                    y=TOP + PLOT + X_LABELS - GAP
                    text-anchor="middle"
                >
                    {fit_label(&x_labels[i], X_LABEL_MAX)}
                </text>
            }
        })
        .collect_view();
    let lines = series
        .iter()
        .enumerate()
        .map(|(s, line)| {
            let class = format!("chart-series-{}", s % COLOURS);
            let at: Vec<Option<(i32, i32)>> = (0..n)
                .map(|i| {
                    let v = line.values.get(i).copied().flatten()?;
                    Some((x_at(i), y_at(v)))
                })
                .collect();
            let points = at
                .iter()
                .enumerate()
                .filter_map(|(i, p)| {
                    let (x, y) = (*p)?;
                    let v = line.values.get(i).copied().flatten()?;
                    Some(view! {
                        <circle
                            data-testid="chart-point"
                            class=format!("chart-point {class}")
                            cx=x
                            cy=y
                            r="3.5"
                            data-series=line.name.clone()
                            data-label=x_labels[i].clone()
                            data-value=show(v)
                        />
                    })
                })
                .collect_view();
            view! {
                <g class="chart-line">
                    <path
                        class=format!("chart-path {class}")
                        d=line_path(&at)
                        stroke-dasharray=DASHES[s % DASHES.len()]
                    />
                    {points}
                </g>
            }
        })
        .collect_view();
    let (legend, legend_rows) = legend(&series, TOP + PLOT + X_LABELS);
    let height = TOP + PLOT + X_LABELS + LEGEND_ROW * legend_rows + PAD;
    let desc = move || {
        let gap = i18n.t(Key::ChartNoData);
        series
            .iter()
            .map(|s| {
                let points = x_labels
                    .iter()
                    .enumerate()
                    .map(|(i, label)| match s.values.get(i).copied().flatten() {
                        Some(v) => format!("{label} {}", show(v)),
                        None => format!("{label} {gap}"),
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                if s.name.is_empty() {
                    points
                } else {
                    format!("{}: {points}", s.name)
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    figure(
        title,
        test_id,
        height,
        desc,
        view! {
            {grid}
            {x_axis}
            {lines}
            {legend}
        },
    )
}

/// The legend of a trend with more than one line, starting at `y`: the view and its rows.
fn legend(series: &[Series], y: i32) -> (AnyView, i32) {
    if series.len() < 2 {
        return (().into_any(), 0);
    }
    const SAMPLE: i32 = 24;
    let widths: Vec<i32> = series
        .iter()
        .map(|s| SAMPLE + GAP + text_width(&s.name) + 2 * GAP)
        .collect();
    let at = legend_layout(&widths, WIDTH - 2 * GAP);
    let rows = at.last().map_or(0, |(_, row)| row + 1);
    let items = series
        .iter()
        .zip(at)
        .enumerate()
        .map(|(s, (line, (x, row)))| {
            let mid = y + row * LEGEND_ROW + LEGEND_ROW / 2;
            view! {
                <g class="chart-legend-item">
                    <line
                        class=format!("chart-path chart-series-{}", s % COLOURS)
                        x1=GAP + x
                        x2=GAP + x + SAMPLE
                        y1=mid
                        y2=mid
                        stroke-dasharray=DASHES[s % DASHES.len()]
                    />
                    <text class="chart-label" x=GAP + x + SAMPLE + GAP y=mid dy="0.35em">
                        {line.name.clone()}
                    </text>
                </g>
            }
        })
        .collect_view();
    (items.into_any(), rows)
}
