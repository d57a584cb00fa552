//! Convergence proven by simulation (issue 3, deliverable 2).
//!
//! Plays `HUIFANG_SIM_SCHEDULES` seeded schedules (default 1,000): 2–8 devices and a server
//! over a network that loses, duplicates and reorders messages, with offline periods,
//! crashes, failing commits and clocks off by up to ±48 h. After healing, checks that every
//! device equals the server within its scope, that every saved change is applied or shown as
//! rejected, that nothing is applied twice, that every event exists once, and that no
//! complaint or lead edit disappears without a trace.
//!
//! `HUIFANG_SIM_SEED=n` plays one seed (and `HUIFANG_SIM_FIRST=n` starts the range there).
//! A failure is shrunk and printed with the line to paste into `regressions.rs`.

mod sim;

use std::time::Instant;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

#[test]
fn replicas_converge_under_faults() {
    let (first, count) = match env_u64("HUIFANG_SIM_SEED") {
        Some(seed) => (seed, 1),
        None => (
            env_u64("HUIFANG_SIM_FIRST").unwrap_or(0),
            env_u64("HUIFANG_SIM_SCHEDULES").unwrap_or(1_000),
        ),
    };
    let started = Instant::now();
    let mut total = sim::Stats::default();
    for seed in first..first + count {
        let schedule = sim::generate(seed);
        match sim::run_caught(&schedule) {
            Ok(stats) => {
                total.saved += stats.saved;
                total.applied += stats.applied;
                total.rejected += stats.rejected;
                total.conflicts += stats.conflicts;
                total.conflicts_raised += stats.conflicts_raised;
                total.moves += stats.moves;
                total.crashes += stats.crashes;
            }
            Err(failure) => {
                let keep = sim::shrink(seed);
                let shrunk = sim::replay(seed, &keep);
                let shrunk_failure = sim::run_caught(&shrunk).err().unwrap_or_default();
                panic!(
                    "schedule {seed} failed: {failure}\n\n\
                     shrunk to {} of {} actions: {shrunk_failure}\n{shrunk:#?}\n\n\
                     replay: HUIFANG_SIM_SEED={seed} cargo test -p huifang-core --test simulation\n\
                     keep it in tests/regressions.rs:\n\
                     assert_passes(sim::replay({seed}, &{keep:?}));",
                    keep.len(),
                    schedule.actions.len(),
                );
            }
        }
    }
    eprintln!(
        "{count} schedules in {:.1?}: {} changes saved, {} applied, {} rejected, {} conflicts \
         raised ({} still open), {} ownership moves, {} crashes",
        started.elapsed(),
        total.saved,
        total.applied,
        total.rejected,
        total.conflicts_raised,
        total.conflicts,
        total.moves,
        total.crashes
    );
    // A run that exercised nothing proves nothing.
    if count >= 100 {
        assert!(total.rejected > 0 && total.moves > 0 && total.conflicts_raised > 0);
    }
}
