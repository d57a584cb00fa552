//! The complaint classification statistics table (顾客投诉分类统计表) for a period, computed the
//! same way on the tablet and by the server's exports.
//!
//! Definitions, as the app shows them:
//! - **Complaints** in the period: registered (received) on a day of the period.
//! - **By category / department / severity / status**: counts of those complaints; a complaint
//!   not yet classified counts under "not yet".
//! - **Time to close**: from received to closed, for those closed; the average and the slowest.
//! - **Closed with signature**: of those closed, the share the customer signed on the tablet.
//! - **Answered late**: judged after the response deadline of their severity, or still
//!   waiting past it.

use super::{Category, Complaint, ComplaintRules, DeadlineState, Department, Severity, Status};
use crate::care::dates::Day;
use crate::care::kpi::{Period, Ratio};
use crate::sync::{Record, RecordId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    pub period: Period,
    pub total: u32,
    /// Every category, in the form's order, with its count (zeros included).
    pub by_category: Vec<(Category, u32)>,
    pub by_department: Vec<(Department, u32)>,
    pub by_severity: Vec<(Severity, u32)>,
    pub by_status: Vec<(Status, u32)>,
    /// Complaints not yet given a category / a department.
    pub no_category: u32,
    pub no_department: u32,
    pub closed: u32,
    /// Average time to close (ms), of those closed.
    pub average_close_ms: Option<i64>,
    /// The slowest to close, and how long it took (ms).
    pub slowest: Option<(RecordId, i64)>,
    /// Closed with the customer's signature ÷ closed.
    pub signed: Ratio,
    pub answered_late: u32,
    /// The complaints counted, for drilling down (ids, newest first).
    pub complaints: Vec<RecordId>,
}

fn count<T: Copy + Ord>(all: &[T], hits: impl Iterator<Item = T>) -> Vec<(T, u32)> {
    let mut map: BTreeMap<T, u32> = all.iter().map(|t| (*t, 0)).collect();
    for h in hits {
        *map.entry(h).or_default() += 1;
    }
    // The form's order, not the alphabet's.
    all.iter()
        .map(|t| (*t, map.get(t).copied().unwrap_or(0)))
        .collect()
}

/// The table for the complaints received in `period` (days in the store's time zone,
/// `offset_minutes` east of UTC), as of `now_ms`.
pub fn stats(
    records: &[Record],
    period: Period,
    offset_minutes: i32,
    rules: &ComplaintRules,
    now_ms: i64,
) -> Stats {
    let list: Vec<Complaint> = Complaint::all(records)
        .into_iter()
        .filter(|c| period.contains(Day::of_ms(c.received_at, offset_minutes)))
        .collect();
    let closed: Vec<(&Complaint, i64)> = list
        .iter()
        .filter(|c| c.status == Status::Closed)
        .map(|c| (c, c.closed_at.map_or(0, |at| (at - c.received_at).max(0))))
        .collect();
    let closed_count = u32::try_from(closed.len()).unwrap_or(u32::MAX);
    let average_close_ms = (!closed.is_empty())
        .then(|| closed.iter().map(|(_, ms)| *ms).sum::<i64>() / i64::from(closed_count));
    let slowest = closed
        .iter()
        .max_by_key(|(c, ms)| (*ms, std::cmp::Reverse(c.id)))
        .map(|(c, ms)| (c.id, *ms));
    let signed = Ratio {
        num: u32::try_from(closed.iter().filter(|(c, _)| c.closed_signed()).count())
            .unwrap_or(u32::MAX),
        den: closed_count,
    };
    let late = |c: &&Complaint| {
        matches!(
            c.deadline(rules, now_ms).state,
            DeadlineState::Missed | DeadlineState::Overdue
        )
    };
    Stats {
        period,
        total: u32::try_from(list.len()).unwrap_or(u32::MAX),
        by_category: count(Category::ALL, list.iter().filter_map(|c| c.category)),
        by_department: count(Department::ALL, list.iter().filter_map(|c| c.department)),
        by_severity: count(Severity::ALL, list.iter().map(|c| c.severity)),
        by_status: count(Status::ALL, list.iter().map(|c| c.status)),
        no_category: u32::try_from(list.iter().filter(|c| c.category.is_none()).count())
            .unwrap_or(u32::MAX),
        no_department: u32::try_from(list.iter().filter(|c| c.department.is_none()).count())
            .unwrap_or(u32::MAX),
        closed: closed_count,
        average_close_ms,
        slowest,
        signed,
        answered_late: u32::try_from(list.iter().filter(late).count()).unwrap_or(u32::MAX),
        complaints: list.iter().map(|c| c.id).collect(),
    }
}

/// One line of the table as exports write it: section, item, figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub section: &'static str,
    pub item: String,
    pub value: String,
}

/// Hours with one decimal, as the table shows a time.
pub fn hours(ms: i64) -> String {
    format!("{:.1}", ms as f64 / 3_600_000.0)
}

impl Stats {
    /// The table's rows, labelled in Chinese (`zh`) or English.
    pub fn rows(&self, zh: bool) -> Vec<Row> {
        let t = |c: &'static str, e: &'static str| if zh { c } else { e };
        let mut rows = Vec::new();
        let mut push = |section: &'static str, item: &str, value: String| {
            rows.push(Row {
                section,
                item: item.to_owned(),
                value,
            });
        };
        let period = format!("{} – {}", self.period.from, self.period.to);
        push(t("统计期间", "Period"), &period, String::new());
        push(
            t("合计", "Total"),
            t("投诉数", "Complaints"),
            self.total.to_string(),
        );
        let none = t("未分类", "Not yet");
        for (c, n) in &self.by_category {
            push(t("按类别", "By category"), c.label(zh), n.to_string());
        }
        push(
            t("按类别", "By category"),
            none,
            self.no_category.to_string(),
        );
        for (d, n) in &self.by_department {
            push(t("按责任部门", "By department"), d.label(zh), n.to_string());
        }
        push(
            t("按责任部门", "By department"),
            none,
            self.no_department.to_string(),
        );
        for (s, n) in &self.by_severity {
            push(t("按严重程度", "By severity"), s.label(zh), n.to_string());
        }
        for (s, n) in &self.by_status {
            push(t("按状态", "By status"), s.label(zh), n.to_string());
        }
        let close = t("结案", "Closing");
        push(close, t("已结案", "Closed"), self.closed.to_string());
        push(
            close,
            t("平均结案时长（小时）", "Average time to close (hours)"),
            self.average_close_ms.map(hours).unwrap_or_default(),
        );
        push(
            close,
            t("最长结案时长（小时）", "Slowest to close (hours)"),
            self.slowest.map(|(_, ms)| hours(ms)).unwrap_or_default(),
        );
        push(
            close,
            t("客户签字结案", "Closed with the customer's signature"),
            format!("{}/{}", self.signed.num, self.signed.den),
        );
        push(
            close,
            t("超时响应", "Answered late"),
            self.answered_late.to_string(),
        );
        rows
    }

    /// The table as CSV (UTF-8 with a byte-order mark, so Excel opens the Chinese right).
    pub fn to_csv(&self, zh: bool) -> String {
        crate::reports::summary::rows_to_csv(&self.rows(zh), zh)
    }
}

/// A CSV cell, quoted when it must be; a cell a spreadsheet would run as a formula is
/// prefixed with `'`.
pub(crate) fn csv_cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}
