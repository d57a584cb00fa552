//! The charts' arithmetic, apart from the DOM so it can be tested anywhere: scales, axis
//! ticks, bar widths, which x labels fit, lines with gaps, and the numbers as text.
//!
//! Everything that reaches the SVG is an integer in viewBox units, and numbers are written
//! with integer arithmetic: no NaN or infinity can get into an attribute, and no float
//! formatting code gets into the download (about 10 KB).

/// The width of every chart's viewBox; the CSS scales it to the page.
pub const WIDTH: i32 = 640;
/// Font size in viewBox units (the CSS sets the same).
pub const FONT: i32 = 14;
/// The thinnest a bar gets, so a 0 still shows where its bar would be.
pub const STUB: i32 = 2;

/// A coordinate as an integer: NaN and infinities become 0, the rest is rounded and clamped
/// to a range no chart comes near.
pub fn px(v: f64) -> i32 {
    if v.is_finite() {
        v.round().clamp(-100_000.0, 100_000.0) as i32
    } else {
        0
    }
}

/// A value made fit to draw: negative, NaN and infinite values count as 0.
pub fn clean(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 { v } else { 0.0 }
}

/// The top of the scale: `wanted` when it is a usable number, else the largest value, and
/// 1 when everything is 0 (so nothing divides by 0).
pub fn scale_top(wanted: Option<f64>, values: impl IntoIterator<Item = f64>) -> f64 {
    match wanted.map(clean) {
        Some(top) if top > 0.0 => top,
        _ => {
            let largest = values.into_iter().map(clean).fold(0.0, f64::max);
            if largest > 0.0 { largest } else { 1.0 }
        }
    }
}

/// Where `value` falls on a scale from 0 to `top` drawn `span` long: from 0 to `span`,
/// whatever the inputs.
pub fn scale(value: f64, top: f64, span: f64) -> f64 {
    let (top, span) = (clean(top), clean(span));
    if top == 0.0 {
        return 0.0;
    }
    (clean(value) / top * span).min(span)
}

/// A bar's length: its share of `span`, at least [`STUB`].
pub fn bar_width(value: f64, top: f64, span: i32) -> i32 {
    px(scale(value, top, f64::from(span))).max(STUB)
}

/// The gridlines of a y axis from 0: a few round steps (1, 2, 2.5 or 5 × 10ⁿ) whose last
/// is at or just above `max`. About `target` steps; always at least 0 and one more.
pub fn nice_ticks(max: f64, target: usize) -> Vec<f64> {
    let max = if clean(max) > 0.0 { clean(max) } else { 1.0 };
    let raw = max / target.max(1) as f64;
    // The power of ten at or below `raw`, by steps (no log10 in the download).
    let mut magnitude = 1.0;
    while magnitude * 10.0 <= raw {
        magnitude *= 10.0;
    }
    while magnitude > raw && magnitude > 1e-9 {
        magnitude /= 10.0;
    }
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let steps = (max / step - 1e-9).ceil().max(1.0) as usize;
    (0..=steps).map(|i| i as f64 * step).collect()
}

/// Which of `n` x labels to show so that at most `max_shown` do: every k-th from the first.
pub fn thin_labels(n: usize, max_shown: usize) -> Vec<usize> {
    let max_shown = max_shown.max(1);
    if n <= max_shown {
        return (0..n).collect();
    }
    let every = if max_shown == 1 {
        n
    } else {
        (n - 1).div_ceil(max_shown - 1)
    };
    (0..n).step_by(every).collect()
}

/// An SVG path through the points, broken where a point is missing: "M1 2L3 4M7 8L9 10".
/// A point alone between gaps is a move only (its marker shows it).
pub fn line_path(points: &[Option<(i32, i32)>]) -> String {
    let mut d = String::new();
    let mut drawing = false;
    for point in points {
        match point {
            Some((x, y)) => {
                d.push(if drawing { 'L' } else { 'M' });
                d.push_str(&format!("{x} {y}"));
                drawing = true;
            }
            None => drawing = false,
        }
    }
    d
}

/// How wide a text is drawn at [`FONT`], roughly: a CJK character is square, others about
/// 0.6 of it. Enough to lay out labels without measuring the DOM.
pub fn text_width(s: &str) -> i32 {
    let tenths: i32 = s
        .chars()
        .map(|c| if u32::from(c) >= 0x2E80 { 10 } else { 6 })
        .sum();
    tenths * FONT / 10
}

/// `s`, cut with "…" so that it fits in `width`.
pub fn fit_label(s: &str, width: i32) -> String {
    if text_width(s) <= width {
        return s.to_owned();
    }
    let room = width - text_width("…");
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = text_width(c.encode_utf8(&mut [0; 4]));
        if used + w > room {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// A count or a measure, with up to two decimals: "12", "2.5", "0.25". Negative → "0".
pub fn number_text(v: f64) -> String {
    let hundredths = px_u64(clean(v) * 100.0);
    let (whole, frac) = (hundredths / 100, hundredths % 100);
    match frac {
        0 => format!("{whole}"),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

/// A rate 0..1 as a whole percent: 0.874 → "87%".
pub fn percent_text(rate: f64) -> String {
    format!("{}%", px_u64(clean(rate) * 100.0))
}

/// `part` as a whole percent of `whole`, "–" when `whole` is 0: the funnel's share of its
/// first stage.
pub fn share_text(part: u32, whole: u32) -> String {
    if whole == 0 {
        return "–".to_owned();
    }
    percent_text(f64::from(part) / f64::from(whole))
}

fn px_u64(v: f64) -> u64 {
    if v.is_finite() && v > 0.0 {
        v.round().min(1e15) as u64
    } else {
        0
    }
}

/// The ids of a chart's `<title>` and `<desc>`, from its test id (which is unique on a
/// page): only characters an id reference can carry.
pub fn chart_ids(test_id: &str) -> (String, String) {
    let safe: String = test_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    (format!("chart-{safe}-title"), format!("chart-{safe}-desc"))
}

/// Where the items of a legend go, left to right and wrapping at `width`: (x, row) of each.
pub fn legend_layout(widths: &[i32], width: i32) -> Vec<(i32, i32)> {
    let mut at = Vec::with_capacity(widths.len());
    let (mut x, mut row) = (0, 0);
    for &w in widths {
        if x > 0 && x + w > width {
            x = 0;
            row += 1;
        }
        at.push((x, row));
        x += w;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_always_integers_in_range() {
        assert_eq!(px(12.4), 12);
        assert_eq!(px(12.5), 13);
        assert_eq!(px(f64::NAN), 0);
        assert_eq!(px(f64::INFINITY), 0);
        assert_eq!(px(-1e300), -100_000);
    }

    #[test]
    fn the_scale_top_is_the_given_max_else_the_largest_else_1() {
        assert_eq!(scale_top(Some(100.0), [3.0, 150.0]), 100.0);
        assert_eq!(scale_top(None, [3.0, 150.0]), 150.0);
        assert_eq!(scale_top(Some(0.0), [3.0, 7.0]), 7.0);
        assert_eq!(scale_top(Some(f64::NAN), [3.0]), 3.0);
        assert_eq!(scale_top(None, [0.0, -5.0, f64::NAN]), 1.0);
        assert_eq!(scale_top(None, []), 1.0);
    }

    #[test]
    fn scaling_stays_within_the_span() {
        assert_eq!(scale(50.0, 100.0, 200.0), 100.0);
        assert_eq!(scale(150.0, 100.0, 200.0), 200.0, "over the top: clamped");
        assert_eq!(scale(-3.0, 100.0, 200.0), 0.0);
        assert_eq!(scale(3.0, 0.0, 200.0), 0.0, "a top of 0 divides nothing");
        assert_eq!(scale(f64::NAN, 1.0, 200.0), 0.0);
        assert_eq!(scale(f64::INFINITY, 1.0, 200.0), 0.0);
    }

    #[test]
    fn bars_are_proportional_and_a_zero_keeps_a_stub() {
        assert_eq!(bar_width(87.0, 100.0, 400), 348);
        assert_eq!(bar_width(100.0, 100.0, 400), 400);
        assert_eq!(bar_width(0.0, 100.0, 400), STUB);
        assert_eq!(bar_width(-4.0, 0.0, 400), STUB);
        assert_eq!(bar_width(0.1, 1000.0, 400), STUB);
    }

    #[test]
    fn axis_ticks_are_round_and_reach_the_max() {
        assert_eq!(nice_ticks(1.0, 4), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(nice_ticks(87.0, 4), vec![0.0, 25.0, 50.0, 75.0, 100.0]);
        assert_eq!(nice_ticks(12.0, 4), vec![0.0, 5.0, 10.0, 15.0]);
        assert_eq!(nice_ticks(100.0, 4), vec![0.0, 25.0, 50.0, 75.0, 100.0]);
        assert_eq!(nice_ticks(3.0, 4), vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(nice_ticks(0.0, 4), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(nice_ticks(f64::NAN, 4), nice_ticks(1.0, 4));
        let big = nice_ticks(123_456.0, 4);
        assert_eq!(big.last().copied(), Some(150_000.0));
        let small = nice_ticks(0.003, 4);
        assert!(small.len() >= 2 && small.len() <= 6, "{small:?}");
        assert!(small.last().is_some_and(|t| *t >= 0.003));
        for max in [0.7, 1.3, 7.0, 9.9, 10.0, 10.1, 55.0, 999.0, 1e9] {
            let ticks = nice_ticks(max, 4);
            assert!(ticks.len() >= 2 && ticks.len() <= 6, "{max}: {ticks:?}");
            assert!(ticks.last().is_some_and(|t| *t >= max), "{max}: {ticks:?}");
        }
    }

    #[test]
    fn x_labels_are_thinned_to_at_most_the_room() {
        assert_eq!(thin_labels(5, 8), vec![0, 1, 2, 3, 4]);
        assert_eq!(thin_labels(0, 8), Vec::<usize>::new());
        assert_eq!(thin_labels(30, 8), vec![0, 5, 10, 15, 20, 25]);
        assert_eq!(thin_labels(15, 8), vec![0, 2, 4, 6, 8, 10, 12, 14]);
        assert_eq!(thin_labels(9, 1), vec![0]);
        assert_eq!(thin_labels(9, 0), vec![0]);
        for n in 1..100 {
            assert!(thin_labels(n, 8).len() <= 8, "{n}");
        }
    }

    #[test]
    fn a_missing_value_breaks_the_line() {
        let points = [
            Some((0, 10)),
            Some((10, 20)),
            None,
            Some((30, 5)),
            None,
            Some((50, 7)),
            Some((60, 8)),
        ];
        assert_eq!(line_path(&points), "M0 10L10 20M30 5M50 7L60 8");
        assert_eq!(line_path(&[None, None]), "");
        assert_eq!(line_path(&[]), "");
    }

    #[test]
    fn long_labels_are_cut_to_fit() {
        assert_eq!(text_width("满意度"), 3 * FONT);
        assert_eq!(text_width("abcde"), 5 * 6 * FONT / 10);
        assert_eq!(fit_label("服务顾问", 100), "服务顾问");
        let cut = fit_label("非常长的一个投诉类别名称超出了宽度", 100);
        assert!(cut.ends_with('…') && text_width(&cut) <= 100, "{cut}");
        assert_eq!(fit_label("长", 0), "…");
    }

    #[test]
    fn numbers_are_written_without_float_formatting() {
        assert_eq!(number_text(12.0), "12");
        assert_eq!(number_text(2.5), "2.5");
        assert_eq!(number_text(0.25), "0.25");
        assert_eq!(number_text(0.1 * 3.0), "0.3");
        assert_eq!(number_text(-3.0), "0");
        assert_eq!(number_text(f64::NAN), "0");
        assert_eq!(percent_text(0.874), "87%");
        assert_eq!(percent_text(1.0), "100%");
        assert_eq!(percent_text(-0.2), "0%");
        assert_eq!(share_text(23, 50), "46%");
        assert_eq!(share_text(0, 0), "–");
    }

    #[test]
    fn ids_are_safe_to_reference() {
        assert_eq!(
            chart_ids("sat-by agent"),
            (
                "chart-sat-by_agent-title".to_owned(),
                "chart-sat-by_agent-desc".to_owned()
            )
        );
    }

    #[test]
    fn the_legend_wraps_at_the_width() {
        assert_eq!(
            legend_layout(&[100, 100, 100], 250),
            vec![(0, 0), (100, 0), (0, 1)]
        );
        assert_eq!(legend_layout(&[300], 250), vec![(0, 0)], "too wide: alone");
    }
}
