//! What a run measured and found, for people ([`Report::print`]) and as JSON.

use crate::proxy::{Faults, ProxyCounts};
use crate::stats::KindSummary;
use crate::verify::Verdict;

/// What a run measured and found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub backend: &'static str,
    pub processes: usize,
    pub proxy: bool,
    pub tablets: usize,
    pub stores: usize,
    /// The measured window, in seconds.
    pub seconds: f64,
    pub think_ms: u128,
    /// Tablets pulled after every push (as the app does).
    pub pulls: bool,
    /// Tablets started as new devices (a first sync of everything).
    pub fresh: bool,
    pub requests: Vec<KindSummary>,
    /// Steps (things users saved) in all.
    pub steps: u64,
    /// Mutations acknowledged per second of the window.
    pub acked_per_s: f64,
    pub pulled_changes: u64,
    /// Feed positions the tablets' pulls passed over (what the server read for them).
    pub scanned: u64,
    /// Pull pages that held nothing for the tablet but said there was more.
    pub empty_pages: u64,
    /// Mutations pushed again after a push got no answer.
    pub resent: u64,
    pub failed_requests: u64,
    pub kills: u32,
    pub faults: Faults,
    pub proxy_counts: Option<ProxyCounts>,
    /// Tablets that stopped on an error no retry fixes.
    pub fatal: Vec<String>,
    pub protocol_errors: Vec<String>,
    pub drain_seconds: f64,
    pub verify_seconds: f64,
    pub verdict: Verdict,
}

impl Report {
    /// The verdict holds and no tablet stopped on an error.
    pub fn ok(&self) -> bool {
        self.verdict.ok() && self.fatal.is_empty() && self.protocol_errors.is_empty()
    }

    /// The figures and the verdict, for people.
    pub fn print(&self) {
        println!(
            "{} tablets ({} stores) on {}, {} process{}{}, {:.1} s, a step every {} ms per tablet{}",
            self.tablets,
            self.stores,
            self.backend,
            self.processes,
            if self.processes == 1 { "" } else { "es" },
            if self.proxy { " behind the proxy" } else { "" },
            self.seconds,
            self.think_ms,
            match (self.pulls, self.fresh) {
                (false, _) => ", no pulls",
                (true, true) => ", new devices (first sync from cursor 0)",
                (true, false) => "",
            }
        );
        println!(
            "  {:<6} {:>9} {:>7} {:>9} {:>9} {:>9} {:>9}",
            "kind", "answered", "errors", "per s", "p50 ms", "p99 ms", "max ms"
        );
        for k in &self.requests {
            println!(
                "  {:<6} {:>9} {:>7} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
                k.kind, k.answered, k.errors, k.per_s, k.p50_ms, k.p99_ms, k.max_ms
            );
        }
        println!(
            "  steps {} ({:.1}/s), acknowledged mutations {:.1}/s, changes pulled {} (feed \
             positions passed over: {}, {:.1} per change received; pages with none for the \
             tablet but more to come: {}), mutations resent {}, failed requests {}",
            self.steps,
            self.steps as f64 / self.seconds.max(f64::EPSILON),
            self.acked_per_s,
            self.pulled_changes,
            self.scanned,
            self.scanned as f64 / (self.pulled_changes.max(1)) as f64,
            self.empty_pages,
            self.resent,
            self.failed_requests
        );
        if self.kills > 0 {
            println!(
                "  server processes killed (SIGKILL) and restarted: {}",
                self.kills
            );
        }
        if let Some(p) = &self.proxy_counts {
            println!(
                "  proxy: {} requests, {} forwarded, dropped requests {}, dropped responses {}, \
                 delayed {}, duplicated {}, 502s {}, upstreams skipped {}",
                p.requests,
                p.forwarded,
                p.dropped_requests,
                p.dropped_responses,
                p.delayed,
                p.duplicated,
                p.bad_gateway,
                p.skipped_upstreams
            );
        }
        let v = &self.verdict;
        println!(
            "  verification ({:.1} s drain, {:.1} s check): mutations {}, acknowledged {} \
             ({} applied unheard, answered `duplicate` when pushed again), rejected {}, \
             unanswered {}, records read {}, replayed {}, deliveries checked {}",
            self.drain_seconds,
            self.verify_seconds,
            v.mutations,
            v.acked,
            v.applied_unheard,
            v.rejected,
            v.unanswered,
            v.records,
            v.replayed,
            v.deliveries
        );
        for (code, (n, reason)) in &v.rejections {
            println!("    rejected {code}: {n} (e.g. {reason})");
        }
        for problem in self
            .fatal
            .iter()
            .chain(&self.protocol_errors)
            .chain(&v.problems)
        {
            println!("    {problem}");
        }
        println!(
            "  VERDICT: {} — lost {}, applied twice {}, other problems {}",
            if self.ok() { "OK" } else { "FAILED" },
            v.lost,
            v.applied_twice,
            v.other + self.fatal.len() as u64 + self.protocol_errors.len() as u64
        );
    }
}
