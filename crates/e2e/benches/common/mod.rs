//! What the browser benchmarks share: percentiles, and the figures they hand to
//! `scripts/bench`'s summary table (one JSON line each, appended to the file named by
//! `HUIFANG_BENCH_FIGURES` when it is set).

#![allow(dead_code)] // Each bench uses its own share of these.

use std::io::Write;

pub fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// The nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

pub fn median(values: &[f64]) -> f64 {
    percentile(&sorted(values.to_vec()), 50.0)
}

/// A budget: a figure must stay at most (`Max`) or at least (`Min`) this value.
#[derive(Debug, Clone, Copy)]
pub enum Budget {
    Max(f64),
    Min(f64),
    None,
}

impl Budget {
    /// "ok", "OVER", or "" when there is no budget.
    pub fn verdict(self, value: f64) -> &'static str {
        match self {
            Budget::Max(b) if value <= b => "ok",
            Budget::Min(b) if value >= b => "ok",
            Budget::None => "",
            _ => "OVER",
        }
    }
}

/// One line of the summary: the figure, what it measures, its floor, its budget.
pub fn figure(name: &str, value: f64, shown: &str, floor: &str, budget: Budget, text: &str) {
    let verdict = budget.verdict(value);
    println!("  {name:<52} {shown:>24}  floor: {floor:<28} budget: {text:<14} {verdict}");
    let Ok(path) = std::env::var("HUIFANG_BENCH_FIGURES") else {
        return;
    };
    let line = serde_json::json!({
        "figure": name, "value": shown, "floor": floor, "budget": text, "verdict": verdict,
    });
    match std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        Ok(mut f) => {
            if let Err(e) = writeln!(f, "{line}") {
                eprintln!("writing {path}: {e}");
            }
        }
        Err(e) => eprintln!("opening {path}: {e}"),
    }
}
