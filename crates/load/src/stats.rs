//! Latencies and counts per request kind, taken while a run measures (the drain and the
//! verification after it are not counted).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// What a tablet asked the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RequestKind {
    Push,
    Pull,
}

impl RequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Push => "push",
            RequestKind::Pull => "pull",
        }
    }
}

#[derive(Debug, Default)]
struct Samples {
    /// Answered requests' latencies, in microseconds.
    micros: Vec<u32>,
    /// Requests that got no usable answer (transport error, 5xx, ...).
    errors: u64,
}

/// Collects latencies from every tablet. Cheap enough behind one lock: a run makes at most a
/// few thousand requests a second.
#[derive(Debug, Default)]
pub struct Recorder {
    measuring: AtomicBool,
    samples: Mutex<BTreeMap<RequestKind, Samples>>,
    acked: AtomicU64,
}

impl Recorder {
    pub fn new() -> Self {
        Recorder {
            measuring: AtomicBool::new(true),
            samples: Mutex::default(),
            acked: AtomicU64::new(0),
        }
    }

    /// Stops counting (the run's measured window is over).
    pub fn stop(&self) {
        self.measuring.store(false, Ordering::SeqCst);
    }

    pub fn answered(&self, kind: RequestKind, took: Duration) {
        if !self.measuring.load(Ordering::Relaxed) {
            return;
        }
        let micros = u32::try_from(took.as_micros()).unwrap_or(u32::MAX);
        if let Ok(mut samples) = self.samples.lock() {
            samples.entry(kind).or_default().micros.push(micros);
        }
    }

    /// Mutations a push answer acknowledged (applied now or before).
    pub fn acked(&self, n: u64) {
        if self.measuring.load(Ordering::Relaxed) {
            self.acked.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Acknowledged mutations counted in the window.
    pub fn acked_total(&self) -> u64 {
        self.acked.load(Ordering::SeqCst)
    }

    pub fn failed(&self, kind: RequestKind) {
        if !self.measuring.load(Ordering::Relaxed) {
            return;
        }
        if let Ok(mut samples) = self.samples.lock() {
            samples.entry(kind).or_default().errors += 1;
        }
    }

    /// One line per kind over a window of `seconds`.
    pub fn summary(&self, seconds: f64) -> Vec<KindSummary> {
        let Ok(mut samples) = self.samples.lock() else {
            return Vec::new();
        };
        samples
            .iter_mut()
            .map(|(kind, s)| {
                s.micros.sort_unstable();
                KindSummary {
                    kind: kind.as_str(),
                    answered: s.micros.len() as u64,
                    errors: s.errors,
                    per_s: s.micros.len() as f64 / seconds.max(f64::EPSILON),
                    p50_ms: quantile_ms(&s.micros, 0.50),
                    p99_ms: quantile_ms(&s.micros, 0.99),
                    max_ms: s.micros.last().map_or(0.0, |m| f64::from(*m) / 1000.0),
                }
            })
            .collect()
    }
}

/// The figures of one request kind.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KindSummary {
    pub kind: &'static str,
    pub answered: u64,
    pub errors: u64,
    pub per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// The `q` quantile of sorted microseconds, in ms (nearest rank; 0 when empty).
pub fn quantile_ms(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    f64::from(sorted[rank - 1]) / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank() {
        let sorted: Vec<u32> = (1..=100).map(|n| n * 1000).collect();
        assert_eq!(quantile_ms(&sorted, 0.50), 50.0);
        assert_eq!(quantile_ms(&sorted, 0.99), 99.0);
        assert_eq!(quantile_ms(&[], 0.99), 0.0);
        assert_eq!(quantile_ms(&[7000], 0.5), 7.0);
    }

    #[test]
    fn nothing_is_counted_after_the_window() {
        let recorder = Recorder::new();
        recorder.answered(RequestKind::Push, Duration::from_millis(3));
        recorder.failed(RequestKind::Push);
        recorder.stop();
        recorder.answered(RequestKind::Push, Duration::from_millis(500));
        let summary = recorder.summary(1.0);
        assert_eq!(summary.len(), 1);
        assert_eq!((summary[0].answered, summary[0].errors), (1, 1));
        assert_eq!(summary[0].p99_ms, 3.0);
    }
}
