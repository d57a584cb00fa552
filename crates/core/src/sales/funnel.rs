//! The conversion funnel (转化漏斗): how many leads reached each stage, by source, model and
//! advisor. A lead counts at every stage up to the one it reached (a delivered lead also
//! counts as followed, test-driven and ordered); lost leads count where they were lost from
//! only as "captured".

use super::leads::{Lead, Stage};
use crate::UserId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Counts at each step of the funnel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Steps {
    pub captured: u32,
    pub following: u32,
    pub test_drive: u32,
    pub order: u32,
    pub delivered: u32,
    pub lost: u32,
}

/// How far along the funnel a lead at `stage` got: 0 captured (or lost), 1 followed, 2 test
/// drive, 3 order, 4 delivered.
pub fn reached(stage: Stage) -> u8 {
    match stage {
        Stage::New | Stage::LostPending | Stage::Lost => 0,
        Stage::Following => 1,
        Stage::TestDrive => 2,
        Stage::Order => 3,
        Stage::Delivered => 4,
    }
}

impl Steps {
    fn count(&mut self, stage: Stage) {
        self.captured += 1;
        let reached = reached(stage);
        self.following += u32::from(reached >= 1);
        self.test_drive += u32::from(reached >= 2);
        self.order += u32::from(reached >= 3);
        self.delivered += u32::from(reached >= 4);
        self.lost += u32::from(matches!(stage, Stage::Lost | Stage::LostPending));
    }
}

/// The funnel overall and by source, model of interest and advisor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Funnel {
    pub total: Steps,
    pub by_source: BTreeMap<String, Steps>,
    pub by_model: BTreeMap<String, Steps>,
    pub by_advisor: BTreeMap<UserId, Steps>,
}

/// The funnel of `leads` captured between `from_ms` and `to_ms` (inclusive).
pub fn funnel(leads: &[Lead], from_ms: i64, to_ms: i64) -> Funnel {
    let mut f = Funnel::default();
    for l in leads
        .iter()
        .filter(|l| from_ms <= l.captured_at && l.captured_at <= to_ms)
    {
        f.total.count(l.stage);
        let source = l.source.map(|s| s.as_str()).unwrap_or("unknown");
        f.by_source
            .entry(source.to_owned())
            .or_default()
            .count(l.stage);
        for m in &l.models {
            f.by_model.entry(m.clone()).or_default().count(l.stage);
        }
        if let Some(owner) = &l.owner {
            f.by_advisor
                .entry(owner.clone())
                .or_default()
                .count(l.stage);
        }
    }
    f
}
